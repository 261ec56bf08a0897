//! diff.csv: the changes between two snapshots (`mode-audit diff --out`), columns in a fixed order.

use std::io::Write;

use serde::Serialize;

use super::csv::{Cell, Cells, writer};
use crate::diff::Change;

/// diff.csv's header, in order.
pub const CHANGE_COLUMNS: [&str; 8] = [
    "change",
    "report_token",
    "report_name",
    "schedule_token",
    "field",
    "old",
    "new",
    "delta",
];

#[derive(Serialize)]
struct ChangeRow<'a> {
    change: &'static str,
    report_token: Cell<'a>,
    report_name: Cell<'a>,
    schedule_token: Cell<'a>,
    field: &'static str,
    old: Cell<'a>,
    new: Cell<'a>,
    delta: Option<i64>,
}

/// Writes `changes` as CSV (the header even when nothing changed).
pub fn write_changes<W: Write>(changes: &[Change], cells: Cells, out: W) -> csv::Result<W> {
    let mut w = writer(out);
    if changes.is_empty() {
        w.write_record(CHANGE_COLUMNS)?;
    }
    for c in changes {
        w.serialize(ChangeRow {
            change: c.change.code(),
            report_token: cells.text(&c.report_token),
            report_name: cells.opt(c.report_name.as_deref()),
            schedule_token: cells.opt(c.schedule_token.as_deref()),
            field: c.field,
            old: cells.opt(c.old.as_deref()),
            new: cells.opt(c.new.as_deref()),
            delta: c.delta,
        })?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
