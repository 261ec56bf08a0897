//! findings.csv (and each owner's digest CSV): one row per (report, reason), under the columns of
//! [`super::rows`].

use std::borrow::Borrow;
use std::io::Write;

use super::csv::Cells;
use super::rows::{CsvRecord, FINDING_COLUMNS, FindingRow};
use super::table::Table;
use crate::insights::findings::Finding;

/// Writes `findings` as CSV (the header even when there are none).
pub fn write_findings<F: Borrow<Finding>, W: Write>(
    workspace: &str,
    findings: impl IntoIterator<Item = F>,
    cells: Cells,
    out: W,
) -> csv::Result<W> {
    let mut w = Table::new(out, &FINDING_COLUMNS);
    for f in findings {
        let row = FindingRow {
            workspace,
            record: f.borrow(),
        };
        w.record(CsvRecord {
            fields: row.fields(),
            cells,
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
