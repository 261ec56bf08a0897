//! Standing: since when each report's "nobody uses it" finding has held without a break, read from
//! the earlier snapshots in the same `OUT/<workspace>/` folder.
//!
//! A report counts as unused only once the finding has held for a while: a report that was never
//! viewed because it was created yesterday is not stale. Earlier snapshots are read newest first,
//! each reduced to its findings; a report's run ends at the first snapshot without one of the
//! unused reasons. Reading stops once every run is broken or a snapshot is old enough to settle the
//! question (`reach`). Partial snapshots and ones that cannot be read are skipped: they neither
//! confirm nor break a run.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use serde::Deserialize;

use super::history::SLACK;
use crate::snapshot::folder::snapshot_folders;
use crate::snapshot::time::parse_time;
use crate::snapshot::{Reason, SCHEMA_VERSION, Status};

/// The findings that say nobody uses a scheduled report.
pub const UNUSED: [Reason; 3] = [
    Reason::ScheduledNeverViewed,
    Reason::ScheduledNotViewedRecently,
    Reason::ArchivedButScheduled,
];

/// Since when each report's unused finding has held (its oldest snapshot in an unbroken run).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Standing {
    since: HashMap<String, (DateTime<Utc>, String)>,
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
    /// Every token in `current` (reports with an unused finding in the snapshot that started at
    /// `started_at`) standing since that snapshot, before any history is read.
    pub fn new(started_at: &str, current: impl IntoIterator<Item = String>) -> Standing {
        let at = parse_time(started_at).unwrap_or_default();
        Standing {
            since: current.into_iter().map(|t| (t, (at, started_at.to_string()))).collect(),
            read: 0,
        }
    }

    /// Extends `current` back through the earlier snapshots of `dir`. Never fails: what cannot be
    /// read is skipped with a warning.
    pub fn load(
        dir: &Path,
        workspace: &str,
        started_at: &str,
        current: impl IntoIterator<Item = String>,
        reach: Duration,
    ) -> Standing {
        let mut standing = Standing::new(started_at, current);
        let Some(now) = parse_time(started_at) else {
            return standing;
        };
        let mut alive: HashSet<String> = standing.since.keys().cloned().collect();
        // Folder names hold whole seconds: the snapshot being planned from is not an earlier one.
        let now_second = now.with_nanosecond(0).unwrap_or(now);
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
            let at = parse_time(&slim.started_at).unwrap_or(at);
            let unused: HashSet<&str> = slim
                .findings
                .iter()
                .filter(|f| UNUSED.iter().any(|r| r.code() == f.reason))
                .map(|f| f.report_token.as_str())
                .collect();
            alive.retain(|token| {
                let held = unused.contains(token.as_str());
                if held {
                    standing.since.insert(token.clone(), (at, slim.started_at.clone()));
                }
                held
            });
            let age = (now - at).to_std().unwrap_or(Duration::ZERO);
            if age + SLACK >= reach {
                break;
            }
        }
        standing
    }

    /// When the run of `token`'s unused finding began, and that snapshot's `started_at`.
    pub fn since(&self, token: &str) -> Option<(DateTime<Utc>, &str)> {
        self.since.get(token).map(|(at, text)| (*at, text.as_str()))
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

    /// Writes a snapshot folder started `days_ago` days before 2026-11-28T03:00Z with these findings.
    fn earlier(dir: &Path, days_ago: i64, status: &str, findings: &[(&str, &str)]) {
        let now = parse_time("2026-11-28T03:00:00.000Z").unwrap();
        let at = now - chrono::Duration::days(days_ago);
        let started = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let folder = dir.join(crate::snapshot::folder::folder_stamp(&started));
        std::fs::create_dir_all(&folder).unwrap();
        let findings: Vec<_> = findings
            .iter()
            .map(|(token, reason)| json!({"reason": reason, "report_token": token}))
            .collect();
        let body = json!({"schema_version": 1, "workspace": "acme", "started_at": started, "status": status,
                          "reports": [{"token": "ignored", "deep": [1, 2]}], "findings": findings});
        std::fs::write(folder.join("snapshot.json"), body.to_string()).unwrap();
    }

    fn days(standing: &Standing, token: &str) -> i64 {
        let now = parse_time("2026-11-28T03:00:00.000Z").unwrap();
        (now - standing.since(token).unwrap().0).num_days()
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
        let current = ["a", "b", "c", "d"].map(String::from);
        let s = Standing::load(
            dir.path(),
            "acme",
            "2026-11-28T03:00:00.000Z",
            current,
            Duration::from_secs(14 * 86_400),
        );
        assert_eq!(
            days(&s, "a"),
            15,
            "held through the partial snapshot, settled at 15 days"
        );
        assert_eq!(days(&s, "b"), 1, "missing 7 days ago");
        assert_eq!(days(&s, "c"), 1, "another reason 7 days ago breaks the run");
        assert_eq!(days(&s, "d"), 0, "this snapshot only");
        assert_eq!(s.read, 4, "the 30-day-old snapshot is not needed");
        assert!(s.since("zzz").is_none());
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
            ["a".to_string()],
            Duration::from_secs(86_400),
        );
        assert_eq!(s.since("a").unwrap().1, "2026-11-28T03:00:00.000Z");
        assert_eq!(s.read, 1);
    }
}
