//! Value: one typed workbook cell (text, number, boolean, UTC time, link or empty) and how it is
//! written: text always as text, never a formula; an unknown value as an empty cell, never 0.

use std::borrow::Cow;

use rust_xlsxwriter::{ColNum, Format, Formula, RowNum, Worksheet, XlsxError};

use crate::output::rows::Field;
use crate::snapshot::time::parse_time;

/// The most UTF-16 units a cell holds (Excel's limit).
pub const MAX_CELL_TEXT: usize = 32_767;
/// Ends a text cut at [`MAX_CELL_TEXT`].
pub const CUT_MARKER: &str = " … [cut: a cell holds 32,767 characters; CSV and JSON have it all]";
/// Excel's limit on the text of one string inside a formula (the link in `HYPERLINK`).
const MAX_LINK: usize = 255;
/// Column widths, in characters: never narrower than the header, never wider than this.
pub const MAX_WIDTH: usize = 60;
/// How a time is shown (the value itself is an Excel date-time, in UTC).
const TIME_FORMAT: &str = "yyyy-mm-dd hh:mm:ss \"UTC\"";
/// Width of a time as [`TIME_FORMAT`] shows it.
const TIME_WIDTH: usize = 23;

/// One cell's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// Unknown (or empty text): nothing is written.
    Empty,
    Text(Cow<'a, str>),
    Number(f64),
    Bool(bool),
    /// An RFC 3339 time as Mode wrote it; written as a date-time in UTC, or as text if it is none.
    Time(&'a str),
    /// A web address; written as a clickable link when it is a plain http(s) address.
    Link(&'a str),
}

impl<'a> Value<'a> {
    pub fn text(text: &'a str) -> Value<'a> {
        Value::Text(Cow::Borrowed(text))
    }

    pub fn opt_text(text: Option<&'a str>) -> Value<'a> {
        text.map_or(Value::Empty, Value::text)
    }

    pub fn time(text: Option<&'a str>) -> Value<'a> {
        text.map_or(Value::Empty, Value::Time)
    }

    pub fn link(text: Option<&'a str>) -> Value<'a> {
        text.map_or(Value::Empty, Value::Link)
    }

    pub fn number<N: Into<f64>>(n: Option<N>) -> Value<'a> {
        n.map_or(Value::Empty, |n| Value::Number(n.into()))
    }

    /// Counts beyond 2^53 lose their last digits, as every spreadsheet number does.
    pub fn count(n: Option<u64>) -> Value<'a> {
        n.map_or(Value::Empty, |n| Value::Number(n as f64))
    }

    pub fn signed(n: Option<i64>) -> Value<'a> {
        n.map_or(Value::Empty, |n| Value::Number(n as f64))
    }

    pub fn boolean(b: Option<bool>) -> Value<'a> {
        b.map_or(Value::Empty, Value::Bool)
    }
}

impl<'a> From<Field<'a>> for Value<'a> {
    /// A row's field as the workbook shows it: times as date-times, addresses as links.
    fn from(field: Field<'a>) -> Value<'a> {
        match field {
            Field::Text(text) | Field::Code(text) => text.map_or(Value::Empty, Value::Text),
            Field::Time(text) => Value::time(text),
            Field::Link(text) => Value::link(text),
            Field::Count(n) => Value::count(n),
            Field::Signed(n) => Value::signed(n),
            Field::Number(n) => Value::number(n),
            Field::Flag(b) => Value::boolean(b),
        }
    }
}

/// The formats cells are written with.
pub struct Styles {
    pub header: Format,
    pub time: Format,
    pub link: Format,
}

impl Styles {
    pub fn new() -> Styles {
        Styles {
            header: Format::new().set_bold(),
            time: Format::new().set_num_format(TIME_FORMAT),
            link: Format::new().set_hyperlink(),
        }
    }
}

/// Writes `value` at (`row`, `col`); returns how wide it shows, in characters.
pub fn write(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    value: &Value,
    styles: &Styles,
) -> Result<usize, XlsxError> {
    match value {
        Value::Empty => Ok(0),
        Value::Text(text) => write_text(sheet, row, col, text),
        Value::Number(n) if n.is_finite() => {
            sheet.write_number(row, col, *n)?;
            Ok(number_width(*n))
        }
        Value::Number(n) => write_text(sheet, row, col, &n.to_string()),
        Value::Bool(b) => {
            sheet.write_boolean(row, col, *b)?;
            Ok(5)
        }
        Value::Time(text) => match excel_time(text) {
            Some(serial) => {
                sheet.write_number_with_format(row, col, serial, &styles.time)?;
                Ok(TIME_WIDTH)
            }
            None => write_text(sheet, row, col, text),
        },
        Value::Link(url) if is_plain_link(url) => {
            let escaped = url.replace('"', "\"\"");
            let formula = Formula::new(format!("HYPERLINK(\"{escaped}\")")).set_result(*url);
            sheet.write_formula_with_format(row, col, formula, &styles.link)?;
            Ok(url.chars().count())
        }
        Value::Link(url) => write_text(sheet, row, col, url),
    }
}

/// A string cell, cut to fit; a string is never read as a formula, whatever it starts with.
fn write_text(sheet: &mut Worksheet, row: RowNum, col: ColNum, text: &str) -> Result<usize, XlsxError> {
    let text = fit(text);
    sheet.write_string(row, col, text.as_ref())?;
    Ok(text.chars().take(MAX_WIDTH).count())
}

/// `text` itself when a cell holds it, else its start and [`CUT_MARKER`], [`MAX_CELL_TEXT`] units in all.
pub fn fit(text: &str) -> Cow<'_, str> {
    // Every character is at most 2 UTF-16 units, so short text needs no count.
    if text.len() <= MAX_CELL_TEXT || text.encode_utf16().count() <= MAX_CELL_TEXT {
        return Cow::Borrowed(text);
    }
    let room = MAX_CELL_TEXT - CUT_MARKER.encode_utf16().count();
    let mut units = 0;
    let end = text
        .char_indices()
        .find(|(_, c)| {
            units += c.len_utf16();
            units > room
        })
        .map_or(text.len(), |(at, _)| at);
    Cow::Owned(format!("{}{CUT_MARKER}", &text[..end]))
}

/// An RFC 3339 time as an Excel serial date-time in UTC (days since 1899-12-30), when Excel can
/// show it (1900-03-01 to 9999-12-31; earlier serials are off by Excel's 1900 leap-year bug).
pub fn excel_time(text: &str) -> Option<f64> {
    /// The serial of 1970-01-01.
    const UNIX_EPOCH: f64 = 25_569.0;
    const FIRST: i64 = -2_203_891_200; // 1900-03-01T00:00:00Z
    const END: i64 = 253_402_300_800; // 10000-01-01T00:00:00Z
    let t = parse_time(text)?;
    let seconds = t.timestamp();
    if !(FIRST..END).contains(&seconds) {
        return None;
    }
    let exact = seconds as f64 + f64::from(t.timestamp_subsec_nanos()) / 1e9;
    Some(UNIX_EPOCH + exact / 86_400.0)
}

/// An address `HYPERLINK` can take as it is: http(s), no control characters, short enough.
fn is_plain_link(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && url.len() <= MAX_LINK
        && !url.chars().any(char::is_control)
}

/// Characters a number takes in the General format (about).
fn number_width(n: f64) -> usize {
    if n.fract() == 0.0 && n.abs() < 1e11 {
        let digits = if n == 0.0 { 1 } else { n.abs().log10() as usize + 1 };
        digits + usize::from(n < 0.0)
    } else {
        11
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_to_the_cell_limit_with_the_marker() {
        assert_eq!(fit("short"), "short");
        let exact = "x".repeat(MAX_CELL_TEXT);
        assert_eq!(fit(&exact), exact);
        let long = "é".repeat(MAX_CELL_TEXT + 1);
        let cut = fit(&long);
        assert!(cut.ends_with(CUT_MARKER));
        assert_eq!(cut.encode_utf16().count(), MAX_CELL_TEXT);
        // Characters outside the basic plane take two units; a cut never splits one.
        let emoji = "📊".repeat(20_000);
        let cut = fit(&emoji);
        assert!(cut.encode_utf16().count() <= MAX_CELL_TEXT);
        assert!(cut.trim_end_matches(CUT_MARKER).chars().all(|c| c == '📊'));
    }

    #[test]
    fn times_become_utc_serials_and_the_rest_stays_text() {
        assert_eq!(excel_time("1970-01-01T00:00:00Z"), Some(25_569.0));
        // 09:00 at +05:00 is 04:00 UTC: a sixth of a day.
        let serial = excel_time("2026-11-28T09:00:00.000+05:00").unwrap();
        let utc = excel_time("2026-11-28T04:00:00Z").unwrap();
        assert_eq!(serial, utc);
        assert!((serial.fract() - 4.0 / 24.0).abs() < 1e-9);
        assert_eq!(excel_time("1899-12-31T00:00:00Z"), None);
        assert_eq!(excel_time("yesterday"), None);
    }

    #[test]
    fn only_plain_web_addresses_become_links() {
        assert!(is_plain_link("https://app.mode.com/acme/reports/abc"));
        assert!(is_plain_link("HTTP://example.com"));
        assert!(!is_plain_link("javascript:alert(1)"));
        assert!(!is_plain_link("https://x/\n"));
        assert!(!is_plain_link(&format!("https://{}", "a".repeat(300))));
    }
}
