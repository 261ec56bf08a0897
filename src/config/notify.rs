//! The settings of run alerts (`--notify-webhook`, `--notify-on`, `--notify-timeout`, and the
//! secrets MODE_AUDIT_SLACK_WEBHOOK and MODE_AUDIT_WEBHOOK_SECRET, from the environment or secret
//! files only), validated once.

use reqwest::Url;
use secrecy::ExposeSecret;

use super::credentials::optional_secret;
use super::defaults::DEFAULT_NOTIFY_TIMEOUT;
use super::merge::duration;
use super::{ConfigError, FileConfig, bad};
use crate::cli::RunArgs;
use crate::mode::is_loopback;
use crate::notify::sign::SigningKey;
use crate::notify::{AlertTargets, NotifyOn};

/// Run-alert settings from the flags, the file and the environment.
pub fn alerts(
    args: &RunArgs,
    file: &FileConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<AlertTargets, ConfigError> {
    let (flag, set) = (&args.alerts, &file.alerts);
    let insecure = (args.connection.allow_insecure_http)
        .or(file.connection.allow_insecure_http)
        .unwrap_or(false);
    let slack = optional_secret(env, "MODE_AUDIT_SLACK_WEBHOOK")?;
    if let Some(secret) = &slack {
        // The URL is the secret: the message names the variable, never the value.
        post_url(secret.expose_secret(), false)
            .map_err(|why| bad(format!("MODE_AUDIT_SLACK_WEBHOOK {why}; it is the https://hooks.slack.com/services/... URL of an incoming webhook")))?;
    }
    let webhook = match flag.notify_webhook.as_deref().or(set.notify_webhook.as_deref()) {
        Some(text) => Some(post_url(text, insecure).map_err(|why| bad(format!("--notify-webhook {why}")))?),
        None => None,
    };
    let signing = match optional_secret(env, "MODE_AUDIT_WEBHOOK_SECRET")? {
        Some(secret) => Some(SigningKey::parse(secret.expose_secret()).map_err(bad)?),
        None => None,
    };
    if signing.is_some() && webhook.is_none() {
        tracing::warn!("MODE_AUDIT_WEBHOOK_SECRET is set but no --notify-webhook: nothing is signed");
    }
    let on = match flag.notify_on.as_deref().or(set.notify_on.as_deref()) {
        Some(text) => text.parse().map_err(bad)?,
        None => NotifyOn::default(),
    };
    let timeout = duration(&flag.notify_timeout, &set.notify_timeout, "notify_timeout", "\"10s\"")?
        .unwrap_or(DEFAULT_NOTIFY_TIMEOUT);
    if timeout.is_zero() {
        return Err(bad("notify_timeout must be longer than zero"));
    }
    Ok(AlertTargets {
        slack,
        webhook,
        signing,
        on,
        timeout,
    })
}

/// An https URL, or plain http to this machine (or anywhere with `insecure`); the error does not
/// repeat the URL.
fn post_url(text: &str, insecure: bool) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|_| "is not a URL".to_string())?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if insecure || url.host_str().is_some_and(is_loopback) => Ok(url),
        "http" => Err("is plain http:// to another machine: use https:// (or --allow-insecure-http)".into()),
        _ => Err("must be an https:// URL".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::settings::Alerts;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn secrets_come_from_the_environment_and_errors_never_repeat_them() {
        let args = RunArgs::default();
        let file = FileConfig::default();
        let none = alerts(&args, &file, &env_of(&[])).unwrap();
        assert!(!none.any() && none.on == NotifyOn::Problems && none.timeout == DEFAULT_NOTIFY_TIMEOUT);
        let ok = alerts(
            &args,
            &file,
            &env_of(&[(
                "MODE_AUDIT_SLACK_WEBHOOK",
                "https://hooks.slack.com/services/T/B/MARKER",
            )]),
        )
        .unwrap();
        assert!(ok.slack.is_some() && !format!("{ok:?}").contains("MARKER"), "{ok:?}");
        for (value, why) in [
            ("http://hooks.example.com/MARKER", "plain http"),
            ("not a url MARKER", "not a URL"),
        ] {
            let env = move |name: &str| (name == "MODE_AUDIT_SLACK_WEBHOOK").then(|| value.to_string());
            let err = alerts(&args, &file, &env).unwrap_err().0;
            assert!(
                err.contains(why) && err.contains("MODE_AUDIT_SLACK_WEBHOOK") && !err.contains("MARKER"),
                "{err}"
            );
        }
        let both = env_of(&[
            ("MODE_AUDIT_SLACK_WEBHOOK", "https://x/MARKER"),
            ("MODE_AUDIT_SLACK_WEBHOOK_FILE", "/x"),
        ]);
        assert!(alerts(&args, &file, &both).unwrap_err().0.contains("keep one"));
        let err = alerts(
            &args,
            &file,
            &env_of(&[("MODE_AUDIT_WEBHOOK_SECRET", "whsec_MARKER!!")]),
        )
        .unwrap_err()
        .0;
        assert!(err.contains("whsec_") && !err.contains("MARKER"), "{err}");
    }

    #[test]
    fn the_webhook_flag_wins_over_the_file_and_plain_http_goes_only_to_this_machine() {
        let file = FileConfig::parse(
            "notify_webhook = \"https://file.example.com/hook\"\nnotify_on = \"always\"\nnotify_timeout = \"3s\"",
        )
        .unwrap();
        let args = RunArgs {
            alerts: Alerts {
                notify_webhook: Some("http://127.0.0.1:9/hook".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let a = alerts(&args, &file, &|_: &str| None).unwrap();
        assert_eq!(a.webhook.unwrap().as_str(), "http://127.0.0.1:9/hook");
        assert_eq!((a.on, a.timeout), (NotifyOn::Always, std::time::Duration::from_secs(3)));
        let remote = RunArgs {
            alerts: Alerts {
                notify_webhook: Some("http://hooks.example.com/x".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(
            alerts(&remote, &file, &|_: &str| None)
                .unwrap_err()
                .0
                .contains("plain http")
        );
        let bad = RunArgs {
            alerts: Alerts {
                notify_on: Some("sometimes".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(
            alerts(&bad, &file, &|_: &str| None)
                .unwrap_err()
                .0
                .contains("always or problems")
        );
    }
}
