//! A workbook read back with calamine: its sheets, and each table with its continuation sheets.

use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx};

/// A workbook read back.
pub struct Book(Xlsx<Cursor<Vec<u8>>>);

/// One table, its continuation sheets appended: header, data rows, and each cell's formula ("" if none).
pub struct Table {
    pub sheets: Vec<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Data>>,
    pub formulas: Vec<Vec<String>>,
}

impl Table {
    pub fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    pub fn cell(&self, row: usize, column: &str) -> &Data {
        &self.rows[row][self.column(column)]
    }
}

impl Book {
    pub fn open(bytes: Vec<u8>) -> Book {
        Book(Xlsx::new(Cursor::new(bytes)).expect("an xlsx file calamine reads"))
    }

    pub fn names(&self) -> Vec<String> {
        self.0.sheet_names()
    }

    pub fn range(&mut self, sheet: &str) -> (Range<Data>, Range<String>) {
        let cells = self.0.worksheet_range(sheet).unwrap();
        let formulas = self.0.worksheet_formula(sheet).unwrap();
        (cells, formulas)
    }

    /// The sheet `title` and its continuations (`title (2)`, ...), each with the same header.
    pub fn table(&mut self, title: &str) -> Table {
        let sheets: Vec<String> = self
            .names()
            .into_iter()
            .filter(|n| n == title || n.strip_prefix(title).is_some_and(|rest| rest.starts_with(" (")))
            .collect();
        assert!(!sheets.is_empty(), "no sheet {title} in {:?}", self.names());
        let mut table = Table {
            sheets: sheets.clone(),
            header: Vec::new(),
            rows: Vec::new(),
            formulas: Vec::new(),
        };
        for name in &sheets {
            let (cells, formulas) = self.range(name);
            assert_eq!(cells.start(), Some((0, 0)), "{name} starts at A1");
            let width = cells.width();
            let header: Vec<String> = (0..width).map(|c| cells.get((0, c)).unwrap().to_string()).collect();
            if table.header.is_empty() {
                table.header = header;
            } else {
                assert_eq!(header, table.header, "{name} repeats the header");
            }
            for r in 1..cells.height() as u32 {
                table.rows.push(
                    (0..width as u32)
                        .map(|c| cells.get_value((r, c)).cloned().unwrap_or_default())
                        .collect(),
                );
                table.formulas.push(
                    (0..width as u32)
                        .map(|c| formulas.get_value((r, c)).cloned().unwrap_or_default())
                        .collect(),
                );
            }
        }
        table
    }
}
