//! The Discovery source through the built binary: a token minted for the run is deleted after
//! SIGTERM, a refused mint exits 3 with the plan named, and no secret reaches a log or a file.

use crate::binary::{all_text, code, creds, env_refs, mode_audit, run_args, snapshot_dirs, stand_in, stderr};
use crate::harness::spawn_binary;

#[tokio::test]
async fn a_token_minted_for_the_run_is_deleted_after_sigterm() {
    let (sim, config) = stand_in(|c| {
        c.spec.sizes = Some(vec![95, 61, 30, 0, 44]);
        c.latency = std::time::Duration::from_millis(20);
    })
    .await;
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let mut args = run_args(&url, "snaps");
    args.extend(["--workspace", "acme", "--source", "both"]);
    let env = creds(&config);
    let child = spawn_binary(tmp.path(), &args, &env_refs(&env));
    // Stopped once the token is minted and the REST walk is under way.
    while sim.counters().total < 12 {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    assert_eq!(sim.signature_tokens().len(), 1);
    let pid = child.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = child.wait_with_output().await.unwrap();
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    let minted = sim.signature_tokens();
    assert!(minted[0].deleted, "deleted on SIGTERM: {}", stderr(&o));
    assert!(
        stderr(&o).contains("deleted the Discovery signature token"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test]
async fn a_refused_mint_exits_3_names_the_plan_and_publishes_nothing() {
    let (sim, config) = stand_in(|c| c.batch.enterprise = false).await;
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let mut args = run_args(&url, "snaps");
    args.extend(["--workspace", "acme", "--source", "discovery"]);
    let env = creds(&config);
    let o = mode_audit(tmp.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("Enterprise") && err.contains("admin") && err.contains("--source rest"),
        "{err}"
    );
    assert!(snapshot_dirs(&tmp.path().join("snaps")).is_empty());
    assert!(sim.signature_tokens().is_empty());
}

#[tokio::test]
async fn discovery_secrets_never_reach_a_log_or_a_file() {
    const TOKEN: &str = "MARKERt0ken";
    const KEY: &str = "MARKER-access-key";
    const SECRET: &str = "MARKER-access-secret";
    let (sim, config) = stand_in(|c| {
        c.batch.preset = Some((TOKEN.into(), KEY.into(), SECRET.into()));
    })
    .await;
    let tmp = tempfile::tempdir().unwrap();
    let secret_file = tmp.path().join("discovery-secret");
    std::fs::write(&secret_file, SECRET).unwrap();
    let url = sim.base_url();
    let mut args = run_args(&url, "snaps");
    args.extend([
        "--workspace",
        "acme",
        "--format",
        "csv,json,jsonl,xlsx",
        "--log-format",
        "json",
    ]);
    let mut env = creds(&config);
    env.push(("MODE_DISCOVERY_TOKEN", TOKEN.into()));
    env.push(("MODE_DISCOVERY_ACCESS_KEY", KEY.into()));
    env.push((
        "MODE_DISCOVERY_ACCESS_SECRET_FILE",
        secret_file.to_string_lossy().into_owned(),
    ));
    env.push(("RUST_LOG", "trace".into()));
    let o = mode_audit(tmp.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        sim.counters().batch >= 3,
        "auto read Discovery with the configured token"
    );
    // A minted token's values, too: a second run mints one.
    let mut minted_args = args.clone();
    minted_args.extend(["--source", "discovery"]);
    let o2 = mode_audit(tmp.path(), &minted_args, &env_refs(&creds(&config))).await;
    assert_eq!(code(&o2), 0, "{}", stderr(&o2));
    let minted = sim.signature_tokens();
    let files = all_text(&tmp.path().join("snaps"));
    let outputs = format!(
        "{}{}{}{}{files}",
        stderr(&o),
        String::from_utf8_lossy(&o.stdout),
        stderr(&o2),
        String::from_utf8_lossy(&o2.stdout)
    );
    let encoded = |t: &str, k: &str, s: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(format!("{t}:{k}:{s}"))
    };
    let mut secrets = vec![
        TOKEN.to_string(),
        KEY.to_string(),
        SECRET.to_string(),
        encoded(TOKEN, KEY, SECRET),
    ];
    for t in &minted {
        secrets.extend([t.token.clone(), t.access_key.clone(), t.access_secret.clone()]);
        secrets.push(encoded(&t.token, &t.access_key, &t.access_secret));
    }
    for secret in secrets {
        assert!(!outputs.contains(&secret), "{secret} leaked");
    }
}
