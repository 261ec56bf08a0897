//! Publication to a bucket: the snapshot folder is written locally first, exactly as into a
//! folder (in a staging folder in the system's temporary folder), then each file is uploaded
//! under `PREFIX/<workspace>/<time>/`, then the `_COMPLETE` marker, then `latest`. A run that
//! dies before the marker leaves nothing a reader takes as complete. When the store stays down,
//! the staged folder is moved to [`unpublished_root`] and the error names it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{Cells, Formats, folder_stamp, publish};
use crate::insights::eligibility::UnschedulePlan;
use crate::snapshot::{Snapshot, Status};
use crate::storage::{Bucket, MarkerInfo};

/// Where snapshots and checkpoints that could not be uploaded are kept, laid out as an output
/// folder (`<workspace>/<time>/`): the system's temporary folder, `mode-audit-unpublished/`.
pub fn unpublished_root() -> PathBuf {
    std::env::temp_dir().join("mode-audit-unpublished")
}

/// Writes the snapshot's files, uploads them and marks them complete; returns the snapshot's URL.
pub async fn publish_to_bucket(
    bucket: &Bucket,
    snapshot: &Snapshot,
    formats: Formats,
    cells: Cells,
    owner_digests: Option<&UnschedulePlan>,
    trend_from: Option<&Path>,
) -> Result<PathBuf> {
    let ws = snapshot.workspace.as_str();
    let staging = tempfile::Builder::new()
        .prefix("mode-audit-staging-")
        .tempdir()
        .context("cannot create a staging folder in the system's temporary folder (set TMPDIR to a writable one)")?;
    let local = publish(staging.path(), snapshot, formats, cells, owner_digests, trend_from)?;
    let result = upload(bucket, snapshot, &local).await;
    match result {
        Ok(name) => Ok(PathBuf::from(bucket.show(&[ws, &name]))),
        Err(error) => {
            let kept = keep(&local, ws);
            let kept = match &kept {
                Ok(path) => format!(
                    "the snapshot is kept in {} (laid out as an output folder; nothing in the bucket is marked complete)",
                    path.display()
                ),
                Err(e) => format!("and it could not be kept locally either: {e:#}"),
            };
            Err(error.context(format!(
                "could not publish the snapshot to {}; {kept}",
                bucket.show(&[ws])
            )))
        }
    }
}

async fn upload(bucket: &Bucket, snapshot: &Snapshot, local: &Path) -> Result<String> {
    let ws = snapshot.workspace.as_str();
    let name = free_name(bucket, ws, &folder_stamp(&snapshot.started_at)).await?;
    let info = MarkerInfo {
        workspace: ws.to_string(),
        kind: "snapshot",
        status: match snapshot.status {
            Status::Complete => "complete",
            Status::Partial => "partial",
        }
        .to_string(),
        started_at: snapshot.started_at.clone(),
    };
    let marker = bucket.upload_folder(local, &[ws, &name], &info).await?;
    tracing::info!(snapshot = %bucket.show(&[ws, &name]), files = marker.files.len(), bytes = marker.files.iter().map(|f| f.size).sum::<u64>(), "uploaded and marked complete");
    // The snapshot is complete and found by history and diff; a stale `latest` is logged, not fatal.
    if let Err(e) = bucket.set_latest(ws, &name).await {
        tracing::error!(error = %e, "the snapshot is complete, but latest still names the one before");
    }
    Ok(name)
}

/// The snapshot's folder name in the bucket: its time stamp, or `-2`, `-3`... when a complete
/// snapshot already has it. A folder without a marker (an upload cut short, e.g. by a run this
/// one resumes) is reused, its leftovers deleted.
async fn free_name(bucket: &Bucket, ws: &str, stamp: &str) -> Result<String> {
    let existing = bucket.folders(&[ws]).await?;
    for n in 1..1000 {
        let name = if n == 1 {
            stamp.to_string()
        } else {
            format!("{stamp}-{n}")
        };
        if !existing.contains(&name) {
            return Ok(name);
        }
        if !bucket.is_complete(ws, &name).await? {
            match bucket.delete_below(&[ws, &name], &[]).await {
                Ok(n) => {
                    tracing::info!(folder = %bucket.show(&[ws, &name]), objects = n, "replacing an unfinished upload")
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not delete the leftovers of an unfinished upload; overwriting")
                }
            }
            return Ok(name);
        }
    }
    anyhow::bail!("too many snapshots named {stamp} in {}", bucket.show(&[ws]))
}

/// Moves a staged snapshot folder to the unpublished folder; returns its new path.
fn keep(local: &Path, ws: &str) -> Result<PathBuf> {
    let dir = unpublished_root().join(ws);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = local.file_name().context("a snapshot folder has a name")?;
    let mut target = dir.join(name);
    let mut n = 2;
    while target.exists() {
        target = dir.join(format!("{}-{n}", name.to_string_lossy()));
        n += 1;
    }
    if std::fs::rename(local, &target).is_err() {
        copy_dir(local, &target)?;
    }
    Ok(target)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).with_context(|| format!("cannot copy to {}", target.display()))?;
        }
    }
    Ok(())
}
