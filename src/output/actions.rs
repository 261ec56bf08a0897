//! The actions folder of a workspace, `OUT/<workspace>/actions/`: the undo log of each snapshot
//! `apply` planned from (`<snapshot>.jsonl`, an [`ActionsLog`]), kept apart from the snapshot
//! folders (which users prune), in the output folder or in the bucket (synced line by line, so
//! each intent is in the bucket before the DELETE it announces is sent).

use std::path::Path;

use anyhow::{Context, Result};

pub use crate::snapshot::actions::{ACTIONS, all_logs, log_name, restored_reports};
use crate::snapshot::undo_log::{ReplayedActions, UNDO_LOG};
use crate::storage::{Bucket, SyncedLog};

/// An actions (undo) log opened for appending.
pub type ActionsLog = SyncedLog<ReplayedActions>;

/// Copies in the log an older version kept in the snapshot folder (`OUT/<workspace>/<snapshot>/
/// undo-log.jsonl`) when `OUT/<workspace>/actions/<snapshot>.jsonl` is not there yet, so that a
/// rerun repeats nothing (the old copy is left in place).
pub fn move_old_log(out: &Path, workspace: &str, snapshot: &str) -> Result<()> {
    let path = out.join(workspace).join(ACTIONS).join(log_name(snapshot));
    let old = out.join(workspace).join(snapshot).join(UNDO_LOG);
    if !path.exists() && old.is_file() {
        let bytes = std::fs::read(&old).with_context(|| format!("cannot read {}", old.display()))?;
        crate::atomic::replace(&path, "actions", None, |w| Ok(std::io::Write::write_all(w, &bytes)?))?;
        tracing::info!(from = %old.display(), to = %path.display(), "undo log moved to the actions folder (the old copy is left in place)");
    }
    Ok(())
}

/// Downloads every actions log of `workspace` in the bucket into `mirror/<workspace>/actions/`.
pub async fn fetch_logs(bucket: &Bucket, workspace: &str, mirror: &Path) -> Result<usize> {
    let listed = bucket.objects(&[workspace, ACTIONS]).await?;
    let dir = mirror.join(workspace).join(ACTIONS);
    let mut fetched = 0;
    for (name, _) in listed.iter().filter(|(n, _)| n.ends_with(".jsonl") && !n.contains('/')) {
        bucket.download(&[workspace, ACTIONS, name], &dir.join(name)).await?;
        fetched += 1;
    }
    Ok(fetched)
}

#[cfg(test)]
mod tests;
