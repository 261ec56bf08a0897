//! Standing: since when each report's "nobody uses it" finding has held without a break, in how
//! many complete snapshots, the report's view count at the start of that run, and how its view
//! count moved across the snapshots read, from the earlier snapshots in the same `OUT/<workspace>/`
//! folder.
//!
//! A report counts as unused only once the finding has held for a while: a report that was never
//! viewed because it was created yesterday is not stale. Earlier snapshots are read newest first,
//! each reduced to its findings and (read as a stream, one report at a time) the view counts of
//! the reports planned from; a report's run ends at the first snapshot without one of the unused
//! reasons. Reading stops once a snapshot is old enough to settle the question (`reach`) and either
//! every run is broken or enough snapshots were read ([`MIN_SNAPSHOTS`]), and in any case past
//! `reach` plus [`MARGIN`]. Partial snapshots, ones that cannot be read and ones whose `started_at`
//! cannot be read are skipped: they neither confirm nor break a run. A snapshot whose own
//! `started_at` cannot be read stands for nothing: every run is unknown.
//!
//! A snapshot whose run's clock was more than [`CLOCK_TOLERANCE`] off Mode's, or that does not
//! record its offset, is no evidence that a report is unused: its times cannot be trusted. It
//! neither lengthens a run nor counts toward [`MIN_SNAPSHOTS`], and its view counts are not read;
//! it still ends the run of a report missing from its findings (the safe side). The runs it
//! would have lengthened remember it ([`Standing::not_counted`]), so a hold can say why.

mod trail;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use serde::Deserialize;

pub use self::trail::ViewChange;

use self::trail::Trail;
use super::history::{SLACK, stream};
#[cfg(doc)]
use crate::snapshot::clock::CLOCK_TOLERANCE;
use crate::snapshot::clock::{self, ClockDoubt};
use crate::snapshot::folder::{SNAPSHOT_FILE, snapshot_folders};
use crate::snapshot::stream::refuse;
use crate::snapshot::time::parse_time;
use crate::snapshot::{Reason, Status};

/// The findings that say nobody uses a scheduled report.
pub const UNUSED: [Reason; 3] = [
    Reason::ScheduledNeverViewed,
    Reason::ScheduledNotViewedRecently,
    Reason::ArchivedButScheduled,
];

/// Complete snapshots, the one planned from included, a run of the unused finding must span.
pub const MIN_SNAPSHOTS: usize = 3;

/// Earlier snapshots older than the reach by more than this are not read (nor, from a bucket,
/// downloaded): however sparse the history, reading ends.
pub const MARGIN: Duration = Duration::from_secs(45 * 86_400);

/// One report's unbroken run of an unused finding.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Run {
    /// When the run's oldest snapshot started.
    pub at: DateTime<Utc>,
    /// That snapshot's `started_at`, as written.
    pub started_at: String,
    /// Complete snapshots in the run, the newest included.
    pub snapshots: usize,
    /// The report's view count in the run's oldest snapshot (`None`: unknown).
    pub views: Option<u64>,
    /// Snapshots in the run's span not counted for their clock: the first this many of
    /// [`Standing::not_counted`].
    pub not_counted: usize,
    /// Each change of the report's view count between two snapshots read (counted ones, in or
    /// before the run), newest first.
    pub changes: Vec<ViewChange>,
}

/// An earlier snapshot that was not counted, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct NotCounted {
    pub started_at: String,
    pub doubt: ClockDoubt,
}

/// Since when each report's unused finding has held (its oldest snapshot in an unbroken run).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Standing {
    since: HashMap<String, Run>,
    /// Earlier snapshots not counted for their clock, newest first.
    not_counted: Vec<NotCounted>,
    /// Earlier snapshots decoded.
    pub read: usize,
}

#[derive(Deserialize)]
struct SlimSnapshot {
    #[serde(default)]
    schema_version: u32,
    #[serde(default)]
    workspace: String,
    started_at: String,
    status: Status,
    #[serde(default)]
    stats: SlimStats,
    #[serde(default)]
    findings: Vec<SlimFinding>,
}

#[derive(Deserialize, Default)]
struct SlimStats {
    #[serde(default)]
    clock_offset_seconds: Option<i64>,
}

#[derive(Deserialize)]
struct SlimFinding {
    reason: String,
    report_token: String,
}

/// The state of one reading back through the earlier snapshots.
struct Reading {
    /// Reports whose run is unbroken so far.
    alive: HashSet<String>,
    trail: Trail,
    /// Counted snapshots read.
    complete: usize,
}

impl Standing {
    /// Every report in `current` (token and view count of the reports with an unused finding in
    /// the snapshot that started at `started_at`) standing since that snapshot, before any history
    /// is read. When `started_at` cannot be read, none stands: its age is unknown.
    pub fn new(started_at: &str, current: impl IntoIterator<Item = (String, Option<u64>)>) -> Standing {
        let Some(at) = parse_time(started_at) else {
            return Standing::default();
        };
        let run = |views| Run {
            at,
            started_at: started_at.to_string(),
            snapshots: 1,
            views,
            ..Run::default()
        };
        Standing {
            since: current.into_iter().map(|(t, views)| (t, run(views))).collect(),
            ..Standing::default()
        }
    }

    /// A standing of these runs, as given (for callers that know them otherwise).
    pub fn from_runs(runs: impl IntoIterator<Item = (String, Run)>) -> Standing {
        Standing {
            since: runs.into_iter().collect(),
            ..Standing::default()
        }
    }

    /// The same, with these earlier snapshots not counted (newest first; see [`Run::not_counted`]).
    pub fn with_not_counted(self, not_counted: Vec<NotCounted>) -> Standing {
        Standing { not_counted, ..self }
    }

    /// Extends `current` back through the earlier snapshots of `dir`. Never fails: what cannot be
    /// read is skipped with a warning.
    pub fn load(
        dir: &Path,
        workspace: &str,
        started_at: &str,
        current: impl IntoIterator<Item = (String, Option<u64>)>,
        reach: Duration,
    ) -> Standing {
        let mut standing = Standing::new(started_at, current);
        let Some(now) = parse_time(started_at).filter(|_| !standing.since.is_empty()) else {
            return standing;
        };
        let mut reading = Reading {
            alive: standing.since.keys().cloned().collect(),
            trail: Trail::new(&standing.since),
            complete: 0,
        };
        for (at, folder) in earlier(dir, now) {
            if now - at > chrono::Duration::from_std(reach + MARGIN).unwrap_or(chrono::Duration::MAX) {
                break;
            }
            standing.read += 1;
            let Some(at) = standing.read_one(&folder.join(SNAPSHOT_FILE), at, workspace, &mut reading) else {
                continue;
            };
            let age = (now - at).to_std().unwrap_or(Duration::ZERO);
            let enough = reading.alive.is_empty() || reading.complete + 1 >= MIN_SNAPSHOTS;
            if age + SLACK >= reach && enough {
                break;
            }
        }
        standing
    }

    /// Reads one earlier snapshot into the runs; its start time when it was counted.
    fn read_one(
        &mut self,
        path: &Path,
        at: DateTime<Utc>,
        workspace: &str,
        reading: &mut Reading,
    ) -> Option<DateTime<Utc>> {
        let (slim, at) = opened(path, at, workspace)?;
        if let Err(doubt) = clock::judge(slim.stats.clock_offset_seconds) {
            tracing::info!(path = %path.display(), reason = %doubt, "an earlier snapshot is not counted toward --min-age");
            self.not_count(&slim, doubt, &mut reading.alive);
            return None;
        }
        // The view counts of the reports planned from, read as a stream: one report at a time.
        let mut views: HashMap<String, Option<u64>> = HashMap::new();
        let read = stream::read(path, &mut |r| {
            if self.since.contains_key(&r.token) {
                views.insert(r.token, r.view_count);
            }
        });
        if let Err(e) = read {
            tracing::warn!(path = %path.display(), error = %e, "skipping an earlier snapshot that cannot be read");
            return None;
        }
        reading.complete += 1;
        reading.trail.observe(at, &slim.started_at, &views, &mut self.since);
        let unused = unused_in(&slim);
        reading.alive.retain(|token| {
            let held = unused.contains(token.as_str());
            if let Some(run) = self.since.get_mut(token).filter(|_| held) {
                run.at = at;
                run.started_at = slim.started_at.clone();
                run.snapshots += 1;
                run.views = views.get(token.as_str()).copied().flatten();
            }
            held
        });
        Some(at)
    }

    /// An earlier snapshot whose clock cannot be trusted: the runs it would lengthen remember it,
    /// those of reports missing from its findings end.
    fn not_count(&mut self, slim: &SlimSnapshot, doubt: ClockDoubt, alive: &mut HashSet<String>) {
        let unused = unused_in(slim);
        alive.retain(|token| {
            let held = unused.contains(token.as_str());
            if let Some(run) = self.since.get_mut(token).filter(|_| held) {
                run.not_counted += 1;
            }
            held
        });
        self.not_counted.push(NotCounted {
            started_at: slim.started_at.clone(),
            doubt,
        });
    }

    /// When the run of `token`'s unused finding began, and that snapshot's `started_at`.
    pub fn since(&self, token: &str) -> Option<(DateTime<Utc>, &str)> {
        self.since.get(token).map(|run| (run.at, run.started_at.as_str()))
    }

    /// The run of `token`'s unused finding, when it is known.
    pub fn run(&self, token: &str) -> Option<&Run> {
        self.since.get(token)
    }

    /// The earlier snapshots in the span of `token`'s run that were not counted, newest first.
    pub fn not_counted(&self, token: &str) -> &[NotCounted] {
        let n = self.run(token).map_or(0, |run| run.not_counted);
        &self.not_counted[..n.min(self.not_counted.len())]
    }
}

/// The snapshot folders of `dir` older than `now`, newest first. Folder names hold whole
/// seconds: the snapshot being planned from is not an earlier one.
fn earlier(dir: &Path, now: DateTime<Utc>) -> impl Iterator<Item = (DateTime<Utc>, PathBuf)> {
    let now_second = now.with_nanosecond(0).unwrap_or(now);
    snapshot_folders(dir)
        .into_iter()
        .filter(move |(at, _)| *at < now_second)
}

/// The snapshot at `path` (its folder's time `at`) with its start time, when it is complete and
/// readable, of `workspace`, and its `started_at` matches its folder; `None` (with a warning for
/// what cannot be read) otherwise.
fn opened(path: &Path, at: DateTime<Utc>, workspace: &str) -> Option<(SlimSnapshot, DateTime<Utc>)> {
    let slim = decode(path, workspace)
        .inspect_err(
            |e| tracing::warn!(path = %path.display(), error = %e, "skipping an earlier snapshot that cannot be read"),
        )
        .ok()?;
    if slim.status != Status::Complete {
        return None;
    }
    let Some(at) = parse_time(&slim.started_at).filter(|t| (*t - at).num_seconds().abs() <= 1) else {
        tracing::warn!(path = %path.display(), started_at = %slim.started_at, "skipping an earlier snapshot whose start time cannot be read or does not match its folder");
        return None;
    };
    Some((slim, at))
}

/// The reports with an unused finding in `slim`.
fn unused_in(slim: &SlimSnapshot) -> HashSet<&str> {
    slim.findings
        .iter()
        .filter(|f| UNUSED.iter().any(|r| r.code() == f.reason))
        .map(|f| f.report_token.as_str())
        .collect()
}

fn decode(path: &Path, workspace: &str) -> Result<SlimSnapshot, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let slim: SlimSnapshot = serde_json::from_reader(BufReader::new(file)).map_err(|e| e.to_string())?;
    refuse(slim.schema_version, &slim.workspace, workspace)?;
    Ok(slim)
}

#[cfg(test)]
mod tests;
