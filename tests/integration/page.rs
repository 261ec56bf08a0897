//! The page (report.html) in a real browser: it renders, its table holds every finding once the
//! scripts ran, sorting and filtering work through the URL fragment, the console stays empty,
//! hostile report names run nothing, and the page asks the network for nothing.

#[path = "page/chromium.rs"]
mod chromium;
#[path = "page/laptop.rs"]
mod laptop;

use std::collections::BTreeSet;
use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use mode_audit::commands::run::run;
use mode_audit::sim::SimServer;
use mode_audit::stop::Stop;

use crate::harness::{fast_config, settings};

const SCRIPT_NAME: &str = "<script>document.body.setAttribute('data-pwned','script')</script>";
const IMG_NAME: &str = "<img src=http://leak.example/x.png onerror=\"document.body.setAttribute('data-pwned','img')\">";

/// A stand-in audit whose first two unviewed scheduled reports have hostile names; returns the
/// output folder, the page, and the report tokens in findings.csv.
async fn audited() -> (tempfile::TempDir, PathBuf, BTreeSet<String>) {
    let config = fast_config(vec![30, 12, 45]);
    let sim = SimServer::start(config.clone()).await.unwrap();
    sim.mutate(|ws| {
        let names = [SCRIPT_NAME, IMG_NAME];
        let unviewed = ws
            .collections
            .iter_mut()
            .flat_map(|c| c.reports.iter_mut())
            .filter(|r| !r.schedules.is_empty() && r.view_count == 0);
        for (r, name) in unviewed.zip(names) {
            r.name = Some(name.to_string());
        }
        ws.collections[0].name = Some("</script><script>document.title='pwned'</script>".into());
    });
    let out = tempfile::tempdir().unwrap();
    let published = run(&settings(&sim, &config, out.path()), &Stop::default())
        .await
        .unwrap()
        .published
        .unwrap();
    sim.shutdown().await;
    let mut findings = csv::Reader::from_path(published.join("findings.csv")).unwrap();
    let at = findings
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "report_token")
        .unwrap();
    let tokens = findings.records().map(|r| r.unwrap()[at].to_string()).collect();
    (out, published.join("report.html"), tokens)
}

/// The table's rows after the scripts ran: (token, owner, reasons, hidden), in order.
fn rows(dom: &str) -> Vec<(String, String, String, bool)> {
    let body = dom
        .split("<table id=\"findings\">")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap();
    let attr = |tag: &str, name: &str| {
        tag.split(&format!(" {name}=\""))
            .nth(1)
            .map(|v| v.split('"').next().unwrap().to_string())
    };
    body.split("<tr ")
        .skip(1)
        .filter_map(|tr| {
            let tag = format!(" {}", tr.split('>').next().unwrap());
            let tag = tag.as_str();
            Some((
                attr(tag, "data-token")?,
                attr(tag, "data-owner")?,
                attr(tag, "data-reasons")?,
                tag.contains(" hidden"),
            ))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_renders_every_finding_and_runs_no_hostile_name() {
    let Some(browser) = chromium::find() else { return };
    let (_out, page, findings) = audited().await;
    assert!(!findings.is_empty());
    let loaded = tokio::task::spawn_blocking(move || browser.load(&chromium::file_url(&page), None))
        .await
        .unwrap();
    let dom = &loaded.dom;
    assert!(
        dom.contains("data-ready=\"yes\""),
        "the page's script did not run to its end:\n{}",
        loaded.log
    );
    assert!(dom.contains("<h1>Scheduled reports in acme</h1>"));
    assert!(dom.contains("id=\"headline\""));
    assert!(dom.contains("<svg"), "charts are drawn");
    let shown: BTreeSet<String> = rows(dom).into_iter().map(|r| r.0).collect();
    assert_eq!(shown, findings, "one row per report with findings, every one");
    let body_tag = dom.split("<body").nth(1).unwrap().split('>').next().unwrap();
    assert!(
        !body_tag.contains("data-pwned"),
        "a report's name ran as code: <body{body_tag}>"
    );
    assert!(dom.contains("<title>mode-audit: acme"), "the title was not rewritten");
    assert!(dom.contains("&lt;script&gt;document.body.setAttribute('data-pwned','script')&lt;/script&gt;"));
    assert!(dom.contains("&lt;img src=http://leak.example/x.png"));
    assert_eq!(loaded.console(), Vec::<&str>::new(), "console messages");
}

#[tokio::test(flavor = "multi_thread")]
async fn sorting_and_filtering_follow_the_fragment() {
    let Some(browser) = chromium::find() else { return };
    let (_out, page, _) = audited().await;
    let url = chromium::file_url(&page);
    let browser = Arc::new(browser);
    let load = |fragment: &str| {
        let (browser, url) = (Arc::clone(&browser), format!("{url}#{fragment}"));
        tokio::task::spawn_blocking(move || browser.load(&url, None))
    };
    let (plain, sorted, filtered) = tokio::join!(load(""), load("sort=owner&dir=asc"), load("reason=SCHEDULE_FAILING"));
    let (plain, sorted, filtered) = (plain.unwrap(), sorted.unwrap(), filtered.unwrap());
    for loaded in [&plain, &sorted, &filtered] {
        assert!(loaded.dom.contains("data-ready=\"yes\""), "{}", loaded.log);
        assert_eq!(loaded.console(), Vec::<&str>::new());
    }
    let before: Vec<String> = rows(&plain.dom).into_iter().map(|r| r.1).collect();
    let after: Vec<String> = rows(&sorted.dom).into_iter().map(|r| r.1).collect();
    let mut expected = before.clone();
    expected.sort_by_key(|o| o.to_lowercase());
    assert_eq!(
        after.iter().map(|o| o.to_lowercase()).collect::<Vec<_>>(),
        expected.iter().map(|o| o.to_lowercase()).collect::<Vec<_>>()
    );
    assert_ne!(
        before, after,
        "sorting by owner changed the order (the page starts sorted by cost)"
    );
    assert!(
        sorted
            .dom
            .contains("data-key=\"owner\" data-type=\"text\" aria-sort=\"ascending\"")
    );
    let rows = rows(&filtered.dom);
    let hidden = rows.iter().filter(|r| r.3).count();
    assert!(
        hidden > 0 && hidden < rows.len(),
        "{hidden} of {} rows hidden",
        rows.len()
    );
    for (token, _, reasons, hidden) in &rows {
        assert_eq!(
            *hidden,
            !reasons.split(' ').any(|r| r == "SCHEDULE_FAILING"),
            "{token}: {reasons}"
        );
    }
    let visible = rows.len() - hidden;
    assert!(filtered.dom.contains(&format!("<span id=\"shown\">{visible}</span>")));
}

/// A listener every host name resolves to, recording the first bytes of each connection.
fn sensor() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut buf = [0u8; 512];
            let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(2)));
            let n = conn.read(&mut buf).unwrap_or(0);
            record
                .lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    });
    (port, seen)
}

/// Requests a page made, told from the browser's own service calls (time, component updates),
/// which Chromium makes whatever it loads.
fn page_requests(seen: &Mutex<Vec<String>>) -> Vec<String> {
    let own = ["GET /time/1/current", "POST /service/update2/"];
    seen.lock()
        .unwrap()
        .iter()
        .filter(|r| r.contains("HTTP/1.1\r\n") && !own.iter().any(|o| r.starts_with(o)))
        .cloned()
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_makes_no_network_request() {
    let Some(browser) = chromium::find() else { return };
    let (out, page, _) = audited().await;
    let browser = Arc::new(browser);
    // The sensor works: a page that loads an image from the network is seen.
    let control = out.path().join("control.html");
    std::fs::write(&control, "<!DOCTYPE html><img src=\"http://leak.example/pixel.png\">").unwrap();
    let (port, seen) = sensor();
    let b = Arc::clone(&browser);
    tokio::task::spawn_blocking(move || b.load(&chromium::file_url(&control), Some(port)))
        .await
        .unwrap();
    assert!(
        page_requests(&seen).iter().any(|r| r.contains("GET /pixel.png")),
        "{:?}",
        seen.lock().unwrap()
    );
    let (port, seen) = sensor();
    let loaded = tokio::task::spawn_blocking(move || browser.load(&chromium::file_url(&page), Some(port)))
        .await
        .unwrap();
    assert!(loaded.dom.contains("data-ready=\"yes\""));
    assert_eq!(page_requests(&seen), Vec::<String>::new());
}
