//! Standing: since when each report's "nobody uses it" finding has held without a break, in how
//! many complete snapshots, and the report's view count at the start of that run, read from the
//! earlier snapshots in the same `OUT/<workspace>/` folder.
//!
//! A report counts as unused only once the finding has held for a while: a report that was never
//! viewed because it was created yesterday is not stale. Earlier snapshots are read newest first,
//! each reduced to its findings and (read as a stream, one report at a time) the view counts of
//! the reports still in a run; a report's run ends at the first snapshot without one of the
//! unused reasons. Reading stops once every run is broken, or a
//! snapshot is old enough to settle the question (`reach`) and enough snapshots were read
//! ([`MIN_SNAPSHOTS`]). Partial snapshots, ones that cannot be read and ones whose `started_at`
//! cannot be read are skipped: they neither confirm nor break a run. A snapshot whose own
//! `started_at` cannot be read stands for nothing: every run is unknown.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use serde::Deserialize;

use super::history::{SLACK, stream};
use crate::snapshot::folder::snapshot_folders;
use crate::snapshot::time::parse_time;
use crate::snapshot::{Reason, SCHEMA_VERSION, Status};

/// The findings that say nobody uses a scheduled report.
pub const UNUSED: [Reason; 3] = [
    Reason::ScheduledNeverViewed,
    Reason::ScheduledNotViewedRecently,
    Reason::ArchivedButScheduled,
];

/// Complete snapshots, the one planned from included, a run of the unused finding must span.
pub const MIN_SNAPSHOTS: usize = 3;

/// One report's unbroken run of an unused finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// When the run's oldest snapshot started.
    pub at: DateTime<Utc>,
    /// That snapshot's `started_at`, as written.
    pub started_at: String,
    /// Complete snapshots in the run, the newest included.
    pub snapshots: usize,
    /// The report's view count in the run's oldest snapshot (`None`: unknown).
    pub views: Option<u64>,
}

/// Since when each report's unused finding has held (its oldest snapshot in an unbroken run).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Standing {
    since: HashMap<String, Run>,
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
    findings: Vec<SlimFinding>,
}

#[derive(Deserialize)]
struct SlimFinding {
    reason: String,
    report_token: String,
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
        };
        Standing {
            since: current.into_iter().map(|(t, views)| (t, run(views))).collect(),
            read: 0,
        }
    }

    /// A standing of these runs, as given (for callers that know them otherwise).
    pub fn from_runs(runs: impl IntoIterator<Item = (String, Run)>) -> Standing {
        Standing {
            since: runs.into_iter().collect(),
            read: 0,
        }
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
        let Some(now) = parse_time(started_at) else {
            return standing;
        };
        let mut alive: HashSet<String> = standing.since.keys().cloned().collect();
        // Folder names hold whole seconds: the snapshot being planned from is not an earlier one.
        let now_second = now.with_nanosecond(0).unwrap_or(now);
        let mut complete = 0;
        for (at, folder) in snapshot_folders(dir).into_iter().filter(|(at, _)| *at < now_second) {
            if alive.is_empty() {
                break;
            }
            let path = folder.join("snapshot.json");
            standing.read += 1;
            let slim = match decode(&path, workspace) {
                Ok(slim) => slim,
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "skipping an earlier snapshot that cannot be read");
                    continue;
                }
            };
            if slim.status != Status::Complete {
                continue;
            }
            let Some(at) = parse_time(&slim.started_at).filter(|t| (*t - at).num_seconds().abs() <= 1) else {
                tracing::warn!(path = %path.display(), started_at = %slim.started_at, "skipping an earlier snapshot whose start time cannot be read or does not match its folder");
                continue;
            };
            // The view counts of the reports still in a run, read as a stream: one report at a time.
            let mut views: HashMap<String, Option<u64>> = HashMap::new();
            let read = stream::read(&path, &mut |r| {
                if alive.contains(&r.token) {
                    views.insert(r.token, r.view_count);
                }
            });
            if let Err(e) = read {
                tracing::warn!(path = %path.display(), error = %e, "skipping an earlier snapshot that cannot be read");
                continue;
            }
            complete += 1;
            let unused: HashSet<&str> = slim
                .findings
                .iter()
                .filter(|f| UNUSED.iter().any(|r| r.code() == f.reason))
                .map(|f| f.report_token.as_str())
                .collect();
            alive.retain(|token| {
                let held = unused.contains(token.as_str());
                if let Some(run) = standing.since.get_mut(token).filter(|_| held) {
                    run.at = at;
                    run.started_at = slim.started_at.clone();
                    run.snapshots += 1;
                    run.views = views.get(token.as_str()).copied().flatten();
                }
                held
            });
            let age = (now - at).to_std().unwrap_or(Duration::ZERO);
            if age + SLACK >= reach && complete + 1 >= MIN_SNAPSHOTS {
                break;
            }
        }
        standing
    }

    /// When the run of `token`'s unused finding began, and that snapshot's `started_at`.
    pub fn since(&self, token: &str) -> Option<(DateTime<Utc>, &str)> {
        self.since.get(token).map(|run| (run.at, run.started_at.as_str()))
    }

    /// The run of `token`'s unused finding, when it is known.
    pub fn run(&self, token: &str) -> Option<&Run> {
        self.since.get(token)
    }
}

fn decode(path: &Path, workspace: &str) -> Result<SlimSnapshot, String> {
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
    Ok(slim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Writes a snapshot folder started `days_ago` days before 2026-11-28T03:00Z with these
    /// findings; each report in them has `views` views.
    fn earlier_with(dir: &Path, days_ago: i64, status: &str, findings: &[(&str, &str)], views: u64) {
        let now = parse_time("2026-11-28T03:00:00.000Z").unwrap();
        let at = now - chrono::Duration::days(days_ago);
        let started = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let folder = dir.join(crate::snapshot::folder::folder_stamp(&started));
        std::fs::create_dir_all(&folder).unwrap();
        let reports: Vec<_> = findings
            .iter()
            .map(|(token, _)| json!({"token": token, "view_count": views, "deep": [1, 2]}))
            .collect();
        let findings: Vec<_> = findings
            .iter()
            .map(|(token, reason)| json!({"reason": reason, "report_token": token}))
            .collect();
        let body = json!({"schema_version": 1, "workspace": "acme", "started_at": started, "status": status,
                          "reports": reports, "findings": findings});
        std::fs::write(folder.join("snapshot.json"), body.to_string()).unwrap();
    }

    fn earlier(dir: &Path, days_ago: i64, status: &str, findings: &[(&str, &str)]) {
        earlier_with(dir, days_ago, status, findings, 0);
    }

    fn days(standing: &Standing, token: &str) -> i64 {
        let now = parse_time("2026-11-28T03:00:00.000Z").unwrap();
        (now - standing.since(token).unwrap().0).num_days()
    }

    /// The standing at 2026-11-28T03:00Z of `current`, back through `dir` at the default 14 days.
    fn load(dir: &Path, current: impl IntoIterator<Item = (String, Option<u64>)>) -> Standing {
        Standing::load(
            dir,
            "acme",
            "2026-11-28T03:00:00.000Z",
            current,
            Duration::from_secs(14 * 86_400),
        )
    }

    fn current(tokens: &[&str]) -> Vec<(String, Option<u64>)> {
        tokens.iter().map(|t| (t.to_string(), Some(0))).collect()
    }

    #[test]
    fn a_run_goes_back_until_a_snapshot_without_the_finding() {
        let dir = tempfile::tempdir().unwrap();
        let never = "SCHEDULED_NEVER_VIEWED";
        earlier(
            dir.path(),
            1,
            "complete",
            &[("a", never), ("b", never), ("c", "ARCHIVED_BUT_SCHEDULED")],
        );
        earlier(dir.path(), 5, "partial", &[]);
        earlier(dir.path(), 7, "complete", &[("a", never), ("c", "SCHEDULE_FAILING")]);
        earlier(dir.path(), 15, "complete", &[("a", "SCHEDULED_NOT_VIEWED_RECENTLY")]);
        earlier(dir.path(), 30, "complete", &[]);
        let s = load(dir.path(), current(&["a", "b", "c", "d"]));
        assert_eq!(
            days(&s, "a"),
            15,
            "held through the partial snapshot, settled at 15 days"
        );
        assert_eq!(s.run("a").unwrap().snapshots, 4, "15, 7 and 1 days ago, and now");
        assert_eq!(days(&s, "b"), 1, "missing 7 days ago");
        assert_eq!(s.run("b").unwrap().snapshots, 2);
        assert_eq!(days(&s, "c"), 1, "another reason 7 days ago breaks the run");
        assert_eq!(days(&s, "d"), 0, "this snapshot only");
        assert_eq!(s.run("d").unwrap().snapshots, 1);
        assert_eq!(s.read, 4, "the 30-day-old snapshot is not needed");
        assert!(s.since("zzz").is_none());
    }

    #[test]
    fn reading_goes_on_until_enough_snapshots_even_past_the_minimum_age() {
        let dir = tempfile::tempdir().unwrap();
        let never = [("a", "SCHEDULED_NEVER_VIEWED")];
        earlier(dir.path(), 20, "complete", &never);
        earlier(dir.path(), 25, "complete", &never);
        let s = load(dir.path(), current(&["a"]));
        assert_eq!((days(&s, "a"), s.run("a").unwrap().snapshots), (25, 3));
    }

    #[test]
    fn the_run_keeps_the_view_count_of_its_oldest_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let archived = [("a", "ARCHIVED_BUT_SCHEDULED")];
        earlier_with(dir.path(), 10, "complete", &archived, 150);
        earlier_with(dir.path(), 20, "complete", &archived, 120);
        let s = load(dir.path(), [("a".to_string(), Some(200))]);
        assert_eq!(
            s.run("a").unwrap().views,
            Some(120),
            "views then, to compare with views now"
        );
    }

    #[test]
    fn an_unreadable_start_time_stands_for_nothing() {
        let s = Standing::new("last tuesday", current(&["a"]));
        assert!(s.run("a").is_none(), "an unknown age is not the epoch");
        let dir = tempfile::tempdir().unwrap();
        earlier(dir.path(), 20, "complete", &[("a", "SCHEDULED_NEVER_VIEWED")]);
        let folder = snapshot_folders(dir.path()).remove(0).1.join("snapshot.json");
        let text = std::fs::read_to_string(&folder).unwrap();
        let started = serde_json::from_str::<serde_json::Value>(&text).unwrap()["started_at"].clone();
        std::fs::write(&folder, text.replace(started.as_str().unwrap(), "garbled")).unwrap();
        let s = load(dir.path(), current(&["a"]));
        assert_eq!(days(&s, "a"), 0, "an earlier snapshot of unknown time confirms nothing");
    }

    #[test]
    fn without_history_a_finding_stands_since_this_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("20261120T030000Z")).unwrap();
        std::fs::write(dir.path().join("20261120T030000Z/snapshot.json"), "not json").unwrap();
        let s = Standing::load(
            dir.path(),
            "acme",
            "2026-11-28T03:00:00.000Z",
            current(&["a"]),
            Duration::from_secs(86_400),
        );
        assert_eq!(s.since("a").unwrap().1, "2026-11-28T03:00:00.000Z");
        assert_eq!(s.read, 1);
    }
}
