//! The earlier snapshots a history may read: each folder's time (from its name, or read once from
//! its `started_at`) and whether its head lets it serve (schema, workspace, a clock not known off).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::stream;
use crate::snapshot::clock::{self, ClockDoubt};
use crate::snapshot::folder::{SNAPSHOT_FILE, folder_time};
use crate::snapshot::stream::refuse;
use crate::snapshot::time::parse_time;

pub(super) struct Candidate {
    pub(super) path: PathBuf,
    pub(super) at: DateTime<Utc>,
    /// `None` until decoded; then `started_at` and its time, or `None` when it could not be used.
    pub(super) read: Option<Option<(DateTime<Utc>, String)>>,
}

/// Earlier snapshot folders of `dir` (unsorted): real folders holding a snapshot.json, not hidden.
/// A folder whose name is not a time is read once to learn its `started_at`.
pub(super) fn candidates(dir: &Path, workspace: &str, now: DateTime<Utc>, read: &mut usize) -> Vec<Candidate> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(_) => return Vec::new(),
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if !is_dir || name.starts_with('.') || name == "latest" {
            continue;
        }
        let path = entry.path().join(SNAPSHOT_FILE);
        if !path.is_file() {
            continue;
        }
        let at = match folder_time(&name) {
            Some(at) => at,
            None => {
                *read += 1;
                match stream::read(&path, &mut |_| {}).and_then(|head| usable(head, workspace)) {
                    Ok((at, _)) => at,
                    Err(e) => {
                        tracing::warn!(path = %path.display(), error = %e, "skipping an earlier snapshot that cannot be read");
                        continue;
                    }
                }
            }
        };
        if at < now {
            out.push(Candidate { path, at, read: None });
        }
    }
    out
}

/// The start of a snapshot whose head says it can be used: its time and text.
pub(super) fn usable(head: stream::Head, workspace: &str) -> Result<(DateTime<Utc>, String), String> {
    refuse(head.schema_version, &head.workspace, workspace)?;
    let started_at = head.started_at.ok_or("it has no started_at")?;
    let at = parse_time(&started_at).ok_or_else(|| format!("started_at '{started_at}' is not a time"))?;
    // A clock known to be off makes no baseline (one that did not record it is an older version's).
    if let Err(doubt @ ClockDoubt::Off { .. }) = clock::judge(head.clock_offset_seconds) {
        return Err(format!("{doubt}, so its times cannot be trusted"));
    }
    Ok((at, started_at))
}
