//! Bad answers from Mode (or what stands in front of it): each ends as a clear, recorded failure
//! or is read safely, and nothing already collected is lost.

use mode_audit::crawl::CrawlOptions;
use mode_audit::sim::{Fault, ScriptedFault, SimConfig, SimServer, Workspace};
use mode_audit::snapshot::{FetchStatus, LedgerStatus};

use crate::harness::{crawl_sim, fast_config, mode_paging};

const SIZES: [usize; 3] = [40, 12, 95];

fn with_body(config: &mut SimConfig, path: &str, status: u16, content_type: &str, body: Vec<u8>) {
    config.scripted.push(ScriptedFault {
        path_contains: path.to_string(),
        fault: Fault::Body {
            status,
            content_type: content_type.to_string(),
            body,
        },
        times: 1000,
    });
}

fn truth(config: &SimConfig) -> Workspace {
    Workspace::generate(&config.workspace, &config.spec)
}

/// Runs the walk with one collection's reports answered by `body`; returns the failure text.
async fn failure_for_body(status: u16, content_type: &str, body: Vec<u8>) -> (String, usize, usize) {
    let mut config = fast_config(SIZES.to_vec());
    let token = truth(&config).collections[0].token.clone();
    with_body(&mut config, &format!("/{token}/reports"), status, content_type, body);
    let sim = SimServer::start(config.clone()).await.unwrap();
    let (outcome, _) = crawl_sim(&sim, &config, mode_paging()).await;
    assert_eq!(outcome.failures.len(), 1, "{:?}", outcome.failures);
    assert_eq!(outcome.collections[0].status, LedgerStatus::Failed);
    (outcome.failures[0].error.clone(), outcome.reports.len(), 12 + 95)
}

#[tokio::test]
async fn a_proxys_html_page_is_named_as_such() {
    let (error, got, others) =
        failure_for_body(502, "text/html", b"<html><h1>502 Bad Gateway</h1></html>".to_vec()).await;
    assert!(error.contains("HTML") || error.contains("502"), "{error}");
    assert_eq!(got, others, "the other collections are complete");
    let (error, _, _) = failure_for_body(200, "text/html; charset=utf-8", b"<html>Sign in</html>".to_vec()).await;
    assert!(error.contains("HTML page") && error.contains("proxy"), "{error}");
}

#[tokio::test]
async fn a_body_over_the_size_cap_is_refused_unread() {
    let huge = vec![b' '; mode_audit::mode::MAX_BODY_BYTES + 10];
    let (error, got, others) = failure_for_body(200, "application/hal+json", huge).await;
    assert!(error.contains("33554432-byte limit"), "{error}");
    assert_eq!(got, others);
}

#[tokio::test]
async fn invalid_utf8_is_reported_with_its_json_path() {
    let mut body = br#"{"_embedded":{"reports":[{"token":"ok1"},{"token":"bad"#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(br#""}]}}"#);
    let (error, _, _) = failure_for_body(200, "application/hal+json", body).await;
    assert!(error.contains("_embedded.reports[1]"), "names the JSON path: {error}");
    assert!(error.contains("/reports?page=1"), "names the URL: {error}");
}

#[tokio::test]
async fn absurd_counters_are_left_empty_and_trigger_a_schedules_check() {
    let mut config = fast_config(SIZES.to_vec());
    let ws = truth(&config);
    let c = &ws.collections[1];
    let r = &c.reports[0];
    let body = serde_json::json!({"_embedded": {"reports": [{
        "token": r.token, "name": "Weird counters", "view_count": -5, "schedules_count": 10_000_000_000_000u64,
        "_links": {"creator": {"href": "/api/someone"}}
    }]}});
    with_body(
        &mut config,
        &format!("/{}/reports", c.token),
        200,
        "application/hal+json",
        serde_json::to_vec(&body).unwrap(),
    );
    let sim = SimServer::start(config.clone()).await.unwrap();
    let (outcome, _) = crawl_sim(&sim, &config, mode_paging()).await;
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    let got = outcome.reports.iter().find(|x| x.token == r.token).unwrap();
    assert_eq!(
        (got.view_count, got.schedules_count),
        (None, None),
        "never a made-up number"
    );
    assert_eq!(
        got.fetch_status,
        FetchStatus::Fetched,
        "an unreadable count is checked, not assumed"
    );
    assert_eq!(got.scheduled, Some(!r.schedules.is_empty()));
}

#[tokio::test]
async fn unknown_collection_types_are_kept_as_sent() {
    let mut config = fast_config(SIZES.to_vec());
    let ws = truth(&config);
    let spaces: Vec<serde_json::Value> = ws
        .collections
        .iter()
        .map(|c| serde_json::json!({"token": c.token, "name": c.name, "space_type": "galaxy_brain"}))
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({"_embedded": {"spaces": spaces}})).unwrap();
    with_body(&mut config, "/spaces?", 200, "application/hal+json", body);
    let sim = SimServer::start(config.clone()).await.unwrap();
    let (outcome, _) = crawl_sim(&sim, &config, mode_paging()).await;
    assert!(outcome.failures.is_empty());
    assert!(
        outcome
            .collections
            .iter()
            .all(|c| c.collection_type.as_deref() == Some("galaxy_brain"))
    );
    assert_eq!(outcome.reports.len(), ws.report_count());
}

#[tokio::test]
async fn a_listing_that_never_ends_is_stopped_at_the_page_cap_and_reported() {
    let config = fast_config(SIZES.to_vec());
    let sim = SimServer::start(config.clone()).await.unwrap();
    let options = CrawlOptions {
        max_pages: 2,
        ..mode_paging()
    };
    let (outcome, _) = crawl_sim(&sim, &config, options).await;
    let big = &outcome.collections[2];
    assert_eq!((big.status, big.reports, big.pages), (LedgerStatus::Failed, 60, 2));
    assert!(big.error.as_deref().unwrap().contains("--max-pages"));
    assert_eq!(outcome.failures.len(), 1);
}

#[tokio::test]
async fn the_same_page_served_forever_ends_without_duplicates() {
    let mut config = fast_config(SIZES.to_vec());
    let ws = truth(&config);
    let c = &ws.collections[2];
    let page: Vec<serde_json::Value> = c.reports[..30]
        .iter()
        .map(|r| serde_json::json!({"token": r.token, "view_count": r.view_count, "schedules_count": 0}))
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({"_embedded": {"reports": page}})).unwrap();
    with_body(
        &mut config,
        &format!("/{}/reports", c.token),
        200,
        "application/hal+json",
        body,
    );
    let sim = SimServer::start(config.clone()).await.unwrap();
    let (outcome, _) = crawl_sim(&sim, &config, mode_paging()).await;
    let ledger = &outcome.collections[2];
    assert_eq!(
        (ledger.reports, ledger.pages),
        (30, 2),
        "a repeated page ends the listing"
    );
    assert_eq!(outcome.duplicates, 30);
}
