//! The summary `undo` prints: each schedule of the log and what became of it.

use std::fmt;

use super::{Restored, UndoReport};
use crate::snapshot::RunStatus;

impl fmt::Display for UndoReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match (self.executed, self.status) {
            (false, _) => "DRY RUN: nothing in Mode was changed".to_string(),
            (true, RunStatus::Complete) => "complete".to_string(),
            (true, RunStatus::Partial) => "PARTIAL: some schedules could not be recreated".to_string(),
            (true, RunStatus::Stopped(reason)) => format!("STOPPED ({reason}): run again to continue"),
        };
        writeln!(f, "mode-audit undo: workspace {} — {status}", self.workspace)?;
        writeln!(f, "  undo log              {}", self.log.display())?;
        if self.restorations.is_empty() && self.lost.is_empty() {
            writeln!(f, "  nothing to recreate: the log records no deleted schedule")?;
        }
        for (report, schedule) in &self.lost {
            writeln!(
                f,
                "  LOST: schedule {schedule} of report {report} is recorded as deleted, but the log holds no \
                 definition of it (cut short or edited): undo cannot recreate it; restore the log from a copy, or \
                 recreate it by hand from the snapshot apply planned from"
            )?;
        }
        for r in &self.restorations {
            writeln!(
                f,
                "    {} ({}) schedule {} ({})  {}",
                r.report_name.as_deref().unwrap_or("(no name)"),
                r.report_token,
                r.schedule_token,
                r.frequency,
                what(&r.outcome)
            )?;
        }
        self.write_next(f)
    }
}

impl UndoReport {
    /// What a dry run leaves to do, or the requests an executed one made.
    fn write_next(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.executed
            && self
                .restorations
                .iter()
                .any(|r| matches!(r.outcome, Restored::Planned | Restored::PlannedIfGone))
        {
            writeln!(
                f,
                "  add --execute to recreate them (their recipients cannot be: Mode's API does not set them)"
            )?;
        }
        if self.executed {
            writeln!(
                f,
                "  requests              {}  ({} throttled, {} retried)",
                self.requests.requests, self.requests.throttled, self.requests.retries
            )?;
        }
        Ok(())
    }
}

/// What became of a schedule, in words.
fn what(outcome: &Restored) -> String {
    match outcome {
        Restored::Planned => "would recreate".to_string(),
        Restored::PlannedIfGone => "would recreate, if it is gone (its deletion was not confirmed)".to_string(),
        Restored::Created(token) => format!("recreated as {token}"),
        Restored::AlreadyDone(token) => format!("recreated earlier as {token}"),
        Restored::FoundLive(token) => format!(
            "already there as {token} (made again since, with the same definition): counted as restored, nothing created"
        ),
        Restored::StillThere => "still exists; nothing to recreate".to_string(),
        Restored::Differs { token, differences } => {
            format!(
                "FAILED: recreated as {token}, but it differs: {}",
                differences.join("; ")
            )
        }
        Restored::Failed(error) => format!("FAILED: {error}"),
        Restored::NotReached => "stopped before it".to_string(),
    }
}
