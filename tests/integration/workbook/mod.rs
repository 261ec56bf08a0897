//! The workbook (`--format xlsx`) read back with calamine: every sheet's cells, types included,
//! against snapshot.json and the CSV files of the same snapshot.

use calamine::Data;
use mode_audit::commands::run::{RunStatus, run};
use mode_audit::output::folder_stamp;
use mode_audit::sim::SimServer;
use mode_audit::stop::Stop;
use serde_json::Value as Json;

use crate::harness::{fast_config, settings};

// The hard cases: number-like tokens, formulas as names, unknown vs 0, long text, a full sheet.
mod cases;
// What each cell must hold, from snapshot.json and the CSV files.
mod oracle;
// Reading a workbook back.
mod read;

use oracle::{check_summary, compare_tables, sheet_list};
pub use read::Book;

#[tokio::test]
async fn the_workbook_matches_snapshot_json_and_the_csv_files_cell_by_cell() {
    let config = fast_config(vec![0, 30, 61, 45, 7]);
    let sim = SimServer::start(config.clone()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut s = settings(&sim, &config, out.path());
    s.formats.xlsx = true;
    s.cells.neutralise_formulas = false;
    s.insights.digests = true;
    let report = run(&s, &Stop::default()).await.unwrap();
    assert_eq!(report.status, RunStatus::Complete);
    let dir = report.published.clone().unwrap();
    let json: Json = serde_json::from_slice(&std::fs::read(dir.join("snapshot.json")).unwrap()).unwrap();
    let name = format!("acme-{}.xlsx", folder_stamp(json["started_at"].as_str().unwrap()));
    assert_eq!(report.workbook.as_deref(), Some(dir.join(&name).as_path()));
    let mut book = Book::open(std::fs::read(dir.join(&name)).unwrap());
    assert_eq!(
        book.names(),
        ["Summary", "Findings", "Reports", "Schedules", "Collections", "Owners"]
    );
    let read = |file: &str| std::fs::read(dir.join(file)).unwrap();
    let csv = [
        read("findings.csv"),
        read("reports.csv"),
        read("schedules.csv"),
        read("collections.csv"),
    ];
    assert!(
        !json["findings"].as_array().unwrap().is_empty(),
        "the stand-in yields findings"
    );
    let errors = compare_tables(&mut book, &json, [&csv[0], &csv[1], &csv[2], &csv[3]]);
    assert!(
        errors.is_empty(),
        "{} cells disagree:\n{}",
        errors.len(),
        errors[..errors.len().min(20)].join("\n")
    );
    check_summary(&mut book, &json);
    let listed: Vec<String> = sheet_list(&mut book).into_iter().map(|(name, _, _)| name).collect();
    assert_eq!(listed, book.names()[1..]);

    // Owners: one row per owner's digest file, its findings counted by reason.
    let owners = book.table("Owners");
    assert!(!owners.rows.is_empty());
    for row in 0..owners.rows.len() {
        let Data::String(file) = owners.cell(row, "digest_file") else {
            panic!("digest_file is text")
        };
        let digest = std::fs::read(dir.join(file)).unwrap();
        let lines = csv::Reader::from_reader(digest.as_slice()).records().count();
        assert_eq!(owners.cell(row, "findings"), &Data::Float(lines as f64), "{file}");
    }
}
