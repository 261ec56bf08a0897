//! The page on a laptop, in a real browser: at 1280×800 the findings table's columns a reader came
//! for lie inside the window and the page does not scroll sideways; columns unknown for every
//! report are left out with a line saying why; collections of the same name are told apart.
//!
//! A framing page holds report.html in an iframe of the laptop's size, measures its table with
//! `getBoundingClientRect` once it has loaded, and writes the figures into its own DOM, which
//! `--dump-dom` prints. report.html itself is loaded unchanged, its Content-Security-Policy on.

use std::path::{Path, PathBuf};

use mode_audit::cli::Source;
use mode_audit::commands::run::run;
use mode_audit::config::{DiscoverySettings, Settings};
use mode_audit::mode::discovery::SignatureToken;
use mode_audit::sim::{SimConfig, SimServer};
use mode_audit::stop::Stop;
use secrecy::SecretString;

use super::chromium::{self, Chromium};
use crate::harness::{backdate, fast_config, settings};

/// A laptop's window.
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 800;

/// What the framing page measured of report.html, in CSS pixels.
#[derive(Debug)]
struct Measured {
    /// The page's script ran to its end.
    ready: bool,
    /// The width the page lays out in (the window less its scroll bar).
    viewport: f64,
    /// The page's full width: more than `viewport` when it scrolls sideways.
    scroll: f64,
    /// The findings table's headers: (data-key, left, right).
    headers: Vec<(String, f64, f64)>,
}

const FRAME: &str = r#"<!DOCTYPE html>
<html><body style="margin:0">
<iframe id="page" src="report.html" width="WIDTH" height="HEIGHT" style="border:0" onload="measure()"></iframe>
<script>
function measure() {
  var d = document.getElementById('page').contentDocument, e = d.documentElement;
  var headers = Array.prototype.map.call(d.querySelectorAll('#findings th'), function (th) {
    var r = th.getBoundingClientRect();
    return [th.dataset.key, r.left, r.right];
  });
  var out = document.createElement('pre');
  out.id = 'measured';
  out.textContent = JSON.stringify({ ready: d.body.getAttribute('data-ready') === 'yes',
    viewport: e.clientWidth, scroll: e.scrollWidth, headers: headers });
  document.body.appendChild(out);
}
</script>
</body></html>
"#;

/// Loads `page` in an iframe `WIDTH`×`HEIGHT` and returns what the framing page measured.
fn measure(browser: &Chromium, page: &Path) -> Measured {
    let frame = page.with_file_name("laptop.html");
    let html = FRAME
        .replace("WIDTH", &WIDTH.to_string())
        .replace("HEIGHT", &HEIGHT.to_string());
    std::fs::write(&frame, html).unwrap();
    let loaded = browser.load_with(
        &chromium::file_url(&frame),
        None,
        &["--allow-file-access-from-files", "--window-size=1400,900"],
    );
    let text = loaded
        .dom
        .split("<pre id=\"measured\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("the framing page measured nothing:\n{}", loaded.log))
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let number = |v: &serde_json::Value| v.as_f64().unwrap();
    Measured {
        ready: json["ready"].as_bool().unwrap(),
        viewport: number(&json["viewport"]),
        scroll: number(&json["scroll"]),
        headers: json["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h[0].as_str().unwrap().to_string(), number(&h[1]), number(&h[2])))
            .collect(),
    }
}

/// Settings that read last viewed from Discovery and make an apply plan.
fn with_everything(sim: &SimServer, config: &SimConfig, out: &Path) -> Settings {
    let mut s = settings(sim, config, out);
    let (token, key, secret) = config.batch.preset.clone().unwrap();
    s.discovery = DiscoverySettings {
        source: Source::Both,
        token: Some(SignatureToken {
            token: SecretString::from(token),
            access_key: SecretString::from(key),
            access_secret: SecretString::from(secret),
        }),
    };
    s.insights.digests = true;
    s
}

/// A workspace audited with Discovery and a plan, with earlier snapshots 8, 31 and 91 days old:
/// every column of the table is known, and report names are as long as real ones get, in words
/// or in one snake_case word. Returns the second run's page.
async fn audited_in_full() -> (tempfile::TempDir, PathBuf) {
    let config = fast_config(vec![30, 12, 45]);
    let sim = SimServer::start(config.clone()).await.unwrap();
    sim.mutate(|ws| {
        // One collection and one report with a name that has no place to break.
        ws.collections[0].name = Some("quarterly_revenue_".repeat(9));
        let reports = ws.collections.iter_mut().flat_map(|c| c.reports.iter_mut());
        for (i, r) in reports.enumerate() {
            r.name = Some(match i % 3 {
                0 => format!("Weekly revenue by region, product line and sales channel (finance review) {i}"),
                1 => format!("weekly_revenue_by_region_product_line_and_sales_channel_v{i}"),
                _ => format!("{}{i}", "QuarterlyRevenue".repeat(14)),
            });
        }
    });
    let out = tempfile::tempdir().unwrap();
    let s = with_everything(&sim, &config, out.path());
    let first = run(&s, &Stop::default()).await.unwrap().published.unwrap();
    for days in [8, 31, 91] {
        backdate(&first, days);
    }
    let second = run(&s, &Stop::default()).await.unwrap().published.unwrap();
    sim.shutdown().await;
    (out, second.join("report.html"))
}

#[tokio::test(flavor = "multi_thread")]
async fn at_1280_px_the_columns_a_reader_came_for_are_inside_the_window() {
    let Some(browser) = chromium::find() else { return };
    let (_out, page) = audited_in_full().await;
    let m = tokio::task::spawn_blocking(move || measure(&browser, &page))
        .await
        .unwrap();
    assert!(m.ready, "the page's script did not run to its end: {m:?}");
    let keys: Vec<&str> = m.headers.iter().map(|h| h.0.as_str()).collect();
    for key in ["views_7d", "views_30d", "views_90d", "subscribers", "collection"] {
        assert!(keys.contains(&key), "every column is known here, {key} too: {keys:?}");
    }
    for key in ["report", "owner", "cost", "last_viewed", "apply_from", "reasons"] {
        let (_, left, right) = m
            .headers
            .iter()
            .find(|h| h.0 == key)
            .unwrap_or_else(|| panic!("no {key} column: {keys:?}"));
        assert!(
            *left >= 0.0 && *right <= m.viewport,
            "the {key} header spans {left}..{right} px, outside the {} px window: {m:?}",
            m.viewport
        );
    }
    assert!(
        m.scroll <= m.viewport,
        "the page scrolls sideways: {} px wide in a {} px window",
        m.scroll,
        m.viewport
    );
}

/// The findings table's header keys and each row's cell count, from a DOM.
fn table(dom: &str) -> (Vec<String>, Vec<usize>) {
    let table = dom
        .split("<table id=\"findings\">")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap();
    let (head, body) = table.split_once("</thead>").unwrap();
    let keys = head
        .split("data-key=\"")
        .skip(1)
        .map(|k| k.split('"').next().unwrap().to_string())
        .collect();
    let cells = body.split("<tr ").skip(1).map(|tr| tr.matches("<td").count()).collect();
    (keys, cells)
}

#[tokio::test(flavor = "multi_thread")]
async fn columns_unknown_for_every_report_are_left_out_with_a_line_saying_why() {
    let Some(browser) = chromium::find() else { return };
    // A first run, REST only, no plan: no views window, no last viewed, no apply date is known.
    let config = fast_config(vec![30, 12, 45]);
    let sim = SimServer::start(config.clone()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let published = run(&settings(&sim, &config, out.path()), &Stop::default())
        .await
        .unwrap()
        .published
        .unwrap();
    sim.shutdown().await;
    let page = published.join("report.html");
    let loaded = tokio::task::spawn_blocking(move || browser.load(&chromium::file_url(&page), None))
        .await
        .unwrap();
    assert!(loaded.dom.contains("data-ready=\"yes\""), "{}", loaded.log);
    let (keys, cells) = table(&loaded.dom);
    assert_eq!(
        keys,
        [
            "report",
            "owner",
            "cost",
            "reasons",
            "collection",
            "frequencies",
            "subscribers"
        ],
        "the columns known for some report, those a reader came for first"
    );
    assert!(!cells.is_empty());
    assert!(
        cells.iter().all(|n| *n == keys.len()),
        "every row has a cell per column: {cells:?}"
    );
    let note = loaded
        .dom
        .split("<p class=\"note\" id=\"left-out\">")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .expect("a line says what was left out");
    for why in [
        "views 7d, 30d and 90d (unknown for every report: no earlier snapshot of this workspace is that old yet",
        "last viewed (unknown for every report: Mode's REST API does not give it",
        "no apply plan was made for this snapshot: --digests makes one",
    ] {
        assert!(
            note.contains(&why.replace('\'', "&#39;")) || note.contains(why),
            "{why}\nnot in: {note}"
        );
    }
}

/// The labels of a bar chart, by its title.
fn chart_labels(dom: &str, title: &str) -> Vec<String> {
    let svg = dom
        .split(&format!("aria-label=\"{title}\""))
        .nth(1)
        .unwrap()
        .split("</svg>")
        .next()
        .unwrap();
    svg.split("<text x=\"0\"")
        .skip(1)
        .map(|t| t.split('>').nth(1).unwrap().split('<').next().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn collections_of_the_same_name_are_told_apart() {
    let Some(browser) = chromium::find() else { return };
    // Two custom collections, both "Product"; two members' Personal collections; Community.
    let mut config = fast_config(vec![30, 30, 25, 25, 45]);
    config.spec.personal = 2;
    let sim = SimServer::start(config.clone()).await.unwrap();
    sim.mutate(|ws| ws.collections[1].name = ws.collections[0].name.clone());
    let truth = sim.workspace();
    let twin = truth.collections[0].name.clone().unwrap();
    let expected = [
        format!("{twin} ({})", truth.collections[0].token),
        format!("{twin} ({})", truth.collections[1].token),
        format!("Personal ({})", truth.collections[2].creator),
        format!("Personal ({})", truth.collections[3].creator),
    ];
    let out = tempfile::tempdir().unwrap();
    let published = run(&settings(&sim, &config, out.path()), &Stop::default())
        .await
        .unwrap()
        .published
        .unwrap();
    sim.shutdown().await;
    let page = published.join("report.html");
    let loaded = tokio::task::spawn_blocking(move || browser.load(&chromium::file_url(&page), None))
        .await
        .unwrap();
    assert!(loaded.dom.contains("data-ready=\"yes\""), "{}", loaded.log);
    let labels = chart_labels(&loaded.dom, "Cost per month by collection (top 15)");
    for label in &expected {
        assert!(labels.contains(label), "no bar labelled {label}: {labels:?}");
    }
    let mut distinct = labels.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), labels.len(), "two bars share a label: {labels:?}");
    for label in &expected {
        assert!(
            loaded.dom.contains(&format!("data-collection=\"{label}\"")),
            "no row in {label}"
        );
    }
}
