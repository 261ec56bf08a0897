//! apply and undo through the built binary: exit codes, a dry run that writes nothing, SIGTERM in
//! the middle of an apply, the rerun that finishes it, and undo from the log.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{deletes, schedules_of, stage};
use crate::binary::{code, creds, env_refs, mode_audit, stderr};
use crate::harness::spawn_binary;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test]
async fn sigterm_mid_apply_exits_4_the_rerun_finishes_and_undo_restores() {
    let st = stage(8, &[10, 20], |c| c.latency = Duration::from_millis(15)).await;
    let url = st.sim.base_url();
    let out = st.out.path().to_string_lossy().into_owned();
    let common = [
        "--base-url",
        url.as_str(),
        "--out",
        out.as_str(),
        "--rate",
        "30/100ms",
        "--workspace",
        "acme",
    ];
    let env = creds(&st.config);
    let cwd = tempfile::tempdir().unwrap();

    let mut dry = vec!["apply"];
    dry.extend(common);
    let o = mode_audit(cwd.path(), &dry, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("DRY RUN") && stdout(&o).contains("planned               8 reports"),
        "{}",
        stdout(&o)
    );
    assert_eq!(st.sim.counters().total, 0, "a dry run asks Mode nothing");

    let mut execute = dry.clone();
    execute.push("--execute");
    let child = spawn_binary(cwd.path(), &execute, &env_refs(&env));
    while st.sim.counters().deletes < 2 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let pid = child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let o = child.wait_with_output().await.unwrap();
    assert_eq!(code(&o), 4, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("STOPPED (SIGTERM received): run again to continue"),
        "{}",
        stdout(&o)
    );
    let first = st.sim.counters().deletes as usize;
    assert!(first < st.eligible_schedules().len(), "stopped before the end");

    let o = mode_audit(cwd.path(), &execute, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let want: BTreeMap<String, Vec<u16>> = st.eligible_schedules().into_iter().map(|t| (t, vec![204])).collect();
    assert_eq!(deletes(&st.sim), want, "each eligible schedule deleted exactly once");

    // undo: the workspace comes from the log; a dry run, then --execute.
    let log = st.log().to_string_lossy().into_owned();
    let undo = ["undo", log.as_str(), "--base-url", url.as_str(), "--rate", "30/100ms"];
    let writes = st.sim.counters().writes;
    let o = mode_audit(cwd.path(), &undo, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o).matches("would recreate").count(),
        want.len(),
        "{}",
        stdout(&o)
    );
    assert_eq!(st.sim.counters().writes, writes);
    let mut undo_execute = undo.to_vec();
    undo_execute.push("--execute");
    let o = mode_audit(cwd.path(), &undo_execute, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(st.sim.counters().creates as usize, want.len());
    for (report, original) in &st.eligible {
        assert_eq!(schedules_of(&st.sim, report).len(), original.len(), "{report}");
    }
}

#[tokio::test]
async fn apply_refuses_stdout_and_a_folder_without_snapshots() {
    let st = stage(1, &[], |_| {}).await;
    let url = st.sim.base_url();
    let env = creds(&st.config);
    let cwd = tempfile::tempdir().unwrap();
    let args = ["apply", "--base-url", url.as_str(), "--workspace", "acme", "--out", "-"];
    let o = mode_audit(cwd.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("not '-'"), "{}", stderr(&o));
    let args = [
        "apply",
        "--base-url",
        url.as_str(),
        "--workspace",
        "acme",
        "--out",
        "empty",
        "--execute",
    ];
    let o = mode_audit(cwd.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no complete snapshot") && stderr(&o).contains("mode-audit run"),
        "{}",
        stderr(&o)
    );
    assert_eq!(st.sim.counters().total, 0);
}
