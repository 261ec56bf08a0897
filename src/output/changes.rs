//! diff.csv and diff.json: the changes between two snapshots (`mode-audit diff --out`).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use super::csv::{Cell, Cells};
use super::table::Table;
use crate::atomic;
use crate::insights::changes::{Change, Diff, Kind, Side};

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
    let mut w = Table::new(out, &CHANGE_COLUMNS);
    for c in changes {
        w.row(ChangeRow {
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
    w.finish()
}

/// Writes diff.csv and diff.json into `dir` (created if needed), each replaced atomically.
pub fn write_diff_files(d: &Diff, dir: &Path) -> Result<Vec<PathBuf>> {
    let csv_path = dir.join("diff.csv");
    atomic::replace(&csv_path, "diff", None, |w| {
        write_changes(&d.changes, Cells::default(), w)?;
        Ok(())
    })?;
    let json_path = dir.join("diff.json");
    atomic::replace(&json_path, "diff", None, |w| {
        write_diff_json(d, w)?;
        Ok(())
    })?;
    Ok(vec![csv_path, json_path])
}

#[derive(Serialize)]
struct DiffJson<'a> {
    old: &'a Side,
    new: &'a Side,
    /// Changes per kind, every kind listed.
    summary: Vec<(&'static str, usize)>,
    changes: &'a [Change],
}

/// diff.json: `{old, new, summary: [[kind, count]...], changes: [...]}`.
pub fn write_diff_json<W: Write>(d: &Diff, mut out: W) -> std::io::Result<W> {
    let summary = Kind::ALL.iter().map(|k| (k.code(), d.count(*k))).collect();
    serde_json::to_writer_pretty(
        &mut out,
        &DiffJson {
            old: &d.old,
            new: &d.new,
            summary,
            changes: &d.changes,
        },
    )?;
    out.write_all(b"\n")?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::changes::diff;
    use crate::test_support::{report, schedule, snapshot};

    #[test]
    fn diff_json_of_identical_snapshots_lists_every_kind_with_no_changes() {
        let s = snapshot(vec![report("a", Some(1), vec![schedule("s", "daily", 1)])]);
        let d = diff("a".into(), &s, "b".into(), &s);
        assert!(d.changes.is_empty());
        let json: serde_json::Value = serde_json::from_slice(&write_diff_json(&d, Vec::new()).unwrap()).unwrap();
        assert_eq!(json["summary"].as_array().unwrap().len(), Kind::ALL.len());
        assert_eq!(json["changes"].as_array().unwrap().len(), 0);
        assert_eq!(json["new"]["reports"], 1);
    }
}
