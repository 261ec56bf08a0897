//! The walk against the stand-in: every report exactly once, in as few requests as the data allows.

use std::collections::HashSet;

use mode_audit::crawl::CrawlOptions;
use mode_audit::sim::minimum_requests;
use mode_audit::sim::{PastEnd, SimServer};
use mode_audit::snapshot::{FetchStatus, LedgerStatus};

use crate::harness::{crawl_sim, fast_config, mode_paging};

/// Sizes covering the page-boundary cases: empty, exactly 30·k, one past, a short tail.
const SIZES: [usize; 6] = [0, 30, 60, 61, 45, 7];

fn tokens_of(outcome: &mode_audit::crawl::CrawlOutcome) -> Vec<String> {
    outcome.reports.iter().map(|r| r.token.clone()).collect()
}

#[tokio::test]
async fn multi_page_collections_are_read_to_the_end_in_the_fewest_requests() {
    let config = fast_config(SIZES.to_vec());
    let sim = SimServer::start(config.clone()).await.unwrap();
    let truth = sim.workspace();
    let (outcome, stats) = crawl_sim(&sim, &config, mode_paging()).await;

    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    let want: Vec<String> = truth.reports().map(|(_, r)| r.token.clone()).collect();
    assert_eq!(
        tokens_of(&outcome),
        want,
        "every report, in listing order, exactly once"
    );

    // The ledger: pages per collection = n/30 + 1 (an exact multiple needs the empty page after it).
    let ledger: Vec<(u64, u32, LedgerStatus)> = outcome
        .collections
        .iter()
        .map(|c| (c.reports, c.pages, c.status))
        .collect();
    let expected: Vec<(u64, u32, LedgerStatus)> = truth
        .collections
        .iter()
        .map(|c| {
            (
                c.reports.len() as u64,
                (c.reports.len() / 30 + 1) as u32,
                LedgerStatus::Complete,
            )
        })
        .collect();
    assert_eq!(ledger, expected);

    let counters = sim.counters();
    assert_eq!(
        counters.total,
        minimum_requests(&truth, 30),
        "no request beyond the minimum"
    );
    assert_eq!(stats.requests, counters.total, "client and server agree on the count");
    assert_eq!(counters.throttled, 0);
}

#[tokio::test]
async fn schedules_are_requested_only_for_scheduled_reports() {
    let config = fast_config(SIZES.to_vec());
    let sim = SimServer::start(config.clone()).await.unwrap();
    let truth = sim.workspace();
    let scheduled: HashSet<String> = truth
        .reports()
        .filter(|(_, r)| !r.schedules.is_empty())
        .map(|(_, r)| r.token.clone())
        .collect();
    assert!(scheduled.len() > 10, "the fixture has scheduled reports");

    let (outcome, _) = crawl_sim(&sim, &config, mode_paging()).await;
    assert_eq!(sim.counters().schedules, scheduled.len() as u64);
    for r in &outcome.reports.to_vec() {
        let want = scheduled.contains(&r.token);
        assert_eq!(r.scheduled, Some(want), "{}", r.token);
        let status = if want {
            FetchStatus::Fetched
        } else {
            FetchStatus::NotScheduled
        };
        assert_eq!(r.fetch_status, status, "{}", r.token);
    }

    // --verify-schedules asks for every report's schedules and finds the same answer.
    sim.reset_counters();
    let options = CrawlOptions {
        verify_schedules: true,
        ..mode_paging()
    };
    let (verified, _) = crawl_sim(&sim, &config, options).await;
    assert_eq!(sim.counters().schedules, truth.report_count() as u64);
    let flags = |o: &mode_audit::crawl::CrawlOutcome| o.reports.iter().map(|r| r.scheduled).collect::<Vec<_>>();
    assert_eq!(flags(&verified), flags(&outcome));
}

#[tokio::test]
async fn a_repeated_last_page_ends_the_listing_without_duplicates() {
    let mut config = fast_config(SIZES.to_vec());
    config.past_end = PastEnd::RepeatLast;
    let sim = SimServer::start(config.clone()).await.unwrap();
    let truth = sim.workspace();
    let (outcome, _) = crawl_sim(&sim, &config, mode_paging()).await;
    assert!(outcome.failures.is_empty());
    assert_eq!(outcome.reports.len(), truth.report_count());
    // A repeated page costs what an empty page costs.
    assert_eq!(sim.counters().total, minimum_requests(&truth, 30));
}

#[tokio::test]
async fn duplicates_across_pages_are_dropped_and_nothing_is_lost() {
    let mut config = fast_config(SIZES.to_vec());
    config.duplicates_across_pages = true;
    let sim = SimServer::start(config.clone()).await.unwrap();
    let truth = sim.workspace();
    let (outcome, _) = crawl_sim(&sim, &config, mode_paging()).await;
    assert!(outcome.failures.is_empty());
    let got: HashSet<String> = tokens_of(&outcome).into_iter().collect();
    assert_eq!(got.len(), outcome.reports.len(), "no report twice");
    let want: HashSet<String> = truth.reports().map(|(_, r)| r.token.clone()).collect();
    assert_eq!(got, want);
    assert!(outcome.duplicates > 0, "the overlap was seen and counted");
}

#[tokio::test]
async fn an_ignored_or_capped_per_page_never_truncates() {
    for (ignore, cap) in [(true, 100), (false, 50), (false, 100)] {
        let mut config = fast_config(SIZES.to_vec());
        config.ignore_per_page = ignore;
        config.per_page_max = cap;
        let sim = SimServer::start(config.clone()).await.unwrap();
        let truth = sim.workspace();
        let options = CrawlOptions {
            per_page: 100,
            ..mode_paging()
        };
        let (outcome, _) = crawl_sim(&sim, &config, options).await;
        assert!(outcome.failures.is_empty());
        assert_eq!(outcome.reports.len(), truth.report_count(), "ignore={ignore} cap={cap}");
    }
}

#[tokio::test]
async fn personal_collections_and_archived_reports_can_be_left_out() {
    let config = fast_config(vec![]);
    let mut config = config;
    config.spec.sizes = None;
    config.spec.reports = 120;
    config.spec.personal = 2;
    config.spec.archived_share = 0.2;
    let sim = SimServer::start(config.clone()).await.unwrap();
    let truth = sim.workspace();
    let personal: HashSet<&str> = truth
        .collections
        .iter()
        .filter(|c| c.space_type == "private")
        .map(|c| c.token.as_str())
        .collect();
    assert_eq!(personal.len(), 2);

    let options = CrawlOptions {
        exclude_personal: true,
        exclude_archived: true,
        ..mode_paging()
    };
    let (outcome, _) = crawl_sim(&sim, &config, options).await;
    let want: HashSet<String> = truth
        .reports()
        .filter(|(c, r)| c.space_type != "private" && !r.archived)
        .map(|(_, r)| r.token.clone())
        .collect();
    assert_eq!(tokens_of(&outcome).into_iter().collect::<HashSet<_>>(), want);
    for c in &outcome.collections {
        let excluded = personal.contains(c.token.as_str());
        assert_eq!(c.status == LedgerStatus::Excluded, excluded, "{}", c.token);
    }
}

#[tokio::test]
async fn asking_for_bigger_pages_never_costs_more_than_modes_thirty() {
    let truth_of = |sim: &SimServer| sim.workspace();
    // A server that ignores per_page: exactly the 30-a-page minimum.
    let mut config = fast_config(SIZES.to_vec());
    config.ignore_per_page = true;
    let sim = SimServer::start(config.clone()).await.unwrap();
    let (outcome, _) = crawl_sim(&sim, &config, CrawlOptions::default()).await;
    assert_eq!(outcome.reports.len(), truth_of(&sim).report_count());
    assert_eq!(sim.counters().total, minimum_requests(&truth_of(&sim), 30));

    // A server that honours 100: fewer requests than 30 a page would need, nothing missed.
    let mut config = fast_config(vec![250, 30, 60, 61, 45, 7, 0]);
    config.per_page_max = 100;
    let sim = SimServer::start(config.clone()).await.unwrap();
    let (outcome, _) = crawl_sim(&sim, &config, CrawlOptions::default()).await;
    let truth = truth_of(&sim);
    assert_eq!(outcome.reports.len(), truth.report_count());
    let requests = sim.counters().total;
    assert!(requests < minimum_requests(&truth, 30), "{requests}");
    // Every first page goes out at once; the listings of 30 to 99 reports hold their ambiguous next
    // page until the 250-report listing proves 100 a page, so none needs an extra page.
    assert_eq!(requests, minimum_requests(&truth, 100));
}

#[tokio::test]
async fn report_pages_in_flight_stay_bounded_without_a_rate_limit() {
    // Sixty collections of a few unscheduled reports: sixty first pages could go out at once.
    let mut config = fast_config(vec![3; 60]);
    config.spec.scheduled_share = 0.0;
    config.limit = None;
    config.latency = std::time::Duration::from_millis(30);
    let sim = SimServer::start(config.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut s = crate::harness::settings(&sim, &config, dir.path());
    s.client.rate = None;
    let client = mode_audit::mode::ModeClient::new(s.client).unwrap();
    let options = CrawlOptions {
        concurrency: 64,
        ..mode_paging()
    };
    let outcome = mode_audit::crawl::crawl(&client, &options, &mode_audit::stop::Stop::default(), None)
        .await
        .unwrap();
    assert_eq!(outcome.reports.len(), 180);
    let most = sim.counters().max_in_flight;
    // Report pages (a few hundred KB each at 100 reports) are held 16 at a time at most, beside the
    // collections listing's next page.
    assert!((2..=17).contains(&most), "{most} requests in flight at once");
}
