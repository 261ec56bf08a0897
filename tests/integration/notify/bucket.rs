//! Owner emails with a bucket `--out` (moto and azurite): the dry run keeps its drafts and the address cache
//! under `<workspace>/notify/<snapshot>/` (the marked snapshot is not changed), `--execute` keeps
//! the notify log in the bucket line by line, and a rerun on another machine (an empty temporary
//! folder) reads it back and sends nothing twice.

use super::smtp::Smtp;
use crate::binary::{code, creds, env_refs, mode_audit, run_args, stand_in, stderr};
use crate::bucket::on_each_store;
use crate::bucket::store::{Kind, Server};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

on_each_store!(notify_keeps_its_drafts_and_log_in_the_bucket_and_a_rerun_elsewhere_sends_nothing_twice);

async fn notify_keeps_its_drafts_and_log_in_the_bucket_and_a_rerun_elsewhere_sends_nothing_twice(kind: Kind) {
    let Some(store) = Server::start(kind).await else { return };
    let Some(server) = Smtp::start(std::time::Duration::ZERO) else {
        return;
    };
    let (sim, config) = stand_in(|_| {}).await;
    let url = sim.base_url();
    let out = store.out("mode");
    let bucket = store.bucket("mode");
    let machine = |tmp: &std::path::Path| {
        let mut env = creds(&config);
        env.extend(store.env());
        env.push(("TMPDIR", tmp.display().to_string()));
        env.push(("MODE_AUDIT_SMTP_URL", server.url()));
        env
    };
    let first = tempfile::tempdir().unwrap();
    let env = machine(first.path());
    let mut args = run_args(&url, &out);
    args.extend(["--workspace", "acme"]);
    let o = mode_audit(first.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let stamp = String::from_utf8(bucket.get(&["acme", "latest"]).await.unwrap().unwrap()).unwrap();
    let stamp = stamp.trim();
    let marked = bucket.marker(&["acme", stamp]).await.unwrap().unwrap().files.len();

    let notify = [
        "notify",
        "--workspace",
        "acme",
        "--out",
        &out,
        "--base-url",
        &url,
        "--rate",
        "30/100ms",
        "--from",
        "Data team <data@example.com>",
    ];
    let dry = mode_audit(first.path(), &notify, &env_refs(&env)).await;
    assert_eq!(code(&dry), 0, "{}{}", stdout(&dry), stderr(&dry));
    let kept: Vec<String> = bucket
        .objects(&["acme", "notify", stamp])
        .await
        .unwrap()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let drafts = kept.iter().filter(|n| n.ends_with(".eml")).count();
    assert!(drafts >= 2, "a draft per owner with findings: {kept:?}");
    assert!(kept.contains(&"addresses.json".to_string()), "{kept:?}");
    assert!(
        stdout(&dry).contains(&format!("{out}/acme/notify/{stamp}/")),
        "{}",
        stdout(&dry)
    );
    let marker = bucket.marker(&["acme", stamp]).await.unwrap().unwrap();
    assert_eq!(marker.files.len(), marked, "the marked snapshot is not changed");
    assert!(server.messages().is_empty(), "a dry run sends nothing");

    let mut execute = notify.to_vec();
    execute.push("--execute");
    let sent = mode_audit(first.path(), &execute, &env_refs(&env)).await;
    assert_eq!(code(&sent), 0, "{}{}", stdout(&sent), stderr(&sent));
    assert_eq!(server.wait_for(drafts).len(), drafts, "one message per owner");
    let log = String::from_utf8(bucket.get(&["acme", "notify-log.jsonl"]).await.unwrap().unwrap()).unwrap();
    assert_eq!(log.matches("\"event\":\"sent\"").count(), drafts, "{log}");

    // Another machine: nothing local, the log read back from the bucket.
    sim.reset_counters();
    let second = tempfile::tempdir().unwrap();
    let env = machine(second.path());
    let again = mode_audit(second.path(), &execute, &env_refs(&env)).await;
    assert_eq!(code(&again), 0, "{}{}", stdout(&again), stderr(&again));
    assert_eq!(server.messages().len(), drafts, "nothing sent twice");
    assert_eq!(
        sim.counters().other,
        0,
        "addresses came from the bucket's cache, not from Mode again"
    );
}
