//! The snapshot layout in a bucket, as the folder layout on disk: `PREFIX/<workspace>/<time>/`
//! with a `_COMPLETE` marker written last, `PREFIX/<workspace>/latest` naming the newest complete
//! one, and the checkpoint of a stopped run in `PREFIX/<workspace>/.checkpoint/`.

use std::path::{Path, PathBuf};

use super::bucket::Bucket;
use super::error::StoreError;
use super::folder::MarkerInfo;
use super::marker::{LATEST, MARKER};
use crate::snapshot::folder::{SNAPSHOT_FILE, folder_time};

/// The folder of the checkpoint below a workspace.
pub const CHECKPOINT: &str = ".checkpoint";

impl Bucket {
    /// Names of the snapshot folders of `workspace` (time stamps, complete or not), oldest first.
    pub async fn snapshot_names(&self, workspace: &str) -> Result<Vec<String>, StoreError> {
        let mut names: Vec<String> = self
            .folders(&[workspace])
            .await?
            .into_iter()
            .filter(|n| folder_time(n).is_some())
            .collect();
        names.sort_by_key(|n| (folder_time(n), n.clone()));
        Ok(names)
    }

    /// Whether a snapshot folder has its completion marker.
    pub async fn is_complete(&self, workspace: &str, name: &str) -> Result<bool, StoreError> {
        self.exists(&[workspace, name, MARKER]).await
    }

    /// The folder `latest` names, if any.
    pub async fn latest(&self, workspace: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .get(&[workspace, LATEST])
            .await?
            .map(|b| String::from_utf8_lossy(&b).trim().to_string())
            // Only a snapshot folder's name: it is joined to local paths.
            .filter(|n| folder_time(n).is_some()))
    }

    /// Points `latest` at a complete snapshot folder.
    pub async fn set_latest(&self, workspace: &str, name: &str) -> Result<(), StoreError> {
        self.put(&[workspace, LATEST], format!("{name}\n").into_bytes()).await
    }

    /// Downloads a complete snapshot's snapshot.json to `mirror/<workspace>/<name>/snapshot.json`
    /// (the folder layout the local readers know). `None` when the snapshot has no marker, was
    /// written without json, or its snapshot.json is not the size the marker says.
    pub async fn fetch_snapshot_json(
        &self,
        workspace: &str,
        name: &str,
        mirror: &Path,
    ) -> Result<Option<PathBuf>, StoreError> {
        let Some(marker) = self.marker(&[workspace, name]).await? else {
            return Ok(None);
        };
        let Some(listed) = marker.files.iter().find(|f| f.name == SNAPSHOT_FILE) else {
            return Ok(None);
        };
        let path = mirror.join(workspace).join(name).join(SNAPSHOT_FILE);
        let size = self.download(&[workspace, name, SNAPSHOT_FILE], &path).await?;
        if size != listed.size {
            tracing::warn!(snapshot = %self.show(&[workspace, name]), "ignoring a snapshot whose snapshot.json is not the size its marker says");
            let _ = std::fs::remove_file(&path);
            return Ok(None);
        }
        Ok(Some(path))
    }

    /// Replaces the workspace's checkpoint with the named files of `dir`: the old marker goes
    /// first, the new one last, so a save cut short leaves no checkpoint rather than a mixed one.
    pub async fn save_checkpoint(
        &self,
        workspace: &str,
        dir: &Path,
        names: &[String],
        started_at: &str,
    ) -> Result<(), StoreError> {
        self.delete_below(&[workspace, CHECKPOINT], &[MARKER]).await?;
        let info = MarkerInfo {
            workspace: workspace.to_string(),
            kind: "checkpoint",
            status: "stopped".into(),
            started_at: started_at.to_string(),
        };
        self.upload_files(dir, names, &[workspace, CHECKPOINT], &info).await?;
        Ok(())
    }

    /// Downloads the workspace's checkpoint files into `dir`; `None` when there is no whole one.
    pub async fn load_checkpoint(&self, workspace: &str, dir: &Path) -> Result<Option<Vec<PathBuf>>, StoreError> {
        self.download_folder(&[workspace, CHECKPOINT], dir).await
    }

    /// Deletes the workspace's checkpoint (its marker first).
    pub async fn remove_checkpoint(&self, workspace: &str) -> Result<(), StoreError> {
        self.delete_below(&[workspace, CHECKPOINT], &[MARKER]).await.map(drop)
    }

    /// The checkpoint's location, for messages.
    pub fn checkpoint_url(&self, workspace: &str) -> String {
        self.show(&[workspace, CHECKPOINT])
    }
}

/// Why a snapshot URL could not be fetched.
#[derive(Debug)]
pub enum SnapshotUrlError {
    /// The URL names no complete snapshot; the message says what to give instead.
    NotASnapshot(String),
    /// The store could not be asked (credentials, permissions, network).
    Store(StoreError),
}

/// Downloads the snapshot.json of `s3://bucket/prefix/<workspace>/<time>` (or `.../latest`, or
/// either with `/snapshot.json`) into `into/<workspace>/<time>/snapshot.json`; a snapshot
/// without its completion marker is refused.
pub async fn fetch_snapshot_url(
    text: &str,
    settings: &super::StoreSettings,
    into: &Path,
) -> Result<PathBuf, SnapshotUrlError> {
    let expected =
        "give a snapshot URL: s3://BUCKET/PREFIX/<workspace>/<time> or s3://BUCKET/PREFIX/<workspace>/latest";
    let not = |msg: String| SnapshotUrlError::NotASnapshot(msg);
    let mut url = super::BucketUrl::parse(text).map_err(|e| not(format!("{e}; {expected}")))?;
    if url.prefix.last().is_some_and(|l| l == SNAPSHOT_FILE) {
        url.prefix.pop();
    }
    let (Some((with_ws, last)), true) = (url.split_last(), url.prefix.len() >= 2) else {
        return Err(not(format!("{text} names no snapshot folder; {expected}")));
    };
    let (root, workspace) = with_ws.split_last().expect("two segments at least");
    let bucket = Bucket::open(&root, settings).map_err(SnapshotUrlError::Store)?;
    let store = |e: StoreError| match e.cause {
        super::Cause::MissingBucket | super::Cause::NotFound => not(format!("{e}; {expected}")),
        _ => SnapshotUrlError::Store(e),
    };
    let name = if last == LATEST {
        bucket.latest(&workspace).await.map_err(store)?.ok_or_else(|| {
            not(format!(
                "{text} does not exist: nothing is published in {} yet",
                bucket.show(&[&workspace])
            ))
        })?
    } else {
        last
    };
    match bucket
        .fetch_snapshot_json(&workspace, &name, into)
        .await
        .map_err(store)?
    {
        Some(path) => Ok(path),
        None => match bucket.marker(&[&workspace, &name]).await.map_err(store)? {
            None => Err(not(format!(
                "{} is not a complete snapshot: it has no {MARKER} marker (its upload did not finish, or nothing is there); {expected}",
                bucket.show(&[&workspace, &name])
            ))),
            Some(_) => Err(not(format!(
                "{} has no whole snapshot.json (written without json, --format csv?), and diff needs it",
                bucket.show(&[&workspace, &name])
            ))),
        },
    }
}
