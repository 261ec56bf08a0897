//! Eligibility: which reports `apply` may unschedule, as pure rules over a snapshot.
//!
//! A report is a candidate when it has an unused finding (SCHEDULED_NEVER_VIEWED,
//! SCHEDULED_NOT_VIEWED_RECENTLY, ARCHIVED_BUT_SCHEDULED). It is planned when, besides, every one
//! of its schedules is known to have no subscriber (a subscribed schedule may be read by email, and
//! its recipients could not be recreated), the finding has held for `min_age` in at least
//! [`MIN_SNAPSHOTS`](super::standing::MIN_SNAPSHOTS) complete snapshots and the report is at least that old, its view count neither
//! rose nor fell since the plan counts it unused (whatever the reason, archived included, and
//! whatever Discovery's `last_viewed_at` says), and it is not on the keep list, nor restored by an
//! earlier `undo`. An earlier snapshot whose run's clock was off Mode's, or that does not say, is
//! not counted (see `standing`). An unknown time, age or view count holds a report back.
//! At most `max_actions` reports (each with all its schedules) are planned, the largest runtime
//! saved first; the others are held, each with the reasons why.

mod hold;
mod unused;
mod views;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

pub use self::hold::Hold;

use self::unused::{Evidence, unused_holds, unused_since};
use self::views::views_holds;

use super::findings::{last_viewed, report_runs_per_month};
use super::keep::KeepList;
use super::standing::{Standing, UNUSED};
use crate::snapshot::ScheduleRecord;
use crate::snapshot::time::parse_time;
use crate::snapshot::{FetchStatus, Reason, ReportRecord, Snapshot};

pub const DEFAULT_MIN_AGE: Duration = Duration::from_secs(14 * 86_400);
pub const DEFAULT_MAX_ACTIONS: usize = 20;

/// `--min-age` and `--max-actions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// The finding must have held this long, and the report be at least this old.
    pub min_age: Duration,
    /// Reports unscheduled per run at most (each with all its schedules: reports are counted, not
    /// schedules).
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

/// One schedule a plan would delete.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedSchedule {
    pub token: String,
    pub name: Option<String>,
    pub frequency: Option<String>,
    pub subscriber_count: Option<u64>,
}

impl PlannedSchedule {
    fn of(s: &ScheduleRecord) -> PlannedSchedule {
        PlannedSchedule {
            token: s.token.clone(),
            name: s.name.clone(),
            frequency: s.frequency.clone(),
            subscriber_count: s.subscriber_count,
        }
    }
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
    /// What unscheduling saves by the proxy: runs per month × expected runtime.
    pub runtime_per_month_seconds: Option<f64>,
    /// Its runs of the 30 days before the snapshot (measured, sampled or the proxy).
    pub runs: crate::snapshot::run_figures::RunFigures,
    /// `started_at` of the oldest snapshot of the finding's unbroken run.
    pub unused_since: Option<String>,
    /// When both the report's age and the finding's reach the minimum age.
    pub eligible_from: Option<String>,
    pub planned: bool,
    pub held: Vec<Hold>,
}

impl Candidate {
    /// What unscheduling saves: the warehouse seconds of its runs over the 30 days before the
    /// snapshot where they were read (measured or sampled), else the proxy a month. `None` when
    /// unknown. Orders the plan (the costliest first under `--max-actions`).
    pub fn cost_seconds(&self) -> Option<f64> {
        self.runs.run_seconds_30d.or(self.runtime_per_month_seconds)
    }

    /// Its runs over 30 days as Mode lists them, else the estimate a month.
    pub fn runs_30d(&self) -> Option<f64> {
        self.runs.runs_30d.map(|n| n as f64).or(self.runs_per_month)
    }
}

/// What `apply` would do with one snapshot: the planned reports first, in order, then the held ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnschedulePlan {
    pub workspace: String,
    pub snapshot_started_at: String,
    pub min_age_seconds: u64,
    pub max_actions: usize,
    pub candidates: Vec<Candidate>,
}

impl UnschedulePlan {
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
) -> UnschedulePlan {
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
        let saved = |c: &Candidate| c.cost_seconds().unwrap_or(-1.0);
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
    UnschedulePlan {
        workspace: snapshot.workspace.clone(),
        snapshot_started_at: snapshot.started_at.clone(),
        min_age_seconds: rules.min_age.as_secs(),
        max_actions: rules.max_actions,
        candidates,
    }
}

/// One report with an unused finding, planned or held: each rule is a step below.
fn candidate(
    report: &ReportRecord,
    reasons: Vec<Reason>,
    now: Option<DateTime<Utc>>,
    standing: &Standing,
    keep: &KeepList,
    rules: &Rules,
) -> Candidate {
    let min_age = chrono::Duration::from_std(rules.min_age).unwrap_or(chrono::Duration::MAX);
    let evidence = Evidence {
        run: standing.run(&report.token),
        not_counted: standing.not_counted(&report.token),
        verdict: last_viewed(report).filter(|_| reasons.contains(&Reason::ScheduledNotViewedRecently)),
    };
    let mut held = still_wanted(report, keep);
    held.extend(age_hold(report, now, min_age));
    if let Some(now) = now {
        held.extend(unused_holds(report, &evidence, now, min_age));
    }
    if let Some(run) = evidence.run {
        held.extend(views_holds(report, run, evidence.verdict));
    }
    let since = unused_since(report, &evidence);
    let created = report.created_at.as_deref().and_then(parse_time);
    let eligible_from = match (created, since) {
        (Some(created), Some((at, _))) => due(created.max(at), min_age),
        _ => None,
    };
    let since = since.and_then(|(_, text)| text.map(str::to_string));
    described(report, reasons, since, eligible_from, held)
}

/// Holds for whoever may still want the report: the keep list, and schedules with (or with
/// unknown) subscribers, or not read at all.
fn still_wanted(report: &ReportRecord, keep: &KeepList) -> Vec<Hold> {
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
    held
}

/// A hold when the report is younger than `min_age` at `now`, or either age is unknown.
fn age_hold(report: &ReportRecord, now: Option<DateTime<Utc>>, min_age: chrono::Duration) -> Option<Hold> {
    let created = report.created_at.as_deref().and_then(parse_time);
    match (created, now) {
        (_, None) => Some(Hold::SnapshotTimeUnknown),
        (Some(created), Some(now)) if now - created < min_age => Some(Hold::TooNew {
            created_at: report.created_at.clone().unwrap_or_default(),
            eligible_from: due(created, min_age).unwrap_or_default(),
        }),
        (None, _) => Some(Hold::AgeUnknown),
        _ => None,
    }
}

/// The candidate as the plan shows it, with its holds.
fn described(
    report: &ReportRecord,
    reasons: Vec<Reason>,
    unused_since: Option<String>,
    eligible_from: Option<String>,
    held: Vec<Hold>,
) -> Candidate {
    let runs = report_runs_per_month(report);
    Candidate {
        report_token: report.token.clone(),
        report_name: report.name.clone(),
        owner: report.owner().map(str::to_string),
        collection_token: report.collection_token.clone(),
        url: report.url.clone(),
        reasons,
        view_count: report.view_count,
        archived: report.archived,
        created_at: report.created_at.clone(),
        schedules: report.schedules.iter().map(PlannedSchedule::of).collect(),
        runs_per_month: runs,
        expected_runtime_seconds: report.expected_runtime,
        runtime_per_month_seconds: runs
            .zip(report.expected_runtime)
            .map(|(r, t)| (r * t * 10.0).round() / 10.0),
        runs: report.runs.clone(),
        unused_since,
        eligible_from,
        planned: false,
        held,
    }
}

/// The cron start jitter a snapshot's age is allowed.
fn slack() -> chrono::Duration {
    chrono::Duration::from_std(super::history::SLACK).unwrap_or_default()
}

/// `min_age` after `from`, as the plan writes it.
fn due(from: DateTime<Utc>, min_age: chrono::Duration) -> Option<String> {
    from.checked_add_signed(min_age).map(text)
}

fn text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests;
