//! Newest: the newest complete snapshot of a workspace in its output ([`Place`]), which `apply`
//! and `notify` work from, with the earlier snapshots their rules read and the actions logs beside
//! it (from a bucket, downloaded into the place's work folder first).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Result, bail};

use super::Place;
use super::actions::{ACTIONS, ActionsLog, log_name, move_old_log};
use crate::insights::changes::load;
// Earlier snapshots downloaded from a bucket reach this far past `--min-age`: as far as the rules read.
use crate::insights::standing::MARGIN as HISTORY_MARGIN;
use crate::snapshot::folder::{snapshot_folders, workspace_dir};
use crate::snapshot::{Snapshot, Status};

/// The newest complete snapshot of a workspace, with the output it and its neighbours are in.
pub struct Newest {
    pub place: Place,
    pub workspace: String,
    /// The snapshot folder's name (`20261128T032200Z`).
    pub name: String,
    /// Its local folder (in the work folder for a bucket).
    pub folder: PathBuf,
    /// `OUT/<workspace>` as read locally: snapshot folders and the actions folder.
    pub dir: PathBuf,
    pub snapshot: Snapshot,
}

impl Newest {
    /// Finds the newest complete snapshot of `workspace` in `place`; from a bucket, the snapshots
    /// from the newest back to `min_age` (and a margin) before it, and the actions logs, are
    /// downloaded first.
    pub async fn find(place: Place, workspace: &str, min_age: Duration) -> Result<Newest> {
        place
            .mirror_newest(workspace, min_age.saturating_add(HISTORY_MARGIN))
            .await?;
        let dir = workspace_dir(place.local_out(), workspace);
        for (_, folder) in snapshot_folders(&dir) {
            match load(&folder) {
                Ok((_, snapshot)) if snapshot.status == Status::Complete && snapshot.workspace == workspace => {
                    let name = folder
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let workspace = workspace.to_string();
                    return Ok(Newest {
                        place,
                        workspace,
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
        let shown = place.shown(&[workspace], &dir).display().to_string();
        bail!(
            "no complete snapshot of workspace '{workspace}' in {shown}: apply and notify work from the newest complete one; \
             run `mode-audit run` with the same --out first (snapshot.json is needed: keep json in --format)"
        )
    }

    /// The snapshot's folder, or its URL in a bucket, for messages.
    pub fn shown(&self) -> PathBuf {
        self.place.shown(&[&self.workspace, &self.name], &self.folder)
    }

    /// Keeps the plan files written locally in `files`: beside the snapshot in a folder, in the
    /// actions folder (`<snapshot>.apply-plan.csv`, ...) in a bucket. Returns where they are.
    pub async fn keep_plan(&self, files: Vec<PathBuf>) -> Result<Vec<PathBuf>> {
        let mut kept = Vec::with_capacity(files.len());
        for file in files {
            let name = format!(
                "{}.{}",
                self.name,
                file.file_name().unwrap_or_default().to_string_lossy()
            );
            kept.push(self.place.keep(&file, &[&self.workspace, ACTIONS, &name]).await?);
        }
        Ok(kept)
    }

    /// Opens the snapshot's actions log for appending (`<workspace>/actions/<snapshot>.jsonl`; an
    /// older version's log in the snapshot folder is copied in first).
    pub async fn open_log(&self) -> Result<ActionsLog> {
        if let Place::Folder(out) = &self.place {
            move_old_log(out, &self.workspace, &self.name)?;
        }
        let name = log_name(&self.name);
        self.place.open_log(&[&self.workspace, ACTIONS, &name]).await
    }
}
