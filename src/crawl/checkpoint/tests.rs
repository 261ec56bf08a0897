//! Tests of checkpoint.rs: the header and its records file saved, paired, loaded, set aside and removed.

use super::*;
use crate::snapshot::LedgerStatus;
use crate::test_support::{report, schedule};

const DAY: Duration = Duration::from_secs(24 * 3600);

fn collection(token: &str) -> CollectionProgress {
    CollectionProgress {
        record: CollectionRecord {
            token: token.into(),
            name: None,
            collection_type: Some("custom".into()),
            reports: 0,
            pages: 1,
            status: LedgerStatus::Complete,
            error: None,
        },
        listing: None,
        reports: 0,
    }
}

fn header(saved_at: &str) -> Checkpoint {
    let mut c = Checkpoint::new(
        "acme",
        "2026-11-28T03:00:00.000Z".into(),
        "opts".into(),
        None,
        vec![collection("c0"), collection("c1")],
        0,
        RequestStats::default(),
    );
    c.saved_at = saved_at.into();
    c
}

/// Two reports of collection 0 and one of collection 1, keyed as the walk keys them.
fn store() -> ReportStore {
    let mut store = ReportStore::new();
    store.push((1, 0), &report("r2", Some(3), vec![]));
    store.push((0, 0), &report("r0", Some(1), vec![schedule("s0", "daily", 2)]));
    store.push((0, 1), &report("r1", None, vec![]));
    store.sort();
    store
}

fn recent() -> String {
    (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339()
}

fn records_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(RECORDS_PREFIX))
        .collect();
    names.sort();
    names
}

#[test]
fn only_a_young_checkpoint_of_the_same_workspace_and_options_is_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let path = Checkpoint::path(dir.path(), "acme");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    header(&recent()).save(&path, &store()).unwrap();
    assert!(Checkpoint::load(&path, "acme", "opts", DAY).unwrap().is_some());
    assert!(Checkpoint::load(&path, "acme", "other opts", DAY).unwrap().is_none());
    assert!(Checkpoint::load(&path, "beta", "opts", DAY).unwrap().is_none());
    assert!(
        Checkpoint::load(&path, "acme", "opts", Duration::from_secs(3600))
            .unwrap()
            .is_none(),
        "too old"
    );
    let stale = (chrono::Utc::now() - chrono::Duration::hours(30)).to_rfc3339();
    header(&stale).save(&path, &store()).unwrap();
    assert!(Checkpoint::load(&path, "acme", "opts", DAY).unwrap().is_none());
    std::fs::write(&path, "{ not json").unwrap();
    assert!(
        Checkpoint::load(&path, "acme", "opts", DAY).unwrap().is_none(),
        "a broken file never blocks a run"
    );
    Checkpoint::remove(&path);
    assert!(!path.exists());
    assert!(
        records_files(path.parent().unwrap()).is_empty(),
        "records removed with the header"
    );
    assert!(Checkpoint::load(&path, "acme", "opts", DAY).unwrap().is_none());
}

#[test]
fn records_are_written_beside_the_header_and_read_back_one_by_one_in_key_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".checkpoint.json");
    let mut saved = header(&recent());
    saved.save(&path, &store()).unwrap();
    let header_text = std::fs::read_to_string(&path).unwrap();
    assert!(!header_text.contains("r0 report"), "the header holds no record");
    let loaded = Checkpoint::load(&path, "acme", "opts", DAY).unwrap().unwrap();
    assert_eq!(loaded.reports(), 3);
    assert_eq!(loaded.records, saved.records);
    let counts: Vec<u64> = loaded.collections.iter().map(|c| c.reports).collect();
    assert_eq!(counts, vec![2, 1], "each collection's share of the records");
    let records: Vec<ReportRecord> = loaded.records().unwrap().map(Result::unwrap).collect();
    assert_eq!(records, store().to_vec());
    let lines = std::fs::read_to_string(dir.path().join(&loaded.records.file)).unwrap();
    assert_eq!(lines.lines().count(), 3, "one record a line");
}

#[test]
fn a_crash_between_the_two_writes_never_pairs_a_header_with_other_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".checkpoint.json");
    let mut first = header(&recent());
    first.save(&path, &store()).unwrap();
    // A later save crashed after writing its records, before its header: the orphan is not read.
    let orphan = dir
        .path()
        .join(format!("{RECORDS_PREFIX}20991231T000000.000Z-00000000{RECORDS_SUFFIX}"));
    std::fs::write(&orphan, "{\"token\":\"from another save\"}\n").unwrap();
    let loaded = Checkpoint::load(&path, "acme", "opts", DAY).unwrap().unwrap();
    assert_eq!(loaded.records.file, first.records.file);
    assert_eq!(loaded.records().unwrap().count(), 3);
    // The next save replaces both and leaves only its own records file.
    let mut second = header(&recent());
    let mut fewer = ReportStore::new();
    fewer.push((0, 0), &report("r9", None, vec![]));
    second.save(&path, &fewer).unwrap();
    assert_eq!(records_files(dir.path()), vec![second.records.file.clone()]);
    let loaded = Checkpoint::load(&path, "acme", "opts", DAY).unwrap().unwrap();
    assert_eq!(loaded.reports(), 1);
    // A header whose records file is gone, or is not the length it was saved with, is not resumed.
    let records = dir.path().join(&second.records.file);
    std::fs::write(&records, "{}\n").unwrap();
    assert!(Checkpoint::load(&path, "acme", "opts", DAY).unwrap().is_none());
    std::fs::remove_file(&records).unwrap();
    assert!(Checkpoint::load(&path, "acme", "opts", DAY).unwrap().is_none());
}

#[test]
fn a_checkpoint_of_the_previous_layout_is_ignored_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".checkpoint.json");
    let old = serde_json::json!({
        "version": 1,
        "workspace": "acme",
        "started_at": "2026-11-28T03:00:00.000Z",
        "saved_at": recent(),
        "options": "opts",
        "collections_listing": null,
        "collections": [{"record": collection("c0").record, "listing": null, "reports": [report("r0", None, vec![])]}],
        "duplicates": 0,
        "prior_requests": RequestStats::default(),
    });
    std::fs::write(&path, serde_json::to_vec(&old).unwrap()).unwrap();
    assert!(Checkpoint::load(&path, "acme", "opts", DAY).unwrap().is_none());
}
