//! The settings that widen who is written to come only from the command line:
//! MODE_AUDIT_RENOTIFY_AFTER may only lengthen `--renotify-after`, MODE_AUDIT_MAX_EMAILS may only
//! lower `--max-emails`; a widening value is a configuration error (exit 2) that sends nothing.

use std::time::Duration;

use mode_audit::commands::notify::notify;
use mode_audit::snapshot::RunStatus;
use mode_audit::stop::Stop;

use super::owners::{Stage, binary_output, mail};
use super::smtp::Smtp;

#[tokio::test]
async fn the_environment_cannot_resend_to_every_owner_only_the_command_line_can() {
    let Some(server) = Smtp::start(Duration::ZERO) else {
        return;
    };
    let stage = Stage::new().await;
    let first = notify(&stage.settings(), &mail(true, Some(&server)), &Stop::default())
        .await
        .unwrap();
    assert_eq!(first.status, RunStatus::Complete, "{first}");
    let owners = stage.owners.len();
    assert_eq!(server.wait_for(owners).len(), owners);
    let (ws, out, base, url) = (
        stage.settings().workspace,
        stage.out.path().display().to_string(),
        stage.sim.base_url(),
        server.url(),
    );
    let mut args = vec![
        "notify",
        "--workspace",
        &ws,
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
    let env = |extra: (&'static str, &'static str)| {
        vec![
            ("MODE_API_TOKEN", stage.config.token.clone()),
            ("MODE_API_SECRET", stage.config.secret.clone()),
            ("MODE_AUDIT_SMTP_URL", url.clone()),
            (extra.0, extra.1.to_string()),
        ]
    };
    for (name, value, flag) in [
        ("MODE_AUDIT_RENOTIFY_AFTER", "0s", "--renotify-after"),
        ("MODE_AUDIT_MAX_EMAILS", "500", "--max-emails"),
    ] {
        let pairs = env((name, value));
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let o = binary_output(stage.out.path(), &args, &pairs).await;
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(name) && stderr.contains(flag),
            "names the flag to use: {stderr}"
        );
    }
    assert_eq!(server.messages().len(), owners, "nothing sent again");
    // The same wish on the command line is honoured.
    args.extend(["--renotify-after", "0s"]);
    let pairs = env(("MODE_AUDIT_MAX_EMAILS", "50"));
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let o = binary_output(stage.out.path(), &args, &pairs).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(server.wait_for(2 * owners).len(), 2 * owners);
}
