//! AppendedFile: an append-only log of one JSON object a line (the undo log, the notify log), and
//! [`Replay`], what a log's lines say once replayed. A file is opened or created (its folder synced when new), read whole, a torn tail cut off, and each line
//! synced to disk before `append` returns. [`AppendedFile::check`] says whether the path still
//! names the file being written (moved, deleted, replaced or cut short are errors, [`Lost`]) and
//! whether another writer appended to it since. A cut is told even when lines appended after it
//! made the file long again: each append looks at the length first, and each check at the first
//! bytes.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::atomic::{folder, sync_dir};

/// How many of the file's first bytes are kept to tell it was cut short and written again.
const HEAD: usize = 4096;

/// What the lines of one kind of log say, replayed (the undo log's actions, the notify log's
/// notices): the state the storage layer's synced log keeps beside its [`AppendedFile`].
pub trait Replay: Sized {
    /// One line of the log.
    type Line: Serialize;
    /// What the log is, for messages (`the undo log`).
    const WHAT: &'static str;
    /// The error when the log, in a bucket, cannot be uploaded after a line.
    const UPLOAD_FAILED: &'static str;
    /// What the whole lines of `text` (the file at `path`) say, and their length in bytes: a torn
    /// tail is left out.
    fn replay(path: &Path, text: &str) -> Result<(Self, usize)>;
    /// Takes in one line just appended.
    fn apply(&mut self, line: Self::Line);
}

/// A log file opened for appending.
pub struct AppendedFile {
    path: PathBuf,
    file: File,
    /// What the log is, for messages (`the undo log`).
    what: &'static str,
    /// The file's length after this writer's last write (or when opened).
    written: u64,
    /// Another writer appended before this writer's last write: not yet told by `check`.
    grown: bool,
    /// The file's first bytes (up to [`HEAD`]) as last seen: a file cut short and written again
    /// no longer starts with them.
    head: Vec<u8>,
    /// Found shorter than written just before a write (`found`, `written`): cut short.
    cut: Option<(u64, u64)>,
}

/// The log is no longer what was written to it (deleted, moved, replaced or cut short): lines
/// written to it may be lost.
#[derive(Debug)]
pub struct Lost(String);

impl std::fmt::Display for Lost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Lost {}

/// What [`AppendedFile::check`] found at the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// The file as this writer left it.
    AsWritten,
    /// The same file, longer: another writer appended to it.
    Grown,
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
        let written = file
            .metadata()
            .with_context(|| format!("cannot read {what} {}", path.display()))?
            .len();
        let log = AppendedFile {
            path: path.to_path_buf(),
            file,
            what,
            written,
            grown: false,
            head: text.as_bytes()[..whole.min(HEAD)].to_vec(),
            cut: None,
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
        let before = self.file.metadata().map_or(self.written, |m| m.len());
        self.grown |= before > self.written;
        if before < self.written && self.cut.is_none() {
            self.cut = Some((before, self.written));
        }
        if before < self.written && before > 0 {
            // Cut short, perhaps inside a line: this line must not be glued onto a torn fragment,
            // where a reader would take it for the torn tail and drop it.
            line.insert(0, b'\n');
        }
        self.file
            .write_all(&line)
            .and_then(|()| self.file.sync_data())
            .and_then(|()| self.file.metadata())
            .map(|m| self.written = m.len())
            .with_context(|| format!("cannot write {what} {}", self.path.display()))
    }

    /// Whether the path still names the file being written, at least as long as this writer left
    /// it and starting with the bytes it started with. Moved, deleted, replaced by another file or
    /// cut short (even if written again since) is a [`Lost`] error saying so: lines written from
    /// now on would be lost.
    pub fn check(&mut self) -> Result<Found> {
        let (what, shown) = (self.what, self.path.display().to_string());
        let lost = |how: String| {
            anyhow::Error::new(Lost(format!(
                "{what} {shown} {how} while it was being written: the lines written to it may be lost; \
                 stopping before the next change to Mode. Put the log back (or find where it went) before running again"
            )))
        };
        let held = self
            .file
            .metadata()
            .with_context(|| format!("cannot read {what} {shown}"))?;
        let named = match std::fs::metadata(&self.path) {
            Ok(named) => named,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(lost("was deleted or moved".into())),
            Err(e) => return Err(lost(format!("cannot be read ({e})"))),
        };
        if !same_file(&held, &named) {
            return Err(lost("was replaced by another file".into()));
        }
        if let Some((found, written)) = self.cut {
            return Err(lost(format!("was cut short ({found} bytes, {written} written)")));
        }
        let len = named.len();
        if len < self.written {
            return Err(lost(format!("was cut short ({len} bytes, {} written)", self.written)));
        }
        let head = self.read_head(len)?;
        if !head.starts_with(&self.head) {
            return Err(lost(
                "was cut short or rewritten (it no longer starts as written)".into(),
            ));
        }
        self.head = head;
        if len > self.written || self.grown {
            self.written = len;
            self.grown = false;
            return Ok(Found::Grown);
        }
        Ok(Found::AsWritten)
    }

    /// The file's first bytes, up to [`HEAD`] (of `len`).
    fn read_head(&mut self, len: u64) -> Result<Vec<u8>> {
        let mut head = vec![0; len.min(HEAD as u64) as usize];
        self.file
            .seek(SeekFrom::Start(0))
            .and_then(|_| self.file.read_exact(&mut head))
            .and_then(|()| self.file.seek(SeekFrom::End(0)))
            .with_context(|| format!("cannot read {} {}", self.what, self.path.display()))?;
        Ok(head)
    }

    /// The file's whole text as it is now (to read what another writer appended).
    pub fn text(&mut self) -> Result<String> {
        let mut text = String::new();
        self.file
            .seek(SeekFrom::Start(0))
            .and_then(|_| self.file.read_to_string(&mut text))
            .and_then(|_| self.file.seek(SeekFrom::End(0)))
            .with_context(|| format!("cannot read {} {}", self.what, self.path.display()))?;
        Ok(text)
    }
}

/// Whether two metadata are of one file (device and inode; where the system has none, assumed).
#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}

#[cfg(test)]
mod tests;
