//! The snapshot `notify` writes from: the newest complete one in the output folder.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::insights::changes::load;
use crate::snapshot::folder::snapshot_folders;
use crate::snapshot::{Snapshot, Status};

/// The newest complete snapshot in `dir` (`OUT/<workspace>`) and its folder.
pub(super) fn newest_complete(dir: &Path, workspace: &str) -> Result<(PathBuf, Snapshot)> {
    for (_, folder) in snapshot_folders(dir) {
        match load(&folder) {
            Ok((_, snapshot)) if snapshot.status == Status::Complete && snapshot.workspace == workspace => {
                return Ok((folder, snapshot));
            }
            Ok(_) => tracing::info!(folder = %folder.display(), "skipping a partial snapshot"),
            Err(e) => tracing::warn!(folder = %folder.display(), error = %e, "skipping a snapshot that cannot be read"),
        }
    }
    bail!(
        "no complete snapshot of workspace '{workspace}' in {}: notify writes from the newest complete one; \
         run `mode-audit run` with the same --out first (snapshot.json is needed: keep json in --format)",
        dir.display()
    )
}
