//! Tests of findings.rs: every reason code on hand-built records with known answers.

use super::*;
use crate::test_support::{report, schedule, snapshot};

/// The workspace every test audits: one report per reason, plus reports with no finding.
fn workspace() -> Snapshot {
    let mut failing = schedule("s-fail", "daily", 2);
    failing.retry_state = Some("failed".into());
    let mut stale_run = schedule("s-late", "weekly", 1);
    stale_run.last_run_at = Some("2026-11-27T08:00:00.000Z".into());
    stale_run.last_succeeded_at = Some("2026-11-20T08:00:04.000Z".into());
    let mut archived = report("archived", Some(40), vec![schedule("s-arch", "monthly", 1)]);
    archived.archived = true;
    let mut fast = report(
        "fast",
        Some(3),
        vec![schedule("s-fast", "hourly", 1), schedule("s-fast2", "daily", 1)],
    );
    fast.expected_runtime = Some(2.0);
    snapshot(vec![
        report("never", Some(0), vec![schedule("s-never", "daily", 2)]),
        report("stale", Some(50), vec![schedule("s-stale", "weekly", 1)]),
        report("failing", Some(70), vec![failing, stale_run]),
        archived,
        report("lonely", Some(25), vec![schedule("s-lonely", "daily", 0)]),
        fast,
        report("fine", Some(100), vec![schedule("s-fine", "daily", 1)]),
        report("unscheduled", Some(0), vec![]),
        report("kept", Some(0), vec![schedule("s-kept", "every_15_minutes", 0)]),
    ])
}

fn recent() -> RecentViews {
    RecentViews {
        since: "2026-10-28T03:00:00.000Z".into(),
        gained: [("stale", 0), ("fine", 5), ("failing", 4), ("never", 0), ("kept", 0)]
            .into_iter()
            .map(|(t, g)| (t.to_string(), g))
            .collect(),
    }
}

fn keep() -> KeepList {
    KeepList::parse("[[keep]]\ntoken = \"kept\"\nreason = \"pinned on the wall screen\"\n").unwrap()
}

fn pairs(found: &[Finding]) -> Vec<(&str, &str)> {
    found
        .iter()
        .map(|f| (f.report_token.as_str(), f.reason.code()))
        .collect()
}

#[test]
fn each_reason_code_on_known_records() {
    let found = detect(&workspace(), Some(&recent()), &FindingsOptions::default(), &keep()).to_vec();
    assert_eq!(
        pairs(&found),
        vec![
            ("never", "SCHEDULED_NEVER_VIEWED"),
            ("stale", "SCHEDULED_NOT_VIEWED_RECENTLY"),
            ("failing", "SCHEDULE_FAILING"),
            ("archived", "ARCHIVED_BUT_SCHEDULED"),
            ("lonely", "SCHEDULE_WITHOUT_SUBSCRIBERS"),
            ("fast", "HIGH_FREQUENCY_FEW_VIEWS"),
        ],
        "one row per (report, reason); never-viewed is not also 'not viewed recently'; the kept report is exempt"
    );
    let fail = &found[2];
    assert!(fail.detail.contains("retry_state failed"), "{}", fail.detail);
    assert!(
        fail.detail
            .contains("'s-late name' (weekly): last run 2026-11-27T08:00:00.000Z is later than the last success"),
        "{}",
        fail.detail
    );
    let stale = &found[1];
    assert!(
        stale.detail.contains("no views gained in the last 30d"),
        "{}",
        stale.detail
    );
    assert!(stale.detail.contains("2026-10-28T03:00:00.000Z"), "{}", stale.detail);
}

#[test]
fn cost_and_views_per_run_columns() {
    let found = detect(&workspace(), Some(&recent()), &FindingsOptions::default(), &keep()).to_vec();
    let get = |t: &str| found.iter().find(|f| f.report_token == t).unwrap();
    let never = get("never");
    assert_eq!(never.owner.as_deref(), Some("never_owner"));
    assert_eq!(never.collection_name.as_deref(), Some("Finance"));
    assert_eq!(never.schedule_frequencies, "daily");
    assert_eq!(never.runs_per_month, Some(30.0));
    assert_eq!(never.runtime_per_month_seconds, Some(300.0));
    // In the window: 0 views over 30 runs.
    assert_eq!((never.views_in_window, never.views_per_run), (Some(0), Some(0.0)));
    assert_eq!(never.views_per_run_basis.as_deref(), Some("window_30d"));
    let fast = get("fast");
    assert_eq!(fast.runs_per_month, Some(750.0), "hourly 720 + daily 30");
    assert_eq!(fast.runtime_per_month_seconds, Some(1500.0));
    // Not in the baseline: all-time views ÷ a month of runs.
    assert_eq!(fast.views_in_window, None);
    assert_eq!(fast.views_per_run, Some(0.004));
    assert_eq!(fast.views_per_run_basis.as_deref(), Some("all_time"));
    assert!(fast.detail.contains("runs hourly"), "{}", fast.detail);
    let failing = get("failing");
    assert_eq!(failing.runs_per_month, Some(34.33), "daily 30 + weekly 4.33");
    assert_eq!(failing.views_per_run, Some(0.117), "4 views over 34.33 runs");
}

#[test]
fn without_history_nothing_is_called_not_viewed_recently() {
    let found = detect(&workspace(), None, &FindingsOptions::default(), &keep()).to_vec();
    assert!(found.iter().all(|f| f.reason != Reason::ScheduledNotViewedRecently));
    assert!(
        found.iter().all(|f| f.views_in_window.is_none()),
        "unknown, never a made-up zero"
    );
    let never = found.iter().find(|f| f.report_token == "never").unwrap();
    assert_eq!(never.views_per_run_basis.as_deref(), Some("all_time"));
    assert_eq!(found.len(), 5);
}

#[test]
fn thresholds_and_the_keep_list_change_the_answer() {
    let options = FindingsOptions {
        few_views: 3,
        ..FindingsOptions::default()
    };
    let found = detect(&workspace(), None, &options, &KeepList::default()).to_vec();
    assert!(
        !found
            .iter()
            .any(|f| f.report_token == "fast" && f.reason == Reason::HighFrequencyFewViews),
        "3 views is not fewer than 3"
    );
    let kept: Vec<&str> = found
        .iter()
        .filter(|f| f.report_token == "kept")
        .map(|f| f.reason.code())
        .collect();
    assert_eq!(
        kept,
        vec![
            "SCHEDULED_NEVER_VIEWED",
            "SCHEDULE_WITHOUT_SUBSCRIBERS",
            "HIGH_FREQUENCY_FEW_VIEWS"
        ],
        "without the keep list the kept report has three findings"
    );
    let counts = count_by_reason(&found);
    assert_eq!(counts.len(), Reason::ALL.len());
    assert_eq!(counts[0], (Reason::ScheduledNeverViewed, 2));
    assert_eq!(counts[1], (Reason::ScheduledNotViewedRecently, 0));
}

#[test]
fn runs_per_month_per_frequency() {
    let table = [
        ("every_15_minutes", 2880.0),
        ("every_30_minutes", 1440.0),
        ("hourly", 720.0),
        ("daily", 30.0),
        ("weekly", 4.33),
        ("monthly", 1.0),
    ];
    for (freq, runs) in table {
        assert_eq!(runs_per_month(freq), Some(runs), "{freq}");
    }
    assert_eq!(runs_per_month("fortnightly"), None);
    let unknown = report("u", Some(1), vec![schedule("s", "fortnightly", 1)]);
    assert_eq!(report_runs_per_month(&unknown), None);
    assert_eq!(short(Duration::from_secs(36 * 3600)), "36h");
    assert_eq!(short(Duration::from_secs(7 * 86_400)), "7d");
}

#[test]
fn cost_columns_are_never_infinite() {
    // A record that did not pass the decoding bounds (an older snapshot, a hand-edited file).
    let mut huge = report("huge", Some(0), vec![schedule("s-huge", "every_15_minutes", 1)]);
    huge.expected_runtime = Some(1e308);
    let mut nan = report("nan", Some(0), vec![schedule("s-nan", "hourly", 1)]);
    nan.expected_runtime = Some(f64::NAN);
    let found = detect(&snapshot(vec![huge, nan]), None, &FindingsOptions::default(), &keep());
    assert!(!found.is_empty());
    for f in found.iter() {
        assert_eq!(
            f.runtime_per_month_seconds, None,
            "{}: unknown, not inf",
            f.report_token
        );
        assert!(f.expected_runtime_seconds.is_none_or(f64::is_finite));
        assert!(f.views_per_run.is_none_or(f64::is_finite));
    }
}

/// A report with one daily schedule whose details were read at `fetched_at`, healthy then.
fn read_at(token: &str, fetched_at: &str) -> ReportRecord {
    let mut s = schedule(&format!("s-{token}"), "daily", 1);
    s.fetched_at = Some(fetched_at.into());
    let mut r = report(token, Some(30), vec![s]);
    r.last_run_at = Some("2026-11-27T08:00:05.000Z".into());
    r.last_successfully_run_at = Some("2026-11-27T08:00:09.000Z".into());
    r
}

#[test]
fn a_reused_schedule_that_failed_since_it_was_read_is_caught_from_the_listing() {
    // The snapshot started 2026-11-28T03:00Z; the schedules of the first three were read two days
    // earlier and reused, those of the last by this run.
    let earlier = "2026-11-26T03:00:00.000Z";
    let mut failed_since = read_at("failed-since", earlier);
    failed_since.last_run_at = Some("2026-11-27T20:00:00.000Z".into());
    let mut never_ok = read_at("never-ok", earlier);
    never_ok.last_successfully_run_at = None;
    let mut failing_then = read_at("failing-then", earlier);
    failing_then.schedules[0].retry_state = Some("failed".into());
    failing_then.last_run_at = Some("2026-11-25T08:00:05.000Z".into());
    failing_then.last_successfully_run_at = Some("2026-11-25T08:00:09.000Z".into());
    let mut fresh = read_at("fresh", "2026-11-28T03:00:00.000Z");
    fresh.last_run_at = Some("2026-11-27T20:00:00.000Z".into());
    let found = detect(
        &snapshot(vec![failed_since, never_ok, failing_then, fresh]),
        None,
        &FindingsOptions::default(),
        &KeepList::default(),
    )
    .to_vec();
    let failing: HashMap<&str, &str> = found
        .iter()
        .filter(|f| f.reason == Reason::ScheduleFailing)
        .map(|f| (f.report_token.as_str(), f.detail.as_str()))
        .collect();
    assert_eq!(failing.len(), 3, "{failing:#?}");
    let detail = failing["failed-since"];
    assert!(
        detail.starts_with("the report's last run 2026-11-27T20:00:00.000Z is later than its last success"),
        "{detail}"
    );
    assert!(detail.contains(earlier), "says when the details were read: {detail}");
    assert!(failing["never-ok"].contains("ran (2026-11-27T08:00:05.000Z) but never succeeded"));
    // Reused, but nothing ran since it was read: its own (still current) retry_state counts.
    assert!(failing["failing-then"].contains("retry_state failed"), "{failing:#?}");
    // Read by this run: the schedule's own fields decide, and they say it is fine.
    assert!(!found.iter().any(|f| f.report_token == "fresh"));
}
