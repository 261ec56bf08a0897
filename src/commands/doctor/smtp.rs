//! The SMTP check of `doctor`, when MODE_AUDIT_SMTP_URL is set: connect, upgrade to TLS as the URL
//! asks (STARTTLS, or TLS from the start), log in, and leave. No message is sent.

use std::time::Duration;

use secrecy::SecretString;

use super::{Check, Checklist, Grade, not_passed, pass};
use crate::config::mail::smtp_server;
use crate::notify::smtp::Relay;

const NAME: &str = "smtp server";

/// A checklist answers in seconds.
const TIMEOUT: Duration = Duration::from_secs(15);

const FIX: &str = "docs/notifications.md describes MODE_AUDIT_SMTP_URL and MODE_AUDIT_SMTP_CA_FILE; `notify \
     --execute` sends nothing until this check passes";

/// Adds the check to `checklist` (the first workspace's) when the environment names a server.
pub async fn add_to(checklist: Option<&mut Checklist>, env: &dyn Fn(&str) -> Option<String>) {
    if let (Some(list), Some(check)) = (checklist, check(env).await) {
        list.checks.push(check);
    }
}

/// `None` when the environment names no SMTP server.
pub async fn check(env: &dyn Fn(&str) -> Option<String>) -> Option<Check> {
    match smtp_server(env) {
        Ok((Some(url), ca)) => Some(check_server(&url, ca.as_deref()).await),
        Ok((None, _)) => None,
        Err(e) => Some(not_passed(NAME, Grade::Fail, e.0, FIX)),
    }
}

/// Connects to the server `url` names, secures the connection and logs in; sends nothing.
pub async fn check_server(url: &SecretString, ca_pem: Option<&[u8]>) -> Check {
    let relay = match Relay::new(url, TIMEOUT, ca_pem) {
        Ok(relay) => relay,
        Err(e) => return not_passed(NAME, Grade::Fail, e.0, FIX),
    };
    match relay.check().await {
        Ok(()) => pass(
            NAME,
            format!(
                "{} answered and took the connection as MODE_AUDIT_SMTP_URL sets it up ({}); no message was sent",
                relay.server.address, relay.how
            ),
        ),
        Err(e) => not_passed(NAME, Grade::Fail, e.0, FIX),
    }
}
