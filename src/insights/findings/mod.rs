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

use self::reasons::{departed, reasons};
use super::keep::KeepList;
use crate::snapshot::run_figures::{self, ActiveMembers};
use crate::snapshot::store::FindingStore;
use crate::snapshot::summary;
use crate::snapshot::time::parse_time;
pub use crate::snapshot::{Finding, Reason};
use crate::snapshot::{ReportRecord, Snapshot};

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

pub use crate::snapshot::run_figures::{report_runs_per_month, runs_per_month};

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

/// When Mode says the report was last viewed (Discovery's `last_viewed_at`), when it says.
pub fn last_viewed(report: &ReportRecord) -> Option<DateTime<Utc>> {
    report.discovered.last_viewed_at.as_deref().and_then(parse_time)
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
        runs: run_figures::figures(report),
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

pub(crate) mod reasons;
#[cfg(test)]
pub(crate) mod tests;
