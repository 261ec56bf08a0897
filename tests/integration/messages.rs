//! What the built binary tells a user who got something wrong, and what it says at the end of a
//! run: each message checked word for word where it names the fix.

use crate::binary::{code, creds, env_refs, mode_audit, run_args, stand_in, stderr};

#[tokio::test]
async fn a_workspace_name_mode_cannot_have_is_refused_before_any_folder_is_made() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, shown) in [("Acme Corp", "a space"), ("@acme", "'@'")] {
        let o = mode_audit(tmp.path(), &["run", "--workspace", name], &[]).await;
        assert_eq!(code(&o), 2);
        let err = stderr(&o);
        assert!(
            err.contains(&format!(
                "workspace '{name}' is not a Mode workspace username: it holds {shown}, and a username has only letters, digits, '_' and '-'"
            )),
            "{err}"
        );
        assert!(err.contains("app.mode.com/"), "{err}");
    }
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "no folder left behind"
    );
}

#[tokio::test]
async fn an_unreachable_mode_gets_a_hint_and_leaves_no_empty_folder() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("http://{closed}");
    let args = [
        "run",
        "--workspace",
        "acme",
        "--base-url",
        &url,
        "--max-retries",
        "0",
        "--out",
        "snaps",
    ];
    let env = [("MODE_API_TOKEN", "t"), ("MODE_API_SECRET", "s")];
    let o = mode_audit(tmp.path(), &args, &env).await;
    assert_eq!(code(&o), 3);
    let err = stderr(&o);
    assert!(err.contains("after 1 attempt: could not connect"), "{err}");
    assert!(
        err.contains(&format!(
            "\n  hint: Mode did not answer at {url}/: check the network and DNS, --base-url / MODE_BASE_URL, and the proxy variables HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY (used when set); `mode-audit doctor` with the same flags checks"
        )),
        "{err}"
    );
    assert!(
        !tmp.path().join("snaps").exists(),
        "the fatal run removed the folders it made"
    );
}

#[tokio::test]
async fn a_rate_above_mode_s_limit_is_warned_about_and_logged_plainly() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "--workspace",
        "acme",
        "--base-url",
        "https://mode.invalid",
        "--rate",
        "400/10s",
        "--max-retries",
        "0",
    ];
    let env = [("MODE_API_TOKEN", "t"), ("MODE_API_SECRET", "s")];
    let o = mode_audit(tmp.path(), &args, &env).await;
    let err = stderr(&o);
    assert!(
        err.contains("--rate 400/10s is 10.0x Mode's documented limit of 40/10s: Mode will answer 429"),
        "{err}"
    );
    assert!(err.contains("rate=400/10s") && !err.contains("Some("), "{err}");
}

#[tokio::test]
async fn config_file_mistakes_get_the_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "api_token = \"abc\"\n",
            "line 1: `api_token` is not read from the config file: credentials come only from MODE_API_TOKEN / MODE_API_SECRET",
        ),
        (
            "formats = \"csv\"\n",
            "line 1: unknown key `formats`: did you mean `format`?",
        ),
        (
            "workspace = \"acme\"\nrate = 40\n",
            "line 2: `rate = 40`: invalid type: integer `40`, expected a string; write it as config/example.toml does: rate = \"40/10s\"",
        ),
    ];
    for (text, expected) in cases {
        std::fs::write(tmp.path().join("c.toml"), text).unwrap();
        let o = mode_audit(tmp.path(), &["run", "--config", "c.toml"], &[]).await;
        assert_eq!(code(&o), 2);
        let err = stderr(&o);
        assert!(err.contains(expected), "{err}");
        assert!(!err.contains("abc") && !err.contains("expected one of"), "{err}");
    }
}

#[tokio::test]
async fn help_points_to_the_demo_and_run_help_is_grouped_with_examples() {
    let tmp = tempfile::tempdir().unwrap();
    let o = mode_audit(tmp.path(), &["--help"], &[]).await;
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(
        help.starts_with("New here? `mode-audit demo` audits a built-in stand-in"),
        "{help}"
    );
    let o = mode_audit(tmp.path(), &["run", "-h"], &[]).await;
    let help = String::from_utf8_lossy(&o.stdout);
    let at = |heading: &str| help.find(heading).unwrap_or_else(|| panic!("no {heading} in {help}"));
    let where_ = at("Workspace and output:");
    assert!(where_ < at("  --workspace") && at("  --workspace") < at("Connection and pacing:"));
    assert!(at("Connection and pacing:") < at("  --rate") && at("  --rate") < at("What is read:"));
    assert!(at("Stopping and resuming:") < at("  --max-duration"));
    assert!(at("Findings and files:") < at("  --digests"));
    assert!(at("Examples:") < at("mode-audit run --workspace acme --out s3://bucket/mode"));
}

#[tokio::test]
async fn a_run_ends_with_findings_owners_and_what_to_do_next_on_stderr() {
    let (sim, config) = stand_in(|_| {}).await;
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let mut args = run_args(&url, "snaps");
    args.extend(["--workspace", "acme", "--digests"]);
    let env = creds(&config);
    let o = mode_audit(tmp.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "the summary is on stderr");
    let err = stderr(&o);
    let line = |label: &str| {
        err.lines()
            .find(|l| l.starts_with(&format!("  {label:<22}")))
            .unwrap_or_else(|| panic!("no {label} line in {err}"))
            .trim_start_matches(&format!("  {label:<22}"))
            .to_string()
    };
    let snapshot = line("snapshot");
    assert_eq!(line("findings file"), format!("{snapshot}/findings.csv"));
    let owners = format!("{snapshot}/owners/README.md");
    assert_eq!(line("by owner"), owners);
    assert!(tmp.path().join(&owners).is_file());
    let page = format!("{snapshot}/report.html");
    assert_eq!(line("page"), page);
    let html = std::fs::read_to_string(tmp.path().join(&page)).unwrap();
    assert!(html.contains("SCHEDULED_NEVER_VIEWED"), "the page lists the findings");
    assert!(
        err.ends_with(&format!(
            "  next: open {page} in a browser, then `mode-audit apply --workspace acme` shows, without changing anything, the schedules it would delete\n"
        )),
        "{err}"
    );
}
