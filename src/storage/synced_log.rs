//! SyncedLog: an append-only log of one JSON object a line (an [`AppendedFile`]) kept replayed
//! ([`Replay`]), and in a bucket synced line by line: the log is worked on in a local copy and the
//! whole object is uploaded after each line, so each intent is in the bucket before the change it
//! announces is made. It is the actions (undo) log and the notify log.

use std::path::Path;

use anyhow::{Context, Result};

use super::Bucket;
use crate::snapshot::appended::{AppendedFile, Found, Replay};

/// A log opened for appending, with what its lines say.
pub struct SyncedLog<R: Replay> {
    file: AppendedFile,
    replayed: R,
    /// The bucket and key the local copy is uploaded to after each line.
    remote: Option<(Bucket, Vec<String>)>,
    /// The file, or the bucket URL.
    location: String,
}

impl<R: Replay> SyncedLog<R> {
    /// Opens (or creates, with its folder) the log at `path`, after replaying what it holds; a torn
    /// last line is cut off first.
    pub fn open(path: &Path) -> Result<SyncedLog<R>> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let (file, replayed) = AppendedFile::open(path, R::WHAT, |text| R::replay(path, text))?;
        Ok(SyncedLog {
            file,
            replayed,
            remote: None,
            location: path.display().to_string(),
        })
    }

    /// The log at `parts` in a bucket, downloaded (if there) to `local` and uploaded after each line.
    pub async fn open_bucket(bucket: &Bucket, parts: &[&str], local: &Path) -> Result<SyncedLog<R>> {
        fetch_if_there(bucket, parts, local).await?;
        let mut log = SyncedLog::open(local)?;
        log.location = bucket.show(parts);
        log.remote = Some((bucket.clone(), parts.iter().map(|p| p.to_string()).collect()));
        Ok(log)
    }

    /// The local file (a bucket's log's copy).
    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The file, or the bucket URL.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Where this log belongs, as it records it: the bucket URL, or the file's absolute path.
    pub fn home(&self) -> String {
        match &self.remote {
            Some(_) => self.location.clone(),
            None => std::fs::canonicalize(self.file.path())
                .map_or_else(|_| self.location.clone(), |p| p.display().to_string()),
        }
    }

    pub fn replayed(&self) -> &R {
        &self.replayed
    }

    /// Checks that the path still names the log being written (not deleted, moved, replaced or
    /// cut short: an error saying so, see [`AppendedFile::check`]); lines another writer appended
    /// since are replayed.
    pub fn check(&mut self) -> Result<()> {
        if self.file.check()? == Found::Grown {
            let text = self.file.text()?;
            self.replayed = R::replay(self.file.path(), &text)?.0;
        }
        Ok(())
    }

    /// Appends one line: synced to disk, and in a bucket uploaded, before returning.
    pub async fn append(&mut self, line: R::Line) -> Result<()> {
        self.file.append(&line)?;
        self.replayed.apply(line);
        if let Some((bucket, parts)) = &self.remote {
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            let path = self.file.path();
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            bucket.put(&parts, bytes).await.context(R::UPLOAD_FAILED)?;
        }
        Ok(())
    }
}

/// Downloads the object at `parts` to `local` (its folder made), when it is there.
pub async fn fetch_if_there(bucket: &Bucket, parts: &[&str], local: &Path) -> Result<()> {
    if let Some(dir) = local.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    if bucket.exists(parts).await? {
        bucket.download(parts, local).await?;
    }
    Ok(())
}
