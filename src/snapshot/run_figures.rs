//! What a report's runs cost: the runs of the 30 days before a run as Mode lists them (measured
//! when every run was read, sampled when only the newest pages were), or else the proxy from the
//! schedules' frequencies and Mode's `expected_runtime`; and the active members of the workspace.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::ReportRecord;

/// Days the runs figures cover.
pub const RUN_DAYS: u64 = 30;

/// Where `run_seconds_30d` comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunBasis {
    /// Every run of the 30 days was read: the sum of their durations.
    Measured,
    /// Only the newest runs were read: their mean duration × the count.
    Sampled,
    /// No runs read: runs a month from the schedules' frequencies × Mode's `expected_runtime`.
    ExpectedRuntime,
    /// Neither.
    Unknown,
}

impl RunBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            RunBasis::Measured => "measured",
            RunBasis::Sampled => "sampled",
            RunBasis::ExpectedRuntime => "expected_runtime",
            RunBasis::Unknown => "unknown",
        }
    }
}

/// A report's runs over the 30 days before the run. `None` is unknown, never zero.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunFigures {
    pub runs_30d: Option<u64>,
    /// Runs whose `state` is `failed` (exact when measured, scaled from the sample when sampled).
    pub failed_runs_30d: Option<u64>,
    pub run_seconds_30d: Option<f64>,
    /// `None` in snapshots made before runs were costed.
    #[serde(rename = "run_seconds_basis")]
    pub basis: Option<RunBasis>,
    /// Why the runs could not be read, when they were asked for and could not be.
    #[serde(rename = "runs_error", skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When the runs were read from Mode: this run's `started_at`, or an earlier run's when the
    /// tally was kept (`--schedules-max-age`); `None` when no runs were read.
    #[serde(rename = "runs_read_at", skip_serializing_if = "Option::is_none")]
    pub read_at: Option<String>,
    /// Pages of runs read (requests made), for `plan` to predict the next runs step.
    #[serde(rename = "runs_pages", skip_serializing_if = "Option::is_none")]
    pub pages: Option<u32>,
}

/// Estimated runs per month (30 days) of one schedule frequency; `None` for one Mode did not document.
pub fn runs_per_month(frequency: &str) -> Option<f64> {
    Some(match frequency {
        "every_15_minutes" => 2880.0,
        "every_30_minutes" => 1440.0,
        "hourly" => 720.0,
        "daily" => 30.0,
        "weekly" => 4.33,
        "monthly" => 1.0,
        _ => return None,
    })
}

/// Runs per month over all of a report's schedules; `None` when none has a known frequency.
pub fn report_runs_per_month(report: &ReportRecord) -> Option<f64> {
    report
        .schedules
        .iter()
        .filter_map(|s| s.frequency.as_deref().and_then(runs_per_month))
        .reduce(|a, b| a + b)
        .map(|r| (r * 100.0).round() / 100.0)
}

/// The proxy: runs per month × `expected_runtime`, for a scheduled report.
pub fn proxy_seconds(report: &ReportRecord) -> Option<f64> {
    let per_month = report_runs_per_month(report)?;
    Some(((per_month * report.expected_runtime?) * 100.0).round() / 100.0)
}

/// What the runs read of one report add up to, page by page (newest first).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunTally {
    /// `pagination.total_count` of the first page that had one.
    pub total_count: Option<u64>,
    /// Runs listed (read or not decodable).
    pub seen: u64,
    pub failed: u64,
    /// Completed runs whose duration was read, and the sum of their durations.
    pub timed: u64,
    pub seconds: f64,
    /// Runs without `completed_at` (still running).
    pub running: u64,
    /// Every run was read.
    pub complete: bool,
    /// Pages requested.
    pub pages: u32,
}

impl RunTally {
    /// The figures for a report whose runs were read this far; `fallback` is the proxy's when the
    /// runs cannot say.
    pub fn figures(&self, report: &ReportRecord) -> RunFigures {
        let count = if self.complete {
            Some(self.seen)
        } else {
            self.total_count
        };
        let mut figures = match count {
            Some(count) if self.complete => RunFigures {
                runs_30d: Some(count),
                failed_runs_30d: Some(self.failed),
                run_seconds_30d: Some(round2(self.seconds)),
                basis: Some(RunBasis::Measured),
                ..RunFigures::default()
            },
            Some(count) if self.timed > 0 && self.seen > 0 => {
                let mean = self.seconds / self.timed as f64;
                let done = count.saturating_sub(self.running);
                RunFigures {
                    runs_30d: Some(count),
                    failed_runs_30d: Some((self.failed as f64 / self.seen as f64 * count as f64).round() as u64),
                    run_seconds_30d: Some(round2(mean * done as f64)),
                    basis: Some(RunBasis::Sampled),
                    ..RunFigures::default()
                }
            }
            _ => proxy(report),
        };
        if figures.runs_30d.is_none() {
            figures.runs_30d = count;
        }
        figures
    }
}

/// The figures of a report whose runs were not read.
pub fn proxy(report: &ReportRecord) -> RunFigures {
    let seconds = proxy_seconds(report);
    RunFigures {
        runs_30d: None,
        failed_runs_30d: None,
        run_seconds_30d: seconds,
        basis: Some(if seconds.is_some() {
            RunBasis::ExpectedRuntime
        } else {
            RunBasis::Unknown
        }),
        ..RunFigures::default()
    }
}

/// A report's figures: those the runs step filled, or the proxy for a report it did not see.
pub fn figures(report: &ReportRecord) -> RunFigures {
    match report.runs.basis {
        Some(_) => report.runs.clone(),
        None => proxy(report),
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The workspace's active members, by username, and where the list came from. A creator who is
/// not in it has left (or was never a member). Any source of members fills it the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActiveMembers {
    /// `memberships` (REST) or `discovery`.
    pub source: String,
    /// Their usernames (and, from Discovery, emails), lowercased.
    active: HashSet<String>,
    /// Members listed as active.
    members: usize,
    /// Members listed as not active.
    pub inactive: u64,
}

impl ActiveMembers {
    pub fn new(source: &str) -> ActiveMembers {
        ActiveMembers {
            source: source.to_string(),
            ..ActiveMembers::default()
        }
    }

    /// Adds one listed member known by several names (a username and an email): each counts as
    /// active, and a former member is counted once.
    pub fn add_member<'a>(&mut self, names: impl Iterator<Item = &'a str>, active: bool) {
        if active {
            self.active.extend(names.map(str::to_ascii_lowercase));
            self.members += 1;
        } else {
            self.inactive += 1;
        }
    }

    /// Adds one listed member; usernames compare without regard to case.
    pub fn add(&mut self, username: &str, active: bool) {
        self.add_member(std::iter::once(username), active);
    }

    /// Active members listed.
    pub fn len(&self) -> usize {
        self.members
    }

    pub fn is_empty(&self) -> bool {
        self.members == 0
    }

    /// Whether `username` (or, from Discovery, an email) is an active member's.
    pub fn is_active(&self, username: &str) -> bool {
        self.active.contains(&username.to_ascii_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support;

    fn daily(runtime: Option<f64>) -> ReportRecord {
        let mut r = test_support::report("r", Some(0), vec![test_support::schedule("s", "daily", 0)]);
        r.expected_runtime = runtime;
        r
    }

    #[test]
    fn every_run_read_is_measured_and_a_sample_is_scaled() {
        let r = daily(Some(10.0));
        let all = RunTally {
            total_count: Some(4),
            seen: 4,
            failed: 1,
            timed: 3,
            seconds: 30.5,
            running: 1,
            complete: true,
            pages: 1,
        };
        let f = all.figures(&r);
        assert_eq!(f.basis, Some(RunBasis::Measured));
        assert_eq!(
            (f.runs_30d, f.failed_runs_30d, f.run_seconds_30d),
            (Some(4), Some(1), Some(30.5))
        );
        let sample = RunTally {
            total_count: Some(200),
            seen: 100,
            failed: 10,
            timed: 99,
            seconds: 990.0,
            running: 1,
            complete: false,
            pages: 1,
        };
        let f = sample.figures(&r);
        assert_eq!(f.basis, Some(RunBasis::Sampled));
        assert_eq!(
            (f.runs_30d, f.failed_runs_30d, f.run_seconds_30d),
            (Some(200), Some(20), Some(1990.0))
        );
    }

    #[test]
    fn without_a_count_the_proxy_stays_and_unknown_stays_empty() {
        let capped = RunTally {
            seen: 200,
            timed: 200,
            seconds: 100.0,
            ..RunTally::default()
        };
        let f = capped.figures(&daily(Some(10.0)));
        assert_eq!(f.basis, Some(RunBasis::ExpectedRuntime));
        assert_eq!((f.runs_30d, f.run_seconds_30d), (None, Some(300.0)));
        let f = proxy(&daily(None));
        assert_eq!((f.basis, f.run_seconds_30d), (Some(RunBasis::Unknown), None));
    }

    #[test]
    fn members_compare_without_case() {
        let mut m = ActiveMembers::new("memberships");
        m.add("Ann_Lee", true);
        m.add("bob", false);
        assert!(m.is_active("ann_lee"));
        assert!(!m.is_active("bob"));
        assert_eq!((m.len(), m.inactive), (1, 1));
    }
}
