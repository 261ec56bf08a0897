//! The notify log, `notify-log.jsonl` beside a workspace's snapshots: one JSON object a line,
//! appended and synced to disk before each email is handed to the SMTP server, and after.
//!
//! `intent` names the message, its owner and the (report, reason) pairs it tells of; then `sent`,
//! `refused` (the server answered with an error: not delivered) or `unsure` (the connection broke
//! after the message was handed over, or a rerun found an intent without an outcome: the process
//! stopped in between). Unsure counts as sent: a message is rather missed than sent twice. A torn
//! last line (a crash mid-write) is cut off when the log is next opened. The lines are a
//! [`NotifyLine`], what they say [`ReplayedNotices`]; the log is the storage layer's synced log,
//! which in a bucket uploads it after each line, so each intent is there before its message is
//! handed over.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::snapshot::Reason;
use crate::snapshot::appended::Replay;
use crate::snapshot::time::parse_time;
use crate::storage::SyncedLog;

/// The log's file name inside `OUT/<workspace>/`.
pub const NOTIFY_LOG: &str = "notify-log.jsonl";

/// One finding a message tells of.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Told {
    pub report_token: String,
    pub reason: Reason,
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum NotifyLine {
    /// About to hand this message to the SMTP server.
    Intent {
        at: String,
        message_id: String,
        owner: String,
        to: String,
        findings: Vec<Told>,
    },
    /// The server accepted it.
    Sent { at: String, message_id: String },
    /// The server refused it: not delivered, may be sent again.
    Refused {
        at: String,
        message_id: String,
        error: String,
    },
    /// Whether it went out is not known; counted as sent.
    Unsure {
        at: String,
        message_id: String,
        why: String,
    },
}

/// What the log says: when each (owner, finding) was last told, and intents without an outcome.
#[derive(Debug, Default)]
pub struct ReplayedNotices {
    told: HashMap<(String, Told), DateTime<Utc>>,
    /// Message id → (owner, when, findings) of intents not yet settled.
    open: HashMap<String, (String, DateTime<Utc>, Vec<Told>)>,
}

impl Replay for ReplayedNotices {
    type Line = NotifyLine;
    const WHAT: &'static str = "the notify log";
    const UPLOAD_FAILED: &'static str = "cannot upload the notify log; nothing more is sent";

    fn replay(path: &Path, text: &str) -> Result<(ReplayedNotices, usize)> {
        replay(path, text)
    }

    fn apply(&mut self, line: NotifyLine) {
        match line {
            NotifyLine::Intent {
                at,
                message_id,
                owner,
                findings,
                ..
            } => {
                let at = parse_time(&at).unwrap_or_else(Utc::now);
                self.open.insert(message_id, (owner, at, findings));
            }
            NotifyLine::Sent { message_id, .. } | NotifyLine::Unsure { message_id, .. } => {
                if let Some((owner, at, findings)) = self.open.remove(&message_id) {
                    for f in findings {
                        let last = self.told.entry((owner.clone(), f)).or_insert(at);
                        *last = (*last).max(at);
                    }
                }
            }
            NotifyLine::Refused { message_id, .. } => {
                self.open.remove(&message_id);
            }
        }
    }
}

impl ReplayedNotices {
    /// When `owner` was last told of `finding` (sent or unsure), if ever.
    pub fn last_told(&self, owner: &str, finding: &Told) -> Option<DateTime<Utc>> {
        self.told.get(&(owner.to_string(), finding.clone())).copied()
    }

    /// Intents without an outcome: message ids.
    pub fn unsettled(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.open.keys().cloned().collect();
        ids.sort();
        ids
    }
}

/// What the log at `path` says, read without writing (a dry run); empty when there is none.
pub fn read(path: &Path) -> Result<ReplayedNotices> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(replay(path, &text)?.0),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ReplayedNotices::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read the notify log {}", path.display())),
    }
}

/// Replays the whole lines of `text`; returns what they say and their length in bytes.
fn replay(path: &Path, text: &str) -> Result<(ReplayedNotices, usize)> {
    let mut replayed = ReplayedNotices::default();
    let mut whole = 0;
    for line in text.split_inclusive('\n') {
        if !line.ends_with('\n') {
            break;
        }
        match serde_json::from_str::<NotifyLine>(line) {
            Ok(line) => replayed.apply(line),
            Err(e) => anyhow::bail!(
                "the notify log {} has a line that does not read ({e}); nothing was sent. Move the file aside only if no email of it may be sent twice",
                path.display()
            ),
        }
        whole += line.len();
    }
    Ok((replayed, whole))
}

/// The notify log opened for appending (in a bucket, uploaded after each line).
pub type NotifyLog = SyncedLog<ReplayedNotices>;

/// Now, as the log writes times.
pub use crate::snapshot::time::now;

#[cfg(test)]
mod tests {
    use std::fs::OpenOptions;
    use std::io::Write;

    use super::*;

    fn told(token: &str) -> Told {
        Told {
            report_token: token.into(),
            reason: Reason::ScheduledNeverViewed,
        }
    }

    fn intent(id: &str) -> NotifyLine {
        NotifyLine::Intent {
            at: now(),
            message_id: id.into(),
            owner: "ada".into(),
            to: "ada@example.com".into(),
            findings: vec![told("r1")],
        }
    }

    #[tokio::test]
    async fn an_intent_without_outcome_stays_open_across_reopening_and_a_torn_line_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(NOTIFY_LOG);
        let mut log = NotifyLog::open(&path).unwrap();
        log.append(intent("m1")).await.unwrap();
        drop(log);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"event\":\"sent\",\"at\"").unwrap();
        let mut log = NotifyLog::open(&path).unwrap();
        assert_eq!(log.replayed().unsettled(), vec!["m1".to_string()]);
        assert_eq!(log.replayed().last_told("ada", &told("r1")), None);
        log.append(NotifyLine::Unsure {
            at: now(),
            message_id: "m1".into(),
            why: "stopped".into(),
        })
        .await
        .unwrap();
        assert!(
            log.replayed().last_told("ada", &told("r1")).is_some(),
            "unsure counts as told"
        );
        drop(log);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2, "the torn line was cut off: {text}");
        let log = NotifyLog::open(&path).unwrap();
        assert!(log.replayed().unsettled().is_empty());
        assert!(log.replayed().last_told("ada", &told("r1")).is_some());
        assert_eq!(log.replayed().last_told("bob", &told("r1")), None);
    }

    #[tokio::test]
    async fn a_refused_message_is_not_counted_as_told() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = NotifyLog::open(&dir.path().join(NOTIFY_LOG)).unwrap();
        log.append(intent("m1")).await.unwrap();
        log.append(NotifyLine::Refused {
            at: now(),
            message_id: "m1".into(),
            error: "550 mailbox unavailable".into(),
        })
        .await
        .unwrap();
        assert_eq!(log.replayed().last_told("ada", &told("r1")), None);
        assert!(log.replayed().unsettled().is_empty());
    }
}
