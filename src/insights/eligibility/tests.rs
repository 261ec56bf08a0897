//! Eligibility rules, one at a time, over a snapshot built from the shared fixtures.

use super::*;
use crate::insights::findings::{FindingsOptions, detect};
use crate::test_support::{report, schedule, snapshot};

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

fn planned(reports: Vec<ReportRecord>, standing_days: i64, keep: &KeepList, rules: &Rules) -> Plan {
    let mut snap = snapshot(reports);
    snap.findings = detect(&snap, None, &FindingsOptions::default(), &KeepList::default());
    let mut standing = Standing::new(NOW, snap.findings.iter().map(|f| f.report_token.clone()));
    if standing_days > 0 {
        let earlier = Standing::new(
            &days_ago(standing_days),
            snap.findings.iter().map(|f| f.report_token.clone()),
        );
        standing = earlier;
    }
    plan(&snap, &standing, keep, &HashSet::new(), rules)
}

fn holds(plan: &Plan, token: &str) -> Vec<String> {
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

    let mut snap = snapshot(vec![unused("b", &[Some(0)])]);
    snap.findings = detect(&snap, None, &FindingsOptions::default(), &KeepList::default());
    let standing = Standing::new(&days_ago(20), ["b".to_string()]);
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
    assert!(p.candidates[0].planned, "--min-age 0 needs no history");
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
}

#[test]
fn a_first_run_may_rely_on_last_viewed_at_and_min_age_counts_from_it() {
    let viewed = |token: &str, days: i64| {
        let mut r = unused(token, &[Some(0)]);
        r.view_count = Some(12);
        r.discovered.last_viewed_at = Some(days_ago(days));
        r
    };
    // No earlier snapshot: the finding stands since this run only.
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
        "viewed 10 days ago: no finding"
    );
    // A shorter window flags the fresh one, and --min-age 14d still holds it back from its last view.
    let mut snap = snapshot(vec![viewed("fresh", 10)]);
    let options = FindingsOptions {
        window: std::time::Duration::from_secs(7 * 86_400),
        ..FindingsOptions::default()
    };
    snap.findings = detect(&snap, None, &options, &KeepList::default());
    let standing = Standing::new(NOW, snap.findings.iter().map(|f| f.report_token.clone()));
    let p = plan(
        &snap,
        &standing,
        &KeepList::default(),
        &HashSet::new(),
        &Rules::default(),
    );
    assert_eq!(p.planned().count(), 0);
    assert!(
        holds(&p, "fresh")[0].contains("not long enough"),
        "{:?}",
        holds(&p, "fresh")
    );
}
