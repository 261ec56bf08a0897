//! The oracle: what each cell must hold, by column kind, from snapshot.json and from the CSV file
//! of the same table; and the Summary against snapshot.json.

use std::collections::HashMap;

use calamine::Data;
use mode_audit::output::{
    COLLECTION_COLUMNS, CUT_MARKER, FINDING_COLUMNS, MAX_CELL_TEXT, REPORT_COLUMNS, SCHEDULE_COLUMNS,
};
use mode_audit::snapshot::time::parse_time;
use serde_json::Value as Json;

use super::read::{Book, Table};

/// Columns whose cells are date-times (UTC), numbers and booleans; every other column is text.
const TIME_COLUMNS: [&str; 9] = [
    "created_at",
    "updated_at",
    "last_run_at",
    "last_successfully_run_at",
    "next_scheduled_run",
    "first_seen",
    "last_scheduled_run",
    "last_succeeded_at",
    "fetched_at",
];
const NUMBER_COLUMNS: [&str; 16] = [
    "view_count",
    "schedules_count",
    "subscriber_count",
    "views_7d",
    "views_30d",
    "views_90d",
    "reports",
    "pages",
    "runs_per_month",
    "expected_runtime_seconds",
    "runtime_per_month_seconds",
    "views_in_window",
    "views_per_run",
    "runs_30d",
    "failed_runs_30d",
    "run_seconds_30d",
];
const BOOL_COLUMNS: [&str; 2] = ["archived", "scheduled"];

/// Each column of reports.csv that is a field of a report in snapshot.json, and its JSON pointer.
pub const REPORT_FIELDS: [(&str, &str); 20] = [
    ("collection_token", "/collection_token"),
    ("report_token", "/token"),
    ("report_name", "/name"),
    ("report_type", "/report_type"),
    ("archived", "/archived"),
    ("creator", "/creator"),
    ("created_at", "/created_at"),
    ("updated_at", "/updated_at"),
    ("last_run_at", "/last_run_at"),
    ("last_successfully_run_at", "/last_successfully_run_at"),
    ("view_count", "/view_count"),
    ("schedules_count", "/schedules_count"),
    ("scheduled", "/scheduled"),
    ("url", "/url"),
    ("fetch_status", "/fetch_status"),
    ("views_7d", "/history/views_7d"),
    ("views_30d", "/history/views_30d"),
    ("views_90d", "/history/views_90d"),
    ("first_seen", "/history/first_seen"),
    ("workspace", "/workspace"),
];

/// Whether `cell` (with `formula`) holds what snapshot.json holds for it, as its type says.
pub fn agrees(cell: &Data, formula: &str, want: &Json, column: &str) -> Result<(), String> {
    let fail = |why: &str| {
        Err(format!(
            "{column}: {why}: got {cell:?} (formula {formula:?}), want {want}"
        ))
    };
    if !formula.is_empty() {
        let Json::String(url) = want else {
            return fail("a formula");
        };
        if column != "url" || formula != format!("HYPERLINK(\"{}\")", url.replace('"', "\"\"")) {
            return fail("a formula where text belongs");
        }
    }
    match want {
        Json::Null => match cell {
            Data::Empty => Ok(()),
            _ => fail("unknown is not empty"),
        },
        Json::Bool(b) => match cell {
            Data::Bool(got) if got == b && BOOL_COLUMNS.contains(&column) => Ok(()),
            _ => fail("not the boolean"),
        },
        Json::Number(n) => match cell {
            Data::Float(got) if *got == n.as_f64().unwrap() && NUMBER_COLUMNS.contains(&column) => Ok(()),
            _ => fail("not the number"),
        },
        Json::String(text) if TIME_COLUMNS.contains(&column) && excel_can_show(text) => {
            let at = parse_time(text).unwrap().naive_utc();
            match cell {
                Data::DateTime(got)
                    if got
                        .as_datetime()
                        .is_some_and(|d| (d - at).num_milliseconds().abs() <= 1) =>
                {
                    Ok(())
                }
                _ => fail("not the date-time"),
            }
        }
        Json::String(text) if text.is_empty() => match cell {
            Data::Empty => Ok(()),
            _ => fail("empty text is not an empty cell"),
        },
        Json::String(text) if text.encode_utf16().count() > MAX_CELL_TEXT => match cell {
            Data::String(got)
                if got.encode_utf16().count() == MAX_CELL_TEXT
                    && got.strip_suffix(CUT_MARKER).is_some_and(|kept| text.starts_with(kept)) =>
            {
                Ok(())
            }
            _ => fail("long text not cut with the marker"),
        },
        Json::String(text) => match cell {
            Data::String(got) if got == text => Ok(()),
            _ => fail("not the same text"),
        },
        Json::Array(_) | Json::Object(_) => fail("no cell holds this"),
    }
}

/// A time Excel can show as a date-time: from 1900-03-01 (RFC 3339 ends at 9999 anyway).
fn excel_can_show(text: &str) -> bool {
    let first = parse_time("1900-03-01T00:00:00Z").unwrap();
    parse_time(text).is_some_and(|t| t >= first)
}

/// A CSV field (written without formula neutralising) as the JSON value it stands for.
pub fn csv_value(field: &str, column: &str) -> Json {
    if field.is_empty() && (NUMBER_COLUMNS.contains(&column) || BOOL_COLUMNS.contains(&column)) {
        Json::Null
    } else if NUMBER_COLUMNS.contains(&column) {
        serde_json::json!(field.parse::<f64>().unwrap())
    } else if BOOL_COLUMNS.contains(&column) {
        Json::Bool(field.parse().unwrap())
    } else {
        Json::String(field.to_string())
    }
}

/// Checks `table` against the CSV of the same rows (every column), and against `json_rows` for
/// the columns of `fields` (each with its JSON pointer). Returns what disagrees.
pub fn compare(
    table: &Table,
    columns: &[&str],
    csv: &[u8],
    json_rows: &[&Json],
    fields: &[(&str, &str)],
) -> Vec<String> {
    assert_eq!(table.header, columns, "{:?}: the CSV's columns, in order", table.sheets);
    let mut reader = csv::Reader::from_reader(csv);
    let csv_rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(
        table.rows.len(),
        csv_rows.len(),
        "{:?}: one row per CSV row",
        table.sheets
    );
    assert_eq!(
        table.rows.len(),
        json_rows.len(),
        "{:?}: one row per record",
        table.sheets
    );
    let mut errors = Vec::new();
    for (i, row) in table.rows.iter().enumerate() {
        for (c, column) in columns.iter().enumerate() {
            let (cell, formula) = (&row[c], table.formulas[i][c].as_str());
            if let Err(e) = agrees(cell, formula, &csv_value(&csv_rows[i][c], column), column) {
                errors.push(format!("{:?} row {i} vs CSV: {e}", table.sheets));
            }
            if let Some((_, pointer)) = fields.iter().find(|(name, _)| name == column) {
                let want = json_rows[i]
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("{pointer} in snapshot.json"));
                if let Err(e) = agrees(cell, formula, want, column) {
                    errors.push(format!("{:?} row {i} vs snapshot.json: {e}", table.sheets));
                }
            }
        }
    }
    errors
}

/// Each column named the same in snapshot.json, with its pointer.
pub fn same_named(columns: &[&'static str], except: &[&str]) -> Vec<(&'static str, String)> {
    columns
        .iter()
        .filter(|c| !except.contains(c))
        .map(|c| (*c, format!("/{c}")))
        .collect()
}

fn as_refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(c, p)| (*c, p.as_str())).collect()
}

/// The Summary sheet's rows, in order, as ((section, label), the cells right of the label).
pub fn summary(book: &mut Book) -> Vec<((String, String), Vec<Data>)> {
    let (cells, _) = book.range("Summary");
    assert_eq!(cells.start(), Some((0, 0)));
    let mut section = String::new();
    let mut out = Vec::new();
    for row in cells.rows() {
        let label = row[0].to_string();
        if label.is_empty() {
            continue;
        }
        if row[1..].iter().all(|d| *d == Data::Empty) && section != "Sheets" {
            section = label;
            continue;
        }
        out.push(((section.clone(), label), row[1..].to_vec()));
    }
    out
}

fn refs(rows: &[Json]) -> Vec<&Json> {
    rows.iter().collect()
}

/// Checks every Findings, Reports, Schedules and Collections cell against the CSV files' bytes and
/// snapshot.json; returns what disagrees.
pub fn compare_tables(book: &mut Book, json: &Json, csv: [&[u8]; 4]) -> Vec<String> {
    let workspace = json["workspace"].clone();
    let with_ws = |rows: &[Json]| -> Vec<Json> {
        rows.iter()
            .map(|r| {
                let mut r = r.clone();
                r["workspace"] = workspace.clone();
                r
            })
            .collect()
    };
    let findings = with_ws(json["findings"].as_array().unwrap());
    let reports = with_ws(json["reports"].as_array().unwrap());
    let collections = with_ws(json["collections"].as_array().unwrap());
    let schedules: Vec<Json> = reports
        .iter()
        .flat_map(|r| {
            r["schedules"].as_array().unwrap().iter().map(|s| {
                let mut s = s.clone();
                s["workspace"] = r["workspace"].clone();
                s["report_token"] = r["token"].clone();
                s
            })
        })
        .collect();
    let finding_fields = same_named(&FINDING_COLUMNS, &[]);
    let schedule_fields = same_named(&SCHEDULE_COLUMNS, &["schedule_token", "schedule_name"]);
    let mut schedule_fields = as_refs(&schedule_fields);
    schedule_fields.extend([("schedule_token", "/token"), ("schedule_name", "/name")]);
    let collection_fields = same_named(&COLLECTION_COLUMNS, &["collection_token", "collection_name"]);
    let mut collection_fields = as_refs(&collection_fields);
    collection_fields.extend([("collection_token", "/token"), ("collection_name", "/name")]);
    let mut errors = Vec::new();
    let table = book.table("Findings");
    errors.extend(compare(
        &table,
        &FINDING_COLUMNS,
        csv[0],
        &refs(&findings),
        &as_refs(&finding_fields),
    ));
    let table = book.table("Reports");
    errors.extend(compare(
        &table,
        &REPORT_COLUMNS,
        csv[1],
        &refs(&reports),
        &REPORT_FIELDS,
    ));
    let table = book.table("Schedules");
    errors.extend(compare(
        &table,
        &SCHEDULE_COLUMNS,
        csv[2],
        &refs(&schedules),
        &schedule_fields,
    ));
    let table = book.table("Collections");
    errors.extend(compare(
        &table,
        &COLLECTION_COLUMNS,
        csv[3],
        &refs(&collections),
        &collection_fields,
    ));
    errors
}

/// The Summary against snapshot.json: workspace, status, times, counts, findings, requests, sheets.
pub fn check_summary(book: &mut Book, json: &Json) {
    let s: HashMap<_, _> = summary(book).into_iter().collect();
    let get = |section: &str, label: &str| -> Data {
        s.get(&(section.to_string(), label.to_string()))
            .unwrap_or_else(|| panic!("Summary has no {section} / {label}"))[0]
            .clone()
    };
    let stats = &json["stats"];
    let mut errors = Vec::new();
    let mut check = |section: &str, label: &str, want: &Json, column: &str| {
        if let Err(e) = agrees(&get(section, label), "", want, column) {
            errors.push(format!("Summary {section} / {label}: {e}"));
        }
    };
    check("Snapshot", "Workspace", &json["workspace"], "workspace");
    check("Snapshot", "Status", &json["status"], "status");
    check("Snapshot", "Started (UTC)", &json["started_at"], "created_at");
    check("Snapshot", "Finished (UTC)", &json["finished_at"], "created_at");
    let inaccessible = json["collections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "inaccessible")
        .count();
    for (label, want) in [
        ("Collections", stats["collections"].clone()),
        ("Inaccessible collections", inaccessible.into()),
        ("Reports", stats["reports"].clone()),
        ("Scheduled", stats["scheduled"].clone()),
        ("Scheduled, never viewed", stats["scheduled_zero_views"].clone()),
        ("Archived", stats["archived"].clone()),
        ("Duplicates dropped", stats["duplicates"].clone()),
        ("Failures", json["failures"].as_array().unwrap().len().into()),
    ] {
        check("Counts", label, &want, "reports");
    }
    let findings = json["findings"].as_array().unwrap();
    for reason in mode_audit::insights::findings::Reason::ALL {
        let n = findings.iter().filter(|f| f["reason"] == reason.code()).count();
        check("Findings by reason", reason.code(), &n.into(), "reports");
    }
    check("Findings by reason", "All findings", &findings.len().into(), "reports");
    for (label, key) in [
        ("Requests", "requests"),
        ("Throttled (429)", "throttled"),
        ("Retries", "retries"),
        ("Bytes read", "bytes"),
    ] {
        check("Requests", label, &stats[key], "reports");
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// The Sheets part of the Summary: (sheet, rows, note), in order.
pub fn sheet_list(book: &mut Book) -> Vec<(String, f64, String)> {
    summary(book)
        .into_iter()
        .filter(|((section, label), _)| section == "Sheets" && label != "sheet")
        .map(|((_, label), cells)| {
            let rows = match cells[0] {
                Data::Float(n) => n,
                ref other => panic!("{label}: rows {other:?}"),
            };
            (label, rows, cells[1].to_string())
        })
        .collect()
}
