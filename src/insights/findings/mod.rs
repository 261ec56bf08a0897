//! Findings: scheduled reports worth acting on, one row per (report, reason), as pure functions over records.
//!
//! Each finding carries a cost proxy (estimated runs per month × Mode's `expected_runtime`) and a
//! views-per-run figure, so the rows can be sorted by what they cost and how little they are used.
//! A month is 30 days throughout: `every_15_minutes` 2880 runs, `every_30_minutes` 1440, `hourly`
//! 720, `daily` 30, `weekly` 4.33, `monthly` 1.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::keep::KeepList;
use crate::snapshot::runs::{self, ActiveMembers};
use crate::snapshot::store::FindingStore;
use crate::snapshot::summary;
use crate::snapshot::time::parse_time;
pub use crate::snapshot::{Finding, Reason};
use crate::snapshot::{ReportRecord, ScheduleRecord, Snapshot};

/// Thresholds (`--findings-window`, `--few-views`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindingsOptions {
    /// SCHEDULED_NOT_VIEWED_RECENTLY looks for views gained over this long.
    pub window: Duration,
    /// HIGH_FREQUENCY_FEW_VIEWS: a `view_count` below this is "few".
    pub few_views: u64,
}

impl Default for FindingsOptions {
    fn default() -> Self {
        FindingsOptions {
            window: Duration::from_secs(30 * 86_400),
            few_views: 10,
        }
    }
}

/// Views each report gained over the findings window, from the newest earlier snapshot at least
/// that old (`since`). A report missing from `gained` was not in that snapshot: unknown.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecentViews {
    pub since: String,
    pub gained: HashMap<String, i64>,
}

pub use crate::snapshot::runs::{report_runs_per_month, runs_per_month};

const HIGH_FREQUENCIES: [&str; 3] = ["every_15_minutes", "every_30_minutes", "hourly"];

/// Every finding of `snapshot`, reports on the keep list left out, sorted by reason, then by
/// estimated runtime per month (largest first), then by report token. The findings go to a store
/// beside the reports' (a temporary file, read back one at a time); only their sort keys are held.
pub fn detect(
    snapshot: &Snapshot,
    recent: Option<&RecentViews>,
    options: &FindingsOptions,
    keep: &KeepList,
) -> FindingStore {
    detect_with(snapshot, recent, options, keep, None)
}

/// [`detect`], with the workspace's active members when they were listed (OWNER_DEPARTED needs them).
pub fn detect_with(
    snapshot: &Snapshot,
    recent: Option<&RecentViews>,
    options: &FindingsOptions,
    keep: &KeepList,
    members: Option<&ActiveMembers>,
) -> FindingStore {
    let names: HashMap<&str, Option<&str>> = snapshot
        .collections
        .iter()
        .map(|c| (c.token.as_str(), c.name.as_deref()))
        .collect();
    let started_at = parse_time(&snapshot.started_at);
    let mut store: FindingStore = snapshot.reports.sibling();
    let mut order: Vec<(Reason, f64, Box<str>, usize)> = Vec::new();
    for report in snapshot.reports.iter().filter(|r| !keep.contains(&r.token)) {
        let collection_name = names.get(report.collection_token.as_str()).copied().flatten();
        let mut found = reasons(&report, recent, options, started_at);
        if let Some(departed) = members.and_then(|m| departed(&report, m)) {
            found.push(departed);
        }
        for (reason, detail) in found {
            let mut finding = row(&report, collection_name, reason, detail, recent, options);
            if reason == Reason::ScheduledNotViewedRecently {
                let basis = if last_viewed(&report).is_some() {
                    "last_viewed_at"
                } else {
                    "history"
                };
                finding.recency_basis = Some(basis.to_string());
            }
            let cost = finding.runs.run_seconds_30d.unwrap_or(-1.0);
            order.push((reason, cost, report.token.as_str().into(), store.len()));
            store.push_last(&finding);
        }
    }
    order.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then_with(|| a.2.cmp(&b.2)));
    store.reorder(order.into_iter().map(|(.., at)| at));
    store
}

/// Findings per reason, every reason listed (zero included), in [`Reason::ALL`] order.
pub fn count_by_reason<F: Borrow<Finding>>(findings: impl IntoIterator<Item = F>) -> Vec<(Reason, u64)> {
    let mut counts: Vec<(Reason, u64)> = Reason::ALL.iter().map(|&reason| (reason, 0)).collect();
    for f in findings {
        if let Some((_, n)) = counts.iter_mut().find(|(reason, _)| *reason == f.borrow().reason) {
            *n += 1;
        }
    }
    counts
}

/// The reasons that apply to one report, each with its detail text, for a snapshot that started
/// at `started_at` (which tells reused schedule records from fresh ones).
pub(crate) fn reasons(
    report: &ReportRecord,
    recent: Option<&RecentViews>,
    options: &FindingsOptions,
    started_at: Option<DateTime<Utc>>,
) -> Vec<(Reason, String)> {
    let mut found = Vec::new();
    if report.scheduled != Some(true) {
        return found;
    }
    let freqs = summary::schedule_frequencies(report);
    let freqs = if freqs.is_empty() {
        "schedule unknown".to_string()
    } else {
        freqs
    };
    let runs = report_runs_per_month(report).map_or_else(|| "an unknown number of".to_string(), |r| r.to_string());
    if summary::scheduled_never_viewed(report) {
        found.push((
            Reason::ScheduledNeverViewed,
            format!("scheduled ({freqs}), about {runs} runs a month, and never viewed (view_count 0)"),
        ));
    }
    let gained = recent.and_then(|r| r.gained.get(&report.token).map(|g| (*g, r.since.as_str())));
    if let Some(viewed) = last_viewed(report) {
        // Mode's own last view: exact, and no history needed.
        let window = chrono::Duration::from_std(options.window).unwrap_or(chrono::Duration::MAX);
        if let Some(start) = started_at.filter(|start| *start - viewed > window) {
            found.push((
                Reason::ScheduledNotViewedRecently,
                format!(
                    "last viewed {} (Mode's last_viewed_at), {} days before this run, more than the {} window, while scheduled ({freqs})",
                    report.discovered.last_viewed_at.as_deref().unwrap_or_default(),
                    (start - viewed).num_days(),
                    short(options.window)
                ),
            ));
        }
    } else if let (Some((gained, since)), Some(views)) =
        (gained.filter(|(g, _)| *g <= 0), report.view_count.filter(|v| *v > 0))
    {
        found.push((
            Reason::ScheduledNotViewedRecently,
            format!(
                "no views gained in the last {} (view_count {} at the snapshot of {since}, {views} now), while scheduled ({freqs})",
                short(options.window),
                views as i64 - gained
            ),
        ));
    }
    let failing = match ran_since_reused(report, started_at) {
        Some(fetched_at) => failing_report(report, fetched_at).into_iter().collect(),
        None => report.schedules.iter().filter_map(failing).collect::<Vec<String>>(),
    };
    if !failing.is_empty() {
        found.push((Reason::ScheduleFailing, failing.join("; ")));
    }
    if report.archived {
        found.push((
            Reason::ArchivedButScheduled,
            format!("archived, but still scheduled ({freqs}), about {runs} runs a month"),
        ));
    }
    let lonely: Vec<String> = report
        .schedules
        .iter()
        .filter(|s| s.subscriber_count == Some(0))
        .map(|s| format!("schedule {} has no subscribers", label(s)))
        .collect();
    if !lonely.is_empty() {
        found.push((Reason::ScheduleWithoutSubscribers, lonely.join("; ")));
    }
    let fast: Vec<&str> = HIGH_FREQUENCIES
        .into_iter()
        .filter(|f| report.schedules.iter().any(|s| s.frequency.as_deref() == Some(*f)))
        .collect();
    if let (false, Some(views)) = (fast.is_empty(), report.view_count.filter(|v| *v < options.few_views)) {
        found.push((
            Reason::HighFrequencyFewViews,
            format!(
                "runs {} (about {runs} runs a month) with {views} views ever, fewer than {}",
                fast.join(" and "),
                options.few_views
            ),
        ));
    }
    found
}

/// OWNER_DEPARTED for a scheduled report whose creator is not an active member.
fn departed(report: &ReportRecord, members: &ActiveMembers) -> Option<(Reason, String)> {
    // The username, or on a `--source discovery` run the creator's email.
    let creator = report.owner()?;
    if report.scheduled != Some(true) || members.is_active(creator) {
        return None;
    }
    Some((
        Reason::OwnerDeparted,
        format!(
            "scheduled, and its creator {creator} is not an active member of the workspace (per {})",
            members.source
        ),
    ))
}

/// When Mode says the report was last viewed (Discovery's `last_viewed_at`), when it says.
pub fn last_viewed(report: &ReportRecord) -> Option<DateTime<Utc>> {
    report.discovered.last_viewed_at.as_deref().and_then(parse_time)
}

/// Why a schedule counts as failing, if it does.
fn failing(s: &ScheduleRecord) -> Option<String> {
    let mut why = Vec::new();
    if let Some(state) = s.retry_state.as_deref().filter(|st| !st.eq_ignore_ascii_case("ok")) {
        why.push(format!("retry_state {state}"));
    }
    let run = s.last_run_at.as_deref().and_then(parse_time);
    match (run, s.last_succeeded_at.as_deref()) {
        (Some(run), Some(ok)) if parse_time(ok).is_some_and(|ok| run > ok) => why.push(format!(
            "last run {} is later than the last success {ok}",
            s.last_run_at.as_deref().unwrap_or_default()
        )),
        (Some(_), None) => why.push(format!(
            "ran ({}) but never succeeded",
            s.last_run_at.as_deref().unwrap_or_default()
        )),
        _ => {}
    }
    (!why.is_empty()).then(|| format!("schedule {}: {}", label(s), why.join(", ")))
}

/// For a report whose schedule records were reused from an earlier snapshot and which ran after
/// they were read: their oldest `fetched_at`. Their run fields (`retry_state`, `last_run_at`,
/// `last_succeeded_at`) then predate the last run, and this run's listing says how it went.
fn ran_since_reused(report: &ReportRecord, started_at: Option<DateTime<Utc>>) -> Option<&str> {
    if !summary::schedules_reused(report, started_at) {
        return None;
    }
    let (fetched, text) = report
        .schedules
        .iter()
        .filter_map(|s| s.fetched_at.as_deref().and_then(|t| parse_time(t).map(|at| (at, t))))
        .min_by_key(|(at, _)| *at)?;
    let ran = report.last_run_at.as_deref().and_then(parse_time)?;
    (ran > fetched).then_some(text)
}

/// Why a report counts as failing from its own `last_run_at` and `last_successfully_run_at` (this
/// run's listing), when its schedule details were read before its last run.
fn failing_report(report: &ReportRecord, fetched_at: &str) -> Option<String> {
    let ran = report.last_run_at.as_deref()?;
    let why = match report.last_successfully_run_at.as_deref() {
        None => format!("the report ran ({ran}) but never succeeded"),
        Some(ok) if parse_time(ok).is_some_and(|ok| parse_time(ran).is_some_and(|run| run > ok)) => {
            format!("the report's last run {ran} is later than its last success {ok}")
        }
        Some(_) => return None,
    };
    Some(format!(
        "{why} (from this run's report listing; its schedule details were read at {fetched_at}, before that run)"
    ))
}

fn label(s: &ScheduleRecord) -> String {
    let name = s.name.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(&s.token);
    format!("'{name}' ({})", s.frequency.as_deref().unwrap_or("frequency unknown"))
}

fn row(
    report: &ReportRecord,
    collection_name: Option<&str>,
    reason: Reason,
    detail: String,
    recent: Option<&RecentViews>,
    options: &FindingsOptions,
) -> Finding {
    let runs = report_runs_per_month(report);
    let runtime = runs
        .zip(report.expected_runtime.and_then(finite))
        .and_then(|(r, t)| finite(round(r * t, 1)));
    let views_in_window = recent.and_then(|r| r.gained.get(&report.token).copied());
    let months = options.window.as_secs_f64() / (30.0 * 86_400.0);
    let (views_per_run, basis) = match (views_in_window, runs.filter(|r| *r > 0.0), report.view_count) {
        (Some(gained), Some(runs), _) => (
            finite(round(gained as f64 / (runs * months), 3)),
            Some(format!("window_{}", short(options.window))),
        ),
        (None, Some(runs), Some(views)) => (finite(round(views as f64 / runs, 3)), Some("all_time".to_string())),
        _ => (None, None),
    };
    Finding {
        reason,
        report_token: report.token.clone(),
        report_name: report.name.clone(),
        owner: report.owner().map(str::to_string),
        collection_token: report.collection_token.clone(),
        collection_name: collection_name.map(str::to_string),
        schedule_frequencies: summary::schedule_frequencies(report),
        runs_per_month: runs,
        expected_runtime_seconds: report.expected_runtime.and_then(finite),
        runtime_per_month_seconds: runtime,
        view_count: report.view_count,
        views_in_window,
        views_per_run,
        views_per_run_basis: basis,
        detail,
        url: report.url.clone(),
        runs: runs::figures(report),
        recency_basis: None,
    }
}

/// `30d`, `36h`, `90m` or `45s`: the largest whole unit.
pub fn short(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        _ if s >= 86_400 && s.is_multiple_of(86_400) => format!("{}d", s / 86_400),
        _ if s >= 3600 && s.is_multiple_of(3600) => format!("{}h", s / 3600),
        _ if s >= 60 && s.is_multiple_of(60) => format!("{}m", s / 60),
        _ => format!("{s}s"),
    }
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

/// A figure that is a number: inf or NaN (from values past any bound) becomes unknown.
fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

#[cfg(test)]
pub(crate) mod tests;
