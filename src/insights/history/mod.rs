//! History: what earlier snapshots in the same `OUT/<workspace>/` folder say about each report —
//! views gained over 7, 30 and 90 days (and the findings window), and when it was first seen.
//!
//! Only the few snapshots that matter are read: for each window the newest earlier snapshot at
//! least that old (an hour's slack absorbs cron start jitter), plus the newest and the oldest one
//! for `first_seen`, which every snapshot carries forward. Snapshots are ordered by their folder
//! names (`20261128T032200Z`); a folder with another name is read to learn its `started_at`. Only
//! `started_at`, each report's `token`, `view_count` and `history.first_seen` are decoded, streamed
//! from the file. An unreadable snapshot is skipped with a warning and the next older one is tried.
//!
//! A window is unknown (`None`) when no earlier snapshot is old enough, when that snapshot lacks the
//! report or its view count, and, for the `views_Nd` columns, when the newest old-enough snapshot
//! is more than twice the window old (the delta would describe a much longer period).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

mod select;

pub use select::wanted;

use super::findings::RecentViews;
use crate::snapshot::folder::folder_time;
use crate::snapshot::time::parse_time;
use crate::snapshot::{ReportHistory, ReportRecord, SCHEMA_VERSION};

const DAY: u64 = 86_400;
/// The fixed windows of reports.csv's `views_7d`, `views_30d` and `views_90d`.
pub const WINDOWS: [Duration; 3] = [
    Duration::from_secs(7 * DAY),
    Duration::from_secs(30 * DAY),
    Duration::from_secs(90 * DAY),
];
/// A snapshot this much younger than a window still counts as covering it (cron start jitter).
pub const SLACK: Duration = Duration::from_secs(3600);

/// Earlier snapshots, reduced to what the windows and `first_seen` need.
#[derive(Debug, Default)]
pub struct History {
    /// Earlier snapshots found in the folder.
    pub found: usize,
    /// snapshot.json files decoded.
    pub read: usize,
    /// Per window asked for, the snapshot it is measured against.
    baselines: Vec<(Duration, Baseline)>,
    /// Per token, the earliest time any decoded snapshot says it was seen.
    first_seen: HashMap<String, (DateTime<Utc>, String)>,
}

#[derive(Debug)]
struct Baseline {
    started_at: String,
    age: Duration,
    views: HashMap<String, Option<u64>>,
}

#[derive(Deserialize)]
struct SlimSnapshot {
    #[serde(default)]
    schema_version: u32,
    #[serde(default)]
    workspace: String,
    started_at: String,
    #[serde(default)]
    reports: Vec<SlimReport>,
}

#[derive(Deserialize)]
struct SlimReport {
    token: String,
    #[serde(default)]
    view_count: Option<u64>,
    #[serde(default)]
    history: Option<SlimHistory>,
}

#[derive(Deserialize)]
struct SlimHistory {
    #[serde(default)]
    first_seen: Option<String>,
}

/// One decoded earlier snapshot.
struct Earlier {
    started_at: String,
    at: DateTime<Utc>,
    reports: Vec<SlimReport>,
}

struct Candidate {
    path: PathBuf,
    at: DateTime<Utc>,
    /// Decoded already (folders whose names are not time stamps), or a failed read.
    loaded: Option<Option<Earlier>>,
}

impl History {
    /// Reads the earlier snapshots of `dir` (`OUT/<workspace>`) for a run that started at `started_at`,
    /// measuring the fixed windows plus `extra` (the findings window). Never fails: what cannot be
    /// read is skipped with a warning.
    pub fn load(dir: &Path, workspace: &str, started_at: &str, extra: Duration) -> History {
        let Some(now) = parse_time(started_at) else {
            return History::default();
        };
        let mut history = History::default();
        let mut candidates = candidates(dir, workspace, now, &mut history.read);
        candidates.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.path.cmp(&a.path)));
        history.found = candidates.len();
        let mut windows: Vec<Duration> = WINDOWS.to_vec();
        if !windows.contains(&extra) {
            windows.push(extra);
        }
        for window in windows {
            let covers = |at: DateTime<Utc>| at < now && age(now, at) + SLACK >= window;
            let first = candidates.iter().position(|c| covers(c.at));
            let count = candidates.len();
            for i in first.into_iter().flat_map(|f| f..count) {
                let loaded = load(&mut candidates[i], workspace, &mut history.read);
                if let Some(earlier) = loaded.filter(|e| covers(e.at)) {
                    history.baselines.push((
                        window,
                        Baseline {
                            started_at: earlier.started_at.clone(),
                            age: age(now, earlier.at),
                            views: earlier
                                .reports
                                .iter()
                                .map(|r| (r.token.clone(), r.view_count))
                                .collect(),
                        },
                    ));
                    break;
                }
            }
        }
        if let Some(newest) = candidates.first_mut() {
            load(newest, workspace, &mut history.read);
        }
        if let Some(oldest) = candidates.last_mut() {
            load(oldest, workspace, &mut history.read);
        }
        for earlier in candidates
            .iter()
            .filter_map(|c| c.loaded.as_ref().and_then(Option::as_ref))
        {
            for r in &earlier.reports {
                let carried = r.history.as_ref().and_then(|h| h.first_seen.as_deref());
                let seen = carried
                    .and_then(|t| parse_time(t).map(|at| (at, t.to_string())))
                    .filter(|(at, _)| *at <= earlier.at)
                    .unwrap_or_else(|| (earlier.at, earlier.started_at.clone()));
                let entry = history
                    .first_seen
                    .entry(r.token.clone())
                    .or_insert_with(|| seen.clone());
                if seen.0 < entry.0 {
                    *entry = seen;
                }
            }
        }
        tracing::debug!(found = history.found, read = history.read, "earlier snapshots read");
        history
    }

    fn baseline(&self, window: Duration) -> Option<&Baseline> {
        self.baselines.iter().find(|(w, _)| *w == window).map(|(_, b)| b)
    }

    /// Views `token` gained over `window`, against the newest snapshot at least that old.
    pub fn gained(&self, window: Duration, token: &str, now: Option<u64>) -> Option<i64> {
        let old = self.baseline(window)?.views.get(token).copied().flatten()?;
        Some(now? as i64 - old as i64)
    }

    /// The same, for the `views_Nd` columns: unknown when the baseline is over twice the window old.
    fn column(&self, window: Duration, token: &str, now: Option<u64>) -> Option<i64> {
        self.baseline(window).filter(|b| b.age <= window * 2 + SLACK)?;
        self.gained(window, token, now)
    }

    /// `started_at` of the snapshot `window` is measured against, if any is old enough.
    pub fn since(&self, window: Duration) -> Option<&str> {
        self.baseline(window).map(|b| b.started_at.as_str())
    }

    /// Views gained over the findings window by every report the baseline knows; `None` when no
    /// earlier snapshot covers the window.
    pub fn recent<R: Borrow<ReportRecord>>(
        &self,
        window: Duration,
        reports: impl IntoIterator<Item = R>,
    ) -> Option<RecentViews> {
        let baseline = self.baseline(window)?;
        Some(RecentViews {
            since: baseline.started_at.clone(),
            gained: reports
                .into_iter()
                .filter_map(|r| {
                    let r = r.borrow();
                    Some((r.token.clone(), self.gained(window, &r.token, r.view_count)?))
                })
                .collect(),
        })
    }

    /// Fills each report's `history` for a run that started at `started_at`.
    pub fn apply(&self, reports: &mut [ReportRecord], started_at: &str) {
        for r in reports {
            self.fill(r, started_at);
        }
    }

    /// Fills one report's `history` for a run that started at `started_at`.
    pub fn fill(&self, r: &mut ReportRecord, started_at: &str) {
        let [d7, d30, d90] = WINDOWS;
        r.history = ReportHistory {
            first_seen: Some(
                self.first_seen
                    .get(&r.token)
                    .map_or(started_at, |(_, text)| text.as_str())
                    .to_string(),
            ),
            views_7d: self.column(d7, &r.token, r.view_count),
            views_30d: self.column(d30, &r.token, r.view_count),
            views_90d: self.column(d90, &r.token, r.view_count),
        };
    }
}

/// Earlier snapshot folders of `dir` (unsorted): real folders holding a snapshot.json, not hidden.
fn candidates(dir: &Path, workspace: &str, now: DateTime<Utc>, read: &mut usize) -> Vec<Candidate> {
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
        let path = entry.path().join("snapshot.json");
        if !path.is_file() {
            continue;
        }
        let candidate = match folder_time(&name) {
            Some(at) => Candidate { path, at, loaded: None },
            None => {
                let mut c = Candidate {
                    path,
                    at: now,
                    loaded: None,
                };
                let Some(at) = load(&mut c, workspace, read).map(|e| e.at) else {
                    continue;
                };
                c.at = at;
                c
            }
        };
        if candidate.at < now {
            out.push(candidate);
        }
    }
    out
}

/// Decodes a candidate once; `None` (with a warning) when it cannot be used.
fn load<'a>(c: &'a mut Candidate, workspace: &str, read: &mut usize) -> Option<&'a Earlier> {
    if c.loaded.is_none() {
        *read += 1;
        let result = decode(&c.path, workspace);
        if let Err(e) = &result {
            tracing::warn!(path = %c.path.display(), error = %e, "skipping an earlier snapshot that cannot be read");
        }
        c.loaded = Some(result.ok());
    }
    c.loaded.as_ref().and_then(Option::as_ref)
}

fn decode(path: &Path, workspace: &str) -> Result<Earlier, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let slim: SlimSnapshot = serde_json::from_reader(BufReader::new(file)).map_err(|e| e.to_string())?;
    if slim.schema_version > SCHEMA_VERSION {
        return Err(format!(
            "schema_version {} is newer than this program's {SCHEMA_VERSION}",
            slim.schema_version
        ));
    }
    if !slim.workspace.is_empty() && slim.workspace != workspace {
        return Err(format!("it is a snapshot of workspace '{}'", slim.workspace));
    }
    let at = parse_time(&slim.started_at).ok_or_else(|| format!("started_at '{}' is not a time", slim.started_at))?;
    Ok(Earlier {
        started_at: slim.started_at,
        at,
        reports: slim.reports,
    })
}

fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> Duration {
    (now - then).to_std().unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests;
