//! The workbook (`--format xlsx`): `<workspace>-<time>.xlsx`, one sheet per table with typed cells,
//! for people to open in Excel or Google Sheets (CSV stays the machine format).
//!
//! Sheets: Summary, Findings, Reports, Schedules, Collections, and Owners with `--digests`. Tokens
//! and names are text cells (a spreadsheet cannot turn `842954155639` into 8.43E+11, nor run a name
//! starting with `=`), numbers are numbers, times are date-times in UTC, unknowns are empty cells.
//! Every data sheet is written in constant-memory mode: one row in memory at a time, the rest in an
//! unnamed temporary file, while the report records stream from the store one at a time.

mod cell;
mod sheet;
mod summary;
mod tables;

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use rust_xlsxwriter::Workbook;

use self::cell::Styles;
pub use self::cell::{CUT_MARKER, MAX_CELL_TEXT};
pub use self::sheet::EXCEL_ROWS;
pub use self::summary::SUMMARY;
use self::tables::Target;
use super::digests::digests;
use crate::snapshot::Snapshot;
use crate::snapshot::folder::folder_stamp;

/// How the workbook is written.
#[derive(Debug, Clone)]
pub struct XlsxOptions {
    /// Add the Owners sheet (with `--digests`).
    pub owners: bool,
    /// Rows per sheet, header included, before a table continues on a new sheet (Excel's
    /// 1,048,576; smaller in tests).
    pub rows_per_sheet: u32,
    /// Folder of the temporary files that hold the sheets' rows until the workbook is saved (the
    /// system's temporary folder when `None`, which may be memory-backed).
    pub temp_dir: Option<PathBuf>,
}

impl Default for XlsxOptions {
    fn default() -> Self {
        XlsxOptions {
            owners: false,
            rows_per_sheet: EXCEL_ROWS,
            temp_dir: None,
        }
    }
}

/// `acme-20261128T032200Z.xlsx`: the workspace and the snapshot's start time.
pub fn workbook_name(snapshot: &Snapshot) -> String {
    format!("{}-{}.xlsx", snapshot.workspace, folder_stamp(&snapshot.started_at))
}

/// Writes the workbook of `snapshot` to `out`.
pub fn write_workbook<W: Write + Send>(snapshot: &Snapshot, options: &XlsxOptions, out: W) -> Result<()> {
    let mut workbook = Workbook::new();
    if let Some(dir) = &options.temp_dir {
        workbook
            .set_tempdir(dir)
            .with_context(|| format!("cannot create temporary files in {}", dir.display()))?;
    }
    let styles = Styles::new();
    let mut to = Target {
        workbook: &mut workbook,
        rows_per_sheet: options.rows_per_sheet,
        styles: &styles,
    };
    let mut sheets = Vec::new();
    let mut written = Vec::new();
    let mut add = |(mut table, what): tables::Table| {
        sheets.append(&mut table);
        written.push(what);
    };
    add(tables::findings(snapshot, &mut to).context("Findings sheet")?);
    let (reports, schedules) =
        tables::reports_and_schedules(snapshot, &mut to).context("Reports and Schedules sheets")?;
    add(reports);
    add(schedules);
    add(tables::collections(snapshot, &mut to).context("Collections sheet")?);
    if options.owners {
        add(tables::owners(&digests(snapshot), &mut to).context("Owners sheet")?);
    }
    workbook.push_worksheet(summary::summary_sheet(snapshot, &written, &styles).context("Summary sheet")?);
    for sheet in sheets {
        workbook.push_worksheet(sheet);
    }
    workbook.save_to_writer(out).context("cannot save the workbook")?;
    Ok(())
}
