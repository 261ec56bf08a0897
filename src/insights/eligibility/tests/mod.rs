//! Eligibility rules, one at a time, over a snapshot built from the shared fixtures.

use super::*;
use crate::insights::findings::{FindingsOptions, detect};
use crate::insights::standing::{MIN_SNAPSHOTS, Run};
use crate::test_support::{report, schedule, snapshot};

// The evidence of use: view counts that rose or fell, snapshots not counted for their clock.
mod evidence;

const NOW: &str = "2026-11-28T03:00:00.000Z";

fn days_ago(days: i64) -> String {
    text(parse_time(NOW).unwrap() - chrono::Duration::days(days))
}

/// A report never viewed, created 60 days ago, with schedules of these subscriber counts.
fn unused(token: &str, subs: &[Option<u64>]) -> ReportRecord {
    let schedules = subs
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut s = schedule(&format!("{token}-s{i}"), "daily", 0);
            s.subscriber_count = *n;
            s
        })
        .collect();
    let mut r = report(token, Some(0), schedules);
    r.created_at = Some(days_ago(60));
    r
}

/// Every report with a finding standing for `standing_days` in `snapshots` complete snapshots,
/// with the view count it has now.
fn standing_for(snap: &Snapshot, standing_days: i64, snapshots: usize) -> Standing {
    let views: HashMap<String, Option<u64>> = snap.reports.iter().map(|r| (r.token.clone(), r.view_count)).collect();
    Standing::from_runs(snap.findings.iter().map(|f| {
        let started_at = days_ago(standing_days);
        let run = Run {
            at: parse_time(&started_at).unwrap(),
            started_at,
            snapshots,
            views: views[&f.report_token],
            ..Run::default()
        };
        (f.report_token.clone(), run)
    }))
}

/// A snapshot of `reports` with its findings.
fn found(reports: Vec<ReportRecord>) -> Snapshot {
    let mut snap = snapshot(reports);
    snap.findings = detect(&snap, None, &FindingsOptions::default(), &KeepList::default());
    snap
}

fn planned(reports: Vec<ReportRecord>, standing_days: i64, keep: &KeepList, rules: &Rules) -> UnschedulePlan {
    let snap = found(reports);
    let snapshots = if standing_days > 0 { MIN_SNAPSHOTS } else { 1 };
    let standing = standing_for(&snap, standing_days, snapshots);
    plan(&snap, &standing, keep, &HashSet::new(), rules)
}

fn holds(plan: &UnschedulePlan, token: &str) -> Vec<String> {
    let c = plan.candidates.iter().find(|c| c.report_token == token).unwrap();
    c.held.iter().map(ToString::to_string).collect()
}

#[test]
fn an_old_unused_unsubscribed_report_is_planned() {
    let p = planned(
        vec![unused("a", &[Some(0), Some(0)])],
        20,
        &KeepList::default(),
        &Rules::default(),
    );
    let a = &p.candidates[0];
    assert!(a.planned && a.held.is_empty(), "{:?}", a.held);
    assert_eq!(a.reasons, vec![Reason::ScheduledNeverViewed]);
    assert_eq!(a.schedules.len(), 2);
    assert_eq!(a.runs_per_month, Some(60.0));
    assert_eq!(a.runtime_per_month_seconds, Some(600.0), "60 runs × 10 s");
    let from = a.eligible_from.as_deref().unwrap();
    assert!(
        from.starts_with(&days_ago(6)[..10]),
        "20 days unused, eligible after 14 (less an hour's slack): {from}"
    );
}

#[test]
fn subscribers_known_or_unknown_hold_a_report_back() {
    let p = planned(
        vec![unused("subbed", &[Some(0), Some(3)]), unused("unknown", &[None])],
        20,
        &KeepList::default(),
        &Rules::default(),
    );
    assert_eq!(holds(&p, "subbed"), ["schedule subbed-s1 has 3 subscribers"]);
    assert_eq!(holds(&p, "unknown"), ["schedule unknown-s0's subscribers are unknown"]);
    assert_eq!(p.planned().count(), 0);
    assert_eq!(p.upcoming().count(), 0, "subscribed reports are never coming up");
}

#[test]
fn the_keep_list_and_an_undo_hold_a_report_back() {
    let keep = KeepList::parse("[[keep]]\ntoken = \"a\"\nreason = \"board deck\"\n").unwrap();
    let p = planned(vec![unused("a", &[Some(0)])], 20, &keep, &Rules::default());
    assert_eq!(holds(&p, "a"), ["on the keep list (board deck)"]);

    let snap = found(vec![unused("b", &[Some(0)])]);
    let standing = standing_for(&snap, 20, MIN_SNAPSHOTS);
    let restored: HashSet<String> = ["b".to_string()].into();
    let p = plan(&snap, &standing, &KeepList::default(), &restored, &Rules::default());
    assert_eq!(holds(&p, "b"), ["its schedules were recreated by `mode-audit undo`"]);
    assert_eq!(p.upcoming().count(), 0, "a restored report is not announced");
}

#[test]
fn young_reports_and_young_findings_wait_for_the_minimum_age() {
    let mut young = unused("young", &[Some(0)]);
    young.created_at = Some(days_ago(3));
    let mut ageless = unused("ageless", &[Some(0)]);
    ageless.created_at = None;
    let p = planned(
        vec![young, unused("recent", &[Some(0)]), ageless],
        5,
        &KeepList::default(),
        &Rules::default(),
    );
    let young = holds(&p, "young");
    assert_eq!(young.len(), 2, "{young:?}");
    assert!(
        young[0].contains(&format!("too new until {}", days_ago(3 - 14))),
        "{young:?}"
    );
    assert!(
        holds(&p, "recent")[0].contains("not long enough"),
        "{:?}",
        holds(&p, "recent")
    );
    assert!(holds(&p, "ageless").contains(&"its creation time is unknown".to_string()));
    assert_eq!(p.planned().count(), 0);
    let upcoming: Vec<&str> = p.upcoming().map(|c| c.report_token.as_str()).collect();
    assert_eq!(upcoming, ["recent", "young"], "both only wait for time");

    let no_wait = Rules {
        min_age: Duration::ZERO,
        ..Rules::default()
    };
    let p = planned(vec![unused("fresh", &[Some(0)])], 0, &KeepList::default(), &no_wait);
    assert_eq!(
        holds(&p, "fresh"),
        ["unused in 1 complete snapshot(s) only; 3 spanning --min-age are needed"],
        "--min-age 0 still needs three snapshots"
    );
    let snap = found(vec![unused("fresh", &[Some(0)])]);
    let p = plan(
        &snap,
        &standing_for(&snap, 0, MIN_SNAPSHOTS),
        &KeepList::default(),
        &HashSet::new(),
        &no_wait,
    );
    assert!(p.candidates[0].planned, "--min-age 0 with three snapshots");
}

#[test]
fn an_unreadable_snapshot_time_is_no_age_at_all() {
    let mut snap = found(vec![unused("a", &[Some(0)])]);
    snap.started_at = "not a time".into();
    let standing = Standing::new(&snap.started_at, [("a".to_string(), Some(0))]);
    let p = plan(
        &snap,
        &standing,
        &KeepList::default(),
        &HashSet::new(),
        &Rules::default(),
    );
    assert!(!p.candidates[0].planned);
    assert!(
        holds(&p, "a").contains(&"the snapshot's start time cannot be read, so no age is known".to_string()),
        "{:?}",
        holds(&p, "a")
    );
    assert_eq!(p.upcoming().count(), 0, "time does not lift an unknown time");
}

#[test]
fn two_snapshots_are_not_enough_whatever_their_span() {
    let p = planned(
        vec![unused("a", &[Some(0)])],
        0,
        &KeepList::default(),
        &Rules::default(),
    );
    assert!(!p.candidates[0].planned);
    let snap = found(vec![unused("a", &[Some(0)])]);
    let p = plan(
        &snap,
        &standing_for(&snap, 60, 2),
        &KeepList::default(),
        &HashSet::new(),
        &Rules::default(),
    );
    assert_eq!(
        holds(&p, "a"),
        ["unused in 2 complete snapshot(s) only; 3 spanning --min-age are needed"]
    );
}

#[test]
fn max_actions_plans_the_costliest_first() {
    let mut reports = Vec::new();
    for (token, runtime) in [("cheap", 1.0), ("dear", 100.0), ("middle", 10.0)] {
        let mut r = unused(token, &[Some(0)]);
        r.expected_runtime = Some(runtime);
        reports.push(r);
    }
    let rules = Rules {
        max_actions: 2,
        ..Rules::default()
    };
    let p = planned(reports, 30, &KeepList::default(), &rules);
    let order: Vec<(&str, bool)> = p
        .candidates
        .iter()
        .map(|c| (c.report_token.as_str(), c.planned))
        .collect();
    assert_eq!(order, [("dear", true), ("middle", true), ("cheap", false)]);
    assert_eq!(holds(&p, "cheap"), ["over --max-actions 2 this run"]);
    assert_eq!(p.upcoming().count(), 3);
}

#[test]
fn measured_runs_outrank_the_proxy_in_the_order() {
    let mut reports = Vec::new();
    for (token, runtime, measured) in [("proxy_dear", 100.0, None), ("measured", 1.0, Some(90_000.0))] {
        let mut r = unused(token, &[Some(0)]);
        r.expected_runtime = Some(runtime);
        r.runs.run_seconds_30d = measured;
        r.runs.runs_30d = measured.map(|_| 300);
        reports.push(r);
    }
    let rules = Rules {
        max_actions: 1,
        ..Rules::default()
    };
    let p = planned(reports, 30, &KeepList::default(), &rules);
    // By the proxy, proxy_dear costs 30 × 100 s = 3,000 s and measured 30 s; its runs say 90,000 s.
    let order: Vec<(&str, bool)> = p
        .candidates
        .iter()
        .map(|c| (c.report_token.as_str(), c.planned))
        .collect();
    assert_eq!(order, [("measured", true), ("proxy_dear", false)]);
    assert_eq!(p.candidates[0].cost_seconds(), Some(90_000.0));
    assert_eq!(p.candidates[0].runs_30d(), Some(300.0));
    assert_eq!(p.candidates[1].cost_seconds(), Some(3_000.0), "no runs read: the proxy");
}

#[test]
fn only_unused_findings_make_a_candidate() {
    let mut viewed = unused("viewed", &[Some(0)]);
    viewed.view_count = Some(50);
    let mut archived = unused("archived", &[Some(0)]);
    archived.view_count = Some(50);
    archived.archived = true;
    let p = planned(vec![viewed, archived], 30, &KeepList::default(), &Rules::default());
    let tokens: Vec<&str> = p.candidates.iter().map(|c| c.report_token.as_str()).collect();
    assert_eq!(
        tokens,
        ["archived"],
        "a viewed report without subscribers is not a candidate"
    );
    assert_eq!(p.candidates[0].reasons, vec![Reason::ArchivedButScheduled]);
    assert!(
        p.candidates[0].planned,
        "archived, and not viewed since: 50 views then and now"
    );
}

#[test]
fn a_report_viewed_since_its_finding_began_is_held_whatever_the_reason() {
    let mut archived = unused("archived", &[Some(0)]);
    archived.view_count = Some(250);
    archived.archived = true;
    let snap = found(vec![archived]);
    let mut standing = standing_for(&snap, 30, MIN_SNAPSHOTS);
    let mut run = standing.run("archived").unwrap().clone();
    run.views = Some(50);
    standing = Standing::from_runs([("archived".to_string(), run.clone())]);
    let p = plan(
        &snap,
        &standing,
        &KeepList::default(),
        &HashSet::new(),
        &Rules::default(),
    );
    assert_eq!(p.candidates[0].reasons, vec![Reason::ArchivedButScheduled]);
    assert_eq!(
        holds(&p, "archived"),
        [format!(
            "viewed since the snapshot of {} (50 → 250 views)",
            days_ago(30)
        )]
    );
    assert_eq!(p.upcoming().count(), 0);
    run.views = None;
    let standing = Standing::from_runs([("archived".to_string(), run)]);
    let p = plan(
        &snap,
        &standing,
        &KeepList::default(),
        &HashSet::new(),
        &Rules::default(),
    );
    assert!(
        holds(&p, "archived")[0].contains("unknown"),
        "{:?}",
        holds(&p, "archived")
    );
}

#[test]
fn a_first_run_may_rely_on_last_viewed_at_and_min_age_counts_from_it() {
    let viewed = |token: &str, days: i64| {
        let mut r = unused(token, &[Some(0)]);
        r.view_count = Some(12);
        r.discovered.last_viewed_at = Some(days_ago(days));
        r
    };
    // No earlier snapshot: Mode says nobody opened it for 40 days, which meets --min-age 14d.
    let p = planned(
        vec![viewed("stale", 40), viewed("fresh", 10)],
        0,
        &KeepList::default(),
        &Rules::default(),
    );
    let stale = p.candidates.iter().find(|c| c.report_token == "stale").unwrap();
    assert!(stale.planned, "{:?}", stale.held);
    assert_eq!(stale.reasons, vec![Reason::ScheduledNotViewedRecently]);
    assert_eq!(stale.unused_since.as_deref(), Some(days_ago(40).as_str()));
    assert!(
        p.candidates.iter().all(|c| c.report_token != "fresh"),
        "viewed 10 days ago: no finding in a 30-day window"
    );
    // A 7-day window flags the fresh one; --min-age 14d holds it from its last view, even with a
    // series of snapshots standing 20 days.
    let mut snap = snapshot(vec![viewed("fresh", 10)]);
    let options = FindingsOptions {
        window: std::time::Duration::from_secs(7 * 86_400),
        ..FindingsOptions::default()
    };
    snap.findings = detect(&snap, None, &options, &KeepList::default());
    for standing in [
        Standing::new(NOW, std::iter::empty()),
        standing_for(&snap, 20, MIN_SNAPSHOTS),
    ] {
        let p = plan(
            &snap,
            &standing,
            &KeepList::default(),
            &HashSet::new(),
            &Rules::default(),
        );
        assert_eq!(p.planned().count(), 0);
        let why = holds(&p, "fresh");
        assert!(
            why.iter()
                .any(|h| h.contains(&format!("last viewed {}", days_ago(10))) && h.contains(&days_ago(-4))),
            "{why:?}"
        );
    }
    // Without a last view, a first run's finding still needs the series.
    let p = planned(
        vec![unused("never", &[Some(0)])],
        0,
        &KeepList::default(),
        &Rules::default(),
    );
    assert!(!p.candidates[0].planned);
    assert!(
        holds(&p, "never")
            .iter()
            .any(|h| h.contains("complete snapshot(s) only")),
        "{:?}",
        holds(&p, "never")
    );
}
