//! The guards of apply: a report that changed since the snapshot is skipped, a 4xx on one report
//! leaves the others going, and a stop then a rerun deletes each eligible schedule exactly once.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use mode_audit::commands::apply::{Outcome, apply};
use mode_audit::commands::run::RunStatus;
use mode_audit::sim::{Fault, ScriptedFault, SimReport, Workspace};
use mode_audit::snapshot::undo_log::{self, Deletion};
use mode_audit::stop::Stop;

use super::{all_reports, deletes, options, schedules_of, stage};
use crate::harness::fast_config;

#[tokio::test]
async fn a_report_that_changed_since_the_snapshot_is_skipped_and_a_4xx_leaves_the_others_going() {
    // The first five scheduled reports become the eligible ones; Mode refuses one DELETE of the fourth.
    let generated = Workspace::generate("acme", &fast_config(vec![30, 12, 0, 45]).spec);
    let scheduled: Vec<&SimReport> = generated
        .reports()
        .map(|(_, r)| r)
        .filter(|r| !r.schedules.is_empty())
        .collect();
    let (refused, refused_schedule) = (scheduled[3].token.clone(), scheduled[3].schedules[0].token.clone());
    let pattern = format!("DELETE /api/acme/reports/{refused}/schedules/{refused_schedule}");
    let st = stage(5, &[10, 20], |c| {
        c.scripted = vec![ScriptedFault {
            path_contains: pattern,
            fault: Fault::Status(403),
            times: 1,
        }]
    })
    .await;
    let others: Vec<String> = st.eligible.keys().filter(|t| **t != refused).cloned().collect();
    let (viewed, subscribed, added, clean) = (&others[0], &others[1], &others[2], &others[3]);
    st.sim.mutate(|ws| {
        for r in all_reports(ws) {
            if r.token == *viewed {
                r.view_count += 1;
            } else if r.token == *subscribed {
                r.schedules[0].subscriber_count = 4;
            } else if r.token == *added {
                let mut extra = r.schedules[0].clone();
                extra.token = "feedfacecafe".into();
                r.schedules.push(extra);
            }
        }
    });
    let s = st.settings();
    let faulty = &st.sim;
    let report = apply(&s, &options(true), &Stop::default()).await.unwrap();
    let outcome = |t: &str| {
        report
            .acted
            .iter()
            .find(|a| a.report_token == t)
            .unwrap()
            .outcome
            .clone()
    };
    let skipped = |t: &str| match outcome(t) {
        Outcome::Skipped(why) => why,
        other => panic!("{t}: {other:?}"),
    };
    assert_eq!(skipped(viewed), "its views changed since the snapshot (0 → 1)");
    assert!(skipped(subscribed).contains("has 4 subscribers now"));
    assert!(skipped(added).contains("added feedfacecafe"));
    assert!(matches!(outcome(&refused), Outcome::Failed { error, .. } if error.contains("403")));
    assert!(matches!(outcome(clean), Outcome::Deleted(d) if d.len() == st.eligible[clean].len()));
    assert_eq!(report.status, RunStatus::Partial);
    assert_eq!(mode_audit::exit::Exit::from(report.status).code(), 1);
    for t in [viewed, subscribed, added] {
        assert!(schedules_of(faulty, t).len() >= st.eligible[t].len(), "{t} untouched");
    }
    let logged = undo_log::read(&st.log()).unwrap();
    let failed: Vec<&str> = logged
        .schedules
        .iter()
        .filter(|l| matches!(l.deletion, Deletion::Failed(_)))
        .map(|l| l.schedule_token.as_str())
        .collect();
    assert_eq!(failed, [refused_schedule.as_str()]);

    // The rerun deletes what was refused once, and repeats nothing else.
    let rerun = apply(&s, &options(true), &Stop::default()).await.unwrap();
    assert!(matches!(
        rerun.acted.iter().find(|a| a.report_token == refused).unwrap().outcome,
        Outcome::Deleted(_)
    ));
    assert!(schedules_of(faulty, &refused).is_empty());
    let statuses = deletes(faulty);
    assert!(statuses.values().all(|s| *s == [204]), "{statuses:?}");
    assert!(statuses.contains_key(&refused_schedule));
    assert_eq!(
        faulty.counters().writes,
        statuses.len() as u64 + 1,
        "one DELETE each, and the one refused"
    );
}

#[tokio::test]
async fn a_stop_mid_apply_then_a_rerun_deletes_each_eligible_schedule_exactly_once() {
    let st = stage(8, &[10, 20], |c| c.latency = Duration::from_millis(15)).await;
    let s = st.settings();
    let stop = Stop::default();
    let trigger = stop.clone();
    let counters = {
        let sim = &st.sim;
        async move {
            while sim.counters().deletes < 3 {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            trigger.trigger(mode_audit::stop::StopReason::Terminated);
        }
    };
    let execute = options(true);
    let (first, ()) = tokio::join!(apply(&s, &execute, &stop), counters);
    let first = first.unwrap();
    assert!(matches!(first.status, RunStatus::Stopped(_)), "{first}");
    let deleted_first = st.sim.counters().deletes;
    assert!(deleted_first >= 3 && (deleted_first as usize) < st.eligible_schedules().len());
    // The log is exact up to the stop: every schedule Mode deleted, and no other, is logged deleted.
    let logged: BTreeSet<String> = undo_log::read(&st.log())
        .unwrap()
        .schedules
        .into_iter()
        .filter(|l| matches!(l.deletion, Deletion::Deleted(_)))
        .map(|l| l.schedule_token)
        .collect();
    let gone: BTreeSet<String> = deletes(&st.sim).into_keys().collect();
    assert_eq!(logged, gone);
    assert_eq!(mode_audit::exit::Exit::from(first.status).code(), 4);

    let second = apply(&s, &options(true), &Stop::default()).await.unwrap();
    assert_eq!(second.status, RunStatus::Complete, "{second}");
    let want: BTreeMap<String, Vec<u16>> = st.eligible_schedules().into_iter().map(|t| (t, vec![204])).collect();
    assert_eq!(
        deletes(&st.sim),
        want,
        "one DELETE per eligible schedule over both runs"
    );
    for report in st.eligible.keys() {
        assert!(schedules_of(&st.sim, report).is_empty());
    }
}
