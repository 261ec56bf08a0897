//! Owner emails against the stand-in and a real SMTP server: the dry run writes .eml files and
//! sends nothing; --execute delivers one message per owner, each with that owner's reports only;
//! a second run within --renotify-after delivers none; a kill mid-send and a rerun send no
//! duplicate; no secret is written anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use mode_audit::commands::notify::notify;
use mode_audit::commands::run::run;
use mode_audit::config::{MailSettings, Settings};
use mode_audit::sim::{SimConfig, SimServer, Workspace};
use mode_audit::snapshot::RunStatus;
use mode_audit::stop::Stop;
use secrecy::SecretString;

use super::smtp::{self, Smtp};
use crate::harness::{fast_config, settings, spawn_binary};

/// A stand-in audited once: its snapshot folder and each owner's (address, report tokens).
pub(super) struct Stage {
    pub(super) sim: SimServer,
    pub(super) config: SimConfig,
    pub(super) out: tempfile::TempDir,
    pub(super) snapshot: PathBuf,
    pub(super) owners: BTreeMap<String, (String, BTreeSet<String>)>,
}

impl Stage {
    pub(super) async fn new() -> Stage {
        Stage::with(|_| {}).await
    }

    /// A stage whose stand-in `tune` changed before the audit.
    pub(super) async fn with(tune: impl FnOnce(&mut Workspace)) -> Stage {
        let config = fast_config(vec![25, 20]);
        let sim = SimServer::start(config.clone()).await.unwrap();
        sim.mutate(tune);
        let out = tempfile::tempdir().unwrap();
        let report = run(&settings(&sim, &config, out.path()), &Stop::default())
            .await
            .unwrap();
        let snapshot = report.published.unwrap();
        let emails: BTreeMap<String, String> = sim
            .workspace()
            .users
            .iter()
            .map(|u| (u.username.clone(), u.email.clone()))
            .collect();
        let mut owners: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
        let mut rows = csv::Reader::from_path(snapshot.join("findings.csv")).unwrap();
        let headers = rows.headers().unwrap().clone();
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let (owner_at, token_at) = (col("owner"), col("report_token"));
        for row in rows.records() {
            let row = row.unwrap();
            let owner = row[owner_at].to_string();
            let Some(email) = emails.get(&owner) else { continue };
            owners
                .entry(owner)
                .or_insert_with(|| (email.clone(), BTreeSet::new()))
                .1
                .insert(row[token_at].to_string());
        }
        assert!(owners.len() >= 3, "several owners with findings: {owners:?}");
        Stage {
            sim,
            config,
            out,
            snapshot,
            owners,
        }
    }

    pub(super) fn settings(&self) -> Settings {
        settings(&self.sim, &self.config, self.out.path())
    }
}

pub(super) fn mail(execute: bool, smtp: Option<&Smtp>) -> MailSettings {
    MailSettings {
        execute,
        from: "Data team <data@example.com>".parse().unwrap(),
        renotify_after: Duration::from_secs(14 * 86_400),
        max_emails: 50,
        smtp: smtp.map(|s| SecretString::from(s.url())),
        smtp_ca: smtp.and_then(|s| s.ca_pem()),
    }
}

/// Checks one parsed message against the stage: addressed to one owner, listing exactly that
/// owner's reports and none of another's. Returns the owner.
pub(super) fn check_message(stage: &Stage, message: &serde_json::Value) -> String {
    let to = message["headers"]["to"].as_str().unwrap();
    let (owner, (_, tokens)) = stage
        .owners
        .iter()
        .find(|(_, (address, _))| to.contains(address.as_str()))
        .unwrap_or_else(|| panic!("addressed to no owner: {to}"));
    assert_eq!(message["headers"]["from"], "Data team <data@example.com>");
    assert!(message["headers"]["subject"].as_str().unwrap().contains("[mode-audit]"));
    assert!(
        message["headers"]["message-id"]
            .as_str()
            .unwrap()
            .contains("@mode-audit")
    );
    let body = message["body"].as_str().unwrap();
    for token in tokens {
        assert!(
            body.contains(&format!("[{token}]")),
            "{owner}'s report {token} is listed: {body}"
        );
    }
    for (other, (_, theirs)) in stage.owners.iter().filter(|(o, _)| *o != owner) {
        for token in theirs.difference(tokens) {
            assert!(
                !body.contains(&format!("[{token}]")),
                "{other}'s report {token} is in {owner}'s message"
            );
        }
    }
    assert!(
        body.contains("no views in Mode") || body.contains("few views in Mode") || body.contains("schedule"),
        "{body}"
    );
    assert!(!body.to_lowercase().contains("nobody reads"), "honest wording");
    assert!(body.contains("Cost:") && body.contains("To keep a report"), "{body}");
    owner.clone()
}

#[tokio::test]
async fn the_dry_run_sends_nothing_and_writes_one_eml_file_per_owner() {
    let Some(server) = Smtp::start(Duration::ZERO) else {
        return;
    };
    let mut stage = Stage::new().await;
    // One owner has no address in Mode: listed, never guessed.
    let (silent, _) = stage.owners.pop_first().unwrap();
    stage.sim.mutate(|ws| {
        ws.users
            .iter_mut()
            .filter(|u| u.username == silent)
            .for_each(|u| u.email.clear())
    });
    let report = notify(&stage.settings(), &mail(false, Some(&server)), &Stop::default())
        .await
        .unwrap();
    assert_eq!(report.selection.without_address, vec![silent.clone()], "{report}");
    assert!(report.to_string().contains(&silent));
    assert_eq!(report.drafts.len(), stage.owners.len(), "{report}");
    let python = smtp::python().unwrap();
    let mut owners = BTreeSet::new();
    for eml in &report.drafts {
        assert!(eml.starts_with(stage.snapshot.join("owners")) && eml.extension().unwrap() == "eml");
        owners.insert(check_message(&stage, &smtp::parse_eml(&python, eml)));
    }
    assert_eq!(owners.len(), stage.owners.len(), "one file per owner");
    assert!(server.messages().is_empty(), "a dry run sends nothing");
    assert!(
        !stage
            .out
            .path()
            .join(&stage.settings().workspace)
            .join("notify-log.jsonl")
            .exists(),
        "nor logs a send"
    );
    assert!(
        stage.snapshot.join("owners/addresses.json").is_file(),
        "addresses cached in the snapshot"
    );
}

#[tokio::test]
async fn execute_delivers_one_message_per_owner_and_a_second_run_within_renotify_after_none() {
    // STARTTLS required, then AUTH, with a certificate of a private CA (MODE_AUDIT_SMTP_CA_FILE).
    let Some(server) = Smtp::start_tls() else {
        return;
    };
    // Every report gets a name with non-ASCII letters, mrkdwn/HTML characters and a line break
    // that tries to add a header.
    let stage = Stage::with(|ws| {
        for r in ws.collections.iter_mut().flat_map(|c| c.reports.iter_mut()) {
            r.name = Some(format!("Ünïcode — P&L <Q4> {}\r\nBcc: evil@example.com", r.token));
        }
    })
    .await;
    let options = mail(true, Some(&server));
    let first = notify(&stage.settings(), &options, &Stop::default()).await.unwrap();
    assert_eq!(first.status, RunStatus::Complete, "{first}");
    let got = server.wait_for(stage.owners.len());
    assert_eq!(got.len(), stage.owners.len(), "one message per owner");
    let owners: BTreeSet<String> = got.iter().map(|m| check_message(&stage, m)).collect();
    assert_eq!(owners.len(), stage.owners.len(), "no owner twice");
    for m in &got {
        assert!(m["headers"].get("bcc").is_none(), "a report name added a header: {m}");
        let body = m["body"].as_str().unwrap();
        assert!(body.contains("Ünïcode — P&L <Q4> "), "the name arrives intact: {body}");
    }
    stage.sim.reset_counters();
    let second = notify(&stage.settings(), &options, &Stop::default()).await.unwrap();
    assert!(second.selection.to_write.is_empty(), "{second}");
    assert_eq!(second.selection.up_to_date, stage.owners.len());
    assert_eq!(
        stage.sim.counters().total,
        0,
        "addresses come from the snapshot's cache"
    );
    assert_eq!(server.messages().len(), stage.owners.len(), "nothing more delivered");
    let short = MailSettings {
        renotify_after: Duration::ZERO,
        max_emails: 1,
        ..options
    };
    let third = notify(&stage.settings(), &short, &Stop::default()).await.unwrap();
    assert_eq!(third.selection.to_write.len(), 1, "--max-emails caps a run: {third}");
    assert_eq!(third.selection.over_cap.len(), stage.owners.len() - 1);
    assert_eq!(server.wait_for(stage.owners.len() + 1).len(), stage.owners.len() + 1);
}

#[tokio::test]
async fn a_kill_during_sending_and_a_rerun_deliver_no_duplicate_and_no_secret_is_written() {
    // The first message is stored, then answered only after 5 s: the binary is killed in between,
    // when the message has gone out but the sender does not know it.
    let Some(server) = Smtp::start(Duration::from_secs(5)) else {
        return;
    };
    let stage = Stage::new().await;
    let workspace = stage.settings().workspace;
    let log = stage.out.path().join(&workspace).join("notify-log.jsonl");
    let base = stage.sim.base_url();
    let out = stage.out.path().display().to_string();
    let args = [
        "notify",
        "--workspace",
        &workspace,
        "--out",
        &out,
        "--base-url",
        &base,
        "--rate",
        "off",
        "--execute",
        "--from",
        "Data team <data@example.com>",
    ];
    let url = server.url();
    let env = [
        ("MODE_API_TOKEN", stage.config.token.as_str()),
        ("MODE_API_SECRET", stage.config.secret.as_str()),
        ("MODE_AUDIT_SMTP_URL", url.as_str()),
        ("RUST_LOG", "debug"),
    ];
    let mut child = spawn_binary(stage.out.path(), &args, &env);
    let until = std::time::Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&log).is_ok_and(|t| t.contains("\"intent\"")) {
        assert!(std::time::Instant::now() < until, "no intent logged");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.wait_for(1).len(), 1, "the first message was stored");
    child.kill().await.unwrap();
    let killed = child.wait_with_output().await.unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("\"sent\""), "killed before the first answer: {text}");

    let rerun = binary_output(stage.out.path(), &args, &env).await;
    assert!(rerun.status.success(), "{}", String::from_utf8_lossy(&rerun.stderr));
    let stdout = String::from_utf8_lossy(&rerun.stdout);
    assert!(stdout.contains("recorded as unsure, not sent again"), "{stdout}");
    let got = server.wait_for(stage.owners.len());
    let owners: Vec<String> = got.iter().map(|m| check_message(&stage, m)).collect();
    let distinct: BTreeSet<&String> = owners.iter().collect();
    assert_eq!(distinct.len(), owners.len(), "no owner mailed twice: {owners:?}");
    assert_eq!(owners.len(), stage.owners.len(), "every owner mailed once");
    for output in [&killed.stderr, &killed.stdout, &rerun.stderr, &rerun.stdout] {
        let text = String::from_utf8_lossy(output);
        assert!(
            !text.contains(smtp::PASSWORD) && !text.contains(&stage.config.secret),
            "a secret in the output: {text}"
        );
    }
    super::assert_no_marker_in_files(stage.out.path(), &[smtp::PASSWORD, &stage.config.secret]);
}

pub(super) async fn binary_output(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    crate::harness::binary_command(cwd, args, env).output().await.unwrap()
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_before_anything_is_sent() {
    let Some(server) = Smtp::start_tls() else { return };
    let stage = Stage::new().await;
    let options = MailSettings {
        smtp_ca: None,
        ..mail(true, Some(&server))
    };
    let error = notify(&stage.settings(), &options, &Stop::default()).await.unwrap_err();
    let text = format!("{error:#}");
    assert!(
        text.contains("nothing was sent") && text.contains("127.0.0.1"),
        "{text}"
    );
    assert!(!text.contains(smtp::PASSWORD), "{text}");
    let log = stage
        .out
        .path()
        .join(stage.settings().workspace)
        .join("notify-log.jsonl");
    assert!(
        !std::fs::read_to_string(log).unwrap_or_default().contains("intent"),
        "no message was begun"
    );
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn execute_waits_for_no_one_another_writer_s_lease_stops_it_before_any_message() {
    let Some(server) = Smtp::start(Duration::ZERO) else {
        return;
    };
    let stage = Stage::new().await;
    let settings = stage.settings();
    let lease = stage.out.path().join(&settings.workspace).join("lease.json");
    let held = serde_json::json!({
        "host": "build-7",
        "pid": 4242,
        "command": "apply",
        "started_at": "2026-01-01T00:00:00.000Z",
        "expires_at": "2999-01-01T00:00:00.000Z",
        "id": "build-7-4242-1",
    });
    std::fs::write(&lease, held.to_string()).unwrap();
    let error = notify(&settings, &mail(true, Some(&server)), &Stop::default())
        .await
        .unwrap_err();
    assert!(mode_audit::commands::lease::is_held(&error), "{error:#}");
    assert!(format!("{error:#}").contains("pid 4242"), "names the holder: {error:#}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        server.messages().is_empty(),
        "nothing sent while another writer holds the output"
    );
    let log = stage.out.path().join(&settings.workspace).join("notify-log.jsonl");
    assert!(!log.exists(), "nothing logged");
    // A dry run writes only drafts into the snapshot folder: it needs no lease.
    let dry = notify(&settings, &mail(false, None), &Stop::default()).await.unwrap();
    assert_eq!(dry.drafts.len(), stage.owners.len(), "{dry}");
    // Once the holder is gone, --execute delivers.
    std::fs::remove_file(&lease).unwrap();
    let sent = notify(&settings, &mail(true, Some(&server)), &Stop::default())
        .await
        .unwrap();
    assert_eq!(sent.status, RunStatus::Complete, "{sent}");
    assert_eq!(server.wait_for(stage.owners.len()).len(), stage.owners.len());
}
