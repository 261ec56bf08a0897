//! The Summary sheet: workspace, status, times, counts, findings by reason, requests, and a link to
//! every other sheet with its rows (and a note where a table continues on another sheet).

use rust_xlsxwriter::{ColNum, Format, RowNum, Url, Worksheet, XlsxError};

use super::cell::{self, Styles, Value};
use super::sheet::Written;
use crate::insights::findings::count_by_reason;
use crate::snapshot::headline::Headline;
use crate::snapshot::{LedgerStatus, Snapshot, Status};

/// The Summary sheet's name.
pub const SUMMARY: &str = "Summary";

/// Rows of label and value, written top to bottom.
struct Lines<'s> {
    sheet: Worksheet,
    row: RowNum,
    styles: &'s Styles,
}

impl Lines<'_> {
    fn heading(&mut self, text: &str) -> Result<(), XlsxError> {
        if self.row > 0 {
            self.row += 1;
        }
        self.sheet
            .write_string_with_format(self.row, 0, text, &self.styles.header)?;
        self.row += 1;
        Ok(())
    }

    fn line(&mut self, label: &str, values: &[Value]) -> Result<(), XlsxError> {
        self.sheet.write_string(self.row, 0, label)?;
        for (i, value) in values.iter().enumerate() {
            cell::write(&mut self.sheet, self.row, 1 + i as ColNum, value, self.styles)?;
        }
        self.row += 1;
        Ok(())
    }

    /// A link to `sheet`, its rows, and a note.
    fn sheet_link(&mut self, sheet: &str, rows: u64, note: &str) -> Result<(), XlsxError> {
        let link = Url::new(format!("internal:'{}'!A1", sheet.replace('\'', "''"))).set_text(sheet);
        self.sheet.write_url(self.row, 0, link)?;
        self.sheet.write_number(self.row, 1, rows as f64)?;
        if !note.is_empty() {
            self.sheet.write_string(self.row, 2, note)?;
        }
        self.row += 1;
        Ok(())
    }
}

/// The Summary sheet of `snapshot`, whose tables went into `tables`.
pub fn summary_sheet(snapshot: &Snapshot, tables: &[Written], styles: &Styles) -> Result<Worksheet, XlsxError> {
    let mut sheet = Worksheet::new();
    sheet.set_name(SUMMARY)?;
    sheet.set_column_width(0, 30)?;
    sheet.set_column_width(1, 26)?;
    sheet.set_column_width(2, 50)?;
    let mut l = Lines { sheet, row: 0, styles };
    l.snapshot(snapshot)?;
    l.counts(snapshot)?;
    l.headline(snapshot)?;
    l.findings(snapshot)?;
    l.requests(snapshot)?;
    l.sheets(tables)?;
    Ok(l.sheet)
}

/// The Summary sheet's sections, in order.
impl Lines<'_> {
    fn snapshot(&mut self, snapshot: &Snapshot) -> Result<(), XlsxError> {
        let stats = &snapshot.stats;
        let status = match snapshot.status {
            Status::Complete => [Value::text("complete"), Value::Empty],
            Status::Partial => [
                Value::text("partial"),
                Value::text("something could not be read: see Collections, and failures in snapshot.json"),
            ],
        };
        self.heading("Snapshot")?;
        self.line("Workspace", &[Value::text(&snapshot.workspace)])?;
        self.line("Status", &status)?;
        self.line("Started (UTC)", &[Value::Time(&snapshot.started_at)])?;
        self.line("Finished (UTC)", &[Value::Time(&snapshot.finished_at)])?;
        self.line("Source", &[Value::text(stats.source.as_deref().unwrap_or("rest"))])?;
        self.line(
            "Duration (seconds)",
            &[Value::Number(stats.duration_ms as f64 / 1000.0)],
        )
    }

    fn counts(&mut self, snapshot: &Snapshot) -> Result<(), XlsxError> {
        let stats = &snapshot.stats;
        self.heading("Counts")?;
        let inaccessible = snapshot
            .collections
            .iter()
            .filter(|c| c.status == LedgerStatus::Inaccessible)
            .count() as u64;
        for (label, n) in [
            ("Collections", stats.collections),
            ("Inaccessible collections", inaccessible),
            ("Reports", stats.reports),
            ("Scheduled", stats.scheduled),
            ("Scheduled, never viewed", stats.scheduled_zero_views),
            ("Archived", stats.archived),
            ("Duplicates dropped", stats.duplicates),
            ("Failures", snapshot.failures.len() as u64),
        ] {
            // Unknown is never shown as zero: Discovery does not carry `archived`.
            let known = label != "Archived" || snapshot.archived_known();
            self.line(label, &[Value::count(known.then_some(n))])?;
        }
        Ok(())
    }

    /// The headline: each report counted once, unviewed apart from failing, hours for people.
    fn headline(&mut self, snapshot: &Snapshot) -> Result<(), XlsxError> {
        let headline = Headline::of(snapshot.findings.iter());
        self.heading("Headline (runs of the 30 days before the run)")?;
        let u = &headline.unviewed;
        self.line(
            "Scheduled reports with no views in the window",
            &[Value::count(Some(u.reports))],
        )?;
        self.line("Their runs", &[Value::count(u.runs_30d)])?;
        self.line("Their warehouse hours", &[Value::opt_text(u.hours().as_deref())])?;
        self.line("Their failed runs", &[Value::count(u.failed_runs_30d)])?;
        self.line(
            "Viewed reports with failing schedules",
            &[Value::count(Some(headline.failing.reports))],
        )?;
        self.line(
            "Scheduled reports of departed owners",
            &[Value::count(Some(headline.departed.reports))],
        )
    }

    fn findings(&mut self, snapshot: &Snapshot) -> Result<(), XlsxError> {
        self.heading("Findings by reason")?;
        for (reason, n) in count_by_reason(snapshot.findings.iter()) {
            self.line(reason.code(), &[Value::count(Some(n))])?;
        }
        self.line("All findings", &[Value::count(Some(snapshot.findings.len() as u64))])
    }

    fn requests(&mut self, snapshot: &Snapshot) -> Result<(), XlsxError> {
        self.heading("Requests")?;
        let requests = &snapshot.stats.requests;
        for (label, n) in [
            ("Requests", requests.requests),
            ("Throttled (429)", requests.throttled),
            ("Retries", requests.retries),
            ("Bytes read", requests.bytes),
        ] {
            self.line(label, &[Value::count(Some(n))])?;
        }
        Ok(())
    }

    /// A link to every sheet of `tables`, with its rows and a note.
    fn sheets(&mut self, tables: &[Written]) -> Result<(), XlsxError> {
        self.heading("Sheets")?;
        for (header, col) in [("sheet", 0), ("rows", 1), ("note", 2)] {
            self.sheet
                .write_string_with_format(self.row, col, header, &Format::new().set_italic())?;
        }
        self.row += 1;
        for table in tables {
            for (i, (name, rows)) in table.sheets.iter().enumerate() {
                self.sheet_link(name, *rows, &note(table, i))?;
            }
        }
        Ok(())
    }
}

/// Says where a table split over several sheets goes on, or comes from.
pub fn note(table: &Written, index: usize) -> String {
    let n = table.sheets.len();
    if n < 2 {
        return String::new();
    }
    let all = table.rows();
    if index + 1 < n {
        format!(
            "{} has {all} rows, more than a sheet holds: continues on {}",
            table.title,
            table.sheets[index + 1].0
        )
    } else {
        format!("{} continued from {}", table.title, table.sheets[index - 1].0)
    }
}
