//! Where `notify` reads and keeps its files: the newest complete snapshot of the output folder or
//! bucket ([`Source`]), the notify log beside the snapshots (`OUT/<workspace>/notify-log.jsonl`),
//! and, for a bucket (whose marked snapshot folders are never changed), the drafts and the address
//! cache under `<workspace>/notify/<snapshot>/`.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::commands::apply::source::Source;
use crate::config::Settings;
use crate::insights::eligibility::Rules;
use crate::notify::log::{self, NOTIFY_LOG, NotifyLog, Replayed};

/// The folder of a bucket's notify files below the workspace.
const NOTIFY: &str = "notify";

/// The snapshot notify works from, and where its own files go.
pub(super) struct NotifyPlace {
    pub source: Source,
}

impl NotifyPlace {
    /// The newest complete snapshot of `--out` (a folder, or a bucket mirrored locally with the
    /// earlier snapshots apply's rules read, for the dates in the messages).
    pub async fn open(settings: &Settings) -> Result<NotifyPlace> {
        let source = Source::newest(settings, Rules::default().min_age).await?;
        Ok(NotifyPlace { source })
    }

    /// The local copy of the snapshot folder: drafts and the address cache are written here.
    pub fn folder(&self) -> &Path {
        &self.source.folder
    }

    /// The log's local path (in a bucket's work folder, downloaded first by [`Self::open_log`] or
    /// [`Self::read_log`]).
    fn local_log(&self) -> PathBuf {
        self.source.dir.join(NOTIFY_LOG)
    }

    /// The log as the user finds it: its file, or its URL in the bucket.
    pub fn log_shown(&self) -> PathBuf {
        match self.source.bucket() {
            Some((bucket, _)) => PathBuf::from(bucket.show(&[self.source.workspace(), NOTIFY_LOG])),
            None => self.local_log(),
        }
    }

    /// The log opened for appending (in a bucket: downloaded, and uploaded after each line).
    pub async fn open_log(&self) -> Result<NotifyLog> {
        match self.source.bucket() {
            Some((bucket, _)) => {
                NotifyLog::open_bucket(bucket, &[self.source.workspace(), NOTIFY_LOG], &self.local_log()).await
            }
            None => NotifyLog::open(&self.local_log()),
        }
    }

    /// What the log holds, read only (the dry run).
    pub async fn read_log(&self) -> Result<Replayed> {
        if let Some((bucket, _)) = self.source.bucket() {
            log::fetch(bucket, &[self.source.workspace(), NOTIFY_LOG], &self.local_log()).await?;
        }
        log::read(&self.local_log())
    }

    /// Brings a bucket's address cache (`<workspace>/notify/<snapshot>/addresses.json`) into the
    /// local snapshot folder, where the lookups read and extend it.
    pub async fn fetch_addresses(&self, local: &Path) -> Result<()> {
        if let Some((bucket, _)) = self.source.bucket() {
            let parts = self.parts("addresses.json");
            log::fetch(bucket, &parts.iter().map(String::as_str).collect::<Vec<_>>(), local).await?;
        }
        Ok(())
    }

    /// Keeps the address cache in the bucket once the lookups changed it.
    pub async fn keep_addresses(&self, local: &Path) -> Result<()> {
        if let Some((bucket, _)) = self.source.bucket().filter(|_| local.is_file()) {
            let parts = self.parts("addresses.json");
            bucket
                .upload(local, &parts.iter().map(String::as_str).collect::<Vec<_>>())
                .await?;
        }
        Ok(())
    }

    /// Keeps the drafts: where they were written in a folder, uploaded below
    /// `<workspace>/notify/<snapshot>/` in a bucket. Returns where they are.
    pub async fn keep_drafts(&self, files: Vec<PathBuf>) -> Result<Vec<PathBuf>> {
        let Some((bucket, _)) = self.source.bucket() else {
            return Ok(files);
        };
        let mut kept = Vec::with_capacity(files.len());
        for file in files {
            let name = file.file_name().unwrap_or_default().to_string_lossy().into_owned();
            let parts = self.parts(&name);
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            bucket.upload(&file, &parts).await?;
            kept.push(PathBuf::from(bucket.show(&parts)));
        }
        Ok(kept)
    }

    fn parts(&self, file: &str) -> [String; 4] {
        [
            self.source.workspace().to_string(),
            NOTIFY.to_string(),
            self.source.name.clone(),
            file.to_string(),
        ]
    }
}
