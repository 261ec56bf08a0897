//! Table: the one CSV row writer behind every CSV file (documented header, rows in order, the
//! header alone when there are no rows).

use std::io::Write;

use serde::Serialize;

use super::rows::CsvRecord;

/// Rows serialised under a fixed header. The header comes from the row type's field names; a
/// table without rows still gets it, from `columns`.
pub struct Table<W: Write> {
    writer: csv::Writer<W>,
    columns: &'static [&'static str],
    rows: u64,
}

impl<W: Write> Table<W> {
    pub fn new(out: W, columns: &'static [&'static str]) -> Table<W> {
        Table {
            writer: csv::WriterBuilder::new().has_headers(true).from_writer(out),
            columns,
            rows: 0,
        }
    }

    pub fn row(&mut self, row: impl Serialize) -> csv::Result<()> {
        self.rows += 1;
        self.writer.serialize(row)
    }

    /// One row of a table defined in [`super::rows`], under `columns`. (A record names no
    /// columns, so the header is written here, before the first.)
    pub fn record(&mut self, record: CsvRecord) -> csv::Result<()> {
        if self.rows == 0 {
            self.writer.write_record(self.columns)?;
        }
        self.row(record)
    }

    /// Writes the header if no row did, flushes, and hands back the output.
    pub fn finish(mut self) -> csv::Result<W> {
        if self.rows == 0 {
            self.writer.write_record(self.columns)?;
        }
        self.writer.into_inner().map_err(|e| e.into_error().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row<'a> {
        token: &'a str,
        views: Option<u64>,
    }

    #[test]
    fn rows_follow_one_header_and_an_empty_table_still_has_it() {
        let mut t = Table::new(Vec::new(), &["token", "views"]);
        t.row(Row {
            token: "a,b",
            views: None,
        })
        .unwrap();
        t.row(Row {
            token: "c",
            views: Some(0),
        })
        .unwrap();
        let text = String::from_utf8(t.finish().unwrap()).unwrap();
        assert_eq!(text, "token,views\n\"a,b\",\nc,0\n");
        let empty = Table::new(Vec::new(), &["token", "views"]).finish().unwrap();
        assert_eq!(String::from_utf8(empty).unwrap(), "token,views\n");
    }
}
