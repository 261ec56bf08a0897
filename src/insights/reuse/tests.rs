//! Tests of the reuse index: which reports keep their schedule records, which earlier snapshot
//! they come from, and how many the rolling refresh picks.

use std::path::Path;
use std::time::Duration;

use super::*;
use crate::snapshot::FetchStatus;
use crate::snapshot::folder::folder_stamp;
use crate::test_support::{report, schedule, snapshot};

const DAY: Duration = Duration::from_secs(86_400);

/// A scheduled report as listed, its schedules read at `fetched_at`.
fn scheduled(token: &str, fetched_at: &str) -> ReportRecord {
    let mut s = schedule(&format!("{token}-s"), "daily", 1);
    s.fetched_at = Some(fetched_at.to_string());
    let mut r = report(token, Some(5), vec![s]);
    r.updated_at = Some("2026-11-01T10:00:00.000Z".into());
    r
}

/// Writes a snapshot of `reports` that started at `started_at` into `dir` (`OUT/acme`), after a
/// report read long before the others: the oldest, picked first by every rolling refresh (which
/// picks at least one record per run).
fn write(dir: &Path, started_at: &str, mut reports: Vec<ReportRecord>) {
    reports.insert(0, scheduled("oldest", "2026-10-01T03:00:00.000Z"));
    let mut s = snapshot(reports);
    s.started_at = started_at.to_string();
    let folder = dir.join(folder_stamp(started_at));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("snapshot.json"), serde_json::to_vec(&s).unwrap()).unwrap();
}

fn index(dir: &Path, now: &str, max_age: Duration) -> EarlierSchedules {
    EarlierSchedules::load(dir, "acme", now, max_age, None).expect("an earlier snapshot")
}

#[test]
fn an_unchanged_report_keeps_its_records_and_any_change_fetches() {
    let dir = tempfile::tempdir().unwrap();
    let earlier = "2026-11-27T03:00:00.000Z";
    write(
        dir.path(),
        earlier,
        vec![scheduled("a", earlier), scheduled("b", earlier)],
    );
    let index = index(dir.path(), "2026-11-28T03:00:00.000Z", 7 * DAY);
    assert_eq!(index.interval, DAY);

    let listed = scheduled("a", "ignored");
    assert_eq!(index.verdict(&listed), Verdict::Reused);
    let kept = Reuse::schedules(&index, &listed).expect("reused");
    assert_eq!(
        kept,
        scheduled("a", earlier).schedules,
        "the earlier records, fetched_at included"
    );

    let mut more = listed.clone();
    more.schedules_count = Some(2);
    assert_eq!(index.verdict(&more), Verdict::Changed, "schedules_count moved");
    let mut edited = listed.clone();
    edited.updated_at = Some("2026-11-27T12:00:00.000Z".into());
    assert_eq!(index.verdict(&edited), Verdict::Changed, "updated_at moved");
    let mut unknown = listed.clone();
    unknown.updated_at = None;
    assert_eq!(index.verdict(&unknown), Verdict::Changed, "unknown is not unchanged");
    unknown = listed.clone();
    unknown.schedules_count = None;
    assert_eq!(index.verdict(&unknown), Verdict::Changed);
    assert_eq!(index.verdict(&scheduled("new", earlier)), Verdict::New);
    assert!(Reuse::schedules(&index, &edited).is_none());
    let tally = index.tally();
    assert_eq!((tally.reused, tally.changed), (1, 1), "{tally:?}");
}

#[test]
fn records_are_kept_only_while_they_stay_within_the_max_age_until_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    // Read six and five days before the earlier snapshot, which is one day old.
    let earlier = "2026-11-27T03:00:00.000Z";
    write(
        dir.path(),
        earlier,
        vec![
            scheduled("six", "2026-11-22T03:00:00.000Z"),
            scheduled("five", "2026-11-23T03:00:00.000Z"),
        ],
    );
    let now = "2026-11-28T03:00:00.000Z";
    // Ages 6 and 5 days, the next run expected a day later: 6 + 1 ≤ 7 and 5 + 1 ≤ 7.
    let week = index(dir.path(), now, 7 * DAY);
    assert_eq!(week.rolling_share, 1, "⌈3 × 1 / 7⌉");
    assert_eq!(week.verdict(&scheduled("six", "")), Verdict::Reused);
    assert_eq!(week.verdict(&scheduled("five", "")), Verdict::Reused);
    // D = 6 days: six days old is not younger than D; five is, and 5 + 1 ≤ 6.
    let six = index(dir.path(), now, 6 * DAY);
    assert_eq!(six.verdict(&scheduled("six", "")), Verdict::Aged);
    assert_eq!(six.verdict(&scheduled("five", "")), Verdict::Reused);
    // D = 5.5 days: five days old would be 6 at the next run, older than D.
    let less = index(dir.path(), now, 5 * DAY + DAY / 2);
    assert_eq!(less.verdict(&scheduled("five", "")), Verdict::Aged);
}

#[test]
fn the_rolling_share_is_the_oldest_records_in_proportion_to_the_interval() {
    assert_eq!(rolling_share(700, DAY, 7 * DAY), 100);
    assert_eq!(rolling_share(701, DAY, 7 * DAY), 101, "rounded up");
    assert_eq!(rolling_share(700, Duration::from_secs(3600), 7 * DAY), 5);
    assert_eq!(rolling_share(700, Duration::ZERO, 7 * DAY), 0);
    assert_eq!(rolling_share(700, 10 * DAY, 7 * DAY), 700, "at most all");

    let dir = tempfile::tempdir().unwrap();
    let earlier = "2026-11-27T03:00:00.000Z";
    let reports: Vec<ReportRecord> = (0..14)
        .map(|i| scheduled(&format!("r{i:02}"), &format!("2026-11-{:02}T03:00:00.000Z", 27 - i % 5)))
        .collect();
    write(dir.path(), earlier, reports.clone());
    let monthly = index(dir.path(), "2026-11-28T03:00:00.000Z", 30 * DAY);
    assert_eq!(monthly.rolling_share, 1, "⌈15 × 1 / 30⌉: the filler");
    let weekly = index(dir.path(), "2026-11-28T03:00:00.000Z", 7 * DAY);
    assert_eq!(weekly.rolling_share, 3, "⌈15 × 1 / 7⌉");
    let rolled: Vec<&str> = reports
        .iter()
        .filter(|r| weekly.verdict(r) == Verdict::Rolled)
        .map(|r| r.token.as_str())
        .collect();
    // After the filler, those read 2026-11-23 (the oldest): r04, r09; ties in listing order.
    assert_eq!(rolled, ["r04", "r09"]);
}

#[test]
fn the_newest_readable_snapshot_of_the_workspace_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let old = "2026-11-20T03:00:00.000Z";
    let mid = "2026-11-26T03:00:00.000Z";
    write(dir.path(), old, vec![scheduled("a", old)]);
    write(dir.path(), mid, vec![scheduled("a", mid)]);
    // A newer one that is broken, one of another workspace, and one from after this run started.
    let broken = dir.path().join("20261127T030000Z");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("snapshot.json"), "{\"schema_version\": 1, \"reports\": [").unwrap();
    let mut other = snapshot(vec![scheduled("a", "2026-11-27T04:00:00.000Z")]);
    other.workspace = "beta".into();
    other.started_at = "2026-11-27T04:00:00.000Z".into();
    let folder = dir.path().join("20261127T040000Z");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("snapshot.json"), serde_json::to_vec(&other).unwrap()).unwrap();
    write(
        dir.path(),
        "2026-11-29T03:00:00.000Z",
        vec![scheduled("a", "2026-11-29T03:00:00.000Z")],
    );

    let index = index(dir.path(), "2026-11-28T03:00:00.000Z", 30 * DAY);
    assert_eq!(index.source_started_at, mid);
    assert_eq!(
        Reuse::schedules(&index, &scheduled("a", "")).unwrap()[0]
            .fetched_at
            .as_deref(),
        Some(mid)
    );
    assert!(
        EarlierSchedules::load(dir.path(), "acme", old, 30 * DAY, None).is_none(),
        "none before the oldest"
    );
    assert!(EarlierSchedules::load(&dir.path().join("missing"), "acme", mid, DAY, None).is_none());
}

#[test]
fn only_schedules_read_to_the_end_are_indexed_and_old_snapshots_count_from_their_start() {
    let dir = tempfile::tempdir().unwrap();
    let earlier = "2026-11-27T03:00:00.000Z";
    let mut failed = scheduled("failed", earlier);
    failed.fetch_status = FetchStatus::SchedulesFailed;
    let mut unscheduled = report("none", Some(1), vec![]);
    unscheduled.updated_at = Some("2026-11-01T10:00:00.000Z".into());
    let mut old_format = scheduled("old", earlier);
    old_format.schedules[0].fetched_at = None;
    let capped = scheduled("capped", earlier);
    write(
        dir.path(),
        earlier,
        vec![failed.clone(), unscheduled.clone(), old_format.clone(), capped.clone()],
    );
    // The schedules listing of `capped` hit the page cap: fetched, but not whole.
    let path = dir.path().join(folder_stamp(earlier)).join("snapshot.json");
    let mut json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    json["failures"] = serde_json::json!([{"scope": "schedules", "token": "capped", "error": "page cap"}]);
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    let index = index(dir.path(), "2026-11-28T03:00:00.000Z", 7 * DAY);
    assert_eq!(index.verdict(&failed), Verdict::New);
    assert_eq!(index.verdict(&unscheduled), Verdict::New);
    assert_eq!(index.verdict(&capped), Verdict::New);
    let kept = Reuse::schedules(&index, &old_format).expect("reused");
    assert_eq!(
        kept[0].fetched_at.as_deref(),
        Some(earlier),
        "the snapshot's start stands in"
    );
}

#[test]
fn runs_that_start_a_few_milliseconds_late_keep_a_record_to_the_max_age_not_a_run_less() {
    let ms = Duration::from_millis(1);
    let age = |d: Duration| u64::try_from(d.as_millis()).unwrap();
    // Read six days and 4 ms before this run, which came a day and 4 ms after the last.
    assert!(
        young_enough(age(6 * DAY + 4 * ms), DAY + 4 * ms, 7 * DAY),
        "a record read D - I ago is kept: it is D old at the next run, give or take its start"
    );
    assert!(
        !young_enough(age(7 * DAY), DAY, 7 * DAY),
        "a record D old is never kept"
    );
    assert!(
        !young_enough(age(6 * DAY + 2 * 3_600 * 1_000 * ms), DAY, 7 * DAY),
        "two hours past D at the next run is too old: the slack is an hour"
    );
    assert!(
        !young_enough(
            age(Duration::from_secs(9)),
            Duration::from_millis(1_200),
            Duration::from_secs(10)
        ),
        "a short D gets a hundredth of it as slack, not an hour"
    );
}
