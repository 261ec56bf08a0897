//! Eligibility: which reports `apply` may unschedule, as pure rules over a snapshot.
//!
//! A report is a candidate when it has an unused finding (SCHEDULED_NEVER_VIEWED,
//! SCHEDULED_NOT_VIEWED_RECENTLY, ARCHIVED_BUT_SCHEDULED). It is planned when, besides, every one
//! of its schedules is known to have no subscriber (a subscribed schedule may be read by email, and
//! its recipients could not be recreated), the finding has held for `min_age` and the report is at
//! least that old, and it is not on the keep list, nor restored by an earlier `undo`. At most
//! `max_actions` reports are planned, the largest runtime saved first; the others are held, each
//! with the reasons why.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

use super::findings::{last_viewed, report_runs_per_month};
use super::keep::KeepList;
use super::standing::{Standing, UNUSED};
use crate::snapshot::time::parse_time;
use crate::snapshot::{FetchStatus, Reason, ReportRecord, Snapshot};

pub const DEFAULT_MIN_AGE: Duration = Duration::from_secs(14 * 86_400);
pub const DEFAULT_MAX_ACTIONS: usize = 20;

/// `--min-age` and `--max-actions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// The finding must have held this long, and the report be at least this old.
    pub min_age: Duration,
    /// Reports unscheduled per run at most.
    pub max_actions: usize,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            min_age: DEFAULT_MIN_AGE,
            max_actions: DEFAULT_MAX_ACTIONS,
        }
    }
}

/// Why a candidate is not planned.
#[derive(Debug, Clone, PartialEq)]
pub enum Hold {
    /// On the keep list, with its reason.
    Kept(String),
    /// `undo` recreated its schedules: someone wanted them back.
    Restored,
    /// A schedule has subscribers.
    Subscribed { schedule: String, subscribers: u64 },
    /// A schedule's subscriber count is unknown.
    SubscribersUnknown { schedule: String },
    /// The report's schedules were not read.
    SchedulesUnknown,
    /// The report is younger than the minimum age.
    TooNew { created_at: String, eligible_from: String },
    /// The report's creation time is unknown.
    AgeUnknown,
    /// The finding has not held for the minimum age yet.
    TooRecent { since: String, eligible_from: String },
    /// Eligible, but `max_actions` reports with more runtime come first.
    OverLimit { max_actions: usize },
}

impl Hold {
    /// Holds that time (or a later run) lifts by itself: the report will be unscheduled unless kept.
    pub fn waits(&self) -> bool {
        matches!(
            self,
            Hold::TooNew { .. } | Hold::TooRecent { .. } | Hold::OverLimit { .. }
        )
    }
}

impl fmt::Display for Hold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hold::Kept(reason) => write!(f, "on the keep list ({reason})"),
            Hold::Restored => f.write_str("its schedules were recreated by `mode-audit undo`"),
            Hold::Subscribed { schedule, subscribers } => {
                write!(f, "schedule {schedule} has {subscribers} subscribers")
            }
            Hold::SubscribersUnknown { schedule } => write!(f, "schedule {schedule}'s subscribers are unknown"),
            Hold::SchedulesUnknown => f.write_str("its schedules were not read"),
            Hold::TooNew {
                created_at,
                eligible_from,
            } => write!(f, "created {created_at}, too new until {eligible_from}"),
            Hold::AgeUnknown => f.write_str("its creation time is unknown"),
            Hold::TooRecent { since, eligible_from } => {
                write!(
                    f,
                    "unused only since the snapshot of {since}, not long enough until {eligible_from}"
                )
            }
            Hold::OverLimit { max_actions } => write!(f, "over --max-actions {max_actions} this run"),
        }
    }
}

impl Serialize for Hold {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One schedule a plan would delete.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedSchedule {
    pub token: String,
    pub name: Option<String>,
    pub frequency: Option<String>,
    pub subscriber_count: Option<u64>,
}

/// A report with an unused finding: planned, or held with the reasons why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub report_token: String,
    pub report_name: Option<String>,
    pub owner: Option<String>,
    pub collection_token: String,
    pub url: Option<String>,
    pub reasons: Vec<Reason>,
    pub view_count: Option<u64>,
    pub archived: bool,
    pub created_at: Option<String>,
    pub schedules: Vec<PlannedSchedule>,
    pub runs_per_month: Option<f64>,
    pub expected_runtime_seconds: Option<f64>,
    /// What unscheduling saves: runs per month × expected runtime.
    pub runtime_per_month_seconds: Option<f64>,
    /// `started_at` of the oldest snapshot of the finding's unbroken run.
    pub unused_since: Option<String>,
    /// When both the report's age and the finding's reach the minimum age.
    pub eligible_from: Option<String>,
    pub planned: bool,
    pub held: Vec<Hold>,
}

/// What `apply` would do with one snapshot: the planned reports first, in order, then the held ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub workspace: String,
    pub snapshot_started_at: String,
    pub min_age_seconds: u64,
    pub max_actions: usize,
    pub candidates: Vec<Candidate>,
}

impl Plan {
    pub fn planned(&self) -> impl Iterator<Item = &Candidate> {
        self.candidates.iter().filter(|c| c.planned)
    }

    /// Planned reports, and held ones that only wait for time or a later run: all of them will be
    /// unscheduled unless someone keeps them (or uses them).
    pub fn upcoming(&self) -> impl Iterator<Item = &Candidate> {
        self.candidates
            .iter()
            .filter(|c| c.planned || c.held.iter().all(Hold::waits))
    }
}

/// Plans the unscheduling for `snapshot`, given since when each finding has stood and which
/// reports an undo restored.
pub fn plan(
    snapshot: &Snapshot,
    standing: &Standing,
    keep: &KeepList,
    restored: &HashSet<String>,
    rules: &Rules,
) -> Plan {
    let now = parse_time(&snapshot.started_at);
    // The unused reasons of each report, from one pass over the findings (a file on disk).
    let mut unused: HashMap<String, Vec<Reason>> = HashMap::new();
    for f in snapshot.findings.iter().filter(|f| UNUSED.contains(&f.reason)) {
        unused.entry(f.report_token).or_default().push(f.reason);
    }
    let mut candidates: Vec<Candidate> = Vec::new();
    for report in snapshot.reports.iter() {
        let Some(found) = unused.get(&report.token) else {
            continue;
        };
        let reasons: Vec<Reason> = UNUSED.into_iter().filter(|r| found.contains(r)).collect();
        let mut c = candidate(&report, reasons, now, standing, keep, rules);
        if restored.contains(&report.token) {
            c.held.insert(0, Hold::Restored);
        }
        candidates.push(c);
    }
    candidates.sort_by(|a, b| {
        let saved = |c: &Candidate| c.runtime_per_month_seconds.unwrap_or(-1.0);
        b.held
            .is_empty()
            .cmp(&a.held.is_empty())
            .then(saved(b).total_cmp(&saved(a)))
            .then_with(|| a.report_token.cmp(&b.report_token))
    });
    let mut planned = 0;
    for c in candidates.iter_mut().filter(|c| c.held.is_empty()) {
        if planned < rules.max_actions {
            c.planned = true;
            planned += 1;
        } else {
            c.held.push(Hold::OverLimit {
                max_actions: rules.max_actions,
            });
        }
    }
    Plan {
        workspace: snapshot.workspace.clone(),
        snapshot_started_at: snapshot.started_at.clone(),
        min_age_seconds: rules.min_age.as_secs(),
        max_actions: rules.max_actions,
        candidates,
    }
}

/// Since when the report has been unused: the start of the finding's unbroken run of snapshots,
/// or Mode's own `last_viewed_at` when the report is unviewed by that measure and it is earlier
/// (`--min-age` then counts from the last view, with no snapshot series needed).
fn unused_since<'a>(
    series: Option<(DateTime<Utc>, &'a str)>,
    report: &'a ReportRecord,
    reasons: &[Reason],
) -> Option<(DateTime<Utc>, &'a str)> {
    let viewed = reasons
        .contains(&Reason::ScheduledNotViewedRecently)
        .then(|| last_viewed(report))
        .flatten()
        .zip(report.discovered.last_viewed_at.as_deref());
    match (series, viewed) {
        (Some(s), Some(v)) => Some(if v.0 < s.0 { v } else { s }),
        (s, v) => s.or(v),
    }
}

fn candidate(
    report: &ReportRecord,
    reasons: Vec<Reason>,
    now: Option<DateTime<Utc>>,
    standing: &Standing,
    keep: &KeepList,
    rules: &Rules,
) -> Candidate {
    let mut held = Vec::new();
    if let Some(reason) = keep.reason(&report.token) {
        held.push(Hold::Kept(reason.to_string()));
    }
    if report.fetch_status != FetchStatus::Fetched || report.schedules.is_empty() {
        held.push(Hold::SchedulesUnknown);
    }
    for s in &report.schedules {
        match s.subscriber_count {
            Some(0) => {}
            Some(n) => held.push(Hold::Subscribed {
                schedule: s.token.clone(),
                subscribers: n,
            }),
            None => held.push(Hold::SubscribersUnknown {
                schedule: s.token.clone(),
            }),
        }
    }
    let min_age = chrono::Duration::from_std(rules.min_age).unwrap_or(chrono::Duration::MAX);
    let created = report.created_at.as_deref().and_then(parse_time);
    let since = unused_since(standing.since(&report.token), report, &reasons);
    let due = |from: DateTime<Utc>| from.checked_add_signed(min_age).map(text);
    match (created, now) {
        (Some(created), Some(now)) if now - created < min_age => held.push(Hold::TooNew {
            created_at: report.created_at.clone().unwrap_or_default(),
            eligible_from: due(created).unwrap_or_default(),
        }),
        (None, _) => held.push(Hold::AgeUnknown),
        _ => {}
    }
    let slack = chrono::Duration::from_std(super::history::SLACK).unwrap_or_default();
    match (since, now) {
        (Some((at, started)), Some(now)) if now - at + slack < min_age => held.push(Hold::TooRecent {
            since: started.to_string(),
            eligible_from: due(at - slack).unwrap_or_default(),
        }),
        (None, _) => held.push(Hold::TooRecent {
            since: "(unknown)".into(),
            eligible_from: String::new(),
        }),
        _ => {}
    }
    let eligible_from = match (created, since) {
        (Some(created), Some((at, _))) => due(created.max(at - slack)),
        _ => None,
    };
    let runs = report_runs_per_month(report);
    Candidate {
        report_token: report.token.clone(),
        report_name: report.name.clone(),
        owner: report.creator.clone(),
        collection_token: report.collection_token.clone(),
        url: report.url.clone(),
        reasons,
        view_count: report.view_count,
        archived: report.archived,
        created_at: report.created_at.clone(),
        schedules: report
            .schedules
            .iter()
            .map(|s| PlannedSchedule {
                token: s.token.clone(),
                name: s.name.clone(),
                frequency: s.frequency.clone(),
                subscriber_count: s.subscriber_count,
            })
            .collect(),
        runs_per_month: runs,
        expected_runtime_seconds: report.expected_runtime,
        runtime_per_month_seconds: runs
            .zip(report.expected_runtime)
            .map(|(r, t)| (r * t * 10.0).round() / 10.0),
        unused_since: since.map(|(_, s)| s.to_string()),
        eligible_from,
        planned: false,
        held,
    }
}

fn text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests;
