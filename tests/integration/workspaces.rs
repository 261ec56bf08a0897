//! `plan` and `doctor` with several workspaces named: each one is handled and printed in turn, and
//! the exit code is the worst of theirs; doctor warns about a token of another workspace.

use mode_audit::commands::doctor::{Grade, doctor};

use crate::binary::{code, creds, env_refs, mode_audit, stand_in, stderr};
use crate::harness::settings;

#[tokio::test]
async fn doctor_checks_every_workspace_named_and_exits_with_the_worst() {
    let (sim, config) = stand_in(|_| {}).await;
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let env = creds(&config);
    let args = [
        "doctor",
        "--workspace",
        "acme,other",
        "--base-url",
        &url,
        "--out",
        "snaps",
    ];
    let o = mode_audit(tmp.path(), &args, &env_refs(&env)).await;
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(code(&o), 1, "the second workspace fails: {text}");
    let (acme, other) = text
        .split_once("mode-audit doctor: workspace other")
        .unwrap_or_else(|| panic!("both workspaces checked, in turn: {text}"));
    assert!(acme.contains("mode-audit doctor: workspace acme"), "{text}");
    assert!(acme.contains("all 6 checks passed"), "{acme}");
    assert!(other.contains("[WARN] credentials"), "{other}");
    assert!(other.contains("[FAIL] workspace"), "{other}");
    assert_eq!(sim.counters().total, 4, "verify and one page for each");

    // Only good workspaces: exit 0, every one printed.
    let args = ["doctor", "--workspace", "acme", "--base-url", &url, "--out", "snaps"];
    let o = mode_audit(tmp.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stdout));
}

#[tokio::test]
async fn doctor_warns_when_the_token_belongs_to_another_workspace() {
    let (sim, config) = stand_in(|_| {}).await;
    let out = tempfile::tempdir().unwrap();
    let mut s = settings(&sim, &config, out.path());
    // The stand-in's /api/verify names the token's own workspace, 'acme'.
    s.workspace = "finance".into();
    s.client.workspace = "finance".into();
    let checklist = doctor(&s).await;
    let creds = checklist.check("credentials").unwrap();
    assert_eq!(creds.verdict, Grade::Warn, "{checklist}");
    assert!(
        creds.detail.contains("workspace 'acme', not 'finance'"),
        "{}",
        creds.detail
    );
    let fix = creds.fix.as_deref().unwrap();
    assert!(fix.contains("API token of workspace 'finance'"), "{fix}");
    assert!(!checklist.passed());
    // The workspace itself is still checked (and here, not found).
    assert_eq!(checklist.check("workspace").unwrap().verdict, Grade::Fail);

    // The token's own workspace passes.
    s.workspace = "acme".into();
    s.client.workspace = "acme".into();
    let checklist = doctor(&s).await;
    assert_eq!(
        checklist.check("credentials").unwrap().verdict,
        Grade::Pass,
        "{checklist}"
    );
}

#[tokio::test]
async fn plan_plans_every_workspace_named_and_exits_with_the_worst() {
    let (sim, config) = stand_in(|_| {}).await;
    let truth = sim.workspace();
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let env = creds(&config);
    let args = [
        "plan",
        "--workspace",
        "other,acme",
        "--base-url",
        &url,
        "--rate",
        "30/100ms",
        "--per-page",
        "30",
    ];
    let o = mode_audit(tmp.path(), &args, &env_refs(&env)).await;
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(code(&o), 3, "the unknown workspace is fatal: {}", stderr(&o));
    assert!(stderr(&o).contains("workspace other: fatal"), "{}", stderr(&o));
    assert!(
        text.contains("mode-audit plan: workspace acme"),
        "the workspace after the failing one is planned too: {text}"
    );
    let reports = text
        .lines()
        .find(|l| l.trim_start().starts_with("reports"))
        .and_then(|l| l.split_whitespace().find_map(|w| w.parse::<usize>().ok()));
    assert_eq!(reports, Some(truth.report_count()));
}
