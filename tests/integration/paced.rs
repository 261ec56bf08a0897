//! Pacing end to end on a paused clock: the audit against the stand-in at Mode's real budget
//! (40 per 10 s), in virtual time, so the test is exact and takes milliseconds.

use std::time::Duration;

use mode_audit::crawl::crawl;
use mode_audit::mode::{ModeClient, Rate};
use mode_audit::sim::{RateWindow, SimServer, minimum_requests};
use mode_audit::stop::Stop;
use tokio::time::Instant;

use crate::harness::{fast_config, mode_paging, settings};

/// How early the pacer may let a request go to keep its schedule despite the timer's millisecond.
const SLACK: Duration = Duration::from_millis(2);

#[tokio::test(start_paused = true)]
async fn at_modes_budget_the_audit_meets_no_429_and_takes_its_requests_times_the_interval() {
    let mut config = fast_config(vec![30, 61, 12, 0, 45, 90]);
    config.limit = Some(RateWindow {
        requests: 40,
        window: Duration::from_secs(10),
    });
    let sim = SimServer::start(config.clone()).await.unwrap();
    sim.record_arrivals();
    let truth = sim.workspace();
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(&sim, &config, dir.path());
    s.client.rate = Some(Rate::MODE);
    let client = ModeClient::new(s.client).unwrap();

    let started = Instant::now();
    let outcome = crawl(&client, &mode_paging(), &Stop::default(), None).await.unwrap();
    let took = started.elapsed();

    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    assert_eq!(outcome.reports.len(), truth.report_count());
    let requests = minimum_requests(&truth, 30);
    let counters = sim.counters();
    assert_eq!((counters.total, counters.throttled), (requests, 0), "no 429, no retry");
    assert_eq!(client.stats().throttled, 0);

    let interval = Rate::MODE.interval();
    let arrivals = sim.arrivals();
    assert_eq!(arrivals.len() as u64, requests);
    for pair in arrivals.windows(2) {
        assert!(pair[1] - pair[0] >= interval - SLACK, "{:?} apart", pair[1] - pair[0]);
    }
    for w in arrivals.windows(41) {
        assert!(
            w[40] - w[0] > Duration::from_secs(10),
            "41 requests within {:?}",
            w[40] - w[0]
        );
    }
    // The budget is the only thing that takes time: one interval per request after the first.
    let paced = interval * (requests as u32 - 1);
    assert!(
        took + SLACK >= paced && took <= paced + interval,
        "{requests} requests took {took:?}, paced {paced:?}"
    );
}
