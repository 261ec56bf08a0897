//! AppendedFile::check: a log deleted, replaced or cut short while written is an error; one
//! another writer appended to is the same file, grown.

use std::io::Write;

use super::*;

fn opened(dir: &Path) -> (PathBuf, AppendedFile) {
    let path = dir.join("log.jsonl");
    let (mut log, ()) = AppendedFile::open(&path, "the undo log", |t| Ok(((), t.len()))).unwrap();
    log.append(&serde_json::json!({"n": 1})).unwrap();
    (path, log)
}

#[test]
fn a_log_as_written_passes_and_one_grown_by_another_writer_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut log) = opened(dir.path());
    assert_eq!(log.check().unwrap(), Found::AsWritten);
    let mut other = OpenOptions::new().append(true).open(&path).unwrap();
    other.write_all(b"{\"n\":2}\n").unwrap();
    assert_eq!(log.check().unwrap(), Found::Grown);
    assert_eq!(log.text().unwrap().lines().count(), 2);
    log.append(&serde_json::json!({"n": 3})).unwrap();
    assert_eq!(log.check().unwrap(), Found::AsWritten);
    // Appended to just before this writer's next line: still told.
    other.write_all(b"{\"n\":4}\n").unwrap();
    log.append(&serde_json::json!({"n": 5})).unwrap();
    assert_eq!(log.check().unwrap(), Found::Grown);
    assert_eq!(log.check().unwrap(), Found::AsWritten);
}

#[test]
fn a_log_deleted_replaced_or_cut_short_while_written_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut log) = opened(dir.path());
    std::fs::remove_file(&path).unwrap();
    let err = format!("{:#}", log.check().unwrap_err());
    assert!(
        err.contains("was deleted or moved") && err.contains("stopping"),
        "{err}"
    );

    let (path, mut log) = opened(dir.path());
    let text = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    std::fs::write(&path, text).unwrap();
    let err = format!("{:#}", log.check().unwrap_err());
    assert!(err.contains("replaced by another file"), "{err}");

    let (path, mut log) = opened(dir.path());
    OpenOptions::new().write(true).open(&path).unwrap().set_len(0).unwrap();
    let err = format!("{:#}", log.check().unwrap_err());
    assert!(err.contains("cut short"), "{err}");
}

#[test]
fn a_log_cut_short_then_appended_to_past_its_old_length_is_still_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut log) = opened(dir.path());
    log.append(&serde_json::json!({"n": 2})).unwrap();
    assert_eq!(log.check().unwrap(), Found::AsWritten);
    // Cut to nothing; this writer's next lines land at the start, as long as what was written.
    OpenOptions::new().write(true).open(&path).unwrap().set_len(0).unwrap();
    log.append(&serde_json::json!({"n": 3})).unwrap();
    log.append(&serde_json::json!({"n": 4})).unwrap();
    let err = log.check().unwrap_err();
    assert!(err.downcast_ref::<Lost>().is_some(), "{err:#}");
    assert!(format!("{err:#}").contains("cut short"), "{err:#}");
    // Told again at every check: the lines are lost for good.
    assert!(log.check().is_err());
}

#[test]
fn a_log_cut_short_then_written_longer_by_another_writer_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut log) = opened(dir.path());
    assert_eq!(log.check().unwrap(), Found::AsWritten);
    OpenOptions::new().write(true).open(&path).unwrap().set_len(0).unwrap();
    let mut other = OpenOptions::new().append(true).open(&path).unwrap();
    other
        .write_all(b"{\"other\":\"a longer line than the first\"}\n")
        .unwrap();
    let err = format!("{:#}", log.check().unwrap_err());
    assert!(
        err.contains("no longer starts as written") && err.contains("stopping"),
        "{err}"
    );
}

#[test]
fn a_line_written_after_a_cut_inside_a_line_stands_on_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut log) = opened(dir.path());
    log.append(&serde_json::json!({"n": 2})).unwrap();
    let len = std::fs::metadata(&path).unwrap().len();
    // Cut in the middle of the last line, then the writer goes on (a DELETE it must record).
    OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len - 4)
        .unwrap();
    log.append(&serde_json::json!({"deleted": "s1"})).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let last = text.lines().last().unwrap();
    assert_eq!(
        last, r#"{"deleted":"s1"}"#,
        "not glued onto the torn fragment: {text:?}"
    );
    assert!(log.check().is_err(), "the cut is still told");
}
