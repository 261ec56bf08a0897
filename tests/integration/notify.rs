//! Delivery to people: run alerts posted to a capture server (Slack's payload, the webhook's
//! document and its Standard Webhooks signature, Retry-After, failures counted), and owner emails
//! delivered to a real SMTP server (aiosmtpd): dry run, --execute, --renotify-after, a kill mid-send.

use std::path::Path;

use base64::Engine as _;
use mode_audit::commands::run::{RunReport, RunStatus, run, run_at};
use mode_audit::config::Settings;
use mode_audit::mode::Credentials;
use mode_audit::notify::sign::SigningKey;
use mode_audit::notify::{AlertTargets, NotifyOn};
use mode_audit::sim::{SimConfig, SimServer};
use mode_audit::stop::Stop;
use reqwest::Url;
use secrecy::SecretString;

use crate::harness::{fast_config, settings};

// The capture server standing in for Slack and a webhook receiver.
mod capture;
// aiosmtpd, provisioned into a virtual environment under target/ and started on loopback.
pub(crate) mod smtp;
// Owner emails: dry run, --execute, --renotify-after, a kill mid-send, secrets.
mod owners;
// Owner emails with a bucket --out: drafts, the address cache and the log kept in the bucket.
mod bucket;
// An owner address that cannot be used: that owner skipped with the reason, never cached.
mod bad_address;
// The SMTP server: plain to a relay on this machine, certificate problems in words, doctor's check.
mod relay;
// Only the command line widens who is written to (--renotify-after, --max-emails).
mod widening;

use capture::Capture;

/// A webhook secret made for these tests (base64 of 24 bytes); it must never be written anywhere.
pub(crate) const WEBHOOK_SECRET: &str = "whsec_TUFSS0VSLVdFQkhPT0stU0VDUkVULTAx";

async fn staged() -> (SimServer, SimConfig, tempfile::TempDir) {
    let config = fast_config(vec![20, 15]);
    let sim = SimServer::start(config.clone()).await.unwrap();
    (sim, config, tempfile::tempdir().unwrap())
}

fn with_alerts(mut s: Settings, capture: &Capture, on: NotifyOn) -> Settings {
    s.alerts = AlertTargets {
        slack: Some(SecretString::from(capture.url("/slack/T000/B000/MARKERSLACKPATH"))),
        webhook: Some(Url::parse(&capture.url("/hook")).unwrap()),
        signing: Some(SigningKey::parse(WEBHOOK_SECRET).unwrap()),
        on,
        timeout: std::time::Duration::from_secs(5),
    };
    s
}

/// Checks a Standard Webhooks signature independently of the code that made it.
fn verify_signature(c: &capture::Captured) {
    let header = |name: &str| {
        c.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name}"))
            .to_str()
            .unwrap()
            .to_string()
    };
    let (id, timestamp, signature) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let key_bytes = base64::engine::general_purpose::STANDARD
        .decode(WEBHOOK_SECRET.trim_start_matches("whsec_"))
        .unwrap();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key_bytes);
    let signed = [id.as_bytes(), b".", timestamp.as_bytes(), b".", &c.body].concat();
    let mac = base64::engine::general_purpose::STANDARD
        .decode(signature.strip_prefix("v1,").expect("a v1 signature"))
        .unwrap();
    ring::hmac::verify(&key, &signed, &mac).expect("the signature verifies");
    let age = chrono::Utc::now().timestamp() - timestamp.parse::<i64>().unwrap();
    assert!((0..300).contains(&age), "timestamp within the verifiers' tolerance");
}

#[tokio::test]
async fn a_failed_run_posts_exactly_one_alert_with_its_status_and_error() {
    let (sim, config, out) = staged().await;
    let capture = Capture::start(Vec::new()).await;
    let mut s = with_alerts(settings(&sim, &config, out.path()), &capture, NotifyOn::Problems);
    s.client.credentials = Credentials {
        token: SecretString::from("wrong-token"),
        secret: SecretString::from("wrong-secret"),
    };
    let error = run(&s, &Stop::default())
        .await
        .expect_err("refused credentials are fatal");
    let slack = capture.seen("/slack/T000/B000/MARKERSLACKPATH");
    assert_eq!(slack.len(), 1, "one Slack alert");
    let message = slack[0].json();
    let text = message["blocks"][1]["text"]["text"].as_str().unwrap().to_string();
    assert!(
        message["blocks"][0]["text"]["text"]
            .as_str()
            .unwrap()
            .contains("FAILED"),
        "{message}"
    );
    assert!(text.contains("exit 3"), "{text}");
    let first_words = format!("{error:#}").chars().take(30).collect::<String>();
    assert!(
        text.contains(&first_words.replace('<', "&lt;").replace('>', "&gt;")),
        "the error is stated: {text}"
    );
    let hook = capture.seen("/hook");
    assert_eq!(hook.len(), 1, "one webhook document");
    let doc = hook[0].json();
    assert_eq!(
        (
            doc["schema"].as_str(),
            doc["status"].as_str(),
            doc["exit_code"].as_u64()
        ),
        (Some("mode-audit.run/1"), Some("failed"), Some(3))
    );
    assert!(doc["error"].as_str().unwrap().contains(&first_words), "{doc}");
    verify_signature(&hook[0]);
}

#[tokio::test]
async fn a_complete_run_with_new_findings_posts_one_summary_and_a_repeat_posts_none() {
    let (sim, config, out) = staged().await;
    let capture = Capture::start(Vec::new()).await;
    let s = with_alerts(settings(&sim, &config, out.path()), &capture, NotifyOn::Problems);
    let hours_ago = |h: i64| chrono::Utc::now() - chrono::Duration::hours(h);
    let report = run_at(&s, &Stop::default(), hours_ago(2)).await.unwrap();
    assert_eq!(report.status, RunStatus::Complete);
    let total: u64 = report.findings.iter().map(|(_, n)| n).sum();
    assert!(total > 0, "the stand-in has findings");
    assert_eq!(
        report.new_findings,
        Some(total),
        "the first snapshot's findings are all new"
    );
    let slack = capture.seen("/slack/T000/B000/MARKERSLACKPATH");
    assert_eq!(slack.len(), 1);
    let message = slack[0].json();
    let text = message.to_string();
    assert!(
        text.contains("COMPLETE") && text.contains(&format!("*Findings:* {total} ({total} new")),
        "{text}"
    );
    let top = &report.top_findings[0];
    assert!(
        text.contains(&top.report_token) || top.url.is_none(),
        "the costliest finding is linked: {text}"
    );
    assert!(
        text.contains(&report.published.as_ref().unwrap().display().to_string()),
        "where the snapshot is: {text}"
    );
    let doc = capture.seen("/hook")[0].json();
    assert_eq!(doc["findings"]["total"].as_u64(), Some(total));
    assert_eq!(doc["findings"]["new"].as_u64(), Some(total));
    assert_eq!(doc["counts"]["reports"].as_u64(), Some(report.summary.reports));
    assert_eq!(
        doc["top_findings"][0]["report_token"].as_str(),
        Some(top.report_token.as_str())
    );
    verify_signature(&capture.seen("/hook")[0]);

    let again: RunReport = run_at(&s, &Stop::default(), hours_ago(1)).await.unwrap();
    assert_eq!(again.new_findings, Some(0), "nothing changed in the stand-in");
    assert_eq!(
        capture.seen("/hook").len(),
        1,
        "no new findings, exit 0: nothing posted with --notify-on problems"
    );
    let always = with_alerts(settings(&sim, &config, out.path()), &capture, NotifyOn::Always);
    run_at(&always, &Stop::default(), hours_ago(0)).await.unwrap();
    assert_eq!(capture.seen("/hook").len(), 2, "--notify-on always posts every run");
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after_and_a_failure_is_counted_not_fatal() {
    let (sim, config, out) = staged().await;
    // Slack: a 429 asking for 1 s, then success. Webhook: 500 twice (the retry fails too).
    let capture = Capture::start(vec![(429, Some(1)), (500, None), (500, None)]).await;
    let mut s = with_alerts(settings(&sim, &config, out.path()), &capture, NotifyOn::Always);
    s.alerts.signing = None;
    let metrics = out.path().join("metrics");
    std::fs::create_dir_all(&metrics).unwrap();
    s.insights.metrics_file = Some(metrics.clone());
    let report = run(&s, &Stop::default()).await.unwrap();
    assert_eq!(
        report.status,
        RunStatus::Complete,
        "a failed notification does not change the outcome"
    );
    let slack = capture.seen("/slack/T000/B000/MARKERSLACKPATH");
    assert_eq!(slack.len(), 2, "retried once after the 429");
    assert_eq!(slack[0].body, slack[1].body);
    let hook = capture.seen("/hook");
    assert_eq!(hook.len(), 2, "one retry, then given up");
    assert!(
        hook[0].headers.get("webhook-signature").is_none(),
        "no secret, no signature"
    );
    assert_eq!(report.notifications_failed, 1);
    let prom = std::fs::read_to_string(metrics.join(format!("mode_audit-{}.prom", s.workspace))).unwrap();
    assert!(
        prom.contains(&format!(
            "mode_audit_last_run_notifications_failed{{workspace=\"{}\"}} 1\n",
            s.workspace
        )),
        "{prom}"
    );
}

/// No file under `dir` holds any of `markers`.
pub(crate) fn assert_no_marker_in_files(dir: &Path, markers: &[&str]) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            assert_no_marker_in_files(&path, markers);
        } else if let Ok(bytes) = std::fs::read(&path) {
            let text = String::from_utf8_lossy(&bytes);
            for m in markers {
                assert!(!text.contains(m), "{} holds a secret ({m})", path.display());
            }
        }
    }
}

#[tokio::test]
async fn the_built_binary_logs_no_alert_secret_even_when_delivery_fails() {
    let (sim, config, out) = staged().await;
    // Every answer a 500: the errors are logged, at debug level, with everything around them.
    let capture = Capture::start(vec![(500, None); 4]).await;
    let slack = capture.url("/slack/T000/B000/MARKERSLACKPATH");
    let hook = capture.url("/hook");
    let base = sim.base_url();
    let dir = out.path().display().to_string();
    let args = [
        "run",
        "--workspace",
        "acme",
        "--out",
        &dir,
        "--base-url",
        &base,
        "--rate",
        "off",
        "--notify-on",
        "always",
        "--notify-webhook",
        &hook,
    ];
    let env = [
        ("MODE_API_TOKEN", config.token.as_str()),
        ("MODE_API_SECRET", config.secret.as_str()),
        ("MODE_AUDIT_SLACK_WEBHOOK", slack.as_str()),
        ("MODE_AUDIT_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("RUST_LOG", "debug"),
    ];
    let output = crate::harness::binary_command(out.path(), &args, &env)
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(0),
        "a failed alert leaves the exit code alone: {stderr}"
    );
    assert!(stderr.contains("run alert not delivered"), "{stderr}");
    assert_eq!(capture.seen("/slack/T000/B000/MARKERSLACKPATH").len(), 2, "one retry");
    let secret_part = WEBHOOK_SECRET.trim_start_matches("whsec_");
    for text in [stderr.as_ref(), String::from_utf8_lossy(&output.stdout).as_ref()] {
        assert!(
            !text.contains("MARKERSLACKPATH") && !text.contains(secret_part),
            "a secret in the output: {text}"
        );
    }
    assert_no_marker_in_files(out.path(), &["MARKERSLACKPATH", secret_part]);
}
