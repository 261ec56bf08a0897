//! Tests of the diff: two hand-built snapshots with known changes.

use super::*;
use crate::snapshot::CollectionRecord;
use crate::test_support::{report, schedule, snapshot};

/// (change, report, field, old, new)
type Row<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, Option<&'a str>);

fn rows(d: &Diff) -> Vec<Row<'_>> {
    d.changes
        .iter()
        .map(|c| {
            (
                c.change.code(),
                c.report_token.as_str(),
                c.field,
                c.old.as_deref(),
                c.new.as_deref(),
            )
        })
        .collect()
}

#[test]
fn every_kind_of_change_is_found() {
    let old = snapshot(vec![
        report("same", Some(5), vec![schedule("s1", "daily", 1)]),
        report("gone", Some(1), vec![]),
        report(
            "mover",
            Some(7),
            vec![schedule("s2", "hourly", 1), schedule("s3", "weekly", 1)],
        ),
        report("viewed", Some(10), vec![]),
        report("unknown", None, vec![]),
    ]);
    let mut new = snapshot(vec![
        report("same", Some(5), vec![schedule("s1", "daily", 1)]),
        report(
            "mover",
            Some(7),
            vec![schedule("s2", "daily", 1), schedule("s4", "monthly", 1)],
        ),
        report("viewed", Some(13), vec![]),
        report("unknown", Some(4), vec![]),
        report("fresh", Some(0), vec![]),
    ]);
    new.collections.push(CollectionRecord {
        token: "c2".into(),
        name: Some("Sales".into()),
        ..new.collections[0].clone()
    });
    new.reports = new
        .reports
        .map(|r| {
            if r.token == "mover" {
                r.collection_token = "c2".into();
                r.schedules[0].hour = Some("9:00 am".into());
            }
        })
        .unwrap();
    let d = diff("old".into(), &old, "new".into(), &new);
    assert_eq!(
        rows(&d),
        vec![
            ("report_added", "fresh", "collection", None, Some("Finance (c1)")),
            ("report_removed", "gone", "collection", Some("Finance (c1)"), None),
            (
                "report_moved",
                "mover",
                "collection",
                Some("Finance (c1)"),
                Some("Sales (c2)")
            ),
            (
                "schedule_added",
                "mover",
                "schedule",
                None,
                Some("monthly, 8:00 am, the top of the hour, UTC")
            ),
            (
                "schedule_removed",
                "mover",
                "schedule",
                Some("weekly, 8:00 am, the top of the hour, UTC"),
                None
            ),
            ("schedule_changed", "mover", "frequency", Some("hourly"), Some("daily")),
            (
                "schedule_changed",
                "mover",
                "time",
                Some("8:00 am, the top of the hour, UTC"),
                Some("9:00 am, the top of the hour, UTC")
            ),
            ("views_changed", "viewed", "view_count", Some("10"), Some("13")),
        ]
    );
    assert_eq!(d.changes.last().unwrap().delta, Some(3));
    assert_eq!(d.count(Kind::ScheduleChanged), 2);
    let table = d.to_string();
    assert!(
        table.contains("view counts changed          1  (+3 views in total)"),
        "{table}"
    );
    assert!(
        table.contains("mover  mover report  s2 frequency: hourly → daily"),
        "{table}"
    );
}

#[test]
fn identical_snapshots_have_no_changes() {
    let s = snapshot(vec![report("a", Some(1), vec![schedule("s", "daily", 1)])]);
    let d = diff("a".into(), &s, "b".into(), &s);
    assert!(d.changes.is_empty());
    assert!(Kind::ALL.iter().all(|k| d.count(*k) == 0));
}

#[test]
fn arguments_that_are_not_snapshots_say_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let missing = load(&dir.path().join("nope")).unwrap_err().0;
    assert!(
        missing.contains("does not exist") && missing.contains("snapshot.json"),
        "{missing}"
    );
    let empty = load(dir.path()).unwrap_err().0;
    assert!(empty.contains("no snapshot.json"), "{empty}");
    let file = dir.path().join("other.json");
    std::fs::write(&file, "{\"hello\": 1}").unwrap();
    let other = load(&file).unwrap_err().0;
    assert!(other.contains("not a mode-audit snapshot.json"), "{other}");
    let good = dir.path().join("snap");
    std::fs::create_dir_all(&good).unwrap();
    let s = snapshot(vec![report("a", Some(1), vec![])]);
    std::fs::write(good.join("snapshot.json"), serde_json::to_vec(&s).unwrap()).unwrap();
    assert_eq!(load(&good).unwrap().1.reports.len(), 1);
    assert_eq!(load(&good.join("snapshot.json")).unwrap().1.reports.len(), 1);
}
