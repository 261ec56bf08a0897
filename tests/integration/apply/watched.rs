//! The actions log is watched while apply writes it: deleted from under it, or cut short (even
//! when apply's next lines made it long again), apply stops before the next DELETE, still counts
//! what it deleted and says the log is damaged; lines another writer appends meanwhile (one that
//! took the lease with `--break-lease`) are read, and the summary says what the log shows.

use std::time::Duration;

use mode_audit::commands::apply::{ApplyReport, Outcome, apply};
use mode_audit::output::actions::ActionsLog;
use mode_audit::sim::{Fault, ScriptedFault, SimReport, Workspace};
use mode_audit::snapshot::undo_log::{ActionLine, Confirmed, now};
use mode_audit::stop::Stop;

use super::{Stage, options, stage};
use crate::harness::fast_config;

/// The scheduled reports of the stand-in, in the order `stage` picks the eligible ones.
/// The DELETEs the summary counts as done, finished reports and those that failed partway.
fn deletions_counted(applied: &ApplyReport) -> u64 {
    let counted: usize = applied
        .acted
        .iter()
        .map(|a| match &a.outcome {
            Outcome::Deleted(d) | Outcome::Failed { deleted: d, .. } => d.len(),
            _ => 0,
        })
        .sum();
    counted as u64
}

fn scheduled() -> Vec<SimReport> {
    Workspace::generate("acme", &fast_config(vec![30, 12, 0, 45]).spec)
        .reports()
        .map(|(_, r)| r.clone())
        .filter(|r| !r.schedules.is_empty())
        .collect()
}

/// A stage whose first `eligible` scheduled reports are eligible, the first DELETE on `report`
/// held back long enough for the test to act while it is on its way.
async fn slowed(eligible: usize, report: &str) -> Stage {
    let pattern = format!("DELETE /api/acme/reports/{report}/schedules/");
    stage(eligible, &[10, 20], |c| {
        c.scripted = vec![ScriptedFault {
            path_contains: pattern,
            fault: Fault::Slow(Duration::from_secs(3)),
            times: 1,
        }]
    })
    .await
}

/// Waits until the slowed DELETE has arrived (it is answered seconds later).
async fn delete_on_its_way(st: &Stage) {
    while st.sim.counters().faults < 1 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test]
async fn a_log_deleted_during_apply_stops_it_before_the_next_delete_and_what_it_deleted_is_counted() {
    let all = scheduled();
    let at = all
        .iter()
        .position(|r| r.schedules.len() >= 2)
        .expect("a report with two schedules");
    let report = all[at].token.clone();
    let st = slowed(at + 1, &report).await;
    let log = st.log();
    let watcher = async {
        delete_on_its_way(&st).await;
        std::fs::remove_file(&log).unwrap();
    };
    let (s, execute, stop) = (st.settings(), options(true), Stop::default());
    let (applied, ()) = tokio::join!(apply(&s, &execute, &stop), watcher);
    let applied = applied.expect("the summary is returned");
    let fatal = applied.fatal.clone().expect("stopped: the log it was writing is gone");
    assert!(fatal.contains("was deleted or moved"), "{fatal}");
    let a = applied.acted.iter().find(|a| a.report_token == report).unwrap();
    assert!(
        matches!(&a.outcome, Outcome::Failed { deleted, .. } if deleted.len() == 1),
        "the DELETE answered before the stop is counted: {applied}"
    );
    assert_eq!(
        deletions_counted(&applied),
        st.sim.counters().deletes,
        "no DELETE after the log went: {applied}"
    );
    assert!(
        (deletions_counted(&applied) as usize) < st.eligible_schedules().len(),
        "{applied}"
    );
    let text = applied.to_string();
    assert!(text.contains("FATAL") && text.contains("after 1 deleted"), "{text}");
}

#[tokio::test]
async fn schedules_another_writer_deleted_meanwhile_are_reported_as_the_log_shows() {
    let report = scheduled()[0].token.clone();
    let st = slowed(1, &report).await;
    let log = st.log();
    // Another mode-audit deletes the schedule whose DELETE is on its way, and logs it.
    let other = async {
        delete_on_its_way(&st).await;
        let text = std::fs::read_to_string(&log).unwrap();
        let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        assert_eq!(last["event"], "delete_intent", "{text}");
        let schedule = last["schedule_token"].as_str().unwrap().to_string();
        st.sim.mutate(|ws| {
            let r = super::all_reports(ws).find(|r| r.token == report).unwrap();
            r.schedules.retain(|s| s.token != schedule);
        });
        let mut theirs = ActionsLog::open(&log).unwrap();
        theirs
            .append(ActionLine::Deleted {
                at: now(),
                workspace: "acme".into(),
                report_token: report.clone(),
                schedule_token: schedule.clone(),
                confirmed: Confirmed::Answered,
            })
            .await
            .unwrap();
        schedule
    };
    let (s, execute, stop) = (st.settings(), options(true), Stop::default());
    let (applied, schedule) = tokio::join!(apply(&s, &execute, &stop), other);
    let applied = applied.unwrap();
    let n = st.eligible[&report].len();
    assert!(
        matches!(&applied.acted[0].outcome, Outcome::DeletedWithAnother { deleted, by_another }
            if deleted.len() == n - 1 && by_another == &vec![schedule.clone()]),
        "{applied}"
    );
    let text = applied.to_string();
    let line = text.lines().rev().find(|l| l.contains(&report)).unwrap();
    assert!(
        line.contains("by another mode-audit") && !line.contains("deleted   0 schedule(s)"),
        "{line}"
    );
}

#[tokio::test]
async fn a_log_cut_short_during_apply_stops_it_before_the_next_delete_and_the_summary_says_it_is_damaged() {
    let all = scheduled();
    let at = all
        .iter()
        .position(|r| r.schedules.len() >= 2)
        .expect("a report with two schedules");
    let report = all[at].token.clone();
    let st = slowed(at + 1, &report).await;
    let log = st.log();
    // Cut to nothing while a DELETE is on its way: apply's next lines land at its start.
    let watcher = async {
        delete_on_its_way(&st).await;
        std::fs::OpenOptions::new()
            .write(true)
            .open(&log)
            .unwrap()
            .set_len(0)
            .unwrap();
    };
    let (s, execute, stop) = (st.settings(), options(true), Stop::default());
    let (applied, ()) = tokio::join!(apply(&s, &execute, &stop), watcher);
    let applied = applied.expect("the summary is returned");
    let fatal = applied
        .fatal
        .clone()
        .expect("stopped: the log it was writing was cut short");
    assert!(fatal.contains("cut short"), "{fatal}");
    let a = applied.acted.iter().find(|a| a.report_token == report).unwrap();
    assert!(
        matches!(&a.outcome, Outcome::Failed { deleted, .. } if deleted.len() == 1),
        "the DELETE answered before the stop is counted: {applied}"
    );
    assert_eq!(
        deletions_counted(&applied),
        st.sim.counters().deletes,
        "no DELETE after the cut: {applied}"
    );
    let text = applied.to_string();
    assert!(text.contains("DAMAGED") && !text.contains("recreates them"), "{text}");
    // undo cannot recreate what the cut took the definition of, and says so in its summary.
    let undone = mode_audit::commands::undo::undo(&s, &log, false, &Stop::default())
        .await
        .unwrap();
    let shown = undone.to_string();
    assert!(
        undone.lost.iter().any(|(r, _)| *r == report)
            && shown.contains("LOST")
            && !shown.contains("nothing to recreate"),
        "{shown}"
    );
    assert_eq!(undone.status, mode_audit::snapshot::RunStatus::Partial, "{shown}");
}
