//! Reading the newest earlier snapshot into the reuse index: one pass over its snapshot.json,
//! streamed by the snapshot reader (`snapshot::stream`), one report decoded at a time; only
//! scheduled reports whose schedules were read are kept.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::Entry;
use super::runs::KeptTally;
use crate::snapshot::folder::{SNAPSHOT_FILE, snapshot_folders};
use crate::snapshot::store::ReportStore;
use crate::snapshot::stream::{self, Reading, Wanted, refuse};
use crate::snapshot::time::parse_time;
use crate::snapshot::{Failure, FetchStatus, ReportRecord};

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
    let candidates = snapshot_folders(dir)
        .into_iter()
        .filter(|(at, _)| *at < now)
        .map(|(_, folder)| folder.join(SNAPSHOT_FILE));
    for path in candidates {
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
    let mut builder = Builder {
        undated: Vec::new(),
        entries: Vec::new(),
        tokens: HashMap::new(),
        store: ReportStore::in_dir(spill),
        runs: HashMap::new(),
    };
    let reading = Reading {
        wanted: Wanted {
            stats: false,
            failures: true,
        },
        check: &|head| refuse(head.schema_version, &head.workspace, workspace),
        each: &mut |report| builder.add(report),
    };
    let head = stream::read(path, reading)?;
    builder.drop_cut(head.failures);
    builder.store.check().map_err(|e| e.to_string())?;
    let started_at = head.started_at.ok_or("it has no started_at")?;
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

struct Builder {
    /// Entries with a record without `fetched_at`.
    undated: Vec<usize>,
    entries: Vec<Entry>,
    tokens: HashMap<Box<str>, usize>,
    store: ReportStore,
    runs: HashMap<Box<str>, KeptTally>,
}

impl Builder {
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

    /// Forgets the reports whose schedules listing was cut short (the page cap): marked fetched,
    /// but not whole.
    fn drop_cut(&mut self, failures: Vec<Failure>) {
        let cut = failures
            .into_iter()
            .filter(|f| f.scope == "schedules")
            .filter_map(|f| f.token);
        for token in cut {
            self.tokens.remove(token.as_str());
            self.runs.remove(token.as_str());
        }
    }
}
