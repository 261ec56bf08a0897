//! Incremental runs (`--schedules-max-age`) against the stand-in: unchanged reports keep their
//! schedule records, changed ones are fetched again, the max age is honoured, and over a series of
//! daily runs the rolling refresh keeps every record within it while spreading the work.
//! The clock is the runs' `started_at`, set by each test: no test waits a day.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use mode_audit::commands::plan::plan;
use mode_audit::commands::run::{RunReport, RunStatus, run, run_at};
use mode_audit::config::Settings;
use mode_audit::insights::changes::load;
use mode_audit::output::Formats;
use mode_audit::sim::{Drift, SimConfig, SimServer, Workspace};
use mode_audit::snapshot::{Reason, ReportRecord, Snapshot};
use mode_audit::stop::Stop;

use crate::harness::{fast_config, settings};

const DAY: Duration = Duration::from_secs(86_400);

/// Day `k` of the series: 2026-11-02 03:00 UTC plus `k` days (after every time the stand-in made up).
fn day(k: f64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 3, 0, 0).unwrap() + chrono::Duration::seconds((k * 86_400.0) as i64)
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

async fn stand_in() -> (SimServer, SimConfig) {
    let config = fast_config(vec![60, 45, 30, 0, 41]);
    (SimServer::start(config.clone()).await.unwrap(), config)
}

fn incremental(sim: &SimServer, config: &SimConfig, out: &Path, max_age: Duration) -> Settings {
    let mut s = settings(sim, config, out);
    s.schedules_max_age = Some(max_age);
    // snapshot.json, which the next run reuses from, is all these tests read.
    s.formats = Formats {
        csv: false,
        json: true,
        jsonl: false,
        xlsx: false,
        html: false,
    };
    s
}

/// Runs as of `at`, counting the stand-in's schedules requests; the snapshot read back.
async fn run_on(sim: &SimServer, s: &Settings, at: DateTime<Utc>) -> (RunReport, Snapshot, u64) {
    sim.reset_counters();
    let report = run_at(s, &Stop::default(), at).await.expect("the run publishes");
    assert_eq!(report.status, RunStatus::Complete, "{report}");
    let (_, snapshot) = load(report.published.as_ref().unwrap()).unwrap();
    (report, snapshot, sim.counters().schedules)
}

/// Scheduled reports whose schedules a run must fetch after `before` became `after`: new to the
/// schedules, or with another `updated_at` or schedule count.
fn must_fetch(before: &Workspace, after: &Workspace) -> HashSet<String> {
    let old: HashMap<&str, (&str, usize)> = before
        .reports()
        .map(|(_, r)| (r.token.as_str(), (r.updated_at.as_str(), r.schedules.len())))
        .collect();
    after
        .reports()
        .filter(|(_, r)| !r.schedules.is_empty())
        .filter(|(_, r)| {
            old.get(r.token.as_str())
                .is_none_or(|(updated, n)| *updated != r.updated_at || *n != r.schedules.len() || *n == 0)
        })
        .map(|(_, r)| r.token.clone())
        .collect()
}

/// Each report's schedule `fetched_at`, when it has schedules.
fn fetched_at(snapshot: &Snapshot) -> HashMap<String, String> {
    snapshot
        .reports
        .iter()
        .filter_map(|r| Some((r.token.clone(), r.schedules.first()?.fetched_at.clone()?)))
        .collect()
}

/// Schedules as (report, schedule, frequency, hour, minute), to compare with the truth.
fn schedules_of(reports: impl Iterator<Item = ReportRecord>) -> Vec<(String, String, String, String, String)> {
    reports
        .flat_map(|r| {
            r.schedules
                .into_iter()
                .map(move |s| {
                    let text = |v: Option<String>| v.unwrap_or_default();
                    (
                        r.token.clone(),
                        s.token,
                        text(s.frequency),
                        text(s.hour),
                        text(s.minute),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn truth_schedules(ws: &Workspace) -> Vec<(String, String, String, String, String)> {
    ws.reports()
        .flat_map(|(_, r)| {
            r.schedules.iter().map(|s| {
                (
                    r.token.clone(),
                    s.token.clone(),
                    s.frequency.clone(),
                    s.hour.clone(),
                    s.minute.clone(),
                )
            })
        })
        .collect()
}

#[tokio::test]
async fn unchanged_reports_are_reused_and_changed_ones_fetched_again() {
    let (sim, config) = stand_in().await;
    let out = tempfile::tempdir().unwrap();
    let s = incremental(&sim, &config, out.path(), 7 * DAY);
    let before = sim.workspace();
    let scheduled = before.reports().filter(|(_, r)| !r.schedules.is_empty()).count() as u64;
    let (first, _, requests) = run_on(&sim, &s, day(0.0)).await;
    assert_eq!(requests, scheduled, "nothing to reuse yet: a full run");
    assert_eq!(first.stats.schedules_reused, Some(0));

    let drifted = sim.mutate(|ws| Drift { share: 0.2, seed: 3 }.apply(ws));
    let after = sim.workspace();
    let changed = must_fetch(&before, &after);
    assert!(!changed.is_empty() && drifted.updated > 0, "{drifted:?}");
    let (second, snapshot, requests) = run_on(&sim, &s, day(1.0)).await;

    let at = fetched_at(&snapshot);
    let today = stamp(day(1.0));
    let fetched: HashSet<&String> = at.iter().filter(|(_, t)| **t == today).map(|(r, _)| r).collect();
    assert_eq!(
        requests,
        fetched.len() as u64,
        "a report stamped today is one asked today"
    );
    for token in &changed {
        assert!(fetched.contains(token), "{token} changed and must be fetched again");
    }
    // Beyond the changed ones, only the rolling refresh's share: ⌈scheduled × 1 day / 7 days⌉.
    let share = (scheduled as f64 / 7.0).ceil() as u64;
    assert!(requests <= changed.len() as u64 + share, "{requests} requests");
    let reused = at.values().filter(|t| **t == stamp(day(0.0))).count() as u64;
    let unchanged = after
        .reports()
        .filter(|(_, r)| !r.schedules.is_empty() && !changed.contains(&r.token))
        .count() as u64;
    assert!(
        (unchanged - share..=unchanged).contains(&reused),
        "{reused} of {unchanged} reused"
    );
    assert_eq!(second.stats.reports_reused, Some(reused));
    assert!(second.to_string().contains("schedules reused"), "{second}");
    assert_eq!(
        second.stats.oldest_schedule_age_seconds,
        Some(DAY.as_secs()),
        "the reused ones were read a day ago"
    );

    // The snapshot says what Mode says now: the changed schedules are the new ones, and the views
    // of reused reports come from today's listing.
    assert_eq!(schedules_of(snapshot.reports.iter()), truth_schedules(&after));
    let views: HashMap<String, Option<u64>> = snapshot.reports.iter().map(|r| (r.token, r.view_count)).collect();
    for (_, r) in after.reports() {
        assert_eq!(views[&r.token], Some(r.view_count), "{}", r.token);
    }
}

#[tokio::test]
async fn the_max_age_is_honoured_and_bounds_what_reuse_can_miss() {
    let (sim, config) = stand_in().await;
    let out = tempfile::tempdir().unwrap();
    let week = incremental(&sim, &config, out.path(), 7 * DAY);
    let truth = sim.workspace();
    let scheduled = truth.reports().filter(|(_, r)| !r.schedules.is_empty()).count() as u64;
    run_on(&sim, &week, day(0.0)).await;

    // A schedule moved to another hour without any change to its report's fields: what reuse can
    // miss. Take the last scheduled report (the rolling refresh takes the first ones).
    let edited = truth
        .reports()
        .filter(|(_, r)| !r.schedules.is_empty())
        .last()
        .unwrap()
        .1
        .token
        .clone();
    sim.mutate(|ws| {
        let r = ws.reports_mut().find(|r| r.token == edited).unwrap();
        r.schedules[0].hour = "3:00 am".into();
    });
    let hour_of = |s: &Snapshot| {
        s.reports.iter().find(|r| r.token == edited).unwrap().schedules[0]
            .hour
            .clone()
            .unwrap()
    };
    // Three days on: age 3 + interval 3 ≤ 7, so most records are kept, the edit with them.
    let (_, snapshot, requests) = run_on(&sim, &week, day(3.0)).await;
    assert!(requests < scheduled / 2, "{requests} of {scheduled}");
    assert_ne!(hour_of(&snapshot), "3:00 am", "missed while the record is young enough");

    // Seven days after they were read, no record is young enough to keep: all are fetched.
    let (report, snapshot, requests) = run_on(&sim, &week, day(7.0)).await;
    assert_eq!(
        requests, scheduled,
        "every record was at least D old or would be by the next run"
    );
    assert_eq!(hour_of(&snapshot), "3:00 am", "caught within D");
    assert_eq!(report.stats.reports_reused, Some(0));
    assert_eq!(report.stats.oldest_schedule_age_seconds, Some(0));

    // An hour later with a month's max age, nearly everything is kept again.
    let month = incremental(&sim, &config, out.path(), 30 * DAY);
    let (report, _, requests) = run_on(&sim, &month, day(7.0 + 1.0 / 24.0)).await;
    assert_eq!(requests, 1, "only the rolling refresh's one");
    assert_eq!(report.stats.reports_reused, Some(scheduled - 1));
}

#[tokio::test]
async fn the_rolling_refresh_keeps_every_record_within_the_max_age_over_daily_runs() {
    let (sim, config) = stand_in().await;
    let out = tempfile::tempdir().unwrap();
    let max_age = 7 * DAY;
    let s = incremental(&sim, &config, out.path(), max_age);
    let mut per_run = Vec::new();
    // Two weeks and a bit: every record refreshed twice over, the first full run long gone.
    for k in 0..16 {
        let before = sim.workspace();
        if k > 0 {
            sim.mutate(|ws| {
                Drift {
                    share: 0.05,
                    seed: 100 + k,
                }
                .apply(ws);
            });
        }
        let after = sim.workspace();
        let (report, snapshot, requests) = run_on(&sim, &s, day(k as f64)).await;
        let now = day(k as f64);
        let oldest = fetched_at(&snapshot)
            .values()
            .map(|t| now - DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc))
            .max()
            .unwrap();
        assert!(
            oldest.to_std().unwrap() <= max_age - DAY,
            "day {k}: a record is {oldest} old; at the next run it would be older than D"
        );
        assert_eq!(
            report.stats.oldest_schedule_age_seconds,
            Some(oldest.num_seconds() as u64)
        );
        let scheduled = before.reports().filter(|(_, r)| !r.schedules.is_empty()).count() as u64;
        let changed = must_fetch(&before, &after).len() as u64;
        if k > 0 {
            // Never a spike: the changed ones plus the share, ⌈N / 7⌉, never everything at once.
            let share = (scheduled as f64 / 7.0).ceil() as u64;
            assert!(
                (changed..=changed + share).contains(&requests),
                "day {k}: {requests} requests, {changed} changed, share {share}"
            );
        }
        per_run.push(requests);
    }
    let scheduled = sim
        .workspace()
        .reports()
        .filter(|(_, r)| !r.schedules.is_empty())
        .count() as u64;
    let steady: u64 = per_run[1..].iter().sum::<u64>() / (per_run.len() as u64 - 1);
    assert!(
        steady * 3 < scheduled,
        "a daily run fetches about a seventh plus the changed, not all: {per_run:?}"
    );
}

#[tokio::test]
async fn a_reused_report_that_started_failing_is_found_the_same_day() {
    let (sim, config) = stand_in().await;
    let out = tempfile::tempdir().unwrap();
    let s = incremental(&sim, &config, out.path(), 7 * DAY);
    let (first, snapshot, _) = run_on(&sim, &s, day(0.0)).await;
    assert_eq!(first.status, RunStatus::Complete);
    // The last scheduled report not failing at day 0 (the rolling refresh takes the first ones).
    let failing_then: HashSet<String> = snapshot
        .findings
        .iter()
        .filter(|f| f.reason == Reason::ScheduleFailing)
        .map(|f| f.report_token.clone())
        .collect();
    let token = snapshot
        .reports
        .iter()
        .filter(|r| !r.schedules.is_empty() && !failing_then.contains(&r.token))
        .last()
        .unwrap()
        .token;
    // It runs and fails, and (as Mode might) its updated_at stays: its schedules are reused.
    sim.mutate(|ws| {
        let r = ws.reports_mut().find(|r| r.token == token).unwrap();
        r.last_run_at = Some(stamp(day(0.5)));
    });
    let (_, snapshot, _) = run_on(&sim, &s, day(1.0)).await;
    let r = snapshot.reports.iter().find(|r| r.token == token).unwrap();
    assert_eq!(r.schedules[0].fetched_at, Some(stamp(day(0.0))), "reused");
    let finding = snapshot
        .findings
        .iter()
        .find(|f| f.report_token == token && f.reason == Reason::ScheduleFailing)
        .expect("SCHEDULE_FAILING from this run's listing");
    assert!(finding.detail.contains("the report's last run"), "{}", finding.detail);
}

#[tokio::test]
async fn plan_prints_the_incremental_cost_the_next_run_then_pays() {
    let (sim, config) = stand_in().await;
    let out = tempfile::tempdir().unwrap();
    let s = incremental(&sim, &config, out.path(), 7 * DAY);
    let before = sim.workspace();
    run(&s, &Stop::default()).await.unwrap();
    sim.mutate(|ws| {
        Drift { share: 0.2, seed: 5 }.apply(ws);
    });
    let changed = must_fetch(&before, &sim.workspace()).len() as u64;
    let planned = plan(&s, &Stop::default()).await.unwrap();
    let text = planned.to_string();
    let incremental = planned.incremental_run_requests().expect("from the last snapshot");
    // Seconds since the last snapshot: the rolling refresh's share is one record.
    assert!(
        (planned.page_requests + changed..=planned.page_requests + changed + 1).contains(&incremental),
        "{text}"
    );
    assert!(incremental < planned.full_run_requests(), "{text}");
    assert!(text.contains("incremental run"), "{text}");
    sim.reset_counters();
    let report = run(&s, &Stop::default()).await.unwrap();
    assert_eq!(report.stats.requests.requests, incremental, "{text}\n{report}");
}
