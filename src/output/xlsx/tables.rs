//! The workbook's tables: Findings, Reports, Schedules, Collections and Owners, one typed row per
//! CSV row, under the CSV files' own column lists so the two stay in step.

use std::collections::HashMap;

use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

use super::cell::{Styles, Value};
use super::sheet::{SheetGroup, Written};
use crate::insights::findings::Reason;
use crate::output::{COLLECTION_COLUMNS, FINDING_COLUMNS, OwnerDigest, REPORT_COLUMNS, SCHEDULE_COLUMNS};
use crate::snapshot::runs::report_runs_per_month;
use crate::snapshot::summary;
use crate::snapshot::{CollectionRecord, Snapshot};

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
}

/// Findings: one row per (report, reason), as findings.csv.
pub fn findings(snapshot: &Snapshot, to: &mut Target) -> Result<Table, XlsxError> {
    let mut group = to.group("Findings", &FINDING_COLUMNS)?;
    for f in snapshot.findings.iter() {
        let row: [Value; FINDING_COLUMNS.len()] = [
            Value::text(&snapshot.workspace),
            Value::text(f.reason.code()),
            Value::text(&f.report_token),
            Value::opt_text(f.report_name.as_deref()),
            Value::opt_text(f.owner.as_deref()),
            Value::text(&f.collection_token),
            Value::opt_text(f.collection_name.as_deref()),
            Value::text(&f.schedule_frequencies),
            Value::number(f.runs_per_month),
            Value::number(f.expected_runtime_seconds),
            Value::number(f.runtime_per_month_seconds),
            Value::count(f.view_count),
            Value::signed(f.views_in_window),
            Value::number(f.views_per_run),
            Value::opt_text(f.views_per_run_basis.as_deref()),
            Value::text(&f.detail),
            Value::link(f.url.as_deref()),
            Value::count(f.runs.runs_30d),
            Value::count(f.runs.failed_runs_30d),
            Value::number(f.runs.run_seconds_30d),
            Value::opt_text(f.runs.basis.map(|b| b.as_str())),
            Value::opt_text(f.recency_basis.as_deref()),
        ];
        to.row(&mut group, &row)?;
    }
    group.finish()
}

/// Reports and Schedules (one row per report, one per schedule, as reports.csv and schedules.csv),
/// in one pass: the records stream from the store one at a time.
pub fn reports_and_schedules(snapshot: &Snapshot, to: &mut Target) -> Result<(Table, Table), XlsxError> {
    let collections: HashMap<&str, &CollectionRecord> =
        snapshot.collections.iter().map(|c| (c.token.as_str(), c)).collect();
    let mut reports = to.group("Reports", &REPORT_COLUMNS)?;
    let mut schedules = to.group("Schedules", &SCHEDULE_COLUMNS)?;
    for r in snapshot.reports.iter() {
        let c = collections.get(r.collection_token.as_str());
        let frequencies = summary::schedule_frequencies(&r);
        let row: [Value; REPORT_COLUMNS.len()] = [
            Value::text(&snapshot.workspace),
            Value::text(&r.collection_token),
            Value::opt_text(c.and_then(|c| c.name.as_deref())),
            Value::opt_text(c.and_then(|c| c.collection_type.as_deref())),
            Value::text(&r.token),
            Value::opt_text(r.name.as_deref()),
            Value::opt_text(r.report_type.as_deref()),
            Value::boolean(snapshot.archived_known().then_some(r.archived)),
            Value::opt_text(r.creator.as_deref()),
            Value::time(r.created_at.as_deref()),
            Value::time(r.updated_at.as_deref()),
            Value::time(r.last_run_at.as_deref()),
            Value::time(r.last_successfully_run_at.as_deref()),
            Value::count(r.view_count),
            Value::count(r.schedules_count),
            Value::boolean(r.scheduled),
            Value::text(&frequencies),
            Value::time(summary::next_scheduled_run(&r)),
            Value::count(summary::subscriber_count(&r)),
            Value::link(r.url.as_deref()),
            Value::text(r.fetch_status.as_str()),
            Value::signed(r.history.views_7d),
            Value::signed(r.history.views_30d),
            Value::signed(r.history.views_90d),
            Value::time(r.history.first_seen.as_deref()),
            Value::count(r.runs.runs_30d),
            Value::count(r.runs.failed_runs_30d),
            Value::number(r.runs.run_seconds_30d),
            Value::opt_text(r.runs.basis.map(|b| b.as_str())),
            Value::number(r.expected_runtime.filter(|v| v.is_finite())),
            Value::number(report_runs_per_month(&r)),
            Value::opt_text(r.runs.error.as_deref()),
            Value::time(r.discovered.last_viewed_at.as_deref()),
            Value::opt_text(r.discovered.last_run_state.as_deref()),
            Value::opt_text(r.discovered.creator_email.as_deref()),
            Value::count(r.discovered.explorations_count),
            Value::opt_text(r.discovered.listed_by.as_deref()),
            Value::time(r.runs.read_at.as_deref()),
        ];
        to.row(&mut reports, &row)?;
        for s in &r.schedules {
            let row: [Value; SCHEDULE_COLUMNS.len()] = [
                Value::text(&snapshot.workspace),
                Value::text(&r.token),
                Value::text(&s.token),
                Value::opt_text(s.name.as_deref()),
                Value::opt_text(s.frequency.as_deref()),
                Value::opt_text(s.time_zone.as_deref()),
                Value::opt_text(s.hour.as_deref()),
                Value::opt_text(s.minute.as_deref()),
                Value::time(s.next_scheduled_run.as_deref()),
                Value::time(s.last_scheduled_run.as_deref()),
                Value::time(s.last_succeeded_at.as_deref()),
                Value::opt_text(s.retry_state.as_deref()),
                Value::count(s.subscriber_count),
                Value::time(s.fetched_at.as_deref()),
            ];
            to.row(&mut schedules, &row)?;
        }
    }
    Ok((reports.finish()?, schedules.finish()?))
}

/// Collections: the completeness ledger, as collections.csv.
pub fn collections(snapshot: &Snapshot, to: &mut Target) -> Result<Table, XlsxError> {
    let mut group = to.group("Collections", &COLLECTION_COLUMNS)?;
    for c in &snapshot.collections {
        let row: [Value; COLLECTION_COLUMNS.len()] = [
            Value::text(&snapshot.workspace),
            Value::text(&c.token),
            Value::opt_text(c.name.as_deref()),
            Value::opt_text(c.collection_type.as_deref()),
            Value::count(Some(c.reports)),
            Value::number(Some(c.pages)),
            Value::text(c.status.as_str()),
            Value::opt_text(c.error.as_deref()),
        ];
        to.row(&mut group, &row)?;
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
