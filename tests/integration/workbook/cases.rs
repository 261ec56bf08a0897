//! The workbook's hard cases, on a snapshot built by hand: tokens that look like numbers, unicode
//! and formula-like names, unknown next to zero, a report in two schedules, text too long for a
//! cell, and a table longer than a sheet.

use calamine::Data;
use mode_audit::insights::findings::{FindingsOptions, detect};
use mode_audit::insights::keep::KeepList;
use mode_audit::output::{
    CUT_MARKER, Cells, MAX_CELL_TEXT, XlsxOptions, write_collections, write_findings, write_reports, write_schedules,
    write_snapshot, write_workbook,
};
use mode_audit::snapshot::{
    CollectionRecord, FetchStatus, LedgerStatus, ReportHistory, ReportRecord, SCHEMA_VERSION, ScheduleRecord, Snapshot,
    SnapshotStats, Status,
};
use serde_json::Value as Json;

use super::oracle::{check_summary, compare_tables, sheet_list};
use super::read::Book;

fn schedule(token: &str, frequency: &str, subscribers: Option<u64>) -> ScheduleRecord {
    ScheduleRecord {
        token: token.into(),
        name: Some(format!("Schedule {token}")),
        frequency: Some(frequency.into()),
        time_zone: Some("Europe/Berlin".into()),
        hour: Some("8".into()),
        minute: Some("0".into()),
        next_scheduled_run: Some("2026-11-29T08:00:00.000+01:00".into()),
        last_scheduled_run: Some("2026-11-28T07:00:00.000Z".into()),
        last_run_at: Some("2026-11-28T07:00:02.000Z".into()),
        last_succeeded_at: Some("2026-11-28T07:00:09.250Z".into()),
        retry_state: Some("ok".into()),
        subscriber_count: subscribers,
        fetched_at: Some("2026-11-28T03:00:00.000Z".into()),
    }
}

fn report(token: &str, name: Option<&str>, views: Option<u64>, schedules: Vec<ScheduleRecord>) -> ReportRecord {
    ReportRecord {
        token: token.into(),
        name: name.map(str::to_string),
        collection_token: "000000000123".into(),
        report_type: Some("Report".into()),
        archived: false,
        creator: Some("ana".into()),
        created_at: Some("2024-02-29T23:59:59.999Z".into()),
        updated_at: Some("2026-11-28T09:00:00.000+05:00".into()),
        last_run_at: None,
        last_successfully_run_at: Some("not a time".into()),
        view_count: views,
        schedules_count: Some(schedules.len() as u64),
        expected_runtime: Some(12.5),
        scheduled: Some(!schedules.is_empty()),
        url: Some(format!("https://app.mode.com/acme/reports/{token}")),
        fetch_status: if schedules.is_empty() {
            FetchStatus::NotScheduled
        } else {
            FetchStatus::Fetched
        },
        schedules,
        history: ReportHistory {
            first_seen: Some("2026-10-01T00:00:00.000Z".into()),
            views_7d: Some(0),
            views_30d: None,
            views_90d: Some(-2),
        },
        runs: Default::default(),
        discovered: Default::default(),
    }
}

/// Five reports: every hard case at least once.
fn hard_snapshot(long_name: &str) -> Snapshot {
    let mut unknown = report("6232244857e3", Some("=SUM(A1:A9)"), None, vec![]);
    unknown.schedules_count = None;
    unknown.scheduled = None;
    unknown.fetch_status = FetchStatus::SchedulesFailed;
    unknown.archived = true;
    unknown.history = ReportHistory::default();
    unknown.url = Some("javascript:alert(1)".into());
    let reports = vec![
        report(
            "842954155639",
            Some("Über café 数据 📊"),
            Some(0),
            vec![schedule("s1", "daily", Some(0)), schedule("s2", "hourly", Some(3))],
        ),
        unknown,
        {
            let mut r = report(
                "0a1b2c3d4e5f",
                Some("+1+2"),
                Some(7),
                vec![schedule("s3", "weekly", None)],
            );
            r.creator = Some("\tana\r\nline two _x0041_ \u{1} ".into());
            r
        },
        report("00000000001e", Some(long_name), Some(12), vec![]),
        report("a\"b,c'd", None, Some(1), vec![]),
    ];
    let mut snapshot = Snapshot {
        schema_version: SCHEMA_VERSION,
        workspace: "acme".into(),
        started_at: "2026-11-28T03:22:00.125Z".into(),
        finished_at: "2026-11-28T03:25:41.500Z".into(),
        status: Status::Partial,
        stats: SnapshotStats {
            duration_ms: 221_375,
            collections: 2,
            reports: 5,
            scheduled: 2,
            scheduled_zero_views: 1,
            archived: 1,
            duplicates: 3,
            ..SnapshotStats::default()
        },
        collections: vec![
            CollectionRecord {
                token: "000000000123".into(),
                name: Some("@Finance -2026".into()),
                collection_type: Some("custom".into()),
                reports: 5,
                pages: 1,
                status: LedgerStatus::Complete,
                error: None,
            },
            CollectionRecord {
                token: "9e9".into(),
                name: None,
                collection_type: Some("private".into()),
                reports: 0,
                pages: 0,
                status: LedgerStatus::Inaccessible,
                error: Some("403 Forbidden".into()),
            },
        ],
        reports: reports.into(),
        failures: vec![],
        findings: Default::default(),
        findings_window_seconds: None,
    };
    snapshot.stats.requests.requests = 17;
    snapshot.stats.requests.throttled = 1;
    snapshot.stats.requests.bytes = 123_456;
    snapshot.findings = detect(&snapshot, None, &FindingsOptions::default(), &KeepList::default());
    snapshot
}

fn workbook(snapshot: &Snapshot, rows_per_sheet: u32) -> Book {
    let options = XlsxOptions {
        rows_per_sheet,
        ..XlsxOptions::default()
    };
    let mut bytes = Vec::new();
    write_workbook(snapshot, &options, &mut bytes).unwrap();
    Book::open(bytes)
}

/// snapshot.json and the four CSV files (formulas left as they are) of `snapshot`.
fn files(snapshot: &Snapshot) -> (Json, [Vec<u8>; 4]) {
    let json = serde_json::from_slice(&write_snapshot(snapshot, Vec::new()).unwrap()).unwrap();
    let raw = Cells {
        neutralise_formulas: false,
    };
    let csv = [
        write_findings(&snapshot.workspace, snapshot.findings.iter(), raw, Vec::new()).unwrap(),
        write_reports(snapshot, raw, Vec::new()).unwrap(),
        write_schedules(snapshot, raw, Vec::new()).unwrap(),
        write_collections(snapshot, raw, Vec::new()).unwrap(),
    ];
    (json, csv)
}

fn compare_all(book: &mut Book, snapshot: &Snapshot) {
    let (json, csv) = files(snapshot);
    let errors = compare_tables(book, &json, [&csv[0], &csv[1], &csv[2], &csv[3]]);
    assert!(
        errors.is_empty(),
        "{} cells disagree:\n{}",
        errors.len(),
        errors.join("\n")
    );
    check_summary(book, &json);
}

#[test]
fn hard_cells_keep_their_types_and_text() {
    let long = "Ω".repeat(MAX_CELL_TEXT + 10);
    let snapshot = hard_snapshot(&long);
    let mut book = workbook(&snapshot, mode_audit::output::EXCEL_ROWS);
    assert_eq!(
        book.names(),
        ["Summary", "Findings", "Reports", "Schedules", "Collections"]
    );
    compare_all(&mut book, &snapshot);

    let reports = book.table("Reports");
    let tokens: Vec<&Data> = (0..5).map(|r| reports.cell(r, "report_token")).collect();
    // Tokens stay text however much they look like numbers.
    assert_eq!(tokens[0], &Data::String("842954155639".into()));
    assert_eq!(tokens[1], &Data::String("6232244857e3".into()));
    assert_eq!(tokens[3], &Data::String("00000000001e".into()));
    assert_eq!(
        reports.cell(0, "collection_token"),
        &Data::String("000000000123".into())
    );
    assert_eq!(
        reports.cell(0, "report_name"),
        &Data::String("Über café 数据 📊".into())
    );
    // A name that looks like a formula is text, shown as written, with no ' before it.
    assert_eq!(reports.cell(1, "report_name"), &Data::String("=SUM(A1:A9)".into()));
    assert_eq!(reports.formulas[1][reports.column("report_name")], "");
    assert_eq!(reports.cell(2, "report_name"), &Data::String("+1+2".into()));
    // Unknown is an empty cell; zero is the number 0.
    assert_eq!(reports.cell(0, "view_count"), &Data::Float(0.0));
    assert_eq!(reports.cell(1, "view_count"), &Data::Empty);
    assert_eq!(reports.cell(1, "scheduled"), &Data::Empty);
    assert_eq!(reports.cell(1, "subscriber_count"), &Data::Empty);
    assert_eq!(reports.cell(0, "views_7d"), &Data::Float(0.0));
    assert_eq!(reports.cell(0, "views_30d"), &Data::Empty);
    assert_eq!(reports.cell(1, "archived"), &Data::Bool(true));
    // Times are date-times in UTC (09:00 at +05:00 is 04:00); what is not a time stays text.
    let Data::DateTime(updated) = reports.cell(0, "updated_at") else {
        panic!("updated_at is a date-time")
    };
    assert_eq!(updated.as_datetime().unwrap().to_string(), "2026-11-28 04:00:00");
    assert_eq!(
        reports.cell(0, "last_successfully_run_at"),
        &Data::String("not a time".into())
    );
    // Report addresses are links; anything else is text.
    let url = reports.column("url");
    assert_eq!(
        reports.formulas[0][url],
        "HYPERLINK(\"https://app.mode.com/acme/reports/842954155639\")"
    );
    assert_eq!(reports.formulas[1][url], "");
    assert_eq!(reports.cell(1, "url"), &Data::String("javascript:alert(1)".into()));
    // Too long for a cell: cut, with the marker, at Excel's limit.
    let Data::String(cut) = reports.cell(3, "report_name") else {
        panic!("the long name is text")
    };
    assert!(cut.ends_with(CUT_MARKER));
    assert_eq!(cut.encode_utf16().count(), MAX_CELL_TEXT);

    // A report in two schedules: two rows, each with its own subscribers.
    let schedules = book.table("Schedules");
    let rows: Vec<(&Data, &Data, &Data)> = (0..schedules.rows.len())
        .map(|r| {
            (
                schedules.cell(r, "report_token"),
                schedules.cell(r, "schedule_token"),
                schedules.cell(r, "subscriber_count"),
            )
        })
        .collect();
    let t = |s: &str| Data::String(s.into());
    assert_eq!(
        rows,
        [
            (&t("842954155639"), &t("s1"), &Data::Float(0.0)),
            (&t("842954155639"), &t("s2"), &Data::Float(3.0)),
            (&t("0a1b2c3d4e5f"), &t("s3"), &Data::Empty),
        ]
    );
    assert_eq!(reports.cell(0, "schedule_frequencies"), &t("daily;hourly"));
    assert_eq!(reports.cell(0, "subscriber_count"), &Data::Float(3.0));

    let findings = book.table("Findings");
    assert!(!findings.rows.is_empty());
    assert_eq!(findings.cell(0, "report_token"), &t("842954155639"));
}

#[test]
fn a_table_longer_than_a_sheet_goes_on_in_the_next_and_the_summary_says_so() {
    let snapshot = hard_snapshot("short");
    // Three rows a sheet: the header and two reports.
    let mut book = workbook(&snapshot, 3);
    let names = book.names();
    let at = names.iter().position(|n| n == "Reports").unwrap();
    assert_eq!(
        names[at..at + 4],
        ["Reports", "Reports (2)", "Reports (3)", "Schedules"]
    );
    let reports = book.table("Reports");
    assert_eq!(reports.sheets, ["Reports", "Reports (2)", "Reports (3)"]);
    for sheet in &reports.sheets {
        let (cells, _) = book.range(sheet);
        assert!(cells.height() <= 3, "{sheet} has {} rows", cells.height());
    }
    // Every cell of every table still matches, continuation sheets appended in order.
    compare_all(&mut book, &snapshot);

    let listed = sheet_list(&mut book);
    let names: Vec<&str> = listed.iter().map(|(name, _, _)| name.as_str()).collect();
    assert_eq!(names, book.names()[1..]);
    let reports: Vec<&(String, f64, String)> = listed.iter().filter(|(n, _, _)| n.starts_with("Reports")).collect();
    assert_eq!(
        reports
            .iter()
            .map(|(n, rows, _)| (n.as_str(), *rows))
            .collect::<Vec<_>>(),
        [("Reports", 2.0), ("Reports (2)", 2.0), ("Reports (3)", 1.0)]
    );
    assert!(
        reports[0].2.contains("5 rows") && reports[0].2.contains("continues on Reports (2)"),
        "{}",
        reports[0].2
    );
    assert!(reports[2].2.contains("continued from Reports (2)"), "{}", reports[2].2);
    let collections = listed.iter().find(|(n, _, _)| n == "Collections").unwrap();
    assert_eq!((collections.1, collections.2.as_str()), (2.0, ""));
}

/// The XML of the workbook's `n`th sheet (1-based, in the order of the tabs).
fn sheet_xml(bytes: &[u8], n: usize) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut file = zip.by_name(&format!("xl/worksheets/sheet{n}.xml")).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut file, &mut xml).unwrap();
    xml
}

/// Column widths from a sheet's `<cols>`, one per column.
fn widths(xml: &str) -> Vec<f64> {
    let attr = |tag: &str, name: &str| -> String {
        let key = format!(" {name}=\"");
        let at = tag.find(&key).unwrap_or_else(|| panic!("no {name} in <col{tag}>")) + key.len();
        tag[at..].split('"').next().unwrap().to_string()
    };
    let mut out = Vec::new();
    for tag in xml
        .split("<col ")
        .skip(1)
        .map(|t| format!(" {}", t.split('>').next().unwrap()))
    {
        let (min, max): (usize, usize) = (attr(&tag, "min").parse().unwrap(), attr(&tag, "max").parse().unwrap());
        let width: f64 = attr(&tag, "width").parse().unwrap();
        out.resize(max, 0.0);
        out[min - 1..max].fill(width);
    }
    out
}

#[test]
fn every_table_has_a_frozen_header_a_filter_and_widths_that_fit() {
    let long = "x".repeat(200);
    let snapshot = hard_snapshot(&long);
    let mut bytes = Vec::new();
    write_workbook(&snapshot, &XlsxOptions::default(), &mut bytes).unwrap();
    // Tabs: Summary, Findings, Reports, Schedules, Collections.
    let reports = sheet_xml(&bytes, 3);
    assert!(reports.contains(r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#));
    assert!(
        reports.contains(r#"<autoFilter ref="A1:AL6"/>"#),
        "a filter over the header and 5 reports"
    );
    assert!(reports.contains(r#"<ignoredError sqref="A1:AL6" numberStoredAsText="1"/>"#));
    let w = widths(&reports);
    assert_eq!(w.len(), mode_audit::output::REPORT_COLUMNS.len());
    for (width, column) in w.iter().zip(mode_audit::output::REPORT_COLUMNS) {
        assert!(
            *width >= column.len() as f64 + 2.0 && *width <= 64.0,
            "{column}: {width}"
        );
    }
    let at = |name: &str| {
        mode_audit::output::REPORT_COLUMNS
            .iter()
            .position(|c| *c == name)
            .unwrap()
    };
    assert!(
        w[at("report_name")] > 60.0,
        "the long name's column is as wide as allowed"
    );
    assert!(w[at("created_at")] >= 23.0, "a time fits: 2026-11-28 03:22:00 UTC");
    assert!(w[at("url")] >= "https://app.mode.com/acme/reports/842954155639".len() as f64);
    assert!(w[at("archived")] < 15.0, "a narrow column stays narrow");
    for n in [2, 4, 5] {
        let xml = sheet_xml(&bytes, n);
        assert!(
            xml.contains(r#"state="frozen""#) && xml.contains("<autoFilter ref=\"A1:"),
            "sheet {n}"
        );
    }
}

/// The header row of a CSV file.
fn csv_header(bytes: &[u8]) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(bytes);
    reader.headers().unwrap().iter().map(str::to_string).collect()
}

#[test]
fn each_csv_file_and_its_sheet_have_the_same_header() {
    let full = hard_snapshot("long");
    let mut empty = hard_snapshot("long");
    empty.reports = Vec::new().into();
    empty.collections.clear();
    empty.findings = Default::default();
    for snapshot in [&full, &empty] {
        let mut book = workbook(snapshot, mode_audit::output::EXCEL_ROWS);
        let (_, csv) = files(snapshot);
        for (sheet, bytes) in ["Findings", "Reports", "Schedules", "Collections"].iter().zip(&csv) {
            let header = csv_header(bytes);
            assert!(!header.is_empty(), "{sheet}: the CSV has a header");
            assert_eq!(
                book.table(sheet).header,
                header,
                "{sheet}: the sheet's header is the CSV's"
            );
        }
    }
}
