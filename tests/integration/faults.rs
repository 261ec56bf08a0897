//! Rate limits and faults: every report still arrives exactly once, and failures become data.

use std::collections::HashSet;
use std::num::NonZeroU32;
use std::time::Duration;

use mode_audit::commands::run::{RunStatus, run_each};
use mode_audit::crawl::crawl;
use mode_audit::mode::{ModeClient, ModeError, Rate};
use mode_audit::sim::minimum_requests;
use mode_audit::sim::{Fault, RateWindow, ScriptedFault, SimServer};
use mode_audit::snapshot::LedgerStatus;
use mode_audit::stop::Stop;

use crate::harness::{crawl_sim, fast_config, mode_paging, settings};

const SIZES: [usize; 4] = [30, 61, 12, 0];

fn script(path_contains: &str, fault: Fault, times: u32) -> ScriptedFault {
    ScriptedFault {
        path_contains: path_contains.to_string(),
        fault,
        times,
    }
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_and_retried() {
    let mut config = fast_config(SIZES.to_vec());
    config.scripted = vec![script("/spaces?", Fault::RateLimited { retry_after: Some(1) }, 1)];
    let sim = SimServer::start(config.clone()).await.unwrap();
    let truth = sim.workspace();
    let (outcome, stats) = crawl_sim(&sim, &config, mode_paging()).await;
    assert!(outcome.failures.is_empty());
    assert_eq!(outcome.reports.len(), truth.report_count());
    assert_eq!(stats.throttled, 1);
    assert_eq!(
        sim.counters().total,
        minimum_requests(&truth, 30) + 1,
        "exactly one extra request"
    );
}

#[tokio::test]
async fn a_429_without_retry_after_waits_for_the_window() {
    let mut config = fast_config(SIZES.to_vec());
    config.retry_after = false;
    let reports_of_second = format!("/{}/reports", config_token(&config, 1).await);
    config.scripted = vec![script(&reports_of_second, Fault::RateLimited { retry_after: None }, 2)];
    let sim = SimServer::start(config.clone()).await.unwrap();
    let truth = sim.workspace();
    let (outcome, stats) = crawl_sim(&sim, &config, mode_paging()).await;
    assert!(outcome.failures.is_empty());
    assert_eq!(outcome.reports.len(), truth.report_count());
    assert_eq!(stats.throttled, 2);
    assert_eq!(sim.counters().total, minimum_requests(&truth, 30) + 2);
}

#[tokio::test]
async fn a_client_configured_faster_than_the_server_follows_its_rate_limit_headers() {
    let mut config = fast_config(vec![90, 90, 90, 90]);
    config.retry_after = false;
    let sim = SimServer::start(config.clone()).await.unwrap();
    let truth = sim.workspace();
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(&sim, &config, dir.path());
    // Twice the server's budget: the server must answer 429 and the client must cope.
    s.client.rate = Some(Rate {
        requests: NonZeroU32::new(80).unwrap(),
        per: Duration::from_millis(100),
    });
    let client = ModeClient::new(s.client).unwrap();
    let outcome = crawl(&client, &mode_paging(), &Stop::default(), None).await.unwrap();
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    assert_eq!(outcome.reports.len(), truth.report_count());
    // X-RateLimit-Limit says 40: the client re-paces to it instead of hammering into 429s.
    let pace = client.current_rate().unwrap();
    assert!(
        (36..=40).contains(&pace.requests.get()) && pace.per == Duration::from_millis(100),
        "{pace:?}"
    );
    let counters = sim.counters();
    assert!(counters.throttled * 100 <= counters.total * 2, "{counters:?}");
    assert_eq!(client.stats().throttled, counters.throttled);
}

#[tokio::test]
async fn server_errors_dropped_connections_and_bad_bodies_are_retried() {
    let mut config = fast_config(SIZES.to_vec());
    let second = format!("/{}/reports", config_token(&config, 1).await);
    config.scripted = vec![
        script(&second, Fault::Status(503), 1),
        script(&second, Fault::Drop, 1),
        script(&second, Fault::Malformed, 1),
        script(&second, Fault::Html(502), 1),
        script("/spaces?", Fault::Status(500), 1),
    ];
    let sim = SimServer::start(config.clone()).await.unwrap();
    let truth = sim.workspace();
    let (outcome, stats) = crawl_sim(&sim, &config, mode_paging()).await;
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    assert_eq!(outcome.reports.len(), truth.report_count());
    assert_eq!(stats.retries, 5);
    assert_eq!(sim.counters().total, minimum_requests(&truth, 30) + 5);
}

#[tokio::test]
async fn random_faults_lose_nothing() {
    let mut config = fast_config(vec![75, 30, 44, 0, 91]);
    config.error_rate = 0.05;
    config.drop_rate = 0.03;
    config.malformed_rate = 0.02;
    config.fault_seed = 11;
    let sim = SimServer::start(config.clone()).await.unwrap();
    let truth = sim.workspace();
    let (outcome, stats) = crawl_sim(&sim, &config, mode_paging()).await;
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    let got: HashSet<String> = outcome.reports.iter().map(|r| r.token).collect();
    assert_eq!(got.len(), truth.report_count());
    let scheduled = truth.reports().filter(|(_, r)| !r.schedules.is_empty()).count();
    assert_eq!(
        outcome.reports.iter().filter(|r| r.scheduled == Some(true)).count(),
        scheduled
    );
    assert!(sim.counters().faults > 0 && stats.retries >= sim.counters().faults);
}

#[tokio::test]
async fn a_branch_that_keeps_failing_is_recorded_and_its_siblings_finish() {
    let mut config = fast_config(SIZES.to_vec());
    let second = format!("/{}/reports", config_token(&config, 1).await);
    config.scripted = vec![script(&second, Fault::Status(500), 100)];
    let sim = SimServer::start(config.clone()).await.unwrap();
    let truth = sim.workspace();
    let (outcome, _) = crawl_sim(&sim, &config, mode_paging()).await;
    assert_eq!(outcome.failures.len(), 1);
    assert_eq!(outcome.failures[0].scope, "collection");
    assert!(
        outcome.failures[0].error.contains("after 5 attempts"),
        "{}",
        outcome.failures[0].error
    );
    let failed = &outcome.collections[1];
    assert_eq!((failed.status, failed.reports), (LedgerStatus::Failed, 0));
    let others: usize = truth
        .collections
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, c)| c.reports.len())
        .sum();
    assert_eq!(outcome.reports.len(), others);
}

#[tokio::test]
async fn an_inaccessible_collection_is_recorded_and_the_walk_goes_on() {
    let mut config = fast_config(SIZES.to_vec());
    let hidden = config_token(&config, 1).await;
    config.inaccessible = vec![hidden.clone()];
    let sim = SimServer::start(config.clone()).await.unwrap();
    let truth = sim.workspace();
    let (outcome, _) = crawl_sim(&sim, &config, mode_paging()).await;
    assert_eq!(outcome.failures.len(), 1);
    assert_eq!(outcome.failures[0].token.as_deref(), Some(hidden.as_str()));
    let ledger = outcome.collections.iter().find(|c| c.token == hidden).unwrap();
    assert_eq!(ledger.status, LedgerStatus::Inaccessible);
    assert!(ledger.error.as_deref().unwrap().contains("404"));
    let visible = truth.report_count() - truth.collections[1].reports.len();
    assert_eq!(outcome.reports.len(), visible);
}

#[tokio::test]
async fn rejected_credentials_stop_at_the_first_request() {
    let config = fast_config(SIZES.to_vec());
    let sim = SimServer::start(config.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(&sim, &config, dir.path());
    s.client.credentials.secret = "wrong".to_string().into();
    let client = ModeClient::new(s.client).unwrap();
    let err = crawl(&client, &mode_paging(), &Stop::default(), None)
        .await
        .unwrap_err();
    assert!(matches!(err.source, ModeError::Unauthorized { .. }), "{err}");
    assert!(
        err.source.to_string().contains("MODE_API_TOKEN"),
        "says which credential to check: {}",
        err.source
    );
    assert_eq!(sim.counters().total, 1);
    assert_eq!(sim.counters().unauthorized, 1);
}

/// The token of the `index`-th collection the stand-in will generate for `config`.
async fn config_token(config: &mode_audit::sim::SimConfig, index: usize) -> String {
    mode_audit::sim::Workspace::generate(&config.workspace, &config.spec).collections[index]
        .token
        .clone()
}

#[tokio::test(start_paused = true)]
async fn workspaces_audited_in_turn_share_one_pacer() {
    // Paced at 4 per second (a request every 255 ms), two runs of the same credentials one after
    // the other: the first request of the second run must wait its turn after the last of the
    // first run, as if one run had made them all. (A pacer per run would send it at once.)
    let per = Duration::from_secs(1);
    let mut config = fast_config(vec![5, 5]);
    config.limit = Some(RateWindow {
        requests: 5,
        window: per,
    });
    let sim = SimServer::start(config.clone()).await.unwrap();
    sim.record_arrivals();
    let truth = sim.workspace();
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let runs: Vec<_> = [first.path(), second.path()]
        .into_iter()
        .map(|out| {
            let mut s = settings(&sim, &config, out);
            s.client.rate = Some(Rate {
                requests: NonZeroU32::new(4).unwrap(),
                per,
            });
            s.progress = false;
            s
        })
        .collect();
    let results = run_each(&runs, &Stop::default()).await;
    for (_, outcome) in &results {
        let report = outcome.as_ref().unwrap().as_ref().unwrap();
        assert_eq!(report.status, RunStatus::Complete);
        assert_eq!(report.summary.reports as usize, truth.report_count());
    }
    let arrivals = sim.arrivals();
    assert_eq!(arrivals.len() as u64, 2 * minimum_requests(&truth, 30));
    // On the paused clock the spacing is exact (less the pacer's 2 ms of slack); a fresh pacer
    // would have sent the second run's first request at once.
    let closest = arrivals.windows(2).map(|w| w[1] - w[0]).min().unwrap();
    let interval = runs[0].client.rate.unwrap().interval();
    assert!(
        closest >= interval - Duration::from_millis(2),
        "two requests only {closest:?} apart"
    );
}
