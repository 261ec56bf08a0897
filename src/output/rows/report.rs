//! The reports table (reports.csv, the Reports sheet): one row per report.

use std::borrow::Cow;
use std::collections::HashMap;

use super::{Column, Field, col, names};
use crate::snapshot::run_figures::report_runs_per_month;
use crate::snapshot::summary;
use crate::snapshot::{CollectionRecord, ReportRecord, Snapshot};

/// One report with what its row also shows: the workspace and its collection.
pub struct ReportRow<'a> {
    pub workspace: &'a str,
    /// Whether the snapshot knows which reports are archived (else the column is empty).
    pub archived_known: bool,
    pub report: &'a ReportRecord,
    pub collection: Option<&'a CollectionRecord>,
}

/// What every report row of one snapshot shares: its workspace, and its collections by token.
pub struct ReportRows<'a> {
    snapshot: &'a Snapshot,
    collections: HashMap<&'a str, &'a CollectionRecord>,
}

impl<'a> ReportRows<'a> {
    pub fn of(snapshot: &'a Snapshot) -> ReportRows<'a> {
        let collections = snapshot.collections.iter().map(|c| (c.token.as_str(), c)).collect();
        ReportRows { snapshot, collections }
    }

    /// The row of one of the snapshot's reports.
    pub fn row<'r>(&'r self, report: &'r ReportRecord) -> ReportRow<'r> {
        ReportRow {
            workspace: &self.snapshot.workspace,
            archived_known: self.snapshot.archived_known(),
            report,
            collection: self.collections.get(report.collection_token.as_str()).copied(),
        }
    }
}

type Cell = for<'r> fn(&'r ReportRow<'r>) -> Field<'r>;

/// reports.csv's columns, in order (later columns added at the end, so earlier ones keep their places).
pub const REPORTS: [Column<Cell>; 38] = [
    col("workspace", |r| Field::text(r.workspace)),
    col("collection_token", |r| Field::text(&r.report.collection_token)),
    col("collection_name", |r| {
        Field::opt_text(r.collection.and_then(|c| c.name.as_deref()))
    }),
    col("collection_type", |r| {
        Field::opt_text(r.collection.and_then(|c| c.collection_type.as_deref()))
    }),
    col("report_token", |r| Field::text(&r.report.token)),
    col("report_name", |r| Field::opt_text(r.report.name.as_deref())),
    col("report_type", |r| Field::opt_text(r.report.report_type.as_deref())),
    col("archived", |r| {
        Field::Flag(r.archived_known.then_some(r.report.archived))
    }),
    col("creator", |r| Field::opt_text(r.report.creator.as_deref())),
    col("created_at", |r| Field::Time(r.report.created_at.as_deref())),
    col("updated_at", |r| Field::Time(r.report.updated_at.as_deref())),
    col("last_run_at", |r| Field::Time(r.report.last_run_at.as_deref())),
    col("last_successfully_run_at", |r| {
        Field::Time(r.report.last_successfully_run_at.as_deref())
    }),
    col("view_count", |r| Field::Count(r.report.view_count)),
    col("schedules_count", |r| Field::Count(r.report.schedules_count)),
    col("scheduled", |r| Field::Flag(r.report.scheduled)),
    col("schedule_frequencies", |r| {
        Field::Code(Some(Cow::Owned(summary::schedule_frequencies(r.report))))
    }),
    col("next_scheduled_run", |r| {
        Field::Time(summary::next_scheduled_run(r.report))
    }),
    col("subscriber_count", |r| {
        Field::Count(summary::subscriber_count(r.report))
    }),
    col("url", |r| Field::Link(r.report.url.as_deref())),
    col("fetch_status", |r| Field::text(r.report.fetch_status.as_str())),
    col("views_7d", |r| Field::Signed(r.report.history.views_7d)),
    col("views_30d", |r| Field::Signed(r.report.history.views_30d)),
    col("views_90d", |r| Field::Signed(r.report.history.views_90d)),
    col("first_seen", |r| Field::Time(r.report.history.first_seen.as_deref())),
    col("runs_30d", |r| Field::Count(r.report.runs.runs_30d)),
    col("failed_runs_30d", |r| Field::Count(r.report.runs.failed_runs_30d)),
    col("run_seconds_30d", |r| Field::Number(r.report.runs.run_seconds_30d)),
    col("run_seconds_basis", |r| {
        Field::code(r.report.runs.basis.map(|b| b.as_str()))
    }),
    col("expected_runtime_seconds", |r| {
        Field::Number(r.report.expected_runtime.filter(|v| v.is_finite()))
    }),
    col("runs_per_month", |r| Field::Number(report_runs_per_month(r.report))),
    col("runs_error", |r| Field::opt_text(r.report.runs.error.as_deref())),
    col("last_viewed_at", |r| {
        Field::Time(r.report.discovered.last_viewed_at.as_deref())
    }),
    col("last_run_state", |r| {
        Field::opt_text(r.report.discovered.last_run_state.as_deref())
    }),
    col("creator_email", |r| {
        Field::opt_text(r.report.discovered.creator_email.as_deref())
    }),
    col("explorations_count", |r| {
        Field::Count(r.report.discovered.explorations_count)
    }),
    col("listed_by", |r| {
        Field::opt_text(r.report.discovered.listed_by.as_deref())
    }),
    col("runs_read_at", |r| Field::Time(r.report.runs.read_at.as_deref())),
];

/// reports.csv's header, in order.
pub const REPORT_COLUMNS: [&str; 38] = names(&REPORTS);

impl ReportRow<'_> {
    /// The row's cells, in the order of [`REPORTS`].
    pub fn fields(&self) -> Vec<Field<'_>> {
        REPORTS.iter().map(|c| (c.cell)(self)).collect()
    }
}
