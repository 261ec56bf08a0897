//! Sending the owner emails (`--execute`): each message's intent is appended to the notify log and
//! synced before it is handed to the SMTP server, its outcome after. A rerun first settles the
//! intents a stopped run left: they are recorded as unsure and not sent again.

use anyhow::{Context, Result};

use crate::notify::email::{Letterhead, compose};
use crate::notify::log::{NotifyLine, NotifyLog, now};
use crate::notify::owners::OwnerMail;
use crate::notify::smtp::{Handed, Relay};
use crate::stop::Stop;

/// What became of one owner's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    Accepted,
    Refused(String),
    Unsure(String),
    /// The message could not be built: nothing was logged or handed over.
    NotBuilt(String),
    /// The stop came before it.
    NotReached,
}

/// Records every intent a stopped run left without an outcome as unsure (counted as sent);
/// returns how many.
pub async fn settle(log: &mut NotifyLog) -> Result<usize> {
    let open = log.replayed().unsettled();
    for message_id in &open {
        tracing::warn!(
            message_id = %message_id,
            "an earlier run stopped while sending this message: it may or may not have gone out; it is not sent again"
        );
        log.append(NotifyLine::Unsure {
            at: now(),
            message_id: message_id.clone(),
            why: "an earlier run stopped between the intent and the outcome".into(),
        })
        .await?;
    }
    Ok(open.len())
}

/// Sends each message in turn. `Err` only for a log that cannot be written (nothing more is sent).
pub async fn send_each(
    relay: &Relay,
    log: &mut NotifyLog,
    mails: &[OwnerMail],
    head: &Letterhead,
    stop: &Stop,
) -> Result<Vec<Sent>> {
    let mut outcomes = Vec::with_capacity(mails.len());
    for mail in mails {
        if stop.reason().is_some() {
            outcomes.push(Sent::NotReached);
            continue;
        }
        let message_id = message_id();
        // One message that cannot be built leaves the others to go out.
        let message = match compose(mail, head, &message_id) {
            Ok(message) => message,
            Err(e) => {
                tracing::warn!(owner = %mail.owner, error = %format!("{e:#}"), "the message cannot be built; not sent");
                outcomes.push(Sent::NotBuilt(format!("{e:#}")));
                continue;
            }
        };
        let to = mail.address.clone().unwrap_or_default();
        tracing::info!(owner = %mail.owner, to = %to, findings = mail.items.len(), "sending");
        log.append(NotifyLine::Intent {
            at: now(),
            message_id: message_id.clone(),
            owner: mail.owner.clone(),
            to,
            findings: mail.items.iter().map(|i| i.told()).collect(),
        })
        .await
        .context("nothing more was sent")?;
        outcomes.push(hand_over(relay, log, mail, message_id, message).await?);
    }
    Ok(outcomes)
}

/// Hands one message whose intent is logged to the server, and logs what became of it.
async fn hand_over(
    relay: &Relay,
    log: &mut NotifyLog,
    mail: &OwnerMail,
    message_id: String,
    message: lettre::Message,
) -> Result<Sent> {
    Ok(match relay.send(message).await {
        Handed::Accepted => {
            log.append(NotifyLine::Sent { at: now(), message_id }).await?;
            Sent::Accepted
        }
        Handed::Refused(error) => {
            tracing::warn!(owner = %mail.owner, error = %error, "the SMTP server refused the message");
            log.append(NotifyLine::Refused {
                at: now(),
                message_id,
                error: error.clone(),
            })
            .await?;
            Sent::Refused(error)
        }
        Handed::Unsure(error) => {
            tracing::warn!(owner = %mail.owner, error = %error, "the connection failed while sending: the message may have gone out; it is not sent again");
            log.append(NotifyLine::Unsure {
                at: now(),
                message_id,
                why: error.clone(),
            })
            .await?;
            Sent::Unsure(error)
        }
    })
}

/// A Message-ID unique to one message.
pub fn message_id() -> String {
    format!(
        "notify.{}.{:016x}@mode-audit",
        chrono::Utc::now().timestamp_millis(),
        fastrand::u64(..)
    )
}
