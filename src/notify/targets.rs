//! Where run alerts go (a Slack incoming webhook, a generic webhook) and sending one alert to each.

use std::time::Duration;

use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use super::alert::{Alert, NotifyOn};
use super::sign::SigningKey;
use super::{post, slack, webhook};

/// The default deadline of one alert request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The run-alert settings, validated.
#[derive(Debug, Clone)]
pub struct AlertTargets {
    /// The Slack incoming-webhook URL (a secret: from the environment or a secret file only).
    pub slack: Option<SecretString>,
    /// The generic webhook (`--notify-webhook`).
    pub webhook: Option<Url>,
    /// Signs the generic webhook's body (MODE_AUDIT_WEBHOOK_SECRET).
    pub signing: Option<SigningKey>,
    pub on: NotifyOn,
    pub timeout: Duration,
}

impl Default for AlertTargets {
    fn default() -> AlertTargets {
        AlertTargets {
            slack: None,
            webhook: None,
            signing: None,
            on: NotifyOn::default(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// How many alerts went out and how many could not be delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: u64,
    pub failed: u64,
}

impl AlertTargets {
    pub fn any(&self) -> bool {
        self.slack.is_some() || self.webhook.is_some()
    }

    /// Sends `alert` to each target when `--notify-on` wants it. A failure is logged and counted,
    /// never returned: it does not change the run's outcome.
    pub async fn send(&self, alert: &Alert<'_>) -> Delivered {
        let mut done = Delivered::default();
        if !self.any() || !alert.wanted(self.on) {
            return done;
        }
        let http = match post::client(self.timeout) {
            Ok(http) => http,
            Err(error) => {
                tracing::error!(error = %error, "run alerts not sent");
                done.failed = self.slack.is_some() as u64 + self.webhook.is_some() as u64;
                return done;
            }
        };
        let mut tally = |target: &str, result: Result<(), String>| match result {
            Ok(()) => {
                tracing::info!(
                    target,
                    workspace = alert.workspace,
                    status = alert.status(),
                    "run alert sent"
                );
                done.sent += 1;
            }
            Err(error) => {
                tracing::error!(target, workspace = alert.workspace, error = %error, "run alert not delivered (the run's exit code is unchanged)");
                done.failed += 1;
            }
        };
        if let Some(secret) = &self.slack {
            let result = match Url::parse(secret.expose_secret()) {
                Ok(url) => {
                    let body = slack::message(alert).to_string();
                    post::post(&http, &url, body.as_bytes(), HeaderMap::new).await
                }
                Err(_) => Err("the Slack webhook URL does not parse".to_string()),
            };
            tally("slack", result);
        }
        if let Some(url) = &self.webhook {
            let id = format!(
                "msg_{}_{:016x}",
                chrono::Utc::now().timestamp_millis(),
                fastrand::u64(..)
            );
            let sent_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let body = webhook::document(alert, &id, &sent_at).to_string();
            let headers = || self.headers(&id, body.as_bytes());
            tally("webhook", post::post(&http, url, body.as_bytes(), headers).await);
        }
        done
    }

    /// The Standard Webhooks headers of one attempt (none without a secret).
    fn headers(&self, id: &str, body: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let Some(key) = &self.signing else {
            return headers;
        };
        let timestamp = chrono::Utc::now().timestamp();
        let signature = key.sign(id, timestamp, body);
        for (name, value) in [
            ("webhook-id", id.to_string()),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        headers
    }
}
