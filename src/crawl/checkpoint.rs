//! Checkpoint: what an interrupted run had collected, saved beside its snapshots for the next run.
//!
//! Two files in `OUT/<workspace>/`, one logical checkpoint, neither ever held whole in memory:
//! - `.checkpoint-records-<time>-<random>.jsonl`: the report records collected, one JSON object a
//!   line, in collection order then listing order, streamed out of the report store;
//! - `.checkpoint.json`: a small header (walk state, ledger, counts) naming that records file with
//!   its record count and byte length.
//!
//! Both are written atomically, the records first under a name no earlier checkpoint used, then
//! the header, then the records files no header names are removed. A crash at any point leaves
//! either the old header with its old records or the new header with its new records; a header
//! whose records file is missing or of another length is never resumed.
//!
//! Saved when a run is stopped (SIGTERM, SIGINT, `--max-duration`). The next run for the same
//! workspace and output resumes from it when it is younger than `--resume-max-age` and was made
//! with the same walk options; `--fresh` ignores it. It is removed once a snapshot is published.

use std::fs::File;
use std::io::{self, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::atomic::{self, folder};
use crate::crawl::pager::PagerState;
use crate::mode::RequestStats;
use crate::snapshot::store::ReportStore;
use crate::snapshot::time::now;
use crate::snapshot::{CollectionRecord, Failure, ReportRecord};

/// Version 2: records in a JSONL file of their own (version 1 held them inside the header).
pub const CHECKPOINT_VERSION: u32 = 2;

/// How the records files of a checkpoint are named, in the same folder as the header.
const RECORDS_PREFIX: &str = ".checkpoint-records-";
const RECORDS_SUFFIX: &str = ".jsonl";

/// The header: everything but the report records, which it names.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint {
    pub version: u32,
    pub workspace: String,
    /// When the first, interrupted run started; the resumed snapshot keeps this time and folder name.
    pub started_at: String,
    pub saved_at: String,
    /// The walk options that shape the result; a checkpoint made with others is not resumed.
    pub options: String,
    /// `None` once the collections listing has ended.
    pub collections_listing: Option<PagerState>,
    /// Every collection listed so far, in order.
    pub collections: Vec<CollectionProgress>,
    pub duplicates: u64,
    /// Requests made by the runs before this one.
    pub prior_requests: RequestStats,
    /// Items of pages already read that could not be read: those pages are not asked again.
    #[serde(default)]
    pub item_failures: Vec<Failure>,
    /// The records file this header goes with.
    pub records: RecordsFile,
    /// The folder of the header and its records file (set when loaded or saved).
    #[serde(skip)]
    dir: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CollectionProgress {
    pub record: CollectionRecord,
    /// Where its reports listing stands; `None` when it needs nothing more.
    pub listing: Option<PagerState>,
    /// How many of the records, following those of the collections before it, are its reports.
    pub reports: u64,
}

/// The records file a header names: its name in the header's folder, records and bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordsFile {
    pub file: String,
    pub count: u64,
    pub bytes: u64,
}

/// Just the version, read first: an older layout is not decoded (it may hold every record).
#[derive(Deserialize)]
struct Version {
    version: u32,
}

impl Checkpoint {
    /// A header for `collections` (their `reports` counts are set by [`Checkpoint::save`]).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        workspace: &str,
        started_at: String,
        options: String,
        collections_listing: Option<PagerState>,
        collections: Vec<CollectionProgress>,
        duplicates: u64,
        prior_requests: RequestStats,
    ) -> Checkpoint {
        Checkpoint {
            version: CHECKPOINT_VERSION,
            workspace: workspace.to_string(),
            started_at,
            saved_at: now(),
            options,
            collections_listing,
            collections,
            duplicates,
            prior_requests,
            item_failures: Vec::new(),
            records: RecordsFile::default(),
            dir: PathBuf::new(),
        }
    }

    /// The same header, with the unreadable items of pages already read.
    pub fn with_item_failures(mut self, failures: Vec<Failure>) -> Checkpoint {
        self.item_failures = failures;
        self
    }

    pub fn path(out: &Path, workspace: &str) -> PathBuf {
        out.join(workspace).join(".checkpoint.json")
    }

    /// Every file of this checkpoint, once saved or loaded (what a bucket keeps): the header at
    /// `header` and the records file it names.
    pub fn files(&self, header: &Path) -> Vec<PathBuf> {
        vec![header.to_path_buf(), self.dir.join(&self.records.file)]
    }

    /// Reads a usable checkpoint's header: `Ok(None)` when there is none, or it is too old, from
    /// other options, of another version, unreadable, or its records file is missing or does not
    /// match (each logged; a broken checkpoint never blocks a run).
    pub fn load(path: &Path, workspace: &str, options: &str, max_age: Duration) -> Result<Option<Checkpoint>> {
        let open = || match File::open(path) {
            Ok(f) => Ok(Some(BufReader::new(f))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read the checkpoint {}", path.display())),
        };
        let unreadable = |e: &dyn std::fmt::Display| {
            tracing::warn!(path = %path.display(), error = %e, "ignoring an unreadable checkpoint; starting over");
        };
        let Some(reader) = open()? else {
            return Ok(None);
        };
        match serde_json::from_reader::<_, Version>(reader) {
            Ok(v) if v.version == CHECKPOINT_VERSION => {}
            Ok(v) => {
                tracing::info!(path = %path.display(), version = v.version, "not resuming from the checkpoint: it was written by another version; starting over");
                return Ok(None);
            }
            Err(e) => {
                unreadable(&e);
                return Ok(None);
            }
        }
        let Some(reader) = open()? else {
            return Ok(None);
        };
        let mut checkpoint: Checkpoint = match serde_json::from_reader(reader) {
            Ok(c) => c,
            Err(e) => {
                unreadable(&e);
                return Ok(None);
            }
        };
        checkpoint.dir = folder(path).to_path_buf();
        let age = chrono::DateTime::parse_from_rfc3339(&checkpoint.saved_at)
            .map(|t| chrono::Utc::now().signed_duration_since(t))
            .ok()
            .and_then(|d| d.to_std().ok());
        let listed: u64 = checkpoint.collections.iter().map(|c| c.reports).sum();
        let why_not = if checkpoint.workspace != workspace {
            Some("it is for another workspace")
        } else if checkpoint.options != options {
            Some("it was made with other walk options")
        } else if age.is_none_or(|a| a > max_age) {
            Some("it is older than --resume-max-age")
        } else if listed != checkpoint.records.count {
            Some("its collections do not add up to its records")
        } else if !checkpoint.records_match() {
            Some("its records file is missing or is not the one it was saved with")
        } else {
            None
        };
        if let Some(why) = why_not {
            tracing::info!(path = %path.display(), "not resuming from the checkpoint: {why}; starting over");
            return Ok(None);
        }
        Ok(Some(checkpoint))
    }

    /// Whether the records file the header names is there with the length the header says.
    fn records_match(&self) -> bool {
        let name = &self.records.file;
        let ours = name.starts_with(RECORDS_PREFIX) && name.ends_with(RECORDS_SUFFIX) && !name.contains(['/', '\\']);
        ours && std::fs::metadata(self.dir.join(name)).is_ok_and(|m| m.is_file() && m.len() == self.records.bytes)
    }

    /// The saved report records, read one at a time, in the order they were saved.
    pub fn records(&self) -> Result<impl Iterator<Item = Result<ReportRecord>> + use<>> {
        let path = self.dir.join(&self.records.file);
        let file =
            File::open(&path).with_context(|| format!("cannot read the checkpoint's records {}", path.display()))?;
        Ok(serde_json::Deserializer::from_reader(BufReader::new(file))
            .into_iter::<ReportRecord>()
            .map(move |r| r.with_context(|| format!("cannot read a record of {}", path.display()))))
    }

    /// Saves the checkpoint as `path` with `reports` (in key order: collection, then position)
    /// as its records: the records file first, then the header naming it, each atomically (see
    /// [`crate::atomic::replace`]); then the records files of earlier checkpoints are removed.
    pub fn save(&mut self, path: &Path, reports: &ReportStore) -> Result<()> {
        let dir = folder(path).to_path_buf();
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
        let name = format!("{RECORDS_PREFIX}{stamp}-{:08x}{RECORDS_SUFFIX}", fastrand::u32(..));
        let records_path = dir.join(&name);
        let mut counts = vec![0u64; self.collections.len()];
        let mut bytes = 0;
        atomic::replace(&records_path, "checkpoint", None, |w| {
            let mut out = Counting { inner: w, bytes: 0 };
            let mut last = 0;
            for ((c, _), record) in reports.iter_keyed() {
                let c = c as usize;
                if c < last || c >= counts.len() {
                    bail!("report {} is out of order or of an unknown collection", record.token);
                }
                last = c;
                counts[c] += 1;
                serde_json::to_writer(&mut out, &record)?;
                out.write_all(b"\n")?;
            }
            bytes = out.bytes;
            Ok(())
        })
        .with_context(|| format!("cannot save the checkpoint's records {}", records_path.display()))?;
        for (progress, n) in self.collections.iter_mut().zip(&counts) {
            progress.reports = *n;
        }
        self.records = RecordsFile {
            file: name,
            count: counts.iter().sum(),
            bytes,
        };
        self.dir = dir;
        let header = atomic::replace(path, "checkpoint", None, |w| Ok(serde_json::to_writer(w, self)?))
            .with_context(|| format!("cannot save the checkpoint {}", path.display()));
        match &header {
            // The records files no header names any more.
            Ok(()) => remove_records(&self.dir, Some(self.records.file.as_str())),
            // The old header still stands, with its records: only the new records go.
            Err(_) => {
                let _ = std::fs::remove_file(&records_path);
            }
        }
        header
    }

    /// Removes the header, then every records file beside it.
    pub fn remove(path: &Path) {
        if let Err(e) = std::fs::remove_file(path)
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), error = %e, "could not remove the used checkpoint");
        }
        remove_records(folder(path), None);
    }

    /// Reports collected so far.
    pub fn reports(&self) -> u64 {
        self.records.count
    }
}

/// Removes the checkpoint records files in `dir` other than `keep`.
fn remove_records(dir: &Path, keep: Option<&str>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(RECORDS_PREFIX) && name.ends_with(RECORDS_SUFFIX) && Some(name.as_ref()) != keep {
            let path = entry.path();
            if let Err(e) = std::fs::remove_file(&path) {
                tracing::warn!(path = %path.display(), error = %e, "could not remove an old checkpoint records file");
            }
        }
    }
}

/// A writer that counts the bytes through it.
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests;
