//! Where `apply` (and `notify`) read their snapshots and keep what they write: the output folder, or
//! a bucket through a local work folder into which the newest complete snapshot, the earlier ones
//! the rules read, and the workspace's actions logs are downloaded first.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tempfile::TempDir;

use crate::config::{Destination, Settings};
use crate::insights::changes::load;
// Earlier snapshots downloaded from a bucket reach this far past `--min-age`: as far as the rules read.
use crate::insights::standing::MARGIN as HISTORY_MARGIN;
use crate::output::actions::{ACTIONS, ActionsLog, fetch_logs, log_name};
use crate::output::workspace_dir;
use crate::snapshot::folder::{folder_time, snapshot_folders};
use crate::snapshot::{Snapshot, Status};
use crate::storage::Bucket;

enum Home {
    Folder(PathBuf),
    Bucket { bucket: Bucket, work: TempDir },
}

/// The newest complete snapshot of a workspace, with where it and its neighbours are read.
pub(crate) struct Source {
    home: Home,
    workspace: String,
    /// The snapshot folder's name (`20261128T032200Z`).
    pub name: String,
    /// Its local folder (in the work folder for a bucket).
    pub folder: PathBuf,
    /// `OUT/<workspace>` as read locally: snapshot folders and the actions folder.
    pub dir: PathBuf,
    pub snapshot: Snapshot,
}

impl Source {
    /// Finds the newest complete snapshot in `--out` (a folder or a bucket).
    pub async fn newest(settings: &Settings, min_age: Duration) -> Result<Source> {
        let workspace = settings.workspace.as_str();
        let (home, dir) = match &settings.destination {
            Destination::Dir(out) => (Home::Folder(out.clone()), workspace_dir(out, workspace)),
            Destination::Bucket(url) => {
                let bucket = Bucket::open(url, &settings.store)?;
                let work = tempfile::Builder::new().prefix("mode-audit-apply-").tempdir().context(
                    "cannot create a work folder in the system's temporary folder (set TMPDIR to a writable one)",
                )?;
                let dir = workspace_dir(work.path(), workspace);
                mirror(&bucket, workspace, work.path(), min_age).await?;
                (Home::Bucket { bucket, work }, dir)
            }
            Destination::Stdout => bail!("apply reads the snapshots in --out: name the output folder of your runs"),
        };
        for (_, folder) in snapshot_folders(&dir) {
            match load(&folder) {
                Ok((_, snapshot)) if snapshot.status == Status::Complete && snapshot.workspace == workspace => {
                    let name = folder
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    return Ok(Source {
                        home,
                        workspace: workspace.to_string(),
                        name,
                        folder,
                        dir,
                        snapshot,
                    });
                }
                Ok(_) => tracing::info!(folder = %folder.display(), "skipping a partial snapshot"),
                Err(e) => {
                    tracing::warn!(folder = %folder.display(), error = %e, "skipping a snapshot that cannot be read")
                }
            }
        }
        let shown = match &home {
            Home::Folder(_) => dir.display().to_string(),
            Home::Bucket { bucket, .. } => bucket.show(&[workspace]),
        };
        bail!(
            "no complete snapshot of workspace '{workspace}' in {shown}: apply and notify work from the newest complete one; \
             run `mode-audit run` with the same --out first (snapshot.json is needed: keep json in --format)"
        )
    }

    /// The bucket and the local work folder, when `--out` is a bucket.
    pub fn bucket(&self) -> Option<(&Bucket, &Path)> {
        match &self.home {
            Home::Folder(_) => None,
            Home::Bucket { bucket, work } => Some((bucket, work.path())),
        }
    }

    /// The workspace.
    pub fn workspace(&self) -> &str {
        &self.workspace
    }

    /// The snapshot's folder, or its URL in a bucket, for messages.
    pub fn shown(&self) -> PathBuf {
        match &self.home {
            Home::Folder(_) => self.folder.clone(),
            Home::Bucket { bucket, .. } => PathBuf::from(bucket.show(&[&self.workspace, &self.name])),
        }
    }

    /// Keeps the plan files written locally in `files`: beside the snapshot in a folder, in the
    /// actions folder (`<snapshot>.apply-plan.csv`, ...) in a bucket. Returns where they are.
    pub async fn keep_plan(&self, files: Vec<PathBuf>) -> Result<Vec<PathBuf>> {
        let Home::Bucket { bucket, .. } = &self.home else {
            return Ok(files);
        };
        let mut kept = Vec::with_capacity(files.len());
        for file in files {
            let name = format!(
                "{}.{}",
                self.name,
                file.file_name().unwrap_or_default().to_string_lossy()
            );
            let parts = [self.workspace.as_str(), ACTIONS, name.as_str()];
            bucket.upload(&file, &parts).await?;
            kept.push(PathBuf::from(bucket.show(&parts)));
        }
        Ok(kept)
    }

    /// Opens the snapshot's actions log for appending.
    pub async fn open_log(&self) -> Result<ActionsLog> {
        match &self.home {
            Home::Folder(out) => ActionsLog::open_folder(out, &self.workspace, &self.name),
            Home::Bucket { bucket, work } => {
                let name = log_name(&self.name);
                let parts = [self.workspace.as_str(), ACTIONS, name.as_str()];
                ActionsLog::open_bucket(bucket, &parts, &work.path().join("log")).await
            }
        }
    }
}

/// Downloads into `work` the snapshot.json of every complete snapshot of `workspace` from the
/// newest back to `min_age` (and a margin) before it, and the actions logs.
async fn mirror(bucket: &Bucket, workspace: &str, work: &Path, min_age: Duration) -> Result<()> {
    let names = bucket.snapshot_names(workspace).await?;
    let mut newest = None;
    let mut fetched = 0;
    for name in names.iter().rev() {
        let Some(at) = folder_time(name) else { continue };
        if let Some(newest) = newest
            && newest - at > chrono::Duration::from_std(min_age + HISTORY_MARGIN).unwrap_or(chrono::Duration::MAX)
        {
            break;
        }
        match bucket.fetch_snapshot_json(workspace, name, work).await {
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
    let logs = fetch_logs(bucket, workspace, work).await?;
    tracing::info!(bucket = %bucket.show(&[workspace]), snapshots = fetched, actions_logs = logs, "downloaded what apply reads");
    Ok(())
}
