//! The SMTP server itself: plain SMTP to a relay on this machine without a flag, a certificate
//! problem named in words with what to do (and no hint about Mode), and `doctor` checking the
//! server (connect, STARTTLS, login) without sending anything.

use std::path::Path;
use std::time::Duration;

use mode_audit::commands::notify::notify;
use mode_audit::config::MailSettings;
use mode_audit::snapshot::RunStatus;
use mode_audit::stop::Stop;
use secrecy::SecretString;

use super::owners::{Stage, binary_output, mail};
use super::smtp::{self, Smtp};

#[tokio::test]
async fn smtp_to_a_relay_on_this_machine_goes_plain_without_a_flag_when_it_offers_no_starttls() {
    // A relay on the same host or pod (postfix on localhost, a sidecar) that speaks plain SMTP.
    let Some(server) = Smtp::start(Duration::ZERO) else {
        return;
    };
    let stage = Stage::new().await;
    let options = MailSettings {
        smtp: Some(SecretString::from(server.bare_url(smtp::PASSWORD))),
        ..mail(true, None)
    };
    let report = notify(&stage.settings(), &options, &Stop::default()).await.unwrap();
    assert_eq!(report.status, RunStatus::Complete, "{report}");
    assert_eq!(server.wait_for(stage.owners.len()).len(), stage.owners.len());
}

/// The `notify --execute` or `doctor` command line against `stage` (`at`: workspace, --out and
/// --base-url), and its credentials.
fn args_env<'a>(stage: &'a Stage, command: &'a str, at: &'a [String; 3]) -> (Vec<&'a str>, Vec<(&'a str, &'a str)>) {
    let [ws, out, base] = at;
    let mut args = vec![
        command,
        "--workspace",
        ws,
        "--out",
        out,
        "--base-url",
        base,
        "--rate",
        "off",
    ];
    if command == "notify" {
        args.extend(["--execute", "--from", "Data team <data@example.com>"]);
    }
    let env = vec![
        ("MODE_API_TOKEN", stage.config.token.as_str()),
        ("MODE_API_SECRET", stage.config.secret.as_str()),
    ];
    (args, env)
}

fn place(stage: &Stage) -> [String; 3] {
    [
        stage.settings().workspace,
        stage.out.path().display().to_string(),
        stage.sim.base_url(),
    ]
}

fn write_ca(server: &Smtp, dir: &Path) -> String {
    let path = dir.join(format!("ca-{}.pem", server.port));
    std::fs::write(&path, server.ca_pem().unwrap()).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn a_ca_certificate_served_as_the_server_s_own_is_named_with_what_to_do_and_no_hint_about_mode() {
    let Some(server) = Smtp::start_tls_serving_its_ca() else {
        return;
    };
    let stage = Stage::new().await;
    let at = place(&stage);
    let (args, mut env) = args_env(&stage, "notify", &at);
    let keys = tempfile::tempdir().unwrap();
    let (url, ca) = (server.url(), write_ca(&server, keys.path()));
    env.extend([
        ("MODE_AUDIT_SMTP_URL", url.as_str()),
        ("MODE_AUDIT_SMTP_CA_FILE", ca.as_str()),
    ]);
    let o = binary_output(stage.out.path(), &args, &env).await;
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("127.0.0.1") && stderr.contains("is a CA's certificate, not one issued to the server"),
        "says what is wrong: {stderr}"
    );
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    assert!(!stderr.contains("OtherError"), "words, not a debug dump: {stderr}");
    assert!(
        !stderr.contains("credentials") && !stderr.contains("Mode did not answer"),
        "no hint about Mode: {stderr}"
    );
    assert!(
        stderr.contains("mode-audit doctor") && stderr.contains("SMTP"),
        "{stderr}"
    );
    assert!(!stderr.contains(smtp::PASSWORD), "{stderr}");
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn an_untrusted_issuer_names_mode_audit_smtp_ca_file() {
    let Some(server) = Smtp::start_tls() else { return };
    let stage = Stage::new().await;
    let options = MailSettings {
        smtp_ca: None,
        ..mail(true, Some(&server))
    };
    let error = notify(&stage.settings(), &options, &Stop::default()).await.unwrap_err();
    let text = format!("{error:#}");
    assert!(
        text.contains("does not trust") && text.contains("MODE_AUDIT_SMTP_CA_FILE"),
        "{text}"
    );
    let hint = mode_audit::commands::hint::for_fatal(&error, Some(&stage.settings()));
    assert!(!hint.contains("credentials") && hint.contains("SMTP"), "{hint}");
}

#[tokio::test]
async fn doctor_checks_the_smtp_server_logs_in_and_sends_nothing() {
    let (Some(good), Some(wrong_certificate)) = (Smtp::start_tls(), Smtp::start_tls_serving_its_ca()) else {
        return;
    };
    let stage = Stage::new().await;
    let at = place(&stage);
    let keys = tempfile::tempdir().unwrap();
    let (good_ca, its_ca) = (write_ca(&good, keys.path()), write_ca(&wrong_certificate, keys.path()));
    let cases = [
        (
            good.url(),
            &good_ca,
            0,
            "[ok  ] smtp server",
            "STARTTLS when offered, a login); no message was sent",
        ),
        (
            good.bare_url("wrong-password"),
            &good_ca,
            1,
            "[FAIL] smtp server",
            "refused the login",
        ),
        (
            wrong_certificate.url(),
            &its_ca,
            1,
            "[FAIL] smtp server",
            "is a CA's certificate",
        ),
    ];
    for (url, ca, code, line, words) in cases {
        let (args, mut env) = args_env(&stage, "doctor", &at);
        env.extend([
            ("MODE_AUDIT_SMTP_URL", url.as_str()),
            ("MODE_AUDIT_SMTP_CA_FILE", ca.as_str()),
        ]);
        let o = binary_output(stage.out.path(), &args, &env).await;
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(code),
            "{stdout}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(stdout.contains(line) && stdout.contains(words), "{stdout}");
        assert!(!stdout.contains(smtp::PASSWORD), "{stdout}");
    }
    assert!(
        good.messages().is_empty() && wrong_certificate.messages().is_empty(),
        "doctor sends nothing"
    );
    // Without MODE_AUDIT_SMTP_URL there is no SMTP line.
    let (args, env) = args_env(&stage, "doctor", &at);
    let o = binary_output(stage.out.path(), &args, &env).await;
    assert!(!String::from_utf8_lossy(&o.stdout).contains("smtp server"));
}
