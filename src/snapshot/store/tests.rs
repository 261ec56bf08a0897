//! Tests of store.rs: records come back whole, in key order, through files, maps and serde.

use super::*;
use crate::test_support::{report, schedule};

fn named(token: &str, name: &str) -> ReportRecord {
    let mut r = report(token, Some(3), vec![schedule(&format!("{token}s"), "daily", 2)]);
    r.name = Some(name.to_string());
    r
}

#[test]
fn records_come_back_whole_in_key_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = ReportStore::in_dir(Some(dir.path()));
    let a = named("a", "=HYPERLINK(\"x\")\nline two, \"quoted\" — ünïcode");
    let b = named("b", "second");
    let c = report("c", None, vec![]);
    store.push((1, 0), &c);
    store.push((0, 1), &b);
    store.push((0, 0), &a);
    store.sort();
    store.check().unwrap();
    assert_eq!(store.len(), 3);
    assert_eq!(store.to_vec(), vec![a, b, c]);
    let keys: Vec<SortKey> = store.iter_keyed().map(|(k, _)| k).collect();
    assert_eq!(keys, vec![(0, 0), (0, 1), (1, 0)]);
}

#[test]
fn a_record_is_read_back_by_its_place() {
    let mut store = ReportStore::new();
    let records: Vec<ReportRecord> = (0..5).map(|i| named(&format!("r{i}"), "n")).collect();
    for r in &records {
        store.push_last(r);
    }
    assert_eq!(store.get(3), Some(records[3].clone()));
    assert_eq!(store.get(0), Some(records[0].clone()));
    assert_eq!(store.get(5), None);
}

#[test]
fn records_past_the_write_buffer_and_still_buffered_both_read_back() {
    let mut store = ReportStore::new();
    let long = "x".repeat(10_000);
    let records: Vec<ReportRecord> = (0..100).map(|i| named(&format!("r{i}"), &long)).collect();
    for r in &records {
        store.push_last(r);
    }
    // 1 MB pushed: some records are in the file, the last ones may still be in the buffer.
    assert_eq!(store.iter().nth(99).unwrap(), records[99]);
    assert_eq!(store.to_vec(), records);
}

#[test]
fn map_changes_every_record_and_keeps_the_order() {
    let store: ReportStore = vec![report("a", Some(1), vec![]), report("b", Some(2), vec![])].into();
    let mapped = store
        .map(|r| r.history.first_seen = Some(format!("seen {}", r.token)))
        .unwrap();
    let seen: Vec<Option<String>> = mapped.iter().map(|r| r.history.first_seen).collect();
    assert_eq!(seen, vec![Some("seen a".to_string()), Some("seen b".to_string())]);
    // The original is untouched.
    assert!(store.iter().all(|r| r.history.first_seen.is_none()));
}

#[test]
fn serde_round_trip_is_a_plain_json_array() {
    let records = vec![named("a", "one"), report("b", None, vec![])];
    let store: ReportStore = records.clone().into();
    let json = serde_json::to_value(&store).unwrap();
    assert_eq!(json, serde_json::to_value(&records).unwrap());
    let back: ReportStore = serde_json::from_value(json).unwrap();
    assert_eq!(back.to_vec(), records);
    let empty: ReportStore = serde_json::from_str("[]").unwrap();
    assert!(empty.is_empty());
    assert_eq!(serde_json::to_string(&empty).unwrap(), "[]");
}

#[test]
fn a_folder_that_cannot_hold_the_file_is_reported_by_check() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("gone");
    let mut store = ReportStore::in_dir(Some(&missing));
    store.push_last(&report("a", Some(1), vec![]));
    let error = store.check().unwrap_err().to_string();
    assert!(error.contains("cannot keep collected reports"), "{error}");
    assert!(error.contains("gone"), "{error}");
    // Serializing a store that lost records fails instead of writing a short array.
    assert!(serde_json::to_string(&store).is_err());
}
