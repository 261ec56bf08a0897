//! AppendedFile: an append-only log of one JSON object a line (the undo log, the notify log):
//! opened or created (its folder synced when new), read whole, a torn tail cut off, and each line
//! synced to disk before `append` returns.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::atomic::{folder, sync_dir};

/// A log file opened for appending.
pub struct AppendedFile {
    path: PathBuf,
    file: File,
    /// What the log is, for messages (`the undo log`).
    what: &'static str,
}

impl AppendedFile {
    /// Opens (or creates) `path`; `replay` reads its text and returns what it says and the length
    /// of its whole lines. Anything after them (a write cut short) is cut off before appending.
    pub fn open<R>(
        path: &Path,
        what: &'static str,
        replay: impl FnOnce(&str) -> Result<(R, usize)>,
    ) -> Result<(AppendedFile, R)> {
        let existed = path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .with_context(|| format!("cannot open {what} {} for writing", path.display()))?;
        let mut text = String::new();
        file.read_to_string(&mut text)
            .with_context(|| format!("cannot read {what} {}", path.display()))?;
        let (replayed, whole) = replay(&text)?;
        if whole < text.len() {
            tracing::warn!(path = %path.display(), "{what} ends in a torn line (a write was cut short); cutting it off");
            file.set_len(whole as u64)
                .and_then(|()| file.sync_all())
                .with_context(|| format!("cannot cut the torn line off {}", path.display()))?;
        }
        file.seek(SeekFrom::End(0))?;
        if !existed {
            sync_dir(folder(path))?;
        }
        let log = AppendedFile {
            path: path.to_path_buf(),
            file,
            what,
        };
        Ok((log, replayed))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `entry` as one line and syncs it to disk before returning.
    pub fn append<T: Serialize>(&mut self, entry: &T) -> Result<()> {
        let what = self.what;
        let mut line = serde_json::to_vec(entry).with_context(|| format!("cannot encode an entry of {what}"))?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|()| self.file.sync_data())
            .with_context(|| format!("cannot write {what} {}", self.path.display()))
    }
}
