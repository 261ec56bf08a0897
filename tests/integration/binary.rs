//! The built binary end to end: exit codes, files, configuration precedence, secrets kept out.

use std::path::Path;
use std::process::Output;

use mode_audit::sim::{SimConfig, SimServer};

use crate::harness::{binary_command, fast_config};

pub(crate) const SECRET: &str = "s3cr3t-never-printed";

/// Runs `mode-audit` with a clean environment plus `env`, in `cwd`.
pub(crate) async fn mode_audit(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    binary_command(cwd, args, env).output().await.expect("the binary runs")
}

pub(crate) fn code(o: &Output) -> i32 {
    o.status.code().expect("exited normally")
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub(crate) async fn stand_in(mutate: impl FnOnce(&mut SimConfig)) -> (SimServer, SimConfig) {
    let mut config = fast_config(vec![30, 12, 0, 45]);
    config.secret = SECRET.to_string();
    mutate(&mut config);
    (SimServer::start(config.clone()).await.unwrap(), config)
}

/// Arguments that point the binary at `sim` at the stand-in's budget.
pub(crate) fn run_args<'a>(sim_url: &'a str, out: &'a str) -> Vec<&'a str> {
    vec!["run", "--base-url", sim_url, "--out", out, "--rate", "30/100ms"]
}

pub(crate) fn creds(config: &SimConfig) -> Vec<(&'static str, String)> {
    vec![
        ("MODE_API_TOKEN", config.token.clone()),
        ("MODE_API_SECRET", config.secret.clone()),
    ]
}

pub(crate) fn env_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, val)| (*k, val.as_str())).collect()
}

/// Every file below `dir`, read as text.
pub(crate) fn all_text(dir: &Path) -> String {
    let mut text = String::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() && !p.is_symlink() {
                text += &all_text(&p);
            } else if p.is_file() {
                text += &String::from_utf8_lossy(&std::fs::read(&p).unwrap());
            }
        }
    }
    text
}

pub(crate) fn snapshot_dirs(out: &Path) -> Vec<String> {
    match std::fs::read_dir(out.join("acme")) {
        Ok(entries) => entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("20"))
            .collect(),
        Err(_) => vec![],
    }
}

#[tokio::test]
async fn a_complete_run_exits_0_and_publishes_every_file() {
    let (sim, config) = stand_in(|_| {}).await;
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let mut args = run_args(&url, "snaps");
    args.extend(["--workspace", "acme", "--format", "csv,json,jsonl"]);
    let env = creds(&config);
    let o = mode_audit(tmp.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("complete"));
    let dirs = snapshot_dirs(&tmp.path().join("snaps"));
    assert_eq!(dirs.len(), 1);
    let dir = tmp.path().join("snaps/acme").join(&dirs[0]);
    let csv = std::fs::read_to_string(dir.join("reports.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 87, "header + every report");
    for f in ["schedules.csv", "collections.csv", "snapshot.json", "reports.jsonl"] {
        assert!(std::fs::metadata(dir.join(f)).unwrap().len() > 0, "{f}");
    }
    assert!(!all_text(&tmp.path().join("snaps")).contains(SECRET));
}

#[tokio::test]
async fn rejected_credentials_exit_3_after_one_request_and_publish_nothing() {
    let (sim, _) = stand_in(|_| {}).await;
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let mut args = run_args(&url, "snaps");
    args.extend(["--workspace", "acme"]);
    let o = mode_audit(
        tmp.path(),
        &args,
        &[
            ("MODE_API_TOKEN", "demo-token"),
            ("MODE_API_SECRET", "wrong-secret"),
            ("RUST_LOG", "trace"),
        ],
    )
    .await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(sim.counters().total <= 3);
    assert!(stderr(&o).contains("MODE_API_TOKEN"), "says which credential to check");
    assert_eq!(
        stderr(&o).matches("rejected the credentials").count(),
        1,
        "said once: {}",
        stderr(&o)
    );
    assert!(
        !stderr(&o).contains("wrong-secret"),
        "the secret never appears, even at trace level"
    );
    assert!(snapshot_dirs(&tmp.path().join("snaps")).is_empty());
}

#[tokio::test]
async fn an_inaccessible_collection_exits_1_with_a_partial_snapshot() {
    let token = mode_audit::sim::Workspace::generate("acme", &fast_config(vec![30, 12, 0, 45]).spec).collections[1]
        .token
        .clone();
    let (sim, config) = stand_in(|c| c.inaccessible = vec![token.clone()]).await;
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let mut args = run_args(&url, "snaps");
    args.extend(["--workspace", "acme"]);
    let env = creds(&config);
    let o = mode_audit(tmp.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains(&token), "the failure is listed");
    let latest = tmp.path().join("snaps/acme/latest");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(latest.join("snapshot.json")).unwrap()).unwrap();
    assert_eq!(json["status"], "partial");
    assert_eq!(json["failures"][0]["token"], token.as_str());
    assert_eq!(json["reports"].as_array().unwrap().len(), 30 + 45);
    let ledger = std::fs::read_to_string(latest.join("collections.csv")).unwrap();
    assert!(
        ledger
            .lines()
            .any(|l| l.contains(&token) && l.contains(",inaccessible,")),
        "{ledger}"
    );
}

#[tokio::test]
async fn an_unknown_workspace_exits_3() {
    let (sim, config) = stand_in(|_| {}).await;
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let mut args = run_args(&url, "snaps");
    args.extend(["--workspace", "nosuch"]);
    let env = creds(&config);
    let o = mode_audit(tmp.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 3);
    assert!(
        stderr(&o).contains("404") && stderr(&o).contains("nosuch"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("check --workspace"),
        "says what to fix: {}",
        stderr(&o)
    );
    assert_eq!(
        stderr(&o).matches("not found (HTTP 404)").count(),
        1,
        "said once: {}",
        stderr(&o)
    );
    assert!(snapshot_dirs(&tmp.path().join("snaps")).is_empty(), "nothing published");
}

/// Arguments, environment, and a phrase the error message must contain.
type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);

#[tokio::test]
async fn configuration_errors_exit_2_with_what_to_fix() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("bad.toml"), "workspace = \"acme\"\nworkspaces = 3\n").unwrap();
    let cases: Vec<Case> = vec![
        (vec!["run", "--workspace", "acme"], vec![], "MODE_API_TOKEN is not set"),
        (vec!["run", "--workspace", "acme", "--rate", "fast"], vec![], "40/10s"),
        (
            vec!["run", "--config", "bad.toml"],
            vec![("MODE_API_TOKEN", "t"), ("MODE_API_SECRET", "s")],
            "workspaces",
        ),
        (
            vec!["run", "--workspace", "acme"],
            vec![("MODE_API_TOKEN", "t"), ("MODE_API_SECRET_FILE", "/nonexistent/secret")],
            "MODE_API_SECRET_FILE",
        ),
        (
            vec!["run", "--workspace", "acme", "--base-url", "http://mode.example.com"],
            vec![("MODE_API_TOKEN", "t"), ("MODE_API_SECRET", "s")],
            "--allow-insecure-http",
        ),
        (
            vec!["run"],
            vec![("MODE_API_TOKEN", "t"), ("MODE_API_SECRET", "s")],
            "--workspace",
        ),
    ];
    for (args, env, says) in cases {
        let o = mode_audit(tmp.path(), &args, &env).await;
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(says),
            "{args:?} should say {says:?}: {}",
            stderr(&o)
        );
    }
}

#[tokio::test]
async fn env_beats_the_file_and_flags_beat_env() {
    let (sim, config) = stand_in(|_| {}).await;
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    std::fs::write(
        tmp.path().join("c.toml"),
        format!("workspace = \"from-file\"\nrate = \"30/100ms\"\nout = \"snaps\"\nbase_url = \"{url}\"\n"),
    )
    .unwrap();
    let mut env = creds(&config);
    env.push(("MODE_WORKSPACE", "acme".into()));
    env.push(("MODE_AUDIT_CONFIG", "c.toml".into()));
    let o = mode_audit(tmp.path(), &["run"], &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "env's workspace wins over the file's: {}", stderr(&o));
    assert_eq!(
        snapshot_dirs(&tmp.path().join("snaps")).len(),
        1,
        "the file's out is used"
    );
    let o = mode_audit(tmp.path(), &["run", "--workspace", "from-flag"], &env_refs(&env)).await;
    assert_eq!(code(&o), 3, "the flag wins over env");
    assert!(stderr(&o).contains("from-flag"));
}

#[tokio::test]
async fn out_dash_streams_reports_csv_to_stdout() {
    let (sim, config) = stand_in(|_| {}).await;
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let mut args = run_args(&url, "-");
    args.extend(["--workspace", "acme"]);
    let env = creds(&config);
    let o = mode_audit(tmp.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut reader = csv::Reader::from_reader(o.stdout.as_slice());
    assert_eq!(
        reader.headers().unwrap().len(),
        mode_audit::output::REPORT_COLUMNS.len()
    );
    assert_eq!(reader.records().count(), 87);
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "nothing written to disk"
    );
}

#[tokio::test]
async fn an_unwritable_output_exits_3_before_any_request() {
    let (sim, config) = stand_in(|_| {}).await;
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("afile"), "not a folder").unwrap();
    let url = sim.base_url();
    let mut args = run_args(&url, "afile");
    args.extend(["--workspace", "acme"]);
    let env = creds(&config);
    let o = mode_audit(tmp.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 3);
    let err = stderr(&o);
    assert!(
        err.contains("cannot create the output folder")
            && err.contains("; point --out at a folder this user can write"),
        "{err}"
    );
    let fatal = err.lines().find(|l| l.contains("fatal:")).unwrap();
    assert!(!fatal.contains("(point"), "no hint nested in parentheses: {fatal}");
    assert!(
        err.contains("\n  hint: `mode-audit doctor` with the same flags"),
        "{err}"
    );
    assert_eq!(sim.counters().total, 0);
}

#[tokio::test]
async fn the_demo_audits_the_whole_stand_in() {
    let tmp = tempfile::tempdir().unwrap();
    let o = mode_audit(tmp.path(), &["demo", "--out", "d", "--format", "csv,json,xlsx"], &[]).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The summary is on stderr, as run's is; stdout stays empty.
    assert!(o.stdout.is_empty());
    let text = stderr(&o);
    assert!(text.contains("(all of them)"), "{text}");
    assert!(
        text.contains(
            "/owners/README.md; with credentials, `mode-audit doctor --workspace YOURS` checks your own setup\n"
        ),
        "{text}"
    );
    let truth = mode_audit::sim::Workspace::generate("acme", &SimConfig::demo().spec);
    let csv = std::fs::read_to_string(tmp.path().join("d/acme/latest/reports.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + truth.report_count());
    // The workbook's path is printed, and it holds every report.
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("workbook"))
        .unwrap_or_else(|| panic!("no workbook line in {text}"));
    let path = tmp.path().join(line.trim_start().trim_start_matches("workbook").trim());
    assert!(path.starts_with(tmp.path().join("d/acme")) && path.extension().is_some_and(|e| e == "xlsx"));
    let mut book = crate::workbook::Book::open(std::fs::read(&path).unwrap());
    assert_eq!(book.table("Reports").rows.len(), truth.report_count());
}

#[tokio::test]
async fn help_ends_with_every_exit_code() {
    let tmp = tempfile::tempdir().unwrap();
    let o = mode_audit(tmp.path(), &["--help"], &[]).await;
    assert_eq!(code(&o), 0);
    let help = String::from_utf8_lossy(&o.stdout);
    for e in mode_audit::exit::Exit::ALL {
        assert!(
            help.contains(&format!("  {}  {}", e.code(), e.meaning())),
            "--help lacks exit code {}: {help}",
            e.code()
        );
    }
}
