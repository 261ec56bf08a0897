//! Reading the newest earlier snapshot into the reuse index: one pass over its snapshot.json,
//! streamed, one report decoded at a time; only scheduled reports whose schedules were read are kept.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::Entry;
use super::runs::KeptTally;
use crate::snapshot::folder::folder_time;
use crate::snapshot::store::ReportStore;
use crate::snapshot::time::parse_time;
use crate::snapshot::{Failure, FetchStatus, ReportRecord, SCHEMA_VERSION};

/// An earlier snapshot, reduced to its scheduled reports.
pub(super) struct Loaded {
    pub path: PathBuf,
    pub started_at: String,
    pub entries: Vec<Entry>,
    pub tokens: HashMap<Box<str>, usize>,
    /// Entry i's record is the i-th.
    pub store: ReportStore,
    /// The measured or sampled runs tallies of its scheduled reports, by token.
    pub runs: HashMap<Box<str>, KeptTally>,
}

/// The newest snapshot in `dir` older than `now` that can be read; an unreadable one is logged
/// and the next older one tried. Only folders named by their start time (`20261128T032200Z`) count.
pub(super) fn newest(dir: &Path, workspace: &str, now: DateTime<Utc>, spill: Option<&Path>) -> Option<Loaded> {
    let mut candidates: Vec<(DateTime<Utc>, PathBuf)> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| {
            let at = folder_time(&e.file_name().to_string_lossy())?;
            let path = e.path().join("snapshot.json");
            (at < now && path.is_file()).then_some((at, path))
        })
        .collect();
    candidates.sort_by(|a, b| b.cmp(a));
    for (_, path) in candidates {
        match read(&path, workspace, now, spill) {
            Ok(loaded) => return Some(loaded),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "cannot reuse schedule details from this snapshot; trying an older one")
            }
        }
    }
    None
}

fn read(path: &Path, workspace: &str, now: DateTime<Utc>, spill: Option<&Path>) -> Result<Loaded, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut de = serde_json::Deserializer::from_reader(BufReader::new(file));
    let mut builder = Builder {
        workspace,
        undated: Vec::new(),
        entries: Vec::new(),
        tokens: HashMap::new(),
        store: ReportStore::in_dir(spill),
        runs: HashMap::new(),
    };
    let head = (&mut builder).deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    builder.store.check().map_err(|e| e.to_string())?;
    let started_at = head.ok_or("it has no started_at")?;
    let started_ms = match parse_time(&started_at) {
        Some(at) if at < now => at.timestamp_millis(),
        Some(_) => return Err(format!("it started at {started_at}, not before this run")),
        None => return Err(format!("started_at '{started_at}' is not a time")),
    };
    for &i in &builder.undated {
        let entry = &mut builder.entries[i];
        entry.fetched_ms = entry.fetched_ms.min(started_ms);
    }
    Ok(Loaded {
        path: path.to_path_buf(),
        started_at,
        entries: builder.entries,
        tokens: builder.tokens,
        store: builder.store,
        runs: builder.runs,
    })
}

struct Builder<'a> {
    workspace: &'a str,
    /// Entries with a record without `fetched_at`.
    undated: Vec<usize>,
    entries: Vec<Entry>,
    tokens: HashMap<Box<str>, usize>,
    store: ReportStore,
    runs: HashMap<Box<str>, KeptTally>,
}

impl Builder<'_> {
    /// Keeps a report whose schedules were read to the end and that has at least one (a record
    /// carries its `fetched_at`; a report without any could not pass its age on).
    fn add(&mut self, report: ReportRecord) {
        if report.fetch_status != FetchStatus::Fetched || report.schedules.is_empty() {
            return;
        }
        let times: Vec<Option<i64>> = report
            .schedules
            .iter()
            .map(|s| {
                s.fetched_at
                    .as_deref()
                    .and_then(parse_time)
                    .map(|t| t.timestamp_millis())
            })
            .collect();
        let i = self.entries.len();
        if times.contains(&None) {
            // Written before `fetched_at` existed: read at the snapshot's start, known at the end.
            self.undated.push(i);
        }
        self.entries.push(Entry {
            schedules_count: report.schedules_count,
            updated_at: report.updated_at.as_deref().map(Box::from),
            fetched_ms: times.into_iter().flatten().min().unwrap_or(i64::MAX),
            due: false,
        });
        self.store.push_last(&report);
        match KeptTally::of(&report) {
            Some(tally) => self.runs.insert(Box::from(report.token.as_str()), tally),
            None => self.runs.remove(report.token.as_str()),
        };
        if let Some(earlier) = self.tokens.insert(report.token.into_boxed_str(), i) {
            // Listed twice: only the last one is reachable; the first is never due or reused.
            self.entries[earlier].fetched_ms = i64::MAX;
            self.undated.retain(|&u| u != earlier);
        }
    }
}

/// The top level of snapshot.json: `started_at` is returned, `reports` go to the builder, the
/// rest is skipped without being kept.
impl<'de> DeserializeSeed<'de> for &mut Builder<'_> {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for &mut Builder<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mode-audit snapshot")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        use serde::de::Error;
        let mut started_at: Option<String> = None;
        let mut cut: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "schema_version" => {
                    let version: u32 = map.next_value()?;
                    if version > SCHEMA_VERSION {
                        return Err(A::Error::custom(format!(
                            "schema_version {version} is newer than this program's {SCHEMA_VERSION}"
                        )));
                    }
                }
                "workspace" => {
                    let name: String = map.next_value()?;
                    if !name.is_empty() && name != self.workspace {
                        return Err(A::Error::custom(format!("it is a snapshot of workspace '{name}'")));
                    }
                }
                "started_at" => started_at = Some(map.next_value()?),
                "failures" => {
                    // A schedules listing cut short (the page cap) is marked fetched but is not whole.
                    let failures: Vec<Failure> = map.next_value()?;
                    cut.extend(
                        failures
                            .into_iter()
                            .filter(|f| f.scope == "schedules")
                            .filter_map(|f| f.token),
                    );
                }
                "reports" => map.next_value_seed(Reports { builder: &mut *self })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        for token in cut {
            self.tokens.remove(token.as_str());
            self.runs.remove(token.as_str());
        }
        Ok(started_at)
    }
}

/// The `reports` array, one report at a time.
struct Reports<'b, 'a> {
    builder: &'b mut Builder<'a>,
}

impl<'de> DeserializeSeed<'de> for Reports<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Reports<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of reports")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(report) = seq.next_element::<ReportRecord>()? {
            self.builder.add(report);
        }
        Ok(())
    }
}
