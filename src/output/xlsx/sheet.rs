//! SheetGroup: one table streamed row by row into constant-memory worksheets ("Reports", then
//! "Reports (2)", ... when a sheet is full), each with a bold frozen header, an autofilter, column
//! widths taken from what was written, and no "number stored as text" warnings on its tokens.

use rust_xlsxwriter::{ColNum, IgnoreError, RowNum, Workbook, Worksheet, XlsxError};

use super::cell::{self, MAX_WIDTH, Styles, Value};

/// Rows a worksheet holds, its header included (Excel's limit).
pub const EXCEL_ROWS: u32 = 1_048_576;

/// One table and the worksheets it went into.
pub struct SheetGroup {
    title: &'static str,
    columns: Vec<&'static str>,
    rows_per_sheet: u32,
    finished: Vec<Worksheet>,
    current: Worksheet,
    /// Rows written to `current`, its header included.
    row: u32,
    widths: Vec<usize>,
    /// Rows of each finished sheet, headers left out.
    counts: Vec<u64>,
}

/// What a table became: its sheets' names with their rows, in order (headers left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub title: &'static str,
    pub sheets: Vec<(String, u64)>,
}

impl Written {
    /// Rows of the whole table.
    pub fn rows(&self) -> u64 {
        self.sheets.iter().map(|(_, rows)| rows).sum()
    }
}

impl SheetGroup {
    /// Starts the table's first sheet, named `title`. `rows_per_sheet` counts the header and is at least 2.
    pub fn new(
        workbook: &mut Workbook,
        title: &'static str,
        columns: &[&'static str],
        rows_per_sheet: u32,
        styles: &Styles,
    ) -> Result<SheetGroup, XlsxError> {
        let mut group = SheetGroup {
            title,
            columns: columns.to_vec(),
            rows_per_sheet: rows_per_sheet.clamp(2, EXCEL_ROWS),
            finished: Vec::new(),
            current: workbook.new_worksheet_with_constant_memory()?,
            row: 0,
            widths: Vec::new(),
            counts: Vec::new(),
        };
        group.start_sheet(styles)?;
        Ok(group)
    }

    /// Appends one row, its values in the order of the columns; starts the next sheet when this one is full.
    pub fn row(&mut self, workbook: &mut Workbook, values: &[Value], styles: &Styles) -> Result<(), XlsxError> {
        debug_assert_eq!(values.len(), self.columns.len(), "{}: one value per column", self.title);
        if self.row >= self.rows_per_sheet {
            let next = workbook.new_worksheet_with_constant_memory()?;
            let full = std::mem::replace(&mut self.current, next);
            let done = self.finish_sheet(full)?;
            self.finished.push(done);
            self.start_sheet(styles)?;
        }
        let row = self.row as RowNum;
        for (col, value) in values.iter().enumerate() {
            let width = cell::write(&mut self.current, row, col as ColNum, value, styles)?;
            let widest = &mut self.widths[col];
            *widest = (*widest).max(width.min(MAX_WIDTH));
        }
        self.row += 1;
        Ok(())
    }

    /// The finished worksheets, in order, and what went into them.
    pub fn finish(mut self) -> Result<(Vec<Worksheet>, Written), XlsxError> {
        let last = std::mem::replace(&mut self.current, Worksheet::new());
        let last = self.finish_sheet(last)?;
        self.finished.push(last);
        let sheets = self.finished.iter().map(|s| s.name()).zip(self.counts).collect();
        let written = Written {
            title: self.title,
            sheets,
        };
        Ok((self.finished, written))
    }

    /// Names the current sheet (`Title`, then `Title (2)`, ...) and writes its header.
    fn start_sheet(&mut self, styles: &Styles) -> Result<(), XlsxError> {
        let n = self.finished.len() + 1;
        let name = if n == 1 {
            self.title.to_string()
        } else {
            format!("{} ({n})", self.title)
        };
        self.current.set_name(name)?;
        for (col, header) in self.columns.iter().enumerate() {
            self.current
                .write_string_with_format(0, col as ColNum, *header, &styles.header)?;
        }
        self.current.set_freeze_panes(1, 0)?;
        // Room for the header and its filter button.
        self.widths = self.columns.iter().map(|c| c.chars().count() + 2).collect();
        self.row = 1;
        Ok(())
    }

    /// Sets the sheet's autofilter and column widths once its rows are all written.
    fn finish_sheet(&mut self, mut sheet: Worksheet) -> Result<Worksheet, XlsxError> {
        self.counts.push(u64::from(self.row - 1));
        let last_col = self.columns.len().saturating_sub(1) as ColNum;
        let last_row = (self.row - 1) as RowNum;
        sheet.autofilter(0, 0, last_row, last_col)?;
        // Tokens such as 842954155639 are text on purpose: no "number stored as text" warnings.
        sheet.ignore_error_range(0, 0, last_row, last_col, IgnoreError::NumberStoredAsText)?;
        for (col, width) in self.widths.iter().enumerate() {
            sheet.set_column_width(col as ColNum, (*width).min(MAX_WIDTH + 2) as f64 + 1.0)?;
        }
        Ok(sheet)
    }
}
