//! The actions folder of a workspace, `OUT/<workspace>/actions/`: the undo log of each snapshot
//! `apply` planned from (`<snapshot>.jsonl`), kept apart from the snapshot folders (which users
//! prune), in the output folder or in the bucket. In a bucket the log is worked on in a local copy
//! and the whole object is uploaded after each line, so each intent is in the bucket before the
//! DELETE it announces is sent.

use std::path::Path;

use anyhow::{Context, Result};

pub use crate::snapshot::actions::{ACTIONS, all_logs, log_name, restored_reports};
use crate::snapshot::undo_log::{Entry, Replayed, UNDO_LOG, UndoLog};
use crate::storage::Bucket;

/// An actions log opened for appending.
pub struct ActionsLog {
    log: UndoLog,
    /// The bucket and key the local copy is uploaded to after each line.
    remote: Option<(Bucket, Vec<String>)>,
    location: String,
}

impl ActionsLog {
    /// `OUT/<workspace>/actions/<snapshot>.jsonl` in a folder. A log an older version kept in the
    /// snapshot folder (`undo-log.jsonl`) is copied in first, so that a rerun repeats nothing.
    pub fn open_folder(out: &Path, workspace: &str, snapshot: &str) -> Result<ActionsLog> {
        let path = out.join(workspace).join(ACTIONS).join(log_name(snapshot));
        let old = out.join(workspace).join(snapshot).join(UNDO_LOG);
        if !path.exists() && old.is_file() {
            let bytes = std::fs::read(&old).with_context(|| format!("cannot read {}", old.display()))?;
            crate::atomic::replace(&path, "actions", None, |w| Ok(std::io::Write::write_all(w, &bytes)?))?;
            tracing::info!(from = %old.display(), to = %path.display(), "undo log moved to the actions folder (the old copy is left in place)");
        }
        ActionsLog::open_path(&path)
    }

    /// The log at `path` (`undo LOG`), created with its folder if missing.
    pub fn open_path(path: &Path) -> Result<ActionsLog> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        Ok(ActionsLog {
            log: UndoLog::open(path)?,
            remote: None,
            location: path.display().to_string(),
        })
    }

    /// The log at `parts` in a bucket, downloaded (if there) into `work` and uploaded after each line.
    pub async fn open_bucket(bucket: &Bucket, parts: &[&str], work: &Path) -> Result<ActionsLog> {
        let local = work.join(parts.join("/"));
        if bucket.exists(parts).await? {
            bucket.download(parts, &local).await?;
        }
        let mut log = ActionsLog::open_path(&local)?;
        log.location = bucket.show(parts);
        log.remote = Some((bucket.clone(), parts.iter().map(|p| p.to_string()).collect()));
        Ok(log)
    }

    /// The file, or the bucket URL.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Where this log belongs, as it records it: the bucket URL, or the file's absolute path.
    pub fn home(&self) -> String {
        match &self.remote {
            Some(_) => self.location.clone(),
            None => std::fs::canonicalize(self.log.path())
                .map_or_else(|_| self.location.clone(), |p| p.display().to_string()),
        }
    }

    pub fn replayed(&self) -> &Replayed {
        self.log.replayed()
    }

    /// Checks, before a change to Mode, that the log file is still the one being written (see
    /// [`UndoLog::check`]); what another writer appended since is read.
    pub fn check(&mut self) -> Result<()> {
        self.log.check()
    }

    /// Appends one entry: synced to disk, and in a bucket uploaded, before returning.
    pub async fn append(&mut self, entry: Entry) -> Result<()> {
        self.log.append(entry)?;
        if let Some((bucket, parts)) = &self.remote {
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            let bytes =
                std::fs::read(self.log.path()).with_context(|| format!("cannot read {}", self.log.path().display()))?;
            bucket
                .put(&parts, bytes)
                .await
                .context("cannot upload the actions log; nothing more is done")?;
        }
        Ok(())
    }
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
