//! CSV writers: reports.csv, schedules.csv and collections.csv, columns in the documented fixed order.

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;

use super::table::Table;
use crate::snapshot::runs::report_runs_per_month;
use crate::snapshot::summary;
use crate::snapshot::{CollectionRecord, Snapshot};

/// How text cells are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cells {
    /// Prefix a `'` to cells that a spreadsheet would run as a formula (OWASP CSV injection guidance).
    pub neutralise_formulas: bool,
}

impl Default for Cells {
    fn default() -> Self {
        Cells {
            neutralise_formulas: true,
        }
    }
}

impl Cells {
    pub(super) fn opt(self, value: Option<&str>) -> Cell<'_> {
        Cell {
            value,
            neutralise: self.neutralise_formulas,
        }
    }

    pub(super) fn text(self, value: &str) -> Cell<'_> {
        self.opt(Some(value))
    }
}

/// A text cell; empty when `None`.
pub(super) struct Cell<'a> {
    value: Option<&'a str>,
    neutralise: bool,
}

/// Cells a spreadsheet would read as a formula (or a formula hidden behind a tab or carriage return).
pub fn is_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

impl Serialize for Cell<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.value {
            None => s.serialize_none(),
            Some(text) if self.neutralise && is_formula(text) => s.serialize_str(&format!("'{text}")),
            Some(text) => s.serialize_str(text),
        }
    }
}

#[derive(Serialize)]
struct ReportRow<'a> {
    workspace: Cell<'a>,
    collection_token: Cell<'a>,
    collection_name: Cell<'a>,
    collection_type: Cell<'a>,
    report_token: Cell<'a>,
    report_name: Cell<'a>,
    report_type: Cell<'a>,
    archived: Option<bool>,
    creator: Cell<'a>,
    created_at: Cell<'a>,
    updated_at: Cell<'a>,
    last_run_at: Cell<'a>,
    last_successfully_run_at: Cell<'a>,
    view_count: Option<u64>,
    schedules_count: Option<u64>,
    scheduled: Option<bool>,
    schedule_frequencies: String,
    next_scheduled_run: Cell<'a>,
    subscriber_count: Option<u64>,
    url: Cell<'a>,
    fetch_status: Cell<'a>,
    views_7d: Option<i64>,
    views_30d: Option<i64>,
    views_90d: Option<i64>,
    first_seen: Cell<'a>,
    runs_30d: Option<u64>,
    failed_runs_30d: Option<u64>,
    run_seconds_30d: Option<f64>,
    run_seconds_basis: Option<&'static str>,
    expected_runtime_seconds: Option<f64>,
    runs_per_month: Option<f64>,
    runs_error: Cell<'a>,
    last_viewed_at: Cell<'a>,
    last_run_state: Cell<'a>,
    creator_email: Cell<'a>,
    explorations_count: Option<u64>,
    listed_by: Cell<'a>,
    runs_read_at: Cell<'a>,
}

/// reports.csv: one row per report.
pub fn write_reports<W: Write>(snapshot: &Snapshot, cells: Cells, out: W) -> csv::Result<W> {
    let collections: HashMap<&str, &CollectionRecord> =
        snapshot.collections.iter().map(|c| (c.token.as_str(), c)).collect();
    let mut w = Table::new(out, &REPORT_COLUMNS);
    for r in snapshot.reports.iter() {
        let r = &r;
        let c = collections.get(r.collection_token.as_str());
        w.row(ReportRow {
            workspace: cells.text(&snapshot.workspace),
            collection_token: cells.text(&r.collection_token),
            collection_name: cells.opt(c.and_then(|c| c.name.as_deref())),
            collection_type: cells.opt(c.and_then(|c| c.collection_type.as_deref())),
            report_token: cells.text(&r.token),
            report_name: cells.opt(r.name.as_deref()),
            report_type: cells.opt(r.report_type.as_deref()),
            archived: snapshot.archived_known().then_some(r.archived),
            creator: cells.opt(r.creator.as_deref()),
            created_at: cells.opt(r.created_at.as_deref()),
            updated_at: cells.opt(r.updated_at.as_deref()),
            last_run_at: cells.opt(r.last_run_at.as_deref()),
            last_successfully_run_at: cells.opt(r.last_successfully_run_at.as_deref()),
            view_count: r.view_count,
            schedules_count: r.schedules_count,
            scheduled: r.scheduled,
            schedule_frequencies: summary::schedule_frequencies(r),
            next_scheduled_run: cells.opt(summary::next_scheduled_run(r)),
            subscriber_count: summary::subscriber_count(r),
            url: cells.opt(r.url.as_deref()),
            fetch_status: cells.text(r.fetch_status.as_str()),
            views_7d: r.history.views_7d,
            views_30d: r.history.views_30d,
            views_90d: r.history.views_90d,
            first_seen: cells.opt(r.history.first_seen.as_deref()),
            runs_30d: r.runs.runs_30d,
            failed_runs_30d: r.runs.failed_runs_30d,
            run_seconds_30d: r.runs.run_seconds_30d,
            run_seconds_basis: r.runs.basis.map(|b| b.as_str()),
            expected_runtime_seconds: r.expected_runtime.filter(|v| v.is_finite()),
            runs_per_month: report_runs_per_month(r),
            runs_error: cells.opt(r.runs.error.as_deref()),
            last_viewed_at: cells.opt(r.discovered.last_viewed_at.as_deref()),
            last_run_state: cells.opt(r.discovered.last_run_state.as_deref()),
            creator_email: cells.opt(r.discovered.creator_email.as_deref()),
            explorations_count: r.discovered.explorations_count,
            listed_by: cells.opt(r.discovered.listed_by.as_deref()),
            runs_read_at: cells.opt(r.runs.read_at.as_deref()),
        })?;
    }
    w.finish()
}

/// reports.csv's header, in order (later columns added at the end, so earlier ones keep their places).
pub const REPORT_COLUMNS: [&str; 38] = [
    "workspace",
    "collection_token",
    "collection_name",
    "collection_type",
    "report_token",
    "report_name",
    "report_type",
    "archived",
    "creator",
    "created_at",
    "updated_at",
    "last_run_at",
    "last_successfully_run_at",
    "view_count",
    "schedules_count",
    "scheduled",
    "schedule_frequencies",
    "next_scheduled_run",
    "subscriber_count",
    "url",
    "fetch_status",
    "views_7d",
    "views_30d",
    "views_90d",
    "first_seen",
    "runs_30d",
    "failed_runs_30d",
    "run_seconds_30d",
    "run_seconds_basis",
    "expected_runtime_seconds",
    "runs_per_month",
    "runs_error",
    "last_viewed_at",
    "last_run_state",
    "creator_email",
    "explorations_count",
    "listed_by",
    "runs_read_at",
];

#[derive(Serialize)]
struct ScheduleRow<'a> {
    workspace: Cell<'a>,
    report_token: Cell<'a>,
    schedule_token: Cell<'a>,
    schedule_name: Cell<'a>,
    frequency: Cell<'a>,
    time_zone: Cell<'a>,
    hour: Cell<'a>,
    minute: Cell<'a>,
    next_scheduled_run: Cell<'a>,
    last_scheduled_run: Cell<'a>,
    last_succeeded_at: Cell<'a>,
    retry_state: Cell<'a>,
    subscriber_count: Option<u64>,
    fetched_at: Cell<'a>,
}

/// schedules.csv's header, in order (`fetched_at` last, so the first 13 keep their places).
pub const SCHEDULE_COLUMNS: [&str; 14] = [
    "workspace",
    "report_token",
    "schedule_token",
    "schedule_name",
    "frequency",
    "time_zone",
    "hour",
    "minute",
    "next_scheduled_run",
    "last_scheduled_run",
    "last_succeeded_at",
    "retry_state",
    "subscriber_count",
    "fetched_at",
];

/// schedules.csv: one row per schedule.
pub fn write_schedules<W: Write>(snapshot: &Snapshot, cells: Cells, out: W) -> csv::Result<W> {
    let mut w = Table::new(out, &SCHEDULE_COLUMNS);
    for r in snapshot.reports.iter() {
        for s in &r.schedules {
            w.row(ScheduleRow {
                workspace: cells.text(&snapshot.workspace),
                report_token: cells.text(&r.token),
                schedule_token: cells.text(&s.token),
                schedule_name: cells.opt(s.name.as_deref()),
                frequency: cells.opt(s.frequency.as_deref()),
                time_zone: cells.opt(s.time_zone.as_deref()),
                hour: cells.opt(s.hour.as_deref()),
                minute: cells.opt(s.minute.as_deref()),
                next_scheduled_run: cells.opt(s.next_scheduled_run.as_deref()),
                last_scheduled_run: cells.opt(s.last_scheduled_run.as_deref()),
                last_succeeded_at: cells.opt(s.last_succeeded_at.as_deref()),
                retry_state: cells.opt(s.retry_state.as_deref()),
                subscriber_count: s.subscriber_count,
                fetched_at: cells.opt(s.fetched_at.as_deref()),
            })?;
        }
    }
    w.finish()
}

#[derive(Serialize)]
struct CollectionRow<'a> {
    workspace: Cell<'a>,
    collection_token: Cell<'a>,
    collection_name: Cell<'a>,
    collection_type: Cell<'a>,
    reports: u64,
    pages: u32,
    status: Cell<'a>,
    error: Cell<'a>,
}

pub const COLLECTION_COLUMNS: [&str; 8] = [
    "workspace",
    "collection_token",
    "collection_name",
    "collection_type",
    "reports",
    "pages",
    "status",
    "error",
];

/// collections.csv: the completeness ledger, one row per collection.
pub fn write_collections<W: Write>(snapshot: &Snapshot, cells: Cells, out: W) -> csv::Result<W> {
    let mut w = Table::new(out, &COLLECTION_COLUMNS);
    for c in &snapshot.collections {
        w.row(CollectionRow {
            workspace: cells.text(&snapshot.workspace),
            collection_token: cells.text(&c.token),
            collection_name: cells.opt(c.name.as_deref()),
            collection_type: cells.opt(c.collection_type.as_deref()),
            reports: c.reports,
            pages: c.pages,
            status: cells.text(c.status.as_str()),
            error: cells.opt(c.error.as_deref()),
        })?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support;

    fn snapshot(names: &[&str]) -> Snapshot {
        let reports = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let mut r = test_support::report(&format!("r{i}"), Some(1), vec![]);
                r.name = Some(n.to_string());
                r
            })
            .collect();
        test_support::snapshot(reports)
    }

    fn names_read_back(names: &[&str], cells: Cells) -> Vec<String> {
        let bytes = write_reports(&snapshot(names), cells, Vec::new()).unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        reader.records().map(|r| r.unwrap()[5].to_string()).collect()
    }

    const DANGEROUS: [&str; 6] = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-3", "@SUM(A1)", "\tx", "\rx"];
    const AWKWARD: [&str; 5] = ["line\nbreak", "say \"hi\"", "a,b", "Über café 数据 📊", "plain"];

    #[test]
    fn formula_cells_are_neutralised_by_default() {
        let got = names_read_back(&DANGEROUS, Cells::default());
        let want: Vec<String> = DANGEROUS.iter().map(|n| format!("'{n}")).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn awkward_text_round_trips_unchanged() {
        assert_eq!(names_read_back(&AWKWARD, Cells::default()), AWKWARD);
    }

    #[test]
    fn raw_csv_keeps_formulas_as_sent() {
        let raw = Cells {
            neutralise_formulas: false,
        };
        assert_eq!(names_read_back(&DANGEROUS, raw), DANGEROUS);
    }
}
