//! RecordStore: a snapshot's records (reports, findings), kept in an unnamed temporary file instead
//! of memory.
//!
//! As Rust values a report record costs over a kilobyte of heap, a finding most of one; a workspace
//! of 100,000 reports would hold ~150 MB until the snapshot is written. The store appends each
//! finished record as one JSON value to a temporary file that the operating system deletes when
//! the process lets go of it (even after a crash), and keeps only a 24-byte slot per record in
//! memory. Records are appended in any order, each with a sort key, and read back one at a time,
//! in key order (or an order given), by every writer.
//!
//! Writes are buffered; a write error (disk full) is kept and surfaced by [`ReportStore::check`],
//! which callers run before reading. Reading a record back from a file this process wrote and still
//! holds cannot fail short of a broken disk, so [`ReportStore::iter`] panics with a message then.

use std::fmt;
use std::fs::File;
use std::io;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::de::{DeserializeOwned, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Finding;
use super::record::ReportRecord;

/// Bytes gathered before one write to the file.
const WRITE_BUFFER: usize = 256 * 1024;

/// Where a record sits in the order of the output: (collection, position in its listing).
pub type SortKey = (u32, u32);

/// A kind of record a store can keep: written and read back as JSON.
pub trait Record: Serialize + DeserializeOwned {
    /// What the records are, in messages ("reports").
    const NOUN: &'static str;
}

impl Record for ReportRecord {
    const NOUN: &'static str = "reports";
}

impl Record for Finding {
    const NOUN: &'static str = "findings";
}

/// A snapshot's report records.
pub type ReportStore = RecordStore<ReportRecord>;
/// A snapshot's findings.
pub type FindingStore = RecordStore<Finding>;

pub struct RecordStore<T> {
    spill: Mutex<Spill>,
    slots: Vec<Slot>,
    records: PhantomData<fn() -> T>,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    key: SortKey,
    offset: u64,
    len: u32,
}

struct Spill {
    /// What the records are, in messages.
    noun: &'static str,
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

impl<T: Record> RecordStore<T> {
    /// A store whose file goes in the system's temporary folder.
    pub fn new() -> RecordStore<T> {
        RecordStore::with_dir(None)
    }

    /// A store whose file goes in `dir` (`None`: the system's temporary folder).
    pub fn with_dir(dir: Option<PathBuf>) -> RecordStore<T> {
        RecordStore {
            spill: Mutex::new(Spill {
                noun: T::NOUN,
                dir,
                file: None,
                written: 0,
                buffer: Vec::new(),
                error: None,
            }),
            slots: Vec::new(),
            records: PhantomData,
        }
    }

    /// A store in `dir`, or in the system's temporary folder when `dir` is `None`.
    pub fn in_dir(dir: Option<&Path>) -> RecordStore<T> {
        RecordStore::with_dir(dir.map(Path::to_path_buf))
    }

    /// An empty store of other records whose file goes in the same folder as this one's.
    pub fn sibling<U: Record>(&self) -> RecordStore<U> {
        RecordStore::with_dir(self.spill.lock().unwrap_or_else(|e| e.into_inner()).dir.clone())
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Appends a record at `key` in the output order.
    pub fn push(&mut self, key: SortKey, record: &T) {
        let spill = self.spill.get_mut().unwrap_or_else(|e| e.into_inner());
        let offset = spill.written + spill.buffer.len() as u64;
        serde_json::to_writer(&mut spill.buffer, record).expect("a record always serializes");
        let len = (spill.written + spill.buffer.len() as u64 - offset) as u32;
        self.slots.push(Slot { key, offset, len });
        if spill.buffer.len() >= WRITE_BUFFER {
            spill.flush();
        }
    }

    /// Appends a record after every other (in the order of pushing, for stores without keys).
    pub fn push_last(&mut self, record: &T) {
        let position = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
        self.push((0, position), record);
    }

    /// Puts the records in key order (stable: equal keys keep the order they were pushed in).
    pub fn sort(&mut self) {
        self.slots.sort_by_key(|s| s.key);
    }

    /// Puts the records in the order given: `order` lists every position once, the current
    /// position of the record to come first, then of the second, and so on.
    pub fn reorder(&mut self, order: impl IntoIterator<Item = usize>) {
        let slots: Vec<Slot> = order.into_iter().map(|i| self.slots[i]).collect();
        assert_eq!(slots.len(), self.slots.len(), "a new order lists every record once");
        self.slots = slots;
    }

    /// The record at position `i` in the current order.
    pub fn get(&self, i: usize) -> Option<T> {
        self.slots.get(i).map(|slot| self.read(slot))
    }

    /// The record at position `i` in the current order, with its key.
    pub fn get_keyed(&self, i: usize) -> Option<(SortKey, T)> {
        self.slots.get(i).map(|slot| (slot.key, self.read(slot)))
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
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.slots.iter().map(|slot| self.read(slot))
    }

    /// The records in order with their keys.
    pub fn iter_keyed(&self) -> impl Iterator<Item = (SortKey, T)> + '_ {
        self.slots.iter().map(|slot| (slot.key, self.read(slot)))
    }

    /// Every record into memory (tests, small snapshots).
    pub fn to_vec(&self) -> Vec<T> {
        self.iter().collect()
    }

    /// A new store (same folder, same keys and order) with `change` applied to every record.
    pub fn map(&self, mut change: impl FnMut(&mut T)) -> io::Result<RecordStore<T>> {
        self.check()?;
        let mut out = self.sibling();
        out.slots.reserve_exact(self.slots.len());
        for (key, mut record) in self.iter_keyed() {
            change(&mut record);
            out.push(key, &record);
        }
        out.check()?;
        Ok(out)
    }

    fn read(&self, slot: &Slot) -> T {
        let mut bytes = vec![0; slot.len as usize];
        {
            let mut spill = self.spill.lock().unwrap_or_else(|e| e.into_inner());
            if slot.offset >= spill.written {
                spill.flush();
            }
            let file = spill.file.as_ref().expect("a record was written before it is read");
            read_at(file, &mut bytes, slot.offset)
                .unwrap_or_else(|e| panic!("cannot read back a record from the temporary file: {e}"));
        }
        serde_json::from_slice(&bytes).expect("a record reads back as it was written")
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
                    format!(
                        "cannot keep collected {} in a temporary file in {place}: {e}",
                        self.noun
                    ),
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

impl<T: Record> Default for RecordStore<T> {
    fn default() -> Self {
        RecordStore::new()
    }
}

impl<T> fmt::Debug for RecordStore<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordStore")
            .field("records", &self.slots.len())
            .finish()
    }
}

impl<T: Record> From<Vec<T>> for RecordStore<T> {
    fn from(records: Vec<T>) -> Self {
        records.into_iter().collect()
    }
}

impl<T: Record> FromIterator<T> for RecordStore<T> {
    fn from_iter<I: IntoIterator<Item = T>>(records: I) -> Self {
        let mut store = RecordStore::new();
        for record in records {
            store.push_last(&record);
        }
        store
    }
}

impl<T: Record> Serialize for RecordStore<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.check().map_err(serde::ser::Error::custom)?;
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for record in self.iter() {
            seq.serialize_element(&record)?;
        }
        seq.end()
    }
}

/// Reads a JSON array of records straight into a store, one record in memory at a time.
impl<'de, T: Record> Deserialize<'de> for RecordStore<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Records<T>(PhantomData<fn() -> T>);
        impl<'de, T: Record> Visitor<'de> for Records<T> {
            type Value = RecordStore<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of records")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RecordStore<T>, A::Error> {
                let mut store = RecordStore::new();
                while let Some(record) = seq.next_element::<T>()? {
                    store.push_last(&record);
                }
                store.check().map_err(serde::de::Error::custom)?;
                Ok(store)
            }
        }
        deserializer.deserialize_seq(Records(PhantomData))
    }
}

#[cfg(test)]
mod tests;
