//! The workbook's tables: Findings, Reports, Schedules, Collections and Owners, one typed row per
//! CSV row, read from the same row definitions as the CSV files (`output/rows/`).

use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

use super::cell::{Styles, Value};
use super::sheet::{SheetGroup, Written};
use crate::insights::findings::Reason;
use crate::output::OwnerDigest;
use crate::output::rows::{
    COLLECTION_COLUMNS, CollectionRow, FINDING_COLUMNS, Field, FindingRow, REPORT_COLUMNS, ReportRows,
    SCHEDULE_COLUMNS, ScheduleRow,
};
use crate::snapshot::Snapshot;

/// Where a table's rows go: the workbook, the row limit per sheet, the formats.
pub struct Target<'a> {
    pub workbook: &'a mut Workbook,
    pub rows_per_sheet: u32,
    pub styles: &'a Styles,
}

/// A finished table: its worksheets and what went into them.
pub type Table = (Vec<Worksheet>, Written);

impl Target<'_> {
    fn group(&mut self, title: &'static str, columns: &[&'static str]) -> Result<SheetGroup, XlsxError> {
        SheetGroup::new(self.workbook, title, columns, self.rows_per_sheet, self.styles)
    }

    fn row(&mut self, group: &mut SheetGroup, values: &[Value]) -> Result<(), XlsxError> {
        group.row(self.workbook, values, self.styles)
    }

    /// One row of a table defined in [`crate::output::rows`], each field as a typed cell.
    fn fields(&mut self, group: &mut SheetGroup, fields: Vec<Field>) -> Result<(), XlsxError> {
        let values: Vec<Value> = fields.into_iter().map(Value::from).collect();
        self.row(group, &values)
    }
}

/// Findings: one row per (report, reason), as findings.csv.
pub fn findings(snapshot: &Snapshot, to: &mut Target) -> Result<Table, XlsxError> {
    let mut group = to.group("Findings", &FINDING_COLUMNS)?;
    for f in snapshot.findings.iter() {
        let row = FindingRow {
            workspace: &snapshot.workspace,
            record: &f,
        };
        to.fields(&mut group, row.fields())?;
    }
    group.finish()
}

/// Reports and Schedules (one row per report, one per schedule, as reports.csv and schedules.csv),
/// in one pass: the records stream from the store one at a time.
pub fn reports_and_schedules(snapshot: &Snapshot, to: &mut Target) -> Result<(Table, Table), XlsxError> {
    let rows = ReportRows::of(snapshot);
    let mut reports = to.group("Reports", &REPORT_COLUMNS)?;
    let mut schedules = to.group("Schedules", &SCHEDULE_COLUMNS)?;
    for r in snapshot.reports.iter() {
        let row = rows.row(&r);
        to.fields(&mut reports, row.fields())?;
        for schedule in &r.schedules {
            let row = ScheduleRow {
                workspace: &snapshot.workspace,
                report_token: &r.token,
                schedule,
            };
            to.fields(&mut schedules, row.fields())?;
        }
    }
    Ok((reports.finish()?, schedules.finish()?))
}

/// Collections: the completeness ledger, as collections.csv.
pub fn collections(snapshot: &Snapshot, to: &mut Target) -> Result<Table, XlsxError> {
    let mut group = to.group("Collections", &COLLECTION_COLUMNS)?;
    for collection in &snapshot.collections {
        let row = CollectionRow {
            workspace: &snapshot.workspace,
            record: collection,
        };
        to.fields(&mut group, row.fields())?;
    }
    group.finish()
}

/// The Owners sheet's columns: the owner, findings in all and per reason, runtime, digest file.
pub fn owner_columns() -> Vec<&'static str> {
    let mut columns = vec!["owner", "findings"];
    columns.extend(Reason::ALL.iter().map(|r| r.code()));
    columns.extend(["runtime_per_month_seconds", "digest_file"]);
    columns
}

/// Owners (with `--digests`): one row per owner, as owners/README.md, largest estimated runtime first.
pub fn owners(digests: &[OwnerDigest], to: &mut Target) -> Result<Table, XlsxError> {
    let mut group = to.group("Owners", &owner_columns())?;
    for d in digests {
        let file = format!("owners/{}", d.file);
        let mut row = vec![
            Value::opt_text(d.owner.as_deref()),
            Value::count(Some(d.findings.len() as u64)),
        ];
        row.extend(Reason::ALL.iter().map(|r| Value::count(Some(d.count(*r) as u64))));
        row.extend([Value::number(d.runtime_seconds()), Value::text(&file)]);
        to.row(&mut group, &row)?;
    }
    group.finish()
}
