//! Where undo records what it does: in the log of the output the log belongs to (as the log
//! records), holding that output's lease; a copy elsewhere is refused unless `--out` names the
//! output. And a schedule someone made again by hand counts as restored: no second copy.

use mode_audit::commands::apply::apply;
use mode_audit::commands::run::RunStatus;
use mode_audit::commands::undo::{Restored, undo};
use mode_audit::insights::eligibility::Hold;
use mode_audit::snapshot::undo_log::{self, Recreation};
use mode_audit::stop::Stop;

use super::{options, planned, schedules_of, stage};
use crate::binary::{code, creds, env_refs, mode_audit, stderr};

#[tokio::test]
async fn undo_of_a_copy_writes_to_the_output_the_log_belongs_to_and_is_refused_without_out() {
    let st = stage(3, &[10, 20], |_| {}).await;
    let s = st.settings();
    apply(&s, &options(true), &Stop::default()).await.unwrap();
    st.sim.reset_counters();
    let n = st.eligible_schedules().len();
    let elsewhere = tempfile::tempdir().unwrap();
    let copy = elsewhere.path().join("copy.jsonl");
    std::fs::copy(st.log(), &copy).unwrap();
    let copied = std::fs::read_to_string(&copy).unwrap();
    let (url, out) = (st.sim.base_url(), st.out.path().to_string_lossy().into_owned());
    let env = creds(&st.config);
    let cwd = tempfile::tempdir().unwrap();
    let copy_arg = copy.to_string_lossy().into_owned();
    let args = ["undo", &copy_arg, "--base-url", &url, "--rate", "30/100ms", "--execute"];

    // Without --out: refused (a usage error), saying where the log belongs; nothing created.
    let o = mode_audit(cwd.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let err = stderr(&o);
    let home = std::fs::canonicalize(st.log()).unwrap();
    assert!(
        err.contains("is a copy") && err.contains(&home.display().to_string()) && err.contains("--out"),
        "{err}"
    );
    assert_eq!(st.sim.counters().writes, 0);

    // --out naming another output, which has no such log: refused too.
    let other = tempfile::tempdir().unwrap();
    let mut wrong = args.to_vec();
    let other_arg = other.path().to_string_lossy().into_owned();
    wrong.extend(["--out", &other_arg]);
    let o = mode_audit(cwd.path(), &wrong, &env_refs(&env)).await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("name the output the log came from"),
        "{}",
        stderr(&o)
    );
    assert_eq!(st.sim.counters().writes, 0);

    // --out naming the output: the recreations are recorded in its log, and its lease is taken
    // there (not in ./snapshots); the copy is left as it was.
    let mut named = args.to_vec();
    named.extend(["--out", &out]);
    let o = mode_audit(cwd.path(), &named, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(st.sim.counters().creates as usize, n);
    assert_eq!(
        std::fs::read_to_string(&copy).unwrap(),
        copied,
        "the copy is not written"
    );
    assert!(!cwd.path().join("snapshots").exists(), "no lease taken in ./snapshots");
    let logged = undo_log::read(&st.log()).unwrap();
    assert!(
        logged
            .schedules
            .iter()
            .all(|l| matches!(l.recreation, Some(Recreation::Done { .. })))
    );

    // So the next apply holds the restored reports back.
    let again = apply(&s, &options(false), &Stop::default()).await.unwrap();
    assert!(planned(&again).is_empty(), "{again}");
    for c in again
        .plan
        .candidates
        .iter()
        .filter(|c| st.eligible.contains_key(&c.report_token))
    {
        assert!(c.held.contains(&Hold::Restored), "{}: {:?}", c.report_token, c.held);
    }
}

#[tokio::test]
async fn a_schedule_made_again_by_hand_counts_as_restored_and_no_second_copy_is_made() {
    let st = stage(2, &[10, 20], |_| {}).await;
    let s = st.settings();
    apply(&s, &options(true), &Stop::default()).await.unwrap();
    let (report, original) = st.eligible.iter().next().unwrap();
    let mut by_hand = original[0].clone();
    by_hand.token = "0a0a0a0a0a0a".into();
    st.sim.mutate(|ws| {
        let r = super::all_reports(ws).find(|r| &r.token == report).unwrap();
        r.schedules.push(by_hand.clone());
    });
    st.sim.reset_counters();
    let undone = undo(&s, &st.log(), true, &Stop::default()).await.unwrap();
    assert_eq!(undone.status, RunStatus::Complete, "{undone}");
    let n = st.eligible_schedules().len();
    assert_eq!(st.sim.counters().creates as usize, n - 1, "{undone}");
    let r = undone
        .restorations
        .iter()
        .find(|r| r.schedule_token == original[0].token)
        .unwrap();
    assert_eq!(r.outcome, Restored::FoundLive(by_hand.token.clone()), "{undone}");
    assert!(undone.to_string().contains("counted as restored"), "{undone}");
    assert_eq!(
        schedules_of(&st.sim, report).len(),
        original.len(),
        "one of each, no duplicate"
    );
    // Logged as restored: a second undo creates nothing, and apply holds the report back.
    let logged = undo_log::read(&st.log()).unwrap();
    let l = logged
        .schedules
        .iter()
        .find(|l| l.schedule_token == original[0].token)
        .unwrap();
    assert_eq!(
        l.recreation,
        Some(Recreation::Done {
            new_token: by_hand.token.clone()
        })
    );
    undo(&s, &st.log(), true, &Stop::default()).await.unwrap();
    assert_eq!(st.sim.counters().creates as usize, n - 1);
    let again = apply(&s, &options(false), &Stop::default()).await.unwrap();
    assert!(!planned(&again).contains(report), "{again}");
}
