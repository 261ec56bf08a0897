//! Eligibility: which reports `apply` may unschedule, as pure rules over a snapshot.
//!
//! A report is a candidate when it has an unused finding (SCHEDULED_NEVER_VIEWED,
//! SCHEDULED_NOT_VIEWED_RECENTLY, ARCHIVED_BUT_SCHEDULED). It is planned when, besides, every one
//! of its schedules is known to have no subscriber (a subscribed schedule may be read by email, and
//! its recipients could not be recreated), the finding has held for `min_age` in at least
//! [`MIN_SNAPSHOTS`] complete snapshots and the report is at least that old, it gained no view since
//! the finding's run began (whatever the reason, archived included), and it is not on the keep
//! list, nor restored by an earlier `undo`. An unknown time, age or view count holds a report back.
//! At most `max_actions` reports (each with all its schedules) are planned, the largest runtime
//! saved first; the others are held, each with the reasons why.

mod hold;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

pub use self::hold::Hold;

use super::findings::{last_viewed, report_runs_per_month};
use super::keep::KeepList;
use super::standing::{MIN_SNAPSHOTS, Run, Standing, UNUSED};
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
    pub runs: crate::snapshot::runs::RunFigures,
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
    Plan {
        workspace: snapshot.workspace.clone(),
        snapshot_started_at: snapshot.started_at.clone(),
        min_age_seconds: rules.min_age.as_secs(),
        max_actions: rules.max_actions,
        candidates,
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
    let run = standing.run(&report.token);
    let due = |from: DateTime<Utc>| from.checked_add_signed(min_age).map(text);
    match (created, now) {
        (_, None) => held.push(Hold::SnapshotTimeUnknown),
        (Some(created), Some(now)) if now - created < min_age => held.push(Hold::TooNew {
            created_at: report.created_at.clone().unwrap_or_default(),
            eligible_from: due(created).unwrap_or_default(),
        }),
        (None, _) => held.push(Hold::AgeUnknown),
        _ => {}
    }
    let slack = chrono::Duration::from_std(super::history::SLACK).unwrap_or_default();
    // Mode's own verdict: a report not viewed recently by Discovery's `last_viewed_at`.
    let verdict = last_viewed(report).filter(|_| reasons.contains(&Reason::ScheduledNotViewedRecently));
    if let Some(now) = now {
        match verdict {
            // Last viewed at least `min_age` ago: that meets the rule without a series.
            Some(at) if now - at >= min_age => {}
            _ => held.extend(unused_long_enough(run, now, min_age, slack)),
        }
        held.extend(viewed_recently(report, now, min_age));
    }
    if let Some(run) = run {
        match (run.views, report.view_count) {
            (Some(then), Some(now)) if now > then => held.push(Hold::ViewsGained {
                since: run.started_at.clone(),
                then,
                now,
            }),
            (Some(_), Some(_)) => {}
            _ => held.push(Hold::ViewsUnknown {
                since: run.started_at.clone(),
            }),
        }
    }
    // Unused since the start of the series or the last view, whichever is earlier.
    let since = match (run.map(|r| (r.at - slack, r.started_at.as_str())), verdict) {
        (Some(series), Some(at)) if at < series.0 => Some((at, report.discovered.last_viewed_at.as_deref())),
        (Some((at, started)), _) => Some((at, Some(started))),
        (None, Some(at)) => Some((at, report.discovered.last_viewed_at.as_deref())),
        (None, None) => None,
    };
    let eligible_from = match (created, since) {
        (Some(created), Some((at, _))) => due(created.max(at)),
        _ => None,
    };
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
        runs: report.runs.clone(),
        unused_since: since.and_then(|(_, text)| text.map(str::to_string)),
        eligible_from,
        planned: false,
        held,
    }
}

/// Whether nobody has used the report for `min_age`, from the unbroken run of its unused finding:
/// the run must reach back `min_age` (less `slack`, for cron start jitter) and hold in at least
/// [`MIN_SNAPSHOTS`] complete snapshots. The one other way to meet the rule is Mode's own verdict:
/// a SCHEDULED_NOT_VIEWED_RECENTLY judged from Discovery's `last_viewed_at`, at least `min_age`
/// old (see `candidate`); a recent `last_viewed_at` holds a report whatever the series says
/// ([`viewed_recently`]).
fn unused_long_enough(
    run: Option<&Run>,
    now: DateTime<Utc>,
    min_age: chrono::Duration,
    slack: chrono::Duration,
) -> Vec<Hold> {
    let Some(run) = run else {
        return vec![Hold::TooRecent {
            since: "(unknown)".into(),
            eligible_from: String::new(),
        }];
    };
    let mut held = Vec::new();
    if now - run.at + slack < min_age {
        held.push(Hold::TooRecent {
            since: run.started_at.clone(),
            eligible_from: (run.at - slack)
                .checked_add_signed(min_age)
                .map(text)
                .unwrap_or_default(),
        });
    }
    if run.snapshots < MIN_SNAPSHOTS {
        held.push(Hold::FewSnapshots { seen: run.snapshots });
    }
    held
}

/// A hold when Mode's own `last_viewed_at` (Discovery) is within `min_age` of `now`. It only ever
/// holds: a last view long ago never stands in for the series of snapshots the plan requires.
fn viewed_recently(report: &ReportRecord, now: DateTime<Utc>, min_age: chrono::Duration) -> Option<Hold> {
    let at = last_viewed(report)?;
    (now - at < min_age).then(|| Hold::ViewedRecently {
        last_viewed_at: report.discovered.last_viewed_at.clone().unwrap_or_default(),
        eligible_from: at.checked_add_signed(min_age).map(text).unwrap_or_default(),
    })
}

fn text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests;
