//! Tests of history.rs: hand-built earlier snapshots on disk, with known answers.

use super::*;
use crate::snapshot::Snapshot;
use crate::snapshot::folder::folder_time;
use crate::test_support::{report, snapshot};

const NOW: &str = "2026-11-28T03:00:00.000Z";

/// Writes a snapshot started `days_ago` before NOW into `dir`, as a run would name it.
fn earlier(dir: &Path, days_ago: f64, views: &[(&str, u64)]) -> String {
    let at = parse_time(NOW).unwrap() - chrono::Duration::seconds((days_ago * 86_400.0) as i64);
    let started_at = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut s: Snapshot = snapshot(views.iter().map(|(t, v)| report(t, Some(*v), vec![])).collect());
    s.started_at = started_at.clone();
    let folder = dir.join(crate::snapshot::folder::folder_stamp(&started_at));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("snapshot.json"), serde_json::to_vec(&s).unwrap()).unwrap();
    started_at
}

fn now_reports(views: &[(&str, Option<u64>)]) -> Vec<ReportRecord> {
    views.iter().map(|(t, v)| report(t, *v, vec![])).collect()
}

fn applied(dir: &Path, reports: &[(&str, Option<u64>)]) -> (History, Vec<ReportRecord>) {
    let history = History::load(dir, "acme", NOW, Duration::from_secs(30 * DAY));
    let mut reports = now_reports(reports);
    history.apply(&mut reports, NOW);
    (history, reports)
}

#[test]
fn no_earlier_snapshot_leaves_every_window_empty_and_first_seen_now() {
    let dir = tempfile::tempdir().unwrap();
    let (history, reports) = applied(dir.path(), &[("a", Some(10))]);
    assert_eq!(history.found, 0);
    assert_eq!(
        reports[0].history,
        ReportHistory {
            first_seen: Some(NOW.into()),
            views_7d: None,
            views_30d: None,
            views_90d: None,
        }
    );
    assert!(history.recent(Duration::from_secs(30 * DAY), &reports).is_none());
}

#[test]
fn windows_use_the_newest_snapshot_at_least_that_old() {
    let dir = tempfile::tempdir().unwrap();
    let d2 = earlier(dir.path(), 2.0, &[("a", 19), ("b", 5)]);
    let d8 = earlier(dir.path(), 8.0, &[("a", 15), ("b", 5)]);
    let _d20 = earlier(dir.path(), 20.0, &[("a", 12)]);
    // 30 days minus a few seconds of cron jitter still covers the 30-day window.
    let d30 = earlier(dir.path(), 30.0 - 10.0 / 86_400.0, &[("a", 4), ("b", 5)]);
    let (history, reports) = applied(dir.path(), &[("a", Some(20)), ("b", Some(5)), ("new", Some(3))]);
    assert_eq!(history.found, 4);
    assert!(
        history.read <= 3,
        "only the snapshots that matter are read: {}",
        history.read
    );
    assert_eq!(history.since(WINDOWS[0]), Some(d8.as_str()));
    assert_eq!(history.since(WINDOWS[1]), Some(d30.as_str()));
    let a = &reports[0].history;
    assert_eq!((a.views_7d, a.views_30d, a.views_90d), (Some(5), Some(16), None));
    assert_eq!(
        a.first_seen.as_deref(),
        Some(d30.as_str()),
        "the oldest snapshot holding it"
    );
    let b = &reports[1].history;
    assert_eq!(
        (b.views_7d, b.views_30d),
        (Some(0), Some(0)),
        "a real zero: in both snapshots"
    );
    let new = &reports[2].history;
    assert_eq!(
        (new.views_7d, new.views_30d),
        (None, None),
        "not in the baseline: unknown"
    );
    assert_eq!(new.first_seen.as_deref(), Some(NOW));
    let recent = history.recent(Duration::from_secs(30 * DAY), &reports).unwrap();
    assert_eq!(recent.since, d30);
    assert_eq!(recent.gained.get("b"), Some(&0));
    assert_eq!(recent.gained.get("new"), None);
    let _ = d2;
}

#[test]
fn a_baseline_far_older_than_the_window_is_not_shown_as_that_window() {
    let dir = tempfile::tempdir().unwrap();
    let d200 = earlier(dir.path(), 200.0, &[("a", 1)]);
    let (history, reports) = applied(dir.path(), &[("a", Some(9))]);
    let a = &reports[0].history;
    assert_eq!((a.views_7d, a.views_30d, a.views_90d), (None, None, None));
    assert_eq!(a.first_seen.as_deref(), Some(d200.as_str()));
    // No views gained over 200 days means none over the last 30 either: findings may use it.
    let recent = history.recent(Duration::from_secs(30 * DAY), &reports).unwrap();
    assert_eq!(recent.gained.get("a"), Some(&8));
}

#[test]
fn unreadable_snapshots_are_skipped_and_the_next_older_one_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let d10 = earlier(dir.path(), 10.0, &[("a", 3)]);
    let d8 = earlier(dir.path(), 8.0, &[("a", 5)]);
    std::fs::write(
        dir.path()
            .join(crate::snapshot::folder::folder_stamp(&d8))
            .join("snapshot.json"),
        "{\"trunc",
    )
    .unwrap();
    let other_ws = dir.path().join("20261127T000000Z");
    std::fs::create_dir_all(&other_ws).unwrap();
    let mut foreign = snapshot(vec![report("a", Some(1000), vec![])]);
    foreign.workspace = "other".into();
    foreign.started_at = "2026-11-27T00:00:00.000Z".into();
    std::fs::write(other_ws.join("snapshot.json"), serde_json::to_vec(&foreign).unwrap()).unwrap();
    let (history, reports) = applied(dir.path(), &[("a", Some(9))]);
    assert_eq!(history.since(WINDOWS[0]), Some(d10.as_str()));
    assert_eq!(reports[0].history.views_7d, Some(6));
    assert_eq!(reports[0].history.first_seen.as_deref(), Some(d10.as_str()));
}

#[test]
fn a_snapshot_cut_short_midway_through_its_reports_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let d10 = earlier(dir.path(), 10.0, &[("a", 3)]);
    let d8 = earlier(dir.path(), 8.0, &[("a", 5), ("b", 1)]);
    let path = dir
        .path()
        .join(crate::snapshot::folder::folder_stamp(&d8))
        .join("snapshot.json");
    let mut s = snapshot(vec![report("b", Some(1), vec![]), report("a", Some(5), vec![])]);
    s.started_at = d8.clone();
    s.reports = s
        .reports
        .map(|r| r.history.first_seen = Some("2020-01-01T00:00:00.000Z".into()))
        .unwrap();
    let text = serde_json::to_string(&s).unwrap();
    // Cut inside the second report: the first was read before the error showed.
    let cut = text.find("\"token\":\"a\"").unwrap();
    std::fs::write(&path, &text[..cut]).unwrap();
    let (history, reports) = applied(dir.path(), &[("a", Some(9)), ("b", Some(4))]);
    assert_eq!(history.since(WINDOWS[0]), Some(d10.as_str()), "the next older one");
    assert_eq!(reports[0].history.views_7d, Some(6));
    assert_eq!(reports[0].history.first_seen.as_deref(), Some(d10.as_str()));
    let b = &reports[1].history;
    assert_eq!(b.views_7d, None, "not in the snapshot used");
    assert_eq!(
        b.first_seen.as_deref(),
        Some(NOW),
        "nothing kept of the snapshot cut short"
    );
}

#[test]
fn one_old_snapshot_is_read_once_for_every_window_it_covers() {
    let dir = tempfile::tempdir().unwrap();
    let d95 = earlier(dir.path(), 95.0, &[("a", 1)]);
    let (history, reports) = applied(dir.path(), &[("a", Some(9))]);
    assert_eq!(history.read, 1);
    for window in WINDOWS {
        assert_eq!(history.since(window), Some(d95.as_str()));
    }
    let a = &reports[0].history;
    assert_eq!((a.views_7d, a.views_30d, a.views_90d), (None, None, Some(8)));
}

#[test]
fn first_seen_is_carried_forward_and_odd_folder_names_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = snapshot(vec![report("a", Some(2), vec![])]);
    s.started_at = "2026-11-27T03:00:00.000Z".into();
    s.reports = s
        .reports
        .map(|r| r.history.first_seen = Some("2025-01-01T00:00:00.000Z".into()))
        .unwrap();
    let odd = dir.path().join("copied-by-hand");
    std::fs::create_dir_all(&odd).unwrap();
    std::fs::write(odd.join("snapshot.json"), serde_json::to_vec(&s).unwrap()).unwrap();
    std::fs::create_dir_all(dir.path().join(".20261126T000000Z.partial-x")).unwrap();
    let (history, reports) = applied(dir.path(), &[("a", Some(2))]);
    assert_eq!(history.found, 1);
    assert_eq!(
        reports[0].history.first_seen.as_deref(),
        Some("2025-01-01T00:00:00.000Z")
    );
}

#[test]
fn folder_names_are_read_as_times() {
    let t = |s: &str| folder_time(s).map(|t| t.to_rfc3339());
    assert_eq!(t("20261128T032200Z").as_deref(), Some("2026-11-28T03:22:00+00:00"));
    assert_eq!(t("20261128T032200Z-2").as_deref(), Some("2026-11-28T03:22:00+00:00"));
    assert_eq!(t("20261128T032200Z-x"), None);
    assert_eq!(t("latest"), None);
}

#[test]
fn a_snapshot_whose_run_had_a_wrong_clock_is_no_baseline() {
    // A run under `faketime -f '-31d'` seconds ago: stamped 31 days back, recording its offset.
    let dir = tempfile::tempdir().unwrap();
    let skewed = earlier(dir.path(), 31.0, &[("a", 20)]);
    let folder = dir.path().join(crate::snapshot::folder::folder_stamp(&skewed));
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("snapshot.json")).unwrap()).unwrap();
    json["stats"]["clock_offset_seconds"] = serde_json::json!(-2_678_399);
    std::fs::write(folder.join("snapshot.json"), json.to_string()).unwrap();
    let honest = earlier(dir.path(), 40.0, &[("a", 12)]);
    let (history, reports) = applied(dir.path(), &[("a", Some(20))]);
    assert_eq!(
        history.since(WINDOWS[1]),
        Some(honest.as_str()),
        "the 30-day window is measured from the honest snapshot"
    );
    assert_eq!(reports[0].history.views_30d, Some(8), "not 0: viewed within 30 days");
}
