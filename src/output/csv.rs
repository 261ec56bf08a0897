//! CSV writers: reports.csv, schedules.csv and collections.csv, under the columns of [`super::rows`];
//! and [`Cells`], how their text is written.

use std::io::Write;

use serde::Serialize;

use super::rows::{
    COLLECTION_COLUMNS, CollectionRow, CsvRecord, REPORT_COLUMNS, ReportRows, SCHEDULE_COLUMNS, ScheduleRow,
};
use super::table::Table;
use crate::snapshot::Snapshot;

/// How text cells are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cells {
    /// Prefix a `'` to cells that a spreadsheet would run as a formula (OWASP CSV injection guidance).
    pub neutralise_formulas: bool,
}

impl Default for Cells {
    fn default() -> Self {
        Cells {
            neutralise_formulas: true,
        }
    }
}

impl Cells {
    pub(super) fn opt(self, value: Option<&str>) -> Cell<'_> {
        Cell {
            value,
            neutralise: self.neutralise_formulas,
        }
    }

    pub(super) fn text(self, value: &str) -> Cell<'_> {
        self.opt(Some(value))
    }
}

/// A text cell; empty when `None`.
pub(super) struct Cell<'a> {
    value: Option<&'a str>,
    neutralise: bool,
}

/// Cells a spreadsheet would read as a formula (or a formula hidden behind a tab or carriage return).
pub fn is_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

impl Serialize for Cell<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.value {
            None => s.serialize_none(),
            Some(text) if self.neutralise && is_formula(text) => s.serialize_str(&format!("'{text}")),
            Some(text) => s.serialize_str(text),
        }
    }
}

/// reports.csv: one row per report.
pub fn write_reports<W: Write>(snapshot: &Snapshot, cells: Cells, out: W) -> csv::Result<W> {
    let rows = ReportRows::of(snapshot);
    let mut w = Table::new(out, &REPORT_COLUMNS);
    for r in snapshot.reports.iter() {
        let row = rows.row(&r);
        w.record(CsvRecord {
            fields: row.fields(),
            cells,
        })?;
    }
    w.finish()
}

/// schedules.csv: one row per schedule.
pub fn write_schedules<W: Write>(snapshot: &Snapshot, cells: Cells, out: W) -> csv::Result<W> {
    let mut w = Table::new(out, &SCHEDULE_COLUMNS);
    for r in snapshot.reports.iter() {
        for schedule in &r.schedules {
            let row = ScheduleRow {
                workspace: &snapshot.workspace,
                report_token: &r.token,
                schedule,
            };
            w.record(CsvRecord {
                fields: row.fields(),
                cells,
            })?;
        }
    }
    w.finish()
}

/// collections.csv: the completeness ledger, one row per collection.
pub fn write_collections<W: Write>(snapshot: &Snapshot, cells: Cells, out: W) -> csv::Result<W> {
    let mut w = Table::new(out, &COLLECTION_COLUMNS);
    for collection in &snapshot.collections {
        let row = CollectionRow {
            workspace: &snapshot.workspace,
            record: collection,
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
    use crate::test_support;

    fn snapshot(names: &[&str]) -> Snapshot {
        let reports = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let mut r = test_support::report(&format!("r{i}"), Some(1), vec![]);
                r.name = Some(n.to_string());
                r
            })
            .collect();
        test_support::snapshot(reports)
    }

    fn names_read_back(names: &[&str], cells: Cells) -> Vec<String> {
        let bytes = write_reports(&snapshot(names), cells, Vec::new()).unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        reader.records().map(|r| r.unwrap()[5].to_string()).collect()
    }

    const DANGEROUS: [&str; 6] = ["=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-3", "@SUM(A1)", "\tx", "\rx"];
    const AWKWARD: [&str; 5] = ["line\nbreak", "say \"hi\"", "a,b", "Über café 数据 📊", "plain"];

    #[test]
    fn formula_cells_are_neutralised_by_default() {
        let got = names_read_back(&DANGEROUS, Cells::default());
        let want: Vec<String> = DANGEROUS.iter().map(|n| format!("'{n}")).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn awkward_text_round_trips_unchanged() {
        assert_eq!(names_read_back(&AWKWARD, Cells::default()), AWKWARD);
    }

    #[test]
    fn raw_csv_keeps_formulas_as_sent() {
        let raw = Cells {
            neutralise_formulas: false,
        };
        assert_eq!(names_read_back(&DANGEROUS, raw), DANGEROUS);
    }
}
