//! The evidence rules: a view count that rose or fell holds a report (whatever Discovery says), and
//! a hold for too few snapshots names those not counted for their clock.

use super::*;
use crate::insights::standing::{NotCounted, ViewChange};
use crate::snapshot::clock::ClockDoubt;

/// `token`'s run as planned from alone (no earlier snapshot counted), with these changes of its
/// view count and these snapshots not counted.
fn alone(token: &str, views: Option<u64>, changes: Vec<ViewChange>, not_counted: Vec<NotCounted>) -> Standing {
    let run = Run {
        at: parse_time(NOW).unwrap(),
        started_at: NOW.into(),
        snapshots: 1,
        views,
        not_counted: not_counted.len(),
        changes,
    };
    Standing::from_runs([(token.to_string(), run)]).with_not_counted(not_counted)
}

fn change(from_days: i64, from_views: u64, to_days: i64, to_views: u64) -> ViewChange {
    ViewChange {
        from: days_ago(from_days),
        from_views,
        to_at: parse_time(&days_ago(to_days)).unwrap(),
        to: days_ago(to_days),
        to_views,
    }
}

fn planned_with(snap: &Snapshot, standing: &Standing) -> UnschedulePlan {
    plan(snap, standing, &KeepList::default(), &HashSet::new(), &Rules::default())
}

#[test]
fn a_view_count_that_rose_holds_a_report_whatever_discovery_says() {
    // As reproduced: last viewed a month ago by Discovery, 5 views now, 3 in the snapshots before.
    let mut r = unused("a", &[Some(0)]);
    r.view_count = Some(5);
    r.discovered.last_viewed_at = Some(days_ago(40));
    let snap = found(vec![r]);
    assert_eq!(
        snap.findings.iter().next().unwrap().reason,
        Reason::ScheduledNotViewedRecently
    );
    let p = planned_with(&snap, &alone("a", Some(5), vec![], vec![]));
    assert!(
        p.candidates[0].planned,
        "Discovery's verdict alone: {:?}",
        holds(&p, "a")
    );
    let p = planned_with(&snap, &alone("a", Some(5), vec![change(1, 3, 0, 5)], vec![]));
    assert_eq!(
        holds(&p, "a"),
        [format!("viewed since the snapshot of {} (3 → 5 views)", days_ago(1))]
    );
    assert_eq!(p.upcoming().count(), 0, "a report in use is not coming up");
    // A rise after the last view Discovery reports, but before the run began, holds it too.
    let p = planned_with(&snap, &alone("a", Some(5), vec![change(20, 4, 10, 5)], vec![]));
    assert!(holds(&p, "a")[0].starts_with("viewed since"), "{:?}", holds(&p, "a"));
}

#[test]
fn a_rise_before_a_series_began_does_not_hold_it() {
    let mut r = unused("archived", &[Some(0)]);
    r.view_count = Some(50);
    r.archived = true;
    let snap = found(vec![r]);
    let mut standing = standing_for(&snap, 20, MIN_SNAPSHOTS);
    let mut run = standing.run("archived").unwrap().clone();
    // Opened just before it was archived: the change ends at the run's first snapshot.
    run.changes = vec![change(25, 40, 20, 50)];
    standing = Standing::from_runs([("archived".to_string(), run)]);
    let p = planned_with(&snap, &standing);
    assert!(p.candidates[0].planned, "{:?}", holds(&p, "archived"));
}

#[test]
fn a_view_count_that_went_down_is_no_normal_history() {
    let mut r = unused("a", &[Some(0)]);
    r.view_count = Some(5);
    r.archived = true;
    let snap = found(vec![r]);
    let fell = |then: u64| {
        format!(
            "its view count went down after the snapshot of {} ({then} → 5), which is not normal history: its views are unknown",
            days_ago(20)
        )
    };
    let mut run = standing_for(&snap, 20, MIN_SNAPSHOTS).run("a").unwrap().clone();
    run.views = Some(7);
    let p = planned_with(&snap, &Standing::from_runs([("a".to_string(), run.clone())]));
    assert_eq!(holds(&p, "a"), [fell(7)]);
    // Up and down again inside the run: the same count at both ends, held all the same.
    run.views = Some(5);
    run.changes = vec![change(10, 9, 5, 5), change(20, 5, 10, 9)];
    let p = planned_with(&snap, &Standing::from_runs([("a".to_string(), run)]));
    let why = holds(&p, "a");
    assert_eq!(why.len(), 2, "{why:?}");
    assert!(why[0].contains(&format!("{} (5 → 9 views)", days_ago(20))), "{why:?}");
    assert!(why[1].contains("(9 → 5), which is not normal history"), "{why:?}");
    assert_eq!(p.upcoming().count(), 0, "time does not lift an unknown");
}

#[test]
fn a_hold_for_too_few_snapshots_names_the_ones_not_counted() {
    let snap = found(vec![unused("a", &[Some(0)])]);
    let skewed = |days: i64, doubt| NotCounted {
        started_at: days_ago(days),
        doubt,
    };
    let not_counted = vec![
        skewed(15, ClockDoubt::Off { seconds: -1_295_999 }),
        skewed(16, ClockDoubt::Unrecorded),
    ];
    let p = planned_with(&snap, &alone("a", Some(0), vec![], not_counted));
    let why = holds(&p, "a");
    assert_eq!(
        why.last().unwrap(),
        &format!(
            "the snapshot of {} was not counted: its run's clock was 1295999 s (about 15 days) behind Mode's \
             (and 1 earlier snapshot(s) not counted)",
            days_ago(15)
        ),
        "{why:?}"
    );
    assert!(why[0].contains("not long enough"), "{why:?}");
    assert_eq!(p.upcoming().count(), 1, "later snapshots will count");
}
