//! The findings table (findings.csv, each owner's digest CSV, the Findings sheet): one row per
//! (report, reason).

use super::{Column, Field, InWorkspace, col, names};
use crate::insights::findings::Finding;

/// One finding with the workspace its row also shows.
pub type FindingRow<'a> = InWorkspace<'a, Finding>;

type Cell = for<'r> fn(&'r FindingRow<'r>) -> Field<'r>;

/// findings.csv's columns, in order.
pub const FINDINGS: [Column<Cell>; 22] = [
    col("workspace", |r| Field::text(r.workspace)),
    col("reason", |r| Field::code(Some(r.record.reason.code()))),
    col("report_token", |r| Field::text(&r.record.report_token)),
    col("report_name", |r| Field::opt_text(r.record.report_name.as_deref())),
    col("owner", |r| Field::opt_text(r.record.owner.as_deref())),
    col("collection_token", |r| Field::text(&r.record.collection_token)),
    col("collection_name", |r| {
        Field::opt_text(r.record.collection_name.as_deref())
    }),
    col("schedule_frequencies", |r| Field::text(&r.record.schedule_frequencies)),
    col("runs_per_month", |r| Field::Number(r.record.runs_per_month)),
    col("expected_runtime_seconds", |r| {
        Field::Number(r.record.expected_runtime_seconds)
    }),
    col("runtime_per_month_seconds", |r| {
        Field::Number(r.record.runtime_per_month_seconds)
    }),
    col("view_count", |r| Field::Count(r.record.view_count)),
    col("views_in_window", |r| Field::Signed(r.record.views_in_window)),
    col("views_per_run", |r| Field::Number(r.record.views_per_run)),
    col("views_per_run_basis", |r| {
        Field::opt_text(r.record.views_per_run_basis.as_deref())
    }),
    col("detail", |r| Field::text(&r.record.detail)),
    col("url", |r| Field::Link(r.record.url.as_deref())),
    col("runs_30d", |r| Field::Count(r.record.runs.runs_30d)),
    col("failed_runs_30d", |r| Field::Count(r.record.runs.failed_runs_30d)),
    col("run_seconds_30d", |r| Field::Number(r.record.runs.run_seconds_30d)),
    col("run_seconds_basis", |r| {
        Field::code(r.record.runs.basis.map(|b| b.as_str()))
    }),
    col("recency_basis", |r| Field::opt_text(r.record.recency_basis.as_deref())),
];

/// findings.csv's header, in order.
pub const FINDING_COLUMNS: [&str; 22] = names(&FINDINGS);

impl FindingRow<'_> {
    /// The row's cells, in the order of [`FINDINGS`].
    pub fn fields(&self) -> Vec<Field<'_>> {
        FINDINGS.iter().map(|c| (c.cell)(self)).collect()
    }
}
