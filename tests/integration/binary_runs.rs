//! The built binary, continued: stopping and resuming, plan, every fault at once, secrets, progress.

use std::path::Path;

use crate::binary::{SECRET, all_text, code, creds, env_refs, mode_audit, run_args, snapshot_dirs, stand_in, stderr};
use crate::harness::{fast_config, spawn_binary};

fn checkpoint_exists(out: &Path) -> bool {
    out.join("acme/.checkpoint.json").exists()
}

#[tokio::test]
async fn sigterm_saves_a_checkpoint_exits_4_and_the_next_run_resumes() {
    let (sim, config) = stand_in(|c| {
        c.spec.sizes = Some(vec![95, 61, 30, 0, 44]);
        c.latency = std::time::Duration::from_millis(20);
    })
    .await;
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let mut args = run_args(&url, "snaps");
    args.extend(["--workspace", "acme"]);
    let env = creds(&config);
    let child = spawn_binary(tmp.path(), &args, &env_refs(&env));
    while sim.counters().total < 8 {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = child.wait_with_output().await.unwrap();
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert!(stderr(&o).contains("checkpoint saved"), "{}", stderr(&o));
    assert!(snapshot_dirs(&tmp.path().join("snaps")).is_empty(), "nothing published");
    assert!(checkpoint_exists(&tmp.path().join("snaps")));
    assert!(!stderr(&o).contains(SECRET));

    let o = mode_audit(tmp.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("resumed from a checkpoint"), "{}", stderr(&o));
    assert!(!checkpoint_exists(&tmp.path().join("snaps")));
    let dirs = snapshot_dirs(&tmp.path().join("snaps"));
    let csv = std::fs::read_to_string(tmp.path().join("snaps/acme").join(&dirs[0]).join("reports.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 95 + 61 + 30 + 44);
}

#[tokio::test]
async fn max_duration_stops_cleanly_with_exit_4() {
    let (sim, config) = stand_in(|c| {
        c.spec.sizes = Some(vec![300, 300]);
        c.latency = std::time::Duration::from_millis(40);
    })
    .await;
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let mut args = run_args(&url, "snaps");
    args.extend(["--workspace", "acme", "--max-duration", "150ms"]);
    let env = creds(&config);
    let o = mode_audit(tmp.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert!(stderr(&o).contains("--max-duration reached"), "{}", stderr(&o));
    assert!(checkpoint_exists(&tmp.path().join("snaps")));
    assert!(snapshot_dirs(&tmp.path().join("snaps")).is_empty());
}

#[tokio::test]
async fn every_fault_at_once_still_yields_a_complete_snapshot() {
    let sizes = vec![30, 12, 0, 45, 90, 61];
    let slow_path = mode_audit::sim::Workspace::generate("acme", &fast_config(sizes.clone()).spec).collections[3]
        .token
        .clone();
    let (sim, config) = stand_in(|c| {
        c.spec.sizes = Some(sizes);
        c.error_rate = 0.05;
        c.drop_rate = 0.02;
        c.malformed_rate = 0.01;
        c.duplicates_across_pages = true;
        c.retry_after = false;
        c.fault_seed = 3;
        c.scripted = vec![
            // Slower than the client's 300 ms timeout, twice.
            mode_audit::sim::ScriptedFault {
                path_contains: format!("/{slow_path}/reports"),
                fault: mode_audit::sim::Fault::Slow(std::time::Duration::from_secs(2)),
                times: 2,
            },
            // A burst of 429s.
            mode_audit::sim::ScriptedFault {
                path_contains: "/schedules".into(),
                fault: mode_audit::sim::Fault::RateLimited { retry_after: None },
                times: 5,
            },
        ];
    })
    .await;
    let truth = sim.workspace();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("fast.toml"),
        "retry_min_delay = \"5ms\"\nretry_max_delay = \"50ms\"\n",
    )
    .unwrap();
    let url = sim.base_url();
    let mut args = run_args(&url, "snaps");
    args.extend(["--workspace", "acme", "--timeout", "300ms", "--config", "fast.toml"]);
    let env = creds(&config);
    let o = mode_audit(tmp.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let latest = tmp.path().join("snaps/acme/latest");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(latest.join("snapshot.json")).unwrap()).unwrap();
    let reports = json["reports"].as_array().unwrap();
    let got: Vec<(&str, bool, usize)> = reports
        .iter()
        .map(|r| {
            (
                r["token"].as_str().unwrap(),
                r["scheduled"].as_bool().unwrap(),
                r["schedules"].as_array().unwrap().len(),
            )
        })
        .collect();
    let want: Vec<(&str, bool, usize)> = truth
        .reports()
        .map(|(_, r)| (r.token.as_str(), !r.schedules.is_empty(), r.schedules.len()))
        .collect();
    assert_eq!(got, want, "every report exactly once, with its schedules");
    let counters = sim.counters();
    assert!(counters.faults >= 2 && counters.throttled >= 5, "{counters:?}");
}

#[tokio::test]
async fn plan_counts_a_full_runs_requests_without_fetching_schedules() {
    let (sim, config) = stand_in(|c| c.spec.sizes = Some(vec![95, 61, 30, 0, 44])).await;
    let truth = sim.workspace();
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let args = [
        "plan",
        "--workspace",
        "acme",
        "--base-url",
        &url,
        "--rate",
        "40/10s",
        "--per-page",
        "30",
    ];
    let env = creds(&config);
    let o = mode_audit(tmp.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let number = |label: &str| -> u64 {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("{text}"));
        line.split_whitespace().find_map(|w| w.parse().ok()).unwrap()
    };
    assert_eq!(number("reports"), truth.report_count() as u64);
    assert_eq!(number("full run"), mode_audit::sim::minimum_requests(&truth, 30));
    assert_eq!(sim.counters().schedules, 0, "a plan never asks for schedules");
    // At 40/10s paced at 98%: requests × 255 ms.
    let seconds = (number("full run") as f64 * 10.0 / (40.0 * 0.98)) as u64;
    assert!(text.contains(&format!("{seconds}s")), "{text}");
}

#[tokio::test]
async fn credentials_never_appear_in_logs_files_or_help_even_at_trace_level() {
    use base64::Engine;
    let token = "tok-NEVER-SHOWN-7f3a";
    let hidden = mode_audit::sim::Workspace::generate("acme", &fast_config(vec![30, 12, 0, 45]).spec).collections[1]
        .token
        .clone();
    let (sim, config) = stand_in(|c| {
        c.token = token.to_string();
        c.inaccessible = vec![hidden.clone()];
        c.error_rate = 0.05;
        c.fault_seed = 5;
    })
    .await;
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{token}:{SECRET}"));
    let forbidden = [token, SECRET, basic.as_str()];
    let env = creds(&config);
    let mut env = env_refs(&env);
    env.push(("RUST_LOG", "trace"));
    let mut outputs = Vec::new();
    for format in ["text", "json"] {
        let mut args = run_args(&url, "snaps");
        args.extend([
            "--workspace",
            "acme",
            "--log-format",
            format,
            "--format",
            "csv,json,jsonl",
        ]);
        let o = mode_audit(tmp.path(), &args, &env).await;
        assert_eq!(code(&o), 1, "a failing (partial) run: {}", stderr(&o));
        outputs.push(o);
    }
    // A fatal run too: wrong secret.
    let mut args = run_args(&url, "snaps");
    args.extend(["--workspace", "acme"]);
    let wrong = [
        ("MODE_API_TOKEN", token),
        ("MODE_API_SECRET", "wrong-but-secret-too"),
        ("RUST_LOG", "trace"),
    ];
    outputs.push(mode_audit(tmp.path(), &args, &wrong).await);
    outputs.push(mode_audit(tmp.path(), &["run", "--help"], &env).await);
    outputs.push(mode_audit(tmp.path(), &["--help"], &env).await);

    let mut everything = all_text(&tmp.path().join("snaps"));
    for o in &outputs {
        everything += &String::from_utf8_lossy(&o.stdout);
        everything += &String::from_utf8_lossy(&o.stderr);
    }
    assert!(everything.len() > 10_000, "the logs and files were really produced");
    for secret in forbidden.iter().chain(&["wrong-but-secret-too"]) {
        assert!(!everything.contains(secret), "{secret} leaked");
    }
}

#[tokio::test]
async fn off_a_terminal_there_is_no_progress_drawing_and_no_colour_codes() {
    let (sim, config) = stand_in(|c| c.latency = std::time::Duration::from_millis(5)).await;
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let mut args = run_args(&url, "snaps");
    args.extend(["--workspace", "acme"]);
    let env = creds(&config);
    let o = mode_audit(tmp.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 0);
    let err = stderr(&o);
    assert!(
        err.contains("audit started") && err.contains("complete"),
        "logs and summary are there: {err}"
    );
    assert!(
        !err.contains('\r') && !err.contains("\u{1b}["),
        "no progress redraws or ANSI codes in a pipe: {err:?}"
    );
}

#[tokio::test]
async fn several_workspaces_run_one_after_another_and_the_exit_code_is_the_worst() {
    let (sim, config) = stand_in(|_| {}).await;
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let args = run_args(&url, "snaps");
    let env = creds(&config);
    let mut env = env_refs(&env);
    env.push(("MODE_WORKSPACE", "acme,nosuch,acme"));
    let o = mode_audit(tmp.path(), &args, &env).await;
    assert_eq!(
        code(&o),
        3,
        "one workspace missing is fatal for it, and the worst code wins: {}",
        stderr(&o)
    );
    assert_eq!(
        snapshot_dirs(&tmp.path().join("snaps")).len(),
        1,
        "acme is still audited, once"
    );
    assert!(stderr(&o).contains("workspace nosuch: fatal"), "{}", stderr(&o));
    assert!(!tmp.path().join("snaps/nosuch").join("latest").exists());

    let mut args = run_args(&url, "-");
    args.extend(["--workspace", "acme", "--workspace", "other"]);
    let o = mode_audit(tmp.path(), &args, &env_refs(&creds(&config))).await;
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("single workspace"), "{}", stderr(&o));
}

/// `mode-audit run` with files above `kib` KiB failing with EFBIG (SIGXFSZ ignored).
async fn run_with_file_limit(url: &str, env: &[(&'static str, String)], dir: &Path, kib: u64) -> std::process::Output {
    let mut args = run_args(url, "snaps");
    args.extend(["--workspace", "acme"]);
    tokio::process::Command::new("bash")
        .arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f {kib}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_mode-audit"))
        .args(&args)
        .current_dir(dir)
        .env_clear()
        .envs(env_refs(env))
        .output()
        .await
        .unwrap()
}

/// Names in `OUT/acme` that look like a snapshot, a half-written one, or `latest`.
/// What a run left in `snaps/acme` (a folder that a fatal run removes when it made it and left it empty).
fn published_or_partial(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir.join("snaps/acme")) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("20") || n.contains("partial") || n == "latest")
        .collect()
}

#[tokio::test]
async fn a_write_that_fails_halfway_leaves_nothing_behind() {
    let (sim, config) = stand_in(|_| {}).await;
    let url = sim.base_url();
    let env = creds(&config);
    // What an unhindered run writes: the records kept during the run take the size of the
    // snapshot's report array; snapshot.json is that plus collections, findings and stats.
    let full = tempfile::tempdir().unwrap();
    let mut args = run_args(&url, "snaps");
    args.extend(["--workspace", "acme"]);
    let o = mode_audit(full.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let json = std::fs::read(full.path().join("snaps/acme/latest/snapshot.json")).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let records: usize = value["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| serde_json::to_vec(r).unwrap().len())
        .sum();
    let between = (records as u64).div_ceil(1024) + 1;
    assert!(between * 1024 < json.len() as u64, "{records} vs {}", json.len());

    // The records fit, snapshot.json does not: publishing fails and nothing is left.
    let tmp = tempfile::tempdir().unwrap();
    let o = run_with_file_limit(&url, &env, tmp.path(), between).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("nothing was published") && stderr(&o).contains("snapshot.json"),
        "{}",
        stderr(&o)
    );
    assert_eq!(published_or_partial(tmp.path()), Vec::<String>::new());

    // Not even the records fit: the run says where it could not keep them, and publishes nothing.
    let tmp = tempfile::tempdir().unwrap();
    let o = run_with_file_limit(&url, &env, tmp.path(), 8).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot keep collected reports in a temporary file in snaps/acme"),
        "{}",
        stderr(&o)
    );
    assert_eq!(published_or_partial(tmp.path()), Vec::<String>::new());
}
