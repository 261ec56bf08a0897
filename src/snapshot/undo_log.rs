//! The undo log's lines ([`ActionLine`]): one JSON object a line, appended and synced to disk
//! before each change to Mode (`OUT/<workspace>/actions/<snapshot>.jsonl`, outside the snapshot
//! folders; `undo-log.jsonl` is the name an older version gave it in the snapshot folder), and
//! how they replay ([`ReplayedActions`]). The log itself is the storage layer's synced log.
//!
//! Before a schedule is deleted, its whole definition goes in (`delete_intent`); after, what came
//! of it (`deleted`, `already_gone`, `delete_failed`). `undo` appends `recreate_intent` before each
//! create and `recreated` (with the new token) or `recreate_failed` after, or `found_live` instead
//! when a schedule with the definition is already there. Replaying the lines says
//! what was done, so a rerun repeats nothing: an intent without an outcome (the process stopped in
//! between) is settled by looking at Mode. A crash mid-write leaves at most a torn last line, which
//! is cut off when the log is next opened for writing (its action had not started).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use self::replayed::{Deletion, Logged, Recreation, ReplayedActions};
use super::appended::Replay;
use crate::mode::{BodyShape, FoundBy, ScheduleDefinition};

/// The log's file name inside a snapshot folder.
pub const UNDO_LOG: &str = "undo-log.jsonl";

/// How a deletion was confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confirmed {
    /// Mode answered the DELETE with success.
    Answered,
    /// A retried DELETE was answered 404: the attempt whose answer was lost did it.
    OnRetry,
    /// The process stopped after the intent; the schedule was gone when a rerun looked.
    Reconciled,
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ActionLine {
    /// An `apply --execute` began.
    ApplyStarted {
        at: String,
        workspace: String,
        snapshot_started_at: String,
        planned: usize,
        /// Where this log belongs: its file (an absolute path) or its URL in the output's
        /// `<workspace>/actions/`. undo records what it does there, whatever copy it is given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        log: Option<String>,
    },
    /// About to delete this schedule: everything needed to create it again.
    DeleteIntent {
        at: String,
        workspace: String,
        report_token: String,
        report_name: Option<String>,
        schedule_token: String,
        definition: Box<ScheduleDefinition>,
        /// The schedule exactly as Mode listed it just before.
        observed: Value,
    },
    Deleted {
        at: String,
        workspace: String,
        report_token: String,
        schedule_token: String,
        confirmed: Confirmed,
    },
    /// Answered 404 at the first attempt: gone before this deletion (not ours to recreate).
    AlreadyGone {
        at: String,
        workspace: String,
        report_token: String,
        schedule_token: String,
    },
    DeleteFailed {
        at: String,
        workspace: String,
        report_token: String,
        schedule_token: String,
        error: String,
    },
    /// About to recreate a deleted schedule; `before` lists the report's schedules just before.
    RecreateIntent {
        at: String,
        workspace: String,
        report_token: String,
        schedule_token: String,
        before: Vec<String>,
    },
    Recreated {
        at: String,
        workspace: String,
        report_token: String,
        schedule_token: String,
        new_token: String,
        found_by: FoundBy,
        shape: BodyShape,
    },
    /// Not recreated: a live schedule of the report, not one of this log's, already has the
    /// deleted one's definition (someone made it again by hand). It counts as restored.
    FoundLive {
        at: String,
        workspace: String,
        report_token: String,
        schedule_token: String,
        live_token: String,
    },
    RecreateFailed {
        at: String,
        workspace: String,
        report_token: String,
        schedule_token: String,
        error: String,
        /// Mode answered the create with success (2xx) but the new schedule could not be told:
        /// it may exist, so the create is never sent again.
        #[serde(default)]
        answered: bool,
    },
}

impl ActionLine {
    pub fn workspace(&self) -> &str {
        match self {
            ActionLine::ApplyStarted { workspace, .. }
            | ActionLine::DeleteIntent { workspace, .. }
            | ActionLine::Deleted { workspace, .. }
            | ActionLine::AlreadyGone { workspace, .. }
            | ActionLine::DeleteFailed { workspace, .. }
            | ActionLine::RecreateIntent { workspace, .. }
            | ActionLine::Recreated { workspace, .. }
            | ActionLine::FoundLive { workspace, .. }
            | ActionLine::RecreateFailed { workspace, .. } => workspace,
        }
    }
}

/// The time now, as the log writes it.
pub use super::time::now;

/// Reads and replays a log without changing it (a torn last line is ignored).
pub fn read(path: &Path) -> Result<ReplayedActions> {
    let mut text = String::new();
    File::open(path)
        .with_context(|| format!("cannot open the undo log {}", path.display()))?
        .read_to_string(&mut text)
        .with_context(|| format!("cannot read the undo log {}", path.display()))?;
    let (replayed, whole) = replay(path, &text)?;
    if whole < text.len() {
        tracing::warn!(path = %path.display(), "the undo log ends in a torn line (a write was cut short); ignoring it");
    }
    Ok(replayed)
}

/// The entries of `text`, replayed, and the length of its whole lines: a torn tail, or a last line
/// that does not read (a write cut short that still reached its newline), is left out.
fn replay(path: &Path, text: &str) -> Result<(ReplayedActions, usize)> {
    let mut whole = text.rfind('\n').map_or(0, |i| i + 1);
    let mut replayed = ReplayedActions::default();
    let last = text[..whole]
        .split_inclusive('\n')
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, _)| n)
        .last();
    let mut start = 0;
    for (n, line) in text[..whole].split_inclusive('\n').enumerate() {
        let at = start;
        start += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        let entry: ActionLine = match serde_json::from_str(line) {
            Ok(entry) => entry,
            Err(_) if Some(n) == last => {
                whole = at;
                break;
            }
            Err(e) => bail!(
                "{}:{}: not an undo-log entry ({e}); the log is damaged: restore it from a copy, or move it aside \
                 (the schedules it records as deleted can then no longer be recreated by undo, nor held back by apply)",
                path.display(),
                n + 1
            ),
        };
        if replayed.workspace.as_deref().is_some_and(|w| w != entry.workspace()) {
            bail!(
                "{}:{}: belongs to workspace '{}', the lines before to '{}'",
                path.display(),
                n + 1,
                entry.workspace(),
                replayed.workspace.as_deref().unwrap_or_default()
            );
        }
        replayed.apply(entry);
    }
    Ok((replayed, whole))
}

mod replayed;
