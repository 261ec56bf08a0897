//! Standing, read from earlier snapshot folders written by hand: runs, clocks and view counts.

use super::*;
use serde_json::json;

const NOW: &str = "2026-11-28T03:00:00.000Z";

/// A snapshot folder written by hand: started `ago` before 2026-11-28T03:00Z by a run whose clock
/// was `offset` seconds off Mode's, with these reports (token, view count) and findings.
struct Written<'a> {
    ago: chrono::Duration,
    status: &'a str,
    offset: Option<i64>,
    reports: &'a [(&'a str, Option<u64>)],
    findings: &'a [(&'a str, &'a str)],
}

impl Written<'_> {
    /// Its `started_at`.
    fn write(&self, dir: &Path) -> String {
        let now = parse_time(NOW).unwrap();
        let started = (now - self.ago).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let folder = dir.join(crate::snapshot::folder::folder_stamp(&started));
        std::fs::create_dir_all(&folder).unwrap();
        let reports: Vec<_> = self
            .reports
            .iter()
            .map(|(token, views)| json!({"token": token, "view_count": views, "deep": [1, 2]}))
            .collect();
        let findings: Vec<_> = self
            .findings
            .iter()
            .map(|(token, reason)| json!({"reason": reason, "report_token": token}))
            .collect();
        let body = json!({"schema_version": 1, "workspace": "acme", "started_at": started, "status": self.status,
                          "stats": {"clock_offset_seconds": self.offset}, "reports": reports, "findings": findings});
        std::fs::write(folder.join("snapshot.json"), body.to_string()).unwrap();
        started
    }
}

/// Writes a snapshot folder started `days_ago` days before 2026-11-28T03:00Z, by a run whose clock
/// was right, with these findings; each report in them has `views` views.
fn earlier_with(dir: &Path, days_ago: i64, status: &str, findings: &[(&str, &str)], views: u64) {
    let reports: Vec<(&str, Option<u64>)> = findings.iter().map(|(token, _)| (*token, Some(views))).collect();
    Written {
        ago: chrono::Duration::days(days_ago),
        status,
        offset: Some(2),
        reports: &reports,
        findings,
    }
    .write(dir);
}

fn earlier(dir: &Path, days_ago: i64, status: &str, findings: &[(&str, &str)]) {
    earlier_with(dir, days_ago, status, findings, 0);
}

fn days(standing: &Standing, token: &str) -> i64 {
    let now = parse_time(NOW).unwrap();
    (now - standing.since(token).unwrap().0).num_days()
}

/// The standing at 2026-11-28T03:00Z of `current`, back through `dir` at the default 14 days.
fn load(dir: &Path, current: impl IntoIterator<Item = (String, Option<u64>)>) -> Standing {
    Standing::load(dir, "acme", NOW, current, Duration::from_secs(14 * 86_400))
}

fn current(tokens: &[&str]) -> Vec<(String, Option<u64>)> {
    tokens.iter().map(|t| (t.to_string(), Some(0))).collect()
}

#[test]
fn a_run_goes_back_until_a_snapshot_without_the_finding() {
    let dir = tempfile::tempdir().unwrap();
    let never = "SCHEDULED_NEVER_VIEWED";
    earlier(
        dir.path(),
        1,
        "complete",
        &[("a", never), ("b", never), ("c", "ARCHIVED_BUT_SCHEDULED")],
    );
    earlier(dir.path(), 5, "partial", &[]);
    earlier(dir.path(), 7, "complete", &[("a", never), ("c", "SCHEDULE_FAILING")]);
    earlier(dir.path(), 15, "complete", &[("a", "SCHEDULED_NOT_VIEWED_RECENTLY")]);
    earlier(dir.path(), 30, "complete", &[]);
    let s = load(dir.path(), current(&["a", "b", "c", "d"]));
    assert_eq!(
        days(&s, "a"),
        15,
        "held through the partial snapshot, settled at 15 days"
    );
    assert_eq!(s.run("a").unwrap().snapshots, 4, "15, 7 and 1 days ago, and now");
    assert_eq!(days(&s, "b"), 1, "missing 7 days ago");
    assert_eq!(s.run("b").unwrap().snapshots, 2);
    assert_eq!(days(&s, "c"), 1, "another reason 7 days ago breaks the run");
    assert_eq!(days(&s, "d"), 0, "this snapshot only");
    assert_eq!(s.run("d").unwrap().snapshots, 1);
    assert_eq!(s.read, 4, "the 30-day-old snapshot is not needed");
    assert!(s.since("zzz").is_none());
}

#[test]
fn reading_goes_on_until_enough_snapshots_even_past_the_minimum_age() {
    let dir = tempfile::tempdir().unwrap();
    let never = [("a", "SCHEDULED_NEVER_VIEWED")];
    earlier(dir.path(), 20, "complete", &never);
    earlier(dir.path(), 25, "complete", &never);
    let s = load(dir.path(), current(&["a"]));
    assert_eq!((days(&s, "a"), s.run("a").unwrap().snapshots), (25, 3));
}

#[test]
fn the_run_keeps_the_view_count_of_its_oldest_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let archived = [("a", "ARCHIVED_BUT_SCHEDULED")];
    earlier_with(dir.path(), 10, "complete", &archived, 150);
    earlier_with(dir.path(), 20, "complete", &archived, 120);
    let s = load(dir.path(), [("a".to_string(), Some(200))]);
    assert_eq!(
        s.run("a").unwrap().views,
        Some(120),
        "views then, to compare with views now"
    );
}

#[test]
fn an_unreadable_start_time_stands_for_nothing() {
    let s = Standing::new("last tuesday", current(&["a"]));
    assert!(s.run("a").is_none(), "an unknown age is not the epoch");
    let dir = tempfile::tempdir().unwrap();
    earlier(dir.path(), 20, "complete", &[("a", "SCHEDULED_NEVER_VIEWED")]);
    let folder = snapshot_folders(dir.path()).remove(0).1.join("snapshot.json");
    let text = std::fs::read_to_string(&folder).unwrap();
    let started = serde_json::from_str::<serde_json::Value>(&text).unwrap()["started_at"].clone();
    std::fs::write(&folder, text.replace(started.as_str().unwrap(), "garbled")).unwrap();
    let s = load(dir.path(), current(&["a"]));
    assert_eq!(days(&s, "a"), 0, "an earlier snapshot of unknown time confirms nothing");
}

#[test]
fn without_history_a_finding_stands_since_this_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("20261120T030000Z")).unwrap();
    std::fs::write(dir.path().join("20261120T030000Z/snapshot.json"), "not json").unwrap();
    let s = Standing::load(dir.path(), "acme", NOW, current(&["a"]), Duration::from_secs(86_400));
    assert_eq!(s.since("a").unwrap().1, NOW);
    assert_eq!(s.read, 1);
}

#[test]
fn a_snapshot_whose_run_had_a_wrong_clock_or_did_not_say_counts_for_nothing() {
    // As reproduced: a run under `faketime -15d`, then two runs 4 seconds later.
    let never = "SCHEDULED_NEVER_VIEWED";
    let both = [("a", Some(0)), ("b", Some(0))];
    for offset in [Some(-1_295_999), None] {
        let dir = tempfile::tempdir().unwrap();
        let skewed = Written {
            ago: chrono::Duration::days(15),
            status: "complete",
            offset,
            reports: &both,
            findings: &[("a", never)],
        }
        .write(dir.path());
        let honest = Written {
            ago: chrono::Duration::seconds(4),
            status: "complete",
            offset: Some(-1),
            reports: &both,
            findings: &[("a", never), ("b", never)],
        }
        .write(dir.path());
        let s = load(dir.path(), current(&["a", "b"]));
        let a = s.run("a").unwrap();
        assert_eq!(
            (a.snapshots, a.started_at.as_str()),
            (2, honest.as_str()),
            "{offset:?}: the skewed snapshot neither lengthens the run nor counts"
        );
        let doubt = match offset {
            Some(seconds) => ClockDoubt::Off { seconds },
            None => ClockDoubt::Unrecorded,
        };
        let why = [NotCounted {
            started_at: skewed.clone(),
            doubt,
        }];
        assert_eq!(s.not_counted("a"), why, "the run remembers why");
        assert_eq!(
            s.run("b").unwrap().started_at,
            honest,
            "missing from its findings: b's run still ends there"
        );
        assert!(s.not_counted("b").is_empty());
    }
}

#[test]
fn honest_snapshots_beyond_a_skewed_one_still_count() {
    let dir = tempfile::tempdir().unwrap();
    let never = [("a", "SCHEDULED_NEVER_VIEWED")];
    earlier(dir.path(), 5, "complete", &never);
    Written {
        ago: chrono::Duration::days(10),
        status: "complete",
        offset: Some(3600),
        reports: &[("a", Some(0))],
        findings: &never,
    }
    .write(dir.path());
    earlier(dir.path(), 20, "complete", &never);
    let s = load(dir.path(), current(&["a"]));
    assert_eq!((days(&s, "a"), s.run("a").unwrap().snapshots), (20, 3));
    assert_eq!(s.not_counted("a").len(), 1);
}

#[test]
fn every_change_of_a_view_count_across_the_snapshots_read_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let stale = [("a", "SCHEDULED_NOT_VIEWED_RECENTLY")];
    // The run breaks at once (no finding a day ago), yet reading goes on to --min-age for the counts.
    let write = |days: i64, views: u64, findings: &[(&str, &str)]| {
        Written {
            ago: chrono::Duration::days(days),
            status: "complete",
            offset: Some(0),
            reports: &[("a", Some(views))],
            findings,
        }
        .write(dir.path())
    };
    let day = write(1, 3, &[]);
    let week = write(7, 3, &stale);
    let fortnight = write(15, 9, &stale);
    write(30, 1, &stale);
    let s = load(dir.path(), [("a".to_string(), Some(5))]);
    let run = s.run("a").unwrap();
    assert_eq!(run.snapshots, 1, "the finding is missing a day ago");
    let changes: Vec<(&str, u64, &str, u64)> = run
        .changes
        .iter()
        .map(|c| (c.from.as_str(), c.from_views, c.to.as_str(), c.to_views))
        .collect();
    assert_eq!(
        changes,
        [(day.as_str(), 3, NOW, 5), (fortnight.as_str(), 9, week.as_str(), 3)],
        "rose in the last day, fell two weeks ago; the 30-day-old snapshot is past --min-age"
    );
    assert!(run.changes[0].rose() && !run.changes[1].rose());
}
