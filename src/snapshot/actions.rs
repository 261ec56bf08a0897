//! The actions folder of a workspace, `OUT/<workspace>/actions/`, where `apply` keeps the undo log
//! of each snapshot it planned from (`<snapshot>.jsonl`), apart from the snapshot folders that
//! users prune; and the logs an older version kept inside snapshot folders (`undo-log.jsonl`).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::folder::snapshot_folders;
use super::undo_log::{self, Recreation, UNDO_LOG};

/// The actions folder's name in `OUT/<workspace>/`.
pub const ACTIONS: &str = "actions";

/// The log's file name for the snapshot folder named `snapshot`.
pub fn log_name(snapshot: &str) -> String {
    format!("{snapshot}.jsonl")
}

/// Every log below `dir` (`OUT/<workspace>`): the actions folder's, then those older versions
/// kept in snapshot folders.
pub fn all_logs(dir: &Path) -> Vec<PathBuf> {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir.join(ACTIONS))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "jsonl"))
                .collect()
        })
        .unwrap_or_default();
    logs.sort();
    logs.extend(
        snapshot_folders(dir)
            .into_iter()
            .map(|(_, folder)| folder.join(UNDO_LOG))
            .filter(|p| p.is_file()),
    );
    logs
}

/// Reports whose schedules an `undo` recreated, from every log below `dir` (`OUT/<workspace>`).
/// A log that cannot be read is an error naming its file and line: the hold it may carry must not
/// be dropped in silence.
pub fn restored_reports(dir: &Path) -> Result<HashSet<String>> {
    let mut restored = HashSet::new();
    for path in all_logs(dir) {
        let log = undo_log::read(&path).context(
            "an undo log cannot be read, so the reports an undo restored (which apply must leave alone) are not known",
        )?;
        restored.extend(
            log.schedules
                .into_iter()
                .filter(|l| matches!(l.recreation, Some(Recreation::Done { .. })))
                .map(|l| l.report_token),
        );
    }
    Ok(restored)
}
