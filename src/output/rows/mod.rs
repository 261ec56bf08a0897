//! Rows: the one definition of each table's columns (name and typed cell), which the CSV files
//! and the workbook's sheets both read, so the two cannot drift apart.
//!
//! A [`Field`] says what a cell holds; the CSV writer turns it into text (formulas neutralised as
//! [`Cells`] says) and the workbook into a typed cell (a number, a time, a link).

mod collection;
mod finding;
mod report;
mod schedule;

use std::borrow::Cow;

use serde::Serialize;

pub use self::collection::{COLLECTION_COLUMNS, CollectionRow};
pub use self::finding::{FINDING_COLUMNS, FindingRow};
pub use self::report::{REPORT_COLUMNS, ReportRows};
pub use self::schedule::{SCHEDULE_COLUMNS, ScheduleRow};
use super::csv::Cells;

/// One cell of a row, by what it holds; `None` is an unknown value: an empty cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Field<'a> {
    /// Free text (names, tokens, messages): neutralised in CSV when it reads as a formula.
    Text(Option<Cow<'a, str>>),
    /// A word of the tool's own vocabulary (a reason code, a basis), written as it is.
    Code(Option<Cow<'a, str>>),
    /// An RFC 3339 time: text in CSV, a date-time in the workbook.
    Time(Option<&'a str>),
    /// A web address: text in CSV, a link in the workbook.
    Link(Option<&'a str>),
    Count(Option<u64>),
    Signed(Option<i64>),
    Number(Option<f64>),
    Flag(Option<bool>),
}

impl<'a> Field<'a> {
    pub fn text(text: &'a str) -> Field<'a> {
        Field::Text(Some(Cow::Borrowed(text)))
    }

    pub fn opt_text(text: Option<&'a str>) -> Field<'a> {
        Field::Text(text.map(Cow::Borrowed))
    }

    pub fn code(code: Option<&'a str>) -> Field<'a> {
        Field::Code(code.map(Cow::Borrowed))
    }
}

/// One record with the workspace its row also shows (the rows of collections and findings).
pub struct InWorkspace<'a, T> {
    pub workspace: &'a str,
    pub record: &'a T,
}

/// One column of a table: its header and how a row's cell is read. `C` is the reading function,
/// `for<'r> fn(&'r Row<'r>) -> Field<'r>` for the table's row type.
pub struct Column<C> {
    pub name: &'static str,
    pub cell: C,
}

/// The column `name`, its cell read by `cell`.
pub const fn col<C>(name: &'static str, cell: C) -> Column<C> {
    Column { name, cell }
}

/// The header of `columns`, in order.
pub const fn names<C, const N: usize>(columns: &[Column<C>; N]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = columns[i].name;
        i += 1;
    }
    out
}

/// A row's fields as one CSV record, text written as `cells` says.
pub struct CsvRecord<'a> {
    pub fields: Vec<Field<'a>>,
    pub cells: Cells,
}

impl Serialize for CsvRecord<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.fields.iter().map(|field| CsvField {
            field,
            cells: self.cells,
        }))
    }
}

/// One field as CSV text: numbers as serde writes them, unknowns empty.
struct CsvField<'f, 'a> {
    field: &'f Field<'a>,
    cells: Cells,
}

impl Serialize for CsvField<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.field {
            Field::Text(text) => self.cells.opt(text.as_deref()).serialize(s),
            Field::Time(text) | Field::Link(text) => self.cells.opt(*text).serialize(s),
            Field::Code(code) => code.as_deref().serialize(s),
            Field::Count(n) => n.serialize(s),
            Field::Signed(n) => n.serialize(s),
            Field::Number(n) => n.serialize(s),
            Field::Flag(b) => b.serialize(s),
        }
    }
}
