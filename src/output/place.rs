//! Place: a workspace's output — a local folder, as ever, or a bucket — where every command finds
//! and keeps what it reads and writes: snapshots, the checkpoint, files kept beside a snapshot,
//! the append-only logs (actions, notify).
//!
//! For a bucket the code still works on local files: a work folder in the system's temporary
//! folder stands in for `--out`, laid out the same way. The checkpoint is downloaded into it at
//! the start and uploaded from it when a run stops; the earlier snapshots history needs are
//! downloaded into a mirror of the folder layout; the snapshot is written locally, then uploaded
//! (see [`super::bucket`]); a log is worked on in a local copy uploaded after each line.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use tempfile::TempDir;

use super::actions::fetch_logs;
use super::bucket::{publish_to_bucket, unpublished_root};
use super::{Cells, Formats, check_writable, publish, workspace_dir};
use crate::insights::eligibility::UnschedulePlan;
use crate::insights::history::wanted;
use crate::snapshot::Snapshot;
use crate::snapshot::appended::Replay;
use crate::snapshot::folder::folder_time;
use crate::storage::{Bucket, BucketUrl, StoreSettings, SyncedLog, fetch_if_there};

/// A local output folder, or a bucket with the local work folder that stands in for it.
#[derive(Debug)]
pub enum Place {
    Folder(PathBuf),
    Bucket { bucket: Bucket, work: TempDir },
}

impl Place {
    pub fn folder(out: impl Into<PathBuf>) -> Place {
        Place::Folder(out.into())
    }

    /// Opens the bucket (credentials from the provider's chain) with a fresh local work folder.
    pub fn bucket(url: &BucketUrl, settings: &StoreSettings) -> Result<Place> {
        Place::over(Bucket::open(url, settings)?)
    }

    /// A place over an opened bucket.
    pub fn over(bucket: Bucket) -> Result<Place> {
        let work = tempfile::Builder::new()
            .prefix("mode-audit-work-")
            .tempdir()
            .context("cannot create a work folder in the system's temporary folder (set TMPDIR to a writable one)")?;
        Ok(Place::Bucket { bucket, work })
    }

    /// The folder the local code writes as `OUT`: the output folder, or the work folder.
    pub fn local_out(&self) -> &Path {
        match self {
            Place::Folder(out) => out,
            Place::Bucket { work, .. } => work.path(),
        }
    }

    /// Where the file at `parts` below the output (`<workspace>/...`) is worked on locally: in the
    /// output folder, or in the work folder.
    pub fn local(&self, parts: &[&str]) -> PathBuf {
        parts
            .iter()
            .fold(self.local_out().to_path_buf(), |path, part| path.join(part))
    }

    /// A file of the output as the user finds it: `local`, its file, in a folder; its URL in a
    /// bucket.
    pub fn shown(&self, parts: &[&str], local: &Path) -> PathBuf {
        match self {
            Place::Folder(_) => local.to_path_buf(),
            Place::Bucket { bucket, .. } => PathBuf::from(bucket.show(parts)),
        }
    }

    /// Whether the file at `parts` is there.
    pub async fn exists(&self, parts: &[&str]) -> Result<bool> {
        match self {
            Place::Folder(_) => Ok(self.local(parts).is_file()),
            Place::Bucket { bucket, .. } => Ok(bucket.exists(parts).await?),
        }
    }

    /// Brings the file at `parts` from a bucket to `local`, when it is there (a folder's files are
    /// in place).
    pub async fn fetch(&self, parts: &[&str], local: &Path) -> Result<()> {
        match self {
            Place::Folder(_) => Ok(()),
            Place::Bucket { bucket, .. } => fetch_if_there(bucket, parts, local).await,
        }
    }

    /// Keeps `local`, written locally, at `parts`: where it was written in a folder, uploaded in a
    /// bucket. Returns where it is.
    pub async fn keep(&self, local: &Path, parts: &[&str]) -> Result<PathBuf> {
        if let Place::Bucket { bucket, .. } = self {
            bucket.upload(local, parts).await?;
        }
        Ok(self.shown(parts, local))
    }

    /// Opens the append-only log at `parts` (`<workspace>/...`), created if missing: in a bucket
    /// downloaded into the work folder first and uploaded after each line.
    pub async fn open_log<R: Replay>(&self, parts: &[&str]) -> Result<SyncedLog<R>> {
        let local = self.local(parts);
        match self {
            Place::Folder(_) => SyncedLog::open(&local),
            Place::Bucket { bucket, .. } => SyncedLog::open_bucket(bucket, parts, &local).await,
        }
    }

    /// Where the report store's temporary file goes: beside the snapshots in a folder (known to
    /// be writable), the system's temporary folder for a bucket.
    pub fn spill_dir(&self, workspace: &str) -> Option<PathBuf> {
        match self {
            Place::Folder(out) => Some(workspace_dir(out, workspace)),
            Place::Bucket { .. } => None,
        }
    }

    /// Fails early, before any request to Mode, when nothing could be published: a folder that
    /// cannot be written; a bucket that is missing, refuses the credentials, or may not be listed
    /// or written (a small `.write-check` object is written and left for the next run to overwrite).
    pub async fn check(&self, workspace: &str) -> Result<()> {
        match self {
            Place::Folder(out) => check_writable(out, workspace),
            Place::Bucket { bucket, work } => {
                let now = chrono::Utc::now().to_rfc3339();
                bucket
                    .put(&[workspace, ".write-check"], format!("{now}\n").into_bytes())
                    .await?;
                bucket.folders(&[workspace]).await?;
                check_writable(work.path(), workspace)
            }
        }
    }

    /// Brings a stopped run's checkpoint from the bucket into the work folder (a folder's is
    /// already in place).
    pub async fn fetch_checkpoint(&self, workspace: &str) -> Result<()> {
        if let Place::Bucket { bucket, work } = self {
            let dir = workspace_dir(work.path(), workspace);
            if let Some(files) = bucket.load_checkpoint(workspace, &dir).await? {
                tracing::info!(checkpoint = %bucket.checkpoint_url(workspace), files = files.len(), "checkpoint downloaded");
            }
        }
        Ok(())
    }

    /// Keeps a checkpoint saved locally (`files`, in `local_out/<workspace>/`) where the next run,
    /// on any machine, finds it; returns where that is. If the bucket cannot take it, the files
    /// are kept in [`unpublished_root`] and the error names it.
    pub async fn keep_checkpoint(&self, workspace: &str, files: &[PathBuf], started_at: &str) -> Result<PathBuf> {
        let Place::Bucket { bucket, work } = self else {
            return Ok(files.first().cloned().unwrap_or_default());
        };
        let dir = workspace_dir(work.path(), workspace);
        let names: Vec<String> = files
            .iter()
            .filter(|f| f.is_file())
            .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        match bucket.save_checkpoint(workspace, &dir, &names, started_at).await {
            Ok(()) => Ok(PathBuf::from(bucket.checkpoint_url(workspace))),
            Err(error) => {
                let keep = unpublished_root().join(workspace);
                let kept = std::fs::create_dir_all(&keep).is_ok()
                    && names.iter().all(|n| std::fs::copy(dir.join(n), keep.join(n)).is_ok());
                let hint = if kept {
                    format!(
                        "the checkpoint is kept in {} (run with --out {} to resume from it)",
                        keep.display(),
                        unpublished_root().display()
                    )
                } else {
                    "and it could not be kept locally either".to_string()
                };
                Err(anyhow::Error::new(error).context(format!("could not save the checkpoint to the bucket; {hint}")))
            }
        }
    }

    /// Deletes the bucket's checkpoint once a snapshot is published (logged if it cannot be).
    pub async fn drop_checkpoint(&self, workspace: &str) {
        if let Place::Bucket { bucket, .. } = self
            && let Err(e) = bucket.remove_checkpoint(workspace).await
        {
            tracing::warn!(error = %e, "could not remove the used checkpoint from the bucket; the next run may resume from it");
        }
    }

    /// The folder the history reader reads (`OUT/<workspace>`). For a bucket, the snapshot.json
    /// of each earlier complete snapshot history needs is downloaded first into a mirror of the
    /// layout; a snapshot without its marker is passed over for the next older one. Like the
    /// reader, this never fails: what cannot be fetched is logged and left out.
    pub async fn history_dir(&self, workspace: &str, started_at: &str, window: Duration) -> PathBuf {
        let (bucket, work) = match self {
            Place::Folder(out) => return workspace_dir(out, workspace),
            Place::Bucket { bucket, work } => (bucket, work),
        };
        let mirror = work.path().join("history");
        let names = match bucket.snapshot_names(workspace).await {
            Ok(names) => names,
            Err(e) => {
                tracing::warn!(error = %e, "cannot list earlier snapshots; history columns stay empty");
                Vec::new()
            }
        };
        let mut candidates: Vec<(String, chrono::DateTime<chrono::Utc>)> = names
            .into_iter()
            .filter_map(|n| folder_time(&n).map(|t| (n, t)))
            .collect();
        let mut fetched: Vec<String> = Vec::new();
        loop {
            let times: Vec<_> = candidates.iter().map(|(_, t)| *t).collect();
            let next = wanted(&times, started_at, window)
                .into_iter()
                .find(|&i| !fetched.contains(&candidates[i].0));
            let Some(i) = next else { break };
            let name = candidates[i].0.clone();
            match bucket.fetch_snapshot_json(workspace, &name, &mirror).await {
                Ok(Some(_)) => fetched.push(name),
                Ok(None) => {
                    tracing::info!(snapshot = %bucket.show(&[workspace, &name]), "passing over a snapshot that is not marked complete (or has no snapshot.json)");
                    candidates.remove(i);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "skipping an earlier snapshot that cannot be downloaded");
                    candidates.remove(i);
                }
            }
        }
        tracing::info!(bucket = %bucket.show(&[workspace]), downloaded = fetched.len(), "earlier snapshots fetched for history");
        workspace_dir(&mirror, workspace)
    }

    /// Brings down from a bucket (a folder's are in place) the snapshot.json of every complete
    /// snapshot of `workspace` from the newest back to `reach` before it, and the actions logs:
    /// what `apply` and `notify` read.
    pub async fn mirror_newest(&self, workspace: &str, reach: Duration) -> Result<()> {
        let Place::Bucket { bucket, work } = self else {
            return Ok(());
        };
        let reach = chrono::Duration::from_std(reach).unwrap_or(chrono::Duration::MAX);
        let names = bucket.snapshot_names(workspace).await?;
        let mut newest = None;
        let mut fetched = 0;
        for name in names.iter().rev() {
            let Some(at) = folder_time(name) else { continue };
            if let Some(newest) = newest
                && newest - at > reach
            {
                break;
            }
            match bucket.fetch_snapshot_json(workspace, name, work.path()).await {
                Ok(Some(_)) => {
                    newest.get_or_insert(at);
                    fetched += 1;
                }
                Ok(None) => {
                    tracing::info!(snapshot = %bucket.show(&[workspace, name]), "passing over a snapshot that is not marked complete")
                }
                Err(e) => tracing::warn!(error = %e, "skipping a snapshot that cannot be downloaded"),
            }
        }
        let logs = fetch_logs(bucket, workspace, work.path()).await?;
        tracing::info!(bucket = %bucket.show(&[workspace]), snapshots = fetched, actions_logs = logs, "downloaded what apply reads");
        Ok(())
    }

    /// Publishes the snapshot; returns its folder, or its URL in a bucket.
    pub async fn publish(
        &self,
        snapshot: &Snapshot,
        formats: Formats,
        cells: Cells,
        owner_digests: Option<&UnschedulePlan>,
    ) -> Result<PathBuf> {
        match self {
            Place::Folder(out) => publish(out, snapshot, formats, cells, owner_digests, None),
            Place::Bucket { bucket, work } => {
                let trend = match formats.html {
                    true => Some(fetch_summaries(bucket, &snapshot.workspace, work.path()).await),
                    false => None,
                };
                let trend = trend.as_deref();
                publish_to_bucket(bucket, snapshot, formats, cells, owner_digests, trend).await
            }
        }
    }
}

/// The page's trend for a bucket: the summary.json of the newest complete snapshots (as many as
/// the trend shows), downloaded into `work/trend/<workspace>/<time>/`. One that cannot be read is
/// left out (the page counts it), never fatal.
async fn fetch_summaries(bucket: &Bucket, workspace: &str, work: &Path) -> PathBuf {
    let dir = workspace_dir(&work.join("trend"), workspace);
    let names = bucket.snapshot_names(workspace).await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "cannot list earlier snapshots; the page's trend starts here");
        Vec::new()
    });
    let mut fetched = 0;
    for name in names.iter().rev().take(super::html::POINTS) {
        let complete = bucket.is_complete(workspace, name).await.unwrap_or(false);
        let summary = match complete {
            true => bucket.get(&[workspace, name, super::html::SUMMARY_FILE]).await,
            false => continue,
        };
        match summary {
            Ok(Some(bytes)) => {
                let folder = dir.join(name);
                let written = std::fs::create_dir_all(&folder)
                    .and_then(|()| std::fs::write(folder.join(super::html::SUMMARY_FILE), bytes));
                match written {
                    Ok(()) => fetched += 1,
                    Err(e) => tracing::warn!(error = %e, "cannot keep an earlier summary locally"),
                }
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(snapshot = %bucket.show(&[workspace, name]), error = %e, "cannot read an earlier summary")
            }
        }
    }
    tracing::debug!(summaries = fetched, "earlier summaries fetched for the page's trend");
    dir
}

#[cfg(test)]
mod tests;
