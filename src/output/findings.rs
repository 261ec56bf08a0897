//! findings.csv (and each owner's digest CSV): one row per (report, reason), columns in a fixed order.

use std::borrow::Borrow;
use std::io::Write;

use serde::Serialize;

use super::csv::{Cell, Cells};
use super::table::Table;
use crate::insights::findings::Finding;

/// findings.csv's header, in order.
pub const FINDING_COLUMNS: [&str; 22] = [
    "workspace",
    "reason",
    "report_token",
    "report_name",
    "owner",
    "collection_token",
    "collection_name",
    "schedule_frequencies",
    "runs_per_month",
    "expected_runtime_seconds",
    "runtime_per_month_seconds",
    "view_count",
    "views_in_window",
    "views_per_run",
    "views_per_run_basis",
    "detail",
    "url",
    "runs_30d",
    "failed_runs_30d",
    "run_seconds_30d",
    "run_seconds_basis",
    "recency_basis",
];

#[derive(Serialize)]
struct FindingRow<'a> {
    workspace: Cell<'a>,
    reason: &'static str,
    report_token: Cell<'a>,
    report_name: Cell<'a>,
    owner: Cell<'a>,
    collection_token: Cell<'a>,
    collection_name: Cell<'a>,
    schedule_frequencies: Cell<'a>,
    runs_per_month: Option<f64>,
    expected_runtime_seconds: Option<f64>,
    runtime_per_month_seconds: Option<f64>,
    view_count: Option<u64>,
    views_in_window: Option<i64>,
    views_per_run: Option<f64>,
    views_per_run_basis: Cell<'a>,
    detail: Cell<'a>,
    url: Cell<'a>,
    runs_30d: Option<u64>,
    failed_runs_30d: Option<u64>,
    run_seconds_30d: Option<f64>,
    run_seconds_basis: Option<&'static str>,
    recency_basis: Cell<'a>,
}

/// Writes `findings` as CSV (the header even when there are none).
pub fn write_findings<F: Borrow<Finding>, W: Write>(
    workspace: &str,
    findings: impl IntoIterator<Item = F>,
    cells: Cells,
    out: W,
) -> csv::Result<W> {
    let mut w = Table::new(out, &FINDING_COLUMNS);
    for f in findings {
        let f = f.borrow();
        w.row(FindingRow {
            workspace: cells.text(workspace),
            reason: f.reason.code(),
            report_token: cells.text(&f.report_token),
            report_name: cells.opt(f.report_name.as_deref()),
            owner: cells.opt(f.owner.as_deref()),
            collection_token: cells.text(&f.collection_token),
            collection_name: cells.opt(f.collection_name.as_deref()),
            schedule_frequencies: cells.text(&f.schedule_frequencies),
            runs_per_month: f.runs_per_month,
            expected_runtime_seconds: f.expected_runtime_seconds,
            runtime_per_month_seconds: f.runtime_per_month_seconds,
            view_count: f.view_count,
            views_in_window: f.views_in_window,
            views_per_run: f.views_per_run,
            views_per_run_basis: cells.opt(f.views_per_run_basis.as_deref()),
            detail: cells.text(&f.detail),
            url: cells.opt(f.url.as_deref()),
            runs_30d: f.runs.runs_30d,
            failed_runs_30d: f.runs.failed_runs_30d,
            run_seconds_30d: f.runs.run_seconds_30d,
            run_seconds_basis: f.runs.basis.map(|b| b.as_str()),
            recency_basis: cells.opt(f.recency_basis.as_deref()),
        })?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::findings::Reason;

    fn finding(name: &str) -> Finding {
        Finding {
            reason: Reason::ScheduledNeverViewed,
            report_token: "r1".into(),
            report_name: Some(name.into()),
            owner: Some("@owner".into()),
            collection_token: "c1".into(),
            collection_name: None,
            schedule_frequencies: "daily".into(),
            runs_per_month: Some(30.0),
            expected_runtime_seconds: None,
            runtime_per_month_seconds: None,
            view_count: Some(0),
            views_in_window: None,
            views_per_run: Some(0.0),
            views_per_run_basis: Some("all_time".into()),
            detail: "-detail".into(),
            url: None,
            runs: Default::default(),
            recency_basis: None,
        }
    }

    fn read(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
        let mut r = csv::Reader::from_reader(bytes);
        let headers = r.headers().unwrap().iter().map(str::to_string).collect();
        let rows = r
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        (headers, rows)
    }

    #[test]
    fn columns_are_fixed_unknowns_empty_and_formulas_neutralised() {
        let bytes = write_findings("acme", [&finding("=HYPERLINK(\"x\")")], Cells::default(), Vec::new()).unwrap();
        let (headers, rows) = read(&bytes);
        assert_eq!(headers, FINDING_COLUMNS);
        let row: std::collections::HashMap<&str, &str> = FINDING_COLUMNS
            .iter()
            .copied()
            .zip(rows[0].iter().map(String::as_str))
            .collect();
        assert_eq!(row["reason"], "SCHEDULED_NEVER_VIEWED");
        assert_eq!(row["report_name"], "'=HYPERLINK(\"x\")");
        assert_eq!(row["owner"], "'@owner");
        assert_eq!(row["detail"], "'-detail");
        assert_eq!(row["runs_per_month"], "30.0");
        assert_eq!(row["runtime_per_month_seconds"], "", "unknown stays empty");
        assert_eq!(row["views_in_window"], "");
    }

    #[test]
    fn no_findings_still_writes_the_header() {
        let bytes = write_findings("acme", [] as [&Finding; 0], Cells::default(), Vec::new()).unwrap();
        let (headers, rows) = read(&bytes);
        assert_eq!(headers, FINDING_COLUMNS);
        assert!(rows.is_empty());
    }
}
