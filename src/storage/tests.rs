//! The storage layer on object_store's in-memory store: folders marked complete last, unfinished
//! ones ignored, streamed multipart uploads, checkpoints replaced whole.

use std::sync::Arc;

use object_store::memory::InMemory;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use super::*;

fn bucket() -> (Bucket, Arc<InMemory>) {
    let memory = Arc::new(InMemory::new());
    let url = BucketUrl::parse("s3://audit/mode").unwrap();
    (Bucket::with_store(url, memory.clone() as Arc<dyn ObjectStore>), memory)
}

fn info() -> MarkerInfo {
    MarkerInfo {
        workspace: "acme".into(),
        kind: "snapshot",
        status: "complete".into(),
        started_at: "2026-11-28T03:22:00.000Z".into(),
    }
}

async fn keys(memory: &InMemory) -> Vec<String> {
    use futures_util::TryStreamExt;
    let mut keys: Vec<String> = memory
        .list(None)
        .map_ok(|m| m.location.to_string())
        .try_collect()
        .await
        .unwrap();
    keys.sort();
    keys
}

#[tokio::test]
async fn a_folder_goes_up_file_by_file_with_the_marker_last() {
    let (bucket, memory) = bucket();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("reports.csv"), "a,b\n").unwrap();
    std::fs::create_dir(dir.path().join("owners")).unwrap();
    std::fs::write(dir.path().join("owners/ann.csv"), "x\n").unwrap();
    std::fs::write(dir.path().join(".hidden"), "no").unwrap();
    let marker = bucket
        .upload_folder(dir.path(), &["acme", "20261128T032200Z"], &info())
        .await
        .unwrap();
    assert_eq!(
        marker.files,
        vec![
            MarkedFile {
                name: "owners/ann.csv".into(),
                size: 2
            },
            MarkedFile {
                name: "reports.csv".into(),
                size: 4
            }
        ]
    );
    assert_eq!(
        keys(&memory).await,
        [
            "mode/acme/20261128T032200Z/_COMPLETE",
            "mode/acme/20261128T032200Z/owners/ann.csv",
            "mode/acme/20261128T032200Z/reports.csv"
        ]
    );
    assert!(bucket.is_complete("acme", "20261128T032200Z").await.unwrap());
    let stored = bucket.marker(&["acme", "20261128T032200Z"]).await.unwrap().unwrap();
    assert_eq!(stored, marker);
}

#[tokio::test]
async fn only_marked_snapshots_with_a_whole_snapshot_json_are_fetched() {
    let (bucket, memory) = bucket();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("snapshot.json"), "{\"started_at\":\"x\"}").unwrap();
    bucket
        .upload_folder(dir.path(), &["acme", "20261101T000000Z"], &info())
        .await
        .unwrap();
    // An upload cut short: files, no marker.
    memory
        .put(
            &"mode/acme/20261102T000000Z/snapshot.json".into(),
            PutPayload::from_static(b"{}"),
        )
        .await
        .unwrap();
    // Something that is not a snapshot folder.
    memory
        .put(&"mode/acme/notes/readme".into(), PutPayload::from_static(b"hi"))
        .await
        .unwrap();
    assert_eq!(
        bucket.snapshot_names("acme").await.unwrap(),
        ["20261101T000000Z", "20261102T000000Z"]
    );
    assert!(!bucket.is_complete("acme", "20261102T000000Z").await.unwrap());
    let mirror = tempfile::tempdir().unwrap();
    let got = bucket
        .fetch_snapshot_json("acme", "20261101T000000Z", mirror.path())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, mirror.path().join("acme/20261101T000000Z/snapshot.json"));
    assert_eq!(std::fs::read_to_string(&got).unwrap(), "{\"started_at\":\"x\"}");
    assert!(
        bucket
            .fetch_snapshot_json("acme", "20261102T000000Z", mirror.path())
            .await
            .unwrap()
            .is_none()
    );
    // Overwritten halfway after it was marked: the sizes no longer match.
    memory
        .put(
            &"mode/acme/20261101T000000Z/snapshot.json".into(),
            PutPayload::from_static(b"{"),
        )
        .await
        .unwrap();
    assert!(
        bucket
            .fetch_snapshot_json("acme", "20261101T000000Z", mirror.path())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn latest_names_a_folder() {
    let (bucket, _) = bucket();
    assert_eq!(bucket.latest("acme").await.unwrap(), None);
    bucket.set_latest("acme", "20261128T032200Z").await.unwrap();
    assert_eq!(
        bucket.latest("acme").await.unwrap().as_deref(),
        Some("20261128T032200Z")
    );
}

#[tokio::test]
async fn a_big_file_goes_up_in_parts_and_comes_back_whole() {
    let (bucket, memory) = bucket();
    let bucket = bucket.with_part_size(64 * 1024);
    let dir = tempfile::tempdir().unwrap();
    let body: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.path().join("reports.jsonl"), &body).unwrap();
    let size = bucket
        .upload(&dir.path().join("reports.jsonl"), &["acme", "x", "reports.jsonl"])
        .await
        .unwrap();
    assert_eq!(size, body.len() as u64);
    let stored = memory
        .get(&"mode/acme/x/reports.jsonl".into())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(stored.as_ref(), body.as_slice());
    let back = dir.path().join("back/reports.jsonl");
    assert_eq!(
        bucket.download(&["acme", "x", "reports.jsonl"], &back).await.unwrap(),
        body.len() as u64
    );
    assert_eq!(std::fs::read(&back).unwrap(), body);
    let left: Vec<_> = std::fs::read_dir(dir.path().join("back")).unwrap().collect();
    assert_eq!(left.len(), 1, "no temporary download file is left");
}

#[tokio::test]
async fn a_checkpoint_is_replaced_whole_downloaded_and_removed() {
    let (bucket, memory) = bucket();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".checkpoint.json"), "one").unwrap();
    std::fs::write(dir.path().join(".checkpoint.records"), "rows").unwrap();
    let names = vec![".checkpoint.json".to_string(), ".checkpoint.records".to_string()];
    bucket
        .save_checkpoint("acme", dir.path(), &names, "2026-11-28T03:22:00.000Z")
        .await
        .unwrap();
    std::fs::write(dir.path().join(".checkpoint.json"), "second").unwrap();
    bucket
        .save_checkpoint("acme", dir.path(), &names[..1], "2026-11-28T03:22:00.000Z")
        .await
        .unwrap();
    assert_eq!(
        keys(&memory).await,
        [
            "mode/acme/.checkpoint/.checkpoint.json",
            "mode/acme/.checkpoint/_COMPLETE"
        ],
        "the old checkpoint's files are gone"
    );
    let other = tempfile::tempdir().unwrap();
    let files = bucket.load_checkpoint("acme", other.path()).await.unwrap().unwrap();
    assert_eq!(files, vec![other.path().join(".checkpoint.json")]);
    assert_eq!(std::fs::read_to_string(&files[0]).unwrap(), "second");
    // A save cut short after the old marker went: no checkpoint rather than a mixed one.
    memory.delete(&"mode/acme/.checkpoint/_COMPLETE".into()).await.unwrap();
    assert!(bucket.load_checkpoint("acme", other.path()).await.unwrap().is_none());
    bucket.remove_checkpoint("acme").await.unwrap();
    assert!(keys(&memory).await.is_empty());
}

#[tokio::test]
async fn a_missing_object_is_none_not_an_error() {
    let (bucket, _) = bucket();
    assert_eq!(bucket.get(&["acme", "latest"]).await.unwrap(), None);
    assert!(!bucket.exists(&["acme", "x", MARKER]).await.unwrap());
    let dir = tempfile::tempdir().unwrap();
    let err = bucket
        .download(&["acme", "x", "snapshot.json"], &dir.path().join("s.json"))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert!(
        err.to_string().contains("s3://audit/mode/acme/x/snapshot.json"),
        "{err}"
    );
}

#[tokio::test]
async fn a_marker_naming_a_file_outside_its_folder_is_not_followed() {
    let (bucket, _memory) = bucket();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("reports.csv"), "a,b\n").unwrap();
    let parts = ["acme", "20261128T032200Z"];
    let mut marker = bucket.upload_folder(dir.path(), &parts, &info()).await.unwrap();
    // Someone with write access to the prefix plants an object and a marker naming it by an
    // absolute path: joined to the local folder, it would be written anywhere.
    let outside = tempfile::tempdir().unwrap();
    let planted = outside.path().join("planted");
    let name = planted.to_string_lossy().into_owned();
    bucket
        .put(&["acme", "20261128T032200Z", &name], b"x".to_vec())
        .await
        .unwrap();
    marker.files.push(MarkedFile { name, size: 1 });
    bucket
        .put(&["acme", "20261128T032200Z", MARKER], marker.to_bytes())
        .await
        .unwrap();
    let local = tempfile::tempdir().unwrap();
    assert_eq!(bucket.download_folder(&parts, local.path()).await.unwrap(), None);
    assert!(!planted.exists(), "nothing written outside the local folder");
}
