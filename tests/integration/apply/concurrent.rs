//! Two writers on one output, through the built binary: a second `apply --execute` while one runs
//! exits 2 naming the holder, and warns of no lease it never held, in a folder and in a bucket (moto
//! and azurite), and undo then restores every deleted schedule; `run` takes the lease too, a stale
//! one is taken over with a warning, and `--break-lease` clears one of another host but is refused
//! while its holder runs here.

use std::path::Path;
use std::time::Duration;

use mode_audit::storage::{Bucket, MarkerInfo};

use super::{Stage, deletes, schedules_of, stage};
use crate::binary::{code, creds, env_refs, mode_audit, stderr};
use crate::bucket::on_each_store;
use crate::bucket::store::{Kind, Server};
use crate::harness::spawn_binary;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Starts `apply --execute` with `args`, waits for its first DELETE, then runs a second one: it
/// must exit 2 naming the first (its pid), and the first must finish.
async fn second_apply_is_refused(st: &Stage, cwd: &Path, args: &[&str], env: &[(&'static str, String)]) {
    let mut execute = vec!["apply"];
    execute.extend(args);
    execute.push("--execute");
    let first = spawn_binary(cwd, &execute, &env_refs(env));
    let pid = first.id().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while st.sim.counters().deletes < 1 {
        assert!(std::time::Instant::now() < deadline, "the first apply deleted nothing");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let second = mode_audit(cwd, &execute, &env_refs(env)).await;
    assert_eq!(code(&second), 2, "{}{}", stdout(&second), stderr(&second));
    let err = stderr(&second);
    for part in ["`apply`", &format!("pid {pid}"), "since", "--break-lease"] {
        assert!(err.contains(part), "{part} missing: {err}");
    }
    assert!(
        !err.contains("lease was not released"),
        "the refused writer held no lease, so it has none to release: {err}"
    );
    let first = first.wait_with_output().await.unwrap();
    assert_eq!(code(&first), 0, "{}{}", stdout(&first), stderr(&first));
    let gone = deletes(&st.sim);
    assert_eq!(
        gone.keys().cloned().collect::<std::collections::BTreeSet<_>>(),
        st.eligible_schedules()
    );
    assert!(gone.values().all(|s| *s == [204]), "each deleted once: {gone:?}");
}

/// `undo LOG --execute` recreates every deleted schedule.
async fn undo_restores_all(st: &Stage, cwd: &Path, log: &str, url: &str, env: &[(&'static str, String)]) {
    let o = mode_audit(
        cwd,
        &["undo", log, "--base-url", url, "--rate", "30/100ms", "--execute"],
        &env_refs(env),
    )
    .await;
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(st.sim.counters().creates as usize, st.eligible_schedules().len());
    for (report, original) in &st.eligible {
        assert_eq!(schedules_of(&st.sim, report).len(), original.len(), "{report}");
    }
}

#[tokio::test]
async fn a_second_apply_in_a_folder_exits_2_and_undo_restores_every_deletion() {
    let st = stage(8, &[10, 20], |c| c.latency = Duration::from_millis(40)).await;
    let url = st.sim.base_url();
    let out = st.out.path().to_string_lossy().into_owned();
    let env = creds(&st.config);
    let cwd = tempfile::tempdir().unwrap();
    let args = [
        "--base-url",
        &url,
        "--out",
        &out,
        "--rate",
        "30/100ms",
        "--workspace",
        "acme",
    ];
    second_apply_is_refused(&st, cwd.path(), &args, &env).await;
    assert!(!st.out.path().join("acme/lease.json").exists(), "released at the end");
    let log = st.log().to_string_lossy().into_owned();
    assert!(st.log().is_file(), "the log is in the actions folder");
    undo_restores_all(&st, cwd.path(), &log, &url, &env).await;
}

on_each_store!(a_second_apply_in_a_bucket_exits_2_and_undo_from_the_bucket_restores_every_deletion);

async fn a_second_apply_in_a_bucket_exits_2_and_undo_from_the_bucket_restores_every_deletion(kind: Kind) {
    let Some(store) = Server::start(kind).await else { return };
    let st = stage(8, &[10, 20], |c| c.latency = Duration::from_millis(40)).await;
    // The snapshots go to the bucket as a run publishes them: each folder, then its marker.
    let bucket: Bucket = store.bucket("mode");
    for entry in std::fs::read_dir(st.out.path().join("acme")).unwrap() {
        let folder = entry.unwrap().path();
        let Some(name) = folder.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        if !folder.join("snapshot.json").is_file() {
            continue;
        }
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(folder.join("snapshot.json")).unwrap()).unwrap();
        let info = MarkerInfo {
            workspace: "acme".into(),
            kind: "snapshot",
            status: "complete".into(),
            started_at: json["started_at"].as_str().unwrap().to_string(),
        };
        bucket.upload_folder(&folder, &["acme", &name], &info).await.unwrap();
    }
    let url = st.sim.base_url();
    let tmp = tempfile::tempdir().unwrap();
    let mut env = creds(&st.config);
    env.extend(store.env());
    env.push(("TMPDIR", tmp.path().display().to_string()));
    let cwd = tempfile::tempdir().unwrap();
    let out = store.out("mode");
    let args = [
        "--base-url",
        &url,
        "--out",
        &out,
        "--rate",
        "30/100ms",
        "--workspace",
        "acme",
    ];
    second_apply_is_refused(&st, cwd.path(), &args, &env).await;
    assert!(
        !bucket.exists(&["acme", "lease.json"]).await.unwrap(),
        "released at the end"
    );
    let name = st.snapshot.file_name().unwrap().to_string_lossy().into_owned();
    let key = format!("{name}.jsonl");
    let logged = bucket
        .get(&["acme", "actions", &key])
        .await
        .unwrap()
        .expect("the log is in the bucket");
    let deleted = String::from_utf8(logged)
        .unwrap()
        .matches("\"event\":\"deleted\"")
        .count();
    assert_eq!(deleted, st.eligible_schedules().len());
    assert!(
        bucket
            .exists(&["acme", "actions", &format!("{name}.apply-plan.csv")])
            .await
            .unwrap()
    );
    let log = format!("{out}/acme/actions/{key}");
    undo_restores_all(&st, cwd.path(), &log, &url, &env).await;
    // The recreations are recorded in the bucket's copy.
    let logged = String::from_utf8(bucket.get(&["acme", "actions", &key]).await.unwrap().unwrap()).unwrap();
    assert_eq!(logged.matches("\"event\":\"recreated\"").count(), deleted);
}

/// A lease in `out` for workspace acme, held by another process until `expires_at`.
fn plant_lease(out: &Path, expires_at: &str) {
    let lease = serde_json::json!({
        "host": "build-7",
        "pid": 4242,
        "command": "apply",
        "started_at": "2026-01-01T00:00:00.000Z",
        "expires_at": expires_at,
        "id": "build-7-4242-1",
    });
    std::fs::create_dir_all(out.join("acme")).unwrap();
    std::fs::write(out.join("acme/lease.json"), lease.to_string()).unwrap();
}

#[tokio::test]
async fn run_takes_the_lease_a_stale_one_is_taken_over_and_break_lease_clears_a_live_one() {
    let st = stage(1, &[], |_| {}).await;
    let url = st.sim.base_url();
    let out = tempfile::tempdir().unwrap();
    let out_text = out.path().to_string_lossy().into_owned();
    let env = creds(&st.config);
    let cwd = tempfile::tempdir().unwrap();
    let run = [
        "run",
        "--base-url",
        &url,
        "--out",
        &out_text,
        "--rate",
        "30/100ms",
        "--workspace",
        "acme",
    ];

    plant_lease(out.path(), "2999-01-01T00:00:00.000Z");
    let o = mode_audit(cwd.path(), &run, &env_refs(&env)).await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("`apply` on host build-7, pid 4242"),
        "{}",
        stderr(&o)
    );
    assert_eq!(st.sim.counters().total, 0, "nothing was asked of Mode");

    plant_lease(out.path(), "2020-01-01T00:00:00.000Z");
    let o = mode_audit(cwd.path(), &run, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("took over the lease") && stderr(&o).contains("it expired"),
        "{}",
        stderr(&o)
    );
    assert!(!out.path().join("acme/lease.json").exists(), "released at the end");

    plant_lease(out.path(), "2999-01-01T00:00:00.000Z");
    let mut broken = run.to_vec();
    broken.push("--break-lease");
    let o = mode_audit(cwd.path(), &broken, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("took over the lease") && stderr(&o).contains("--break-lease given"),
        "{}",
        stderr(&o)
    );
    assert!(!out.path().join("acme/lease.json").exists());
}

/// A lease in `out` for workspace acme held by this test's own process: of this host, PID
/// namespace and boot, and running. `None` where the system does not say (no `/proc`).
fn plant_live_lease(out: &Path) -> Option<u32> {
    let read = |p: &str| std::fs::read_to_string(p).ok().map(|s| s.trim().to_string());
    let host = read("/proc/sys/kernel/hostname")?;
    let boot_id = read("/proc/sys/kernel/random/boot_id")?;
    let pid_namespace = std::fs::read_link("/proc/self/ns/pid")
        .ok()?
        .to_string_lossy()
        .into_owned();
    let pid = std::process::id();
    let lease = serde_json::json!({
        "host": host,
        "pid": pid,
        "command": "apply",
        "started_at": "2026-01-01T00:00:00.000Z",
        "expires_at": "2999-01-01T00:00:00.000Z",
        "id": format!("{host}-{pid}-1"),
        "pid_namespace": pid_namespace,
        "boot_id": boot_id,
    });
    std::fs::create_dir_all(out.join("acme")).unwrap();
    std::fs::write(out.join("acme/lease.json"), lease.to_string()).unwrap();
    Some(pid)
}

#[tokio::test]
async fn break_lease_is_refused_while_the_holder_runs_on_this_host() {
    let st = stage(1, &[], |_| {}).await;
    let url = st.sim.base_url();
    let out = tempfile::tempdir().unwrap();
    let out_text = out.path().to_string_lossy().into_owned();
    let env = creds(&st.config);
    let cwd = tempfile::tempdir().unwrap();
    let Some(pid) = plant_live_lease(out.path()) else {
        return;
    };
    let args = [
        "run",
        "--base-url",
        &url,
        "--out",
        &out_text,
        "--workspace",
        "acme",
        "--break-lease",
    ];
    let o = mode_audit(cwd.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("pid {pid}")) && stderr(&o).contains("stop that process first"),
        "{}",
        stderr(&o)
    );
    assert_eq!(st.sim.counters().total, 0, "nothing was asked of Mode");
    assert!(
        out.path().join("acme/lease.json").exists(),
        "the holder keeps its lease"
    );
}
