//! The settings of run alerts (`--notify-webhook`, `--notify-on`, `--notify-timeout`, and the
//! secrets MODE_AUDIT_SLACK_WEBHOOK and MODE_AUDIT_WEBHOOK_SECRET, from the environment or secret
//! files only), validated once.

use reqwest::Url;
use secrecy::ExposeSecret;

use super::credentials::optional_secret;
use super::{ConfigError, FileConfig, bad};
use crate::cli::RunArgs;
use crate::mode::is_loopback;
use crate::notify::sign::SigningKey;
use crate::notify::targets::DEFAULT_TIMEOUT;
use crate::notify::{AlertTargets, NotifyOn};

/// Run-alert settings from the flags, the file and the environment.
pub fn alerts(
    args: &RunArgs,
    file: &FileConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<AlertTargets, ConfigError> {
    let insecure = args.allow_insecure_http.or(file.allow_insecure_http).unwrap_or(false);
    let slack = optional_secret(env, "MODE_AUDIT_SLACK_WEBHOOK")?;
    if let Some(secret) = &slack {
        // The URL is the secret: the message names the variable, never the value.
        post_url(secret.expose_secret(), false)
            .map_err(|why| bad(format!("MODE_AUDIT_SLACK_WEBHOOK {why}; it is the https://hooks.slack.com/services/... URL of an incoming webhook")))?;
    }
    let webhook = match args.notify_webhook.as_deref().or(file.notify_webhook.as_deref()) {
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
    let on = match args.notify_on.as_deref().or(file.notify_on.as_deref()) {
        Some(text) => text.parse().map_err(bad)?,
        None => NotifyOn::default(),
    };
    let timeout = match (args.notify_timeout, &file.notify_timeout) {
        (Some(d), _) => d.into(),
        (None, Some(text)) => humantime::parse_duration(text).map_err(|e| {
            bad(format!(
                "config key 'notify_timeout': '{text}' is not a duration ({e}); write e.g. \"10s\""
            ))
        })?,
        (None, None) => DEFAULT_TIMEOUT,
    };
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
