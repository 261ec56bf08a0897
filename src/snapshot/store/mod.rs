//! ReportStore: a snapshot's report records, kept in an unnamed temporary file instead of memory.
//!
//! As Rust values a report record costs over a kilobyte of heap; a workspace of 100,000 reports
//! would hold ~150 MB until the snapshot is written. The store appends each finished record as one
//! JSON value to a temporary file that the operating system deletes when the process lets go of it
//! (even after a crash), and keeps only a 24-byte slot per report in memory. Records are appended
//! in any order, each with a sort key, and read back one at a time, in key order, by every writer.
//!
//! Writes are buffered; a write error (disk full) is kept and surfaced by [`ReportStore::check`],
//! which callers run before reading. Reading a record back from a file this process wrote and still
//! holds cannot fail short of a broken disk, so [`ReportStore::iter`] panics with a message then.

use std::fmt;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::de::{SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::record::ReportRecord;

/// Bytes gathered before one write to the file.
const WRITE_BUFFER: usize = 256 * 1024;

/// Where a record sits in the order of the output: (collection, position in its listing).
pub type SortKey = (u32, u32);

pub struct ReportStore {
    spill: Mutex<Spill>,
    slots: Vec<Slot>,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    key: SortKey,
    offset: u64,
    len: u32,
}

struct Spill {
    /// Folder of the temporary file; the system's temporary folder when `None`.
    dir: Option<PathBuf>,
    /// Created at the first write, so an empty store touches no disk.
    file: Option<File>,
    /// Bytes already in the file.
    written: u64,
    buffer: Vec<u8>,
    /// The first write that failed; nothing is written after it.
    error: Option<io::Error>,
}

impl ReportStore {
    /// A store whose file goes in the system's temporary folder.
    pub fn new() -> ReportStore {
        ReportStore::with_dir(None)
    }

    /// A store whose file goes in `dir` (`None`: the system's temporary folder).
    pub fn with_dir(dir: Option<PathBuf>) -> ReportStore {
        ReportStore {
            spill: Mutex::new(Spill {
                dir,
                file: None,
                written: 0,
                buffer: Vec::new(),
                error: None,
            }),
            slots: Vec::new(),
        }
    }

    /// A store in `dir`, or in the system's temporary folder when `dir` is `None`.
    pub fn in_dir(dir: Option<&Path>) -> ReportStore {
        ReportStore::with_dir(dir.map(Path::to_path_buf))
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Appends a record at `key` in the output order.
    pub fn push(&mut self, key: SortKey, record: &ReportRecord) {
        let spill = self.spill.get_mut().unwrap_or_else(|e| e.into_inner());
        let offset = spill.written + spill.buffer.len() as u64;
        serde_json::to_writer(&mut spill.buffer, record).expect("a report record always serializes");
        let len = (spill.written + spill.buffer.len() as u64 - offset) as u32;
        self.slots.push(Slot { key, offset, len });
        if spill.buffer.len() >= WRITE_BUFFER {
            spill.flush();
        }
    }

    /// Appends a record after every other (in the order of pushing, for stores without keys).
    pub fn push_last(&mut self, record: &ReportRecord) {
        let position = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
        self.push((0, position), record);
    }

    /// Puts the records in key order (stable: equal keys keep the order they were pushed in).
    pub fn sort(&mut self) {
        self.slots.sort_by_key(|s| s.key);
    }

    /// Writes what is buffered and says whether every write so far succeeded.
    pub fn check(&self) -> io::Result<()> {
        let mut spill = self.spill.lock().unwrap_or_else(|e| e.into_inner());
        spill.flush();
        match &spill.error {
            None => Ok(()),
            Some(e) => Err(io::Error::new(e.kind(), e.to_string())),
        }
    }

    /// The records in order, each read back from the file.
    pub fn iter(&self) -> impl Iterator<Item = ReportRecord> + '_ {
        self.slots.iter().map(|slot| self.read(slot))
    }

    /// The records in order with their keys.
    pub fn iter_keyed(&self) -> impl Iterator<Item = (SortKey, ReportRecord)> + '_ {
        self.slots.iter().map(|slot| (slot.key, self.read(slot)))
    }

    /// The record pushed `index`-th (in the order of pushing until [`ReportStore::sort`]).
    pub fn get(&self, index: usize) -> Option<ReportRecord> {
        self.slots.get(index).map(|slot| self.read(slot))
    }

    /// Every record into memory (tests, small snapshots).
    pub fn to_vec(&self) -> Vec<ReportRecord> {
        self.iter().collect()
    }

    /// A new store (same folder, same keys and order) with `change` applied to every record.
    pub fn map(&self, mut change: impl FnMut(&mut ReportRecord)) -> io::Result<ReportStore> {
        self.check()?;
        let dir = self.spill.lock().unwrap_or_else(|e| e.into_inner()).dir.clone();
        let mut out = ReportStore::with_dir(dir);
        out.slots.reserve_exact(self.slots.len());
        for (key, mut record) in self.iter_keyed() {
            change(&mut record);
            out.push(key, &record);
        }
        out.check()?;
        Ok(out)
    }

    fn read(&self, slot: &Slot) -> ReportRecord {
        let mut bytes = vec![0; slot.len as usize];
        {
            let mut spill = self.spill.lock().unwrap_or_else(|e| e.into_inner());
            if slot.offset >= spill.written {
                spill.flush();
            }
            let file = spill.file.as_ref().expect("a record was written before it is read");
            read_at(file, &mut bytes, slot.offset)
                .unwrap_or_else(|e| panic!("cannot read back a report record from the temporary file: {e}"));
        }
        serde_json::from_slice(&bytes).expect("a report record reads back as it was written")
    }
}

impl Spill {
    fn flush(&mut self) {
        if self.buffer.is_empty() || self.error.is_some() {
            return;
        }
        let result = match &self.file {
            Some(file) => Ok(file),
            None => {
                let created = match &self.dir {
                    Some(dir) => tempfile::tempfile_in(dir),
                    None => tempfile::tempfile(),
                };
                created.map(|file| &*self.file.insert(file))
            }
        }
        .and_then(|file| write_at(file, &self.buffer, self.written));
        match result {
            Ok(()) => {
                self.written += self.buffer.len() as u64;
                self.buffer.clear();
            }
            Err(e) => {
                let place = self
                    .dir
                    .as_deref()
                    .map_or("the system's temporary folder".to_string(), |d| d.display().to_string());
                self.error = Some(io::Error::new(
                    e.kind(),
                    format!("cannot keep collected reports in a temporary file in {place}: {e}"),
                ));
            }
        }
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(unix)]
fn write_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(windows)]
fn write_at(file: &File, mut buf: &[u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_write(buf, offset)?;
        buf = &buf[n..];
        offset += n as u64;
    }
    Ok(())
}

impl Default for ReportStore {
    fn default() -> Self {
        ReportStore::new()
    }
}

impl fmt::Debug for ReportStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReportStore").field("reports", &self.len()).finish()
    }
}

impl From<Vec<ReportRecord>> for ReportStore {
    fn from(records: Vec<ReportRecord>) -> Self {
        records.into_iter().collect()
    }
}

impl FromIterator<ReportRecord> for ReportStore {
    fn from_iter<I: IntoIterator<Item = ReportRecord>>(records: I) -> Self {
        let mut store = ReportStore::new();
        for record in records {
            store.push_last(&record);
        }
        store
    }
}

impl Serialize for ReportStore {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.check().map_err(serde::ser::Error::custom)?;
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for record in self.iter() {
            seq.serialize_element(&record)?;
        }
        seq.end()
    }
}

/// Reads a JSON array of reports straight into a store, one record in memory at a time.
impl<'de> Deserialize<'de> for ReportStore {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Records;
        impl<'de> Visitor<'de> for Records {
            type Value = ReportStore;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of reports")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ReportStore, A::Error> {
                let mut store = ReportStore::new();
                while let Some(record) = seq.next_element::<ReportRecord>()? {
                    store.push_last(&record);
                }
                store.check().map_err(serde::de::Error::custom)?;
                Ok(store)
            }
        }
        deserializer.deserialize_seq(Records)
    }
}

#[cfg(test)]
mod tests;
