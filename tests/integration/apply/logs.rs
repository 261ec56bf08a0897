//! The actions logs: a damaged one stops apply (exit 3, file and line) instead of dropping the
//! "restored by undo" hold; a log an older version kept in the snapshot folder still counts; undo
//! of another workspace's log is a usage error; refused credentials mid-apply keep the summary.

use mode_audit::commands::apply::{Outcome, apply};
use mode_audit::insights::eligibility::Hold;
use mode_audit::sim::{Fault, ScriptedFault, SimReport, Workspace};
use mode_audit::snapshot::undo_log::UNDO_LOG;
use mode_audit::stop::Stop;

use super::{options, planned, stage};
use crate::binary::{code, creds, env_refs, mode_audit, stderr};
use crate::harness::fast_config;

#[tokio::test]
async fn a_damaged_undo_log_stops_apply_with_its_file_and_line_and_an_old_one_still_holds() {
    let st = stage(3, &[10, 20], |_| {}).await;
    let s = st.settings();
    apply(&s, &options(true), &Stop::default()).await.unwrap();
    let undone = mode_audit::commands::undo::undo(&s, &st.log(), true, &Stop::default())
        .await
        .unwrap();
    assert_eq!(undone.restorations.len(), st.eligible_schedules().len());

    // The log as an older version kept it, in the snapshot folder: its holds still count.
    let old = st.snapshot.join(UNDO_LOG);
    std::fs::rename(st.log(), &old).unwrap();
    let again = apply(&s, &options(false), &Stop::default()).await.unwrap();
    assert!(planned(&again).is_empty(), "{again}");
    assert!(
        again
            .plan
            .candidates
            .iter()
            .filter(|c| st.eligible.contains_key(&c.report_token))
            .all(|c| c.held.contains(&Hold::Restored))
    );

    // Damaged in the middle: apply stops (exit 3) and names the file and line.
    let text = std::fs::read_to_string(&old).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1] = "{\"event\":\"deleted\", garbage";
    std::fs::write(&old, lines.join("\n") + "\n").unwrap();
    let url = st.sim.base_url();
    let out = st.out.path().to_string_lossy().into_owned();
    let env = creds(&st.config);
    let cwd = tempfile::tempdir().unwrap();
    let args = ["apply", "--base-url", &url, "--out", &out, "--workspace", "acme"];
    let o = mode_audit(cwd.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&format!("{}:2:", old.display())), "{err}");
    assert!(err.contains("restored"), "says which hold is at stake: {err}");

    // undo of the damaged log is fatal too (exit 3, its file and line), with or without
    // --workspace; a log that is not there is the user's to fix (exit 2).
    let path = old.to_string_lossy().into_owned();
    for with_workspace in [false, true] {
        let mut args = vec!["undo", path.as_str(), "--base-url", &url];
        if with_workspace {
            args.extend(["--workspace", "acme"]);
        }
        let o = mode_audit(cwd.path(), &args, &env_refs(&env)).await;
        assert_eq!(code(&o), 3, "{}", stderr(&o));
        assert!(stderr(&o).contains(":2:"), "{}", stderr(&o));
    }
    let missing = st.out.path().join("acme/actions/nowhere.jsonl");
    let missing = missing.to_string_lossy().into_owned();
    let o = mode_audit(cwd.path(), &["undo", &missing, "--base-url", &url], &env_refs(&env)).await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
}

#[tokio::test]
async fn undo_of_another_workspaces_log_is_a_usage_error() {
    let st = stage(1, &[10, 20], |_| {}).await;
    let s = st.settings();
    apply(&s, &options(true), &Stop::default()).await.unwrap();
    let url = st.sim.base_url();
    let env = creds(&st.config);
    let cwd = tempfile::tempdir().unwrap();
    let log = st.log().to_string_lossy().into_owned();
    let args = ["undo", &log, "--base-url", &url, "--workspace", "globex"];
    let o = mode_audit(cwd.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("is for workspace 'acme', not 'globex'"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test]
async fn refused_credentials_mid_apply_keep_the_summary_of_what_was_done() {
    // The first five scheduled reports become the eligible ones; Mode answers 401 to a DELETE of
    // the fourth.
    let generated = Workspace::generate("acme", &fast_config(vec![30, 12, 0, 45]).spec);
    let scheduled: Vec<&SimReport> = generated
        .reports()
        .map(|(_, r)| r)
        .filter(|r| !r.schedules.is_empty())
        .collect();
    let refused = scheduled[3].token.clone();
    let pattern = format!("DELETE /api/acme/reports/{refused}/schedules/");
    let st = stage(5, &[10, 20], |c| {
        c.scripted = vec![ScriptedFault {
            path_contains: pattern,
            fault: Fault::Status(401),
            times: 1,
        }]
    })
    .await;
    let report = apply(&st.settings(), &options(true), &Stop::default())
        .await
        .expect("the summary is returned, not lost");
    let fatal = report.fatal.clone().expect("the refusal is reported");
    assert!(fatal.contains("credentials"), "{fatal}");
    assert_eq!(report.acted.len(), 5, "every planned report is listed: {report}");
    let at = report.acted.iter().position(|a| a.report_token == refused).unwrap();
    assert!(matches!(&report.acted[at].outcome, Outcome::Failed { .. }), "{report}");
    assert!(
        report.acted[at + 1..].iter().all(|a| a.outcome == Outcome::NotReached),
        "{report}"
    );
    let deleted: usize = report
        .acted
        .iter()
        .map(|a| match &a.outcome {
            Outcome::Deleted(d) => d.len(),
            _ => 0,
        })
        .sum();
    let answered = super::deletes(&st.sim).values().filter(|s| **s == [204]).count();
    assert_eq!(deleted, answered, "{report}");
    let text = report.to_string();
    assert!(text.contains("FATAL") && text.contains("undo log"), "{text}");
}
