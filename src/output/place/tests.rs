//! Place: a bucket's history mirror and its checkpoint kept across work folders.

use std::sync::Arc;

use object_store::memory::InMemory;

use super::*;
use crate::storage::MarkerInfo;

fn snapshot_json(started_at: &str) -> String {
    format!("{{\"schema_version\":1,\"workspace\":\"acme\",\"started_at\":\"{started_at}\",\"reports\":[]}}")
}

async fn put_snapshot(bucket: &Bucket, stamp: &str, started_at: &str, complete: bool) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("snapshot.json"), snapshot_json(started_at)).unwrap();
    if complete {
        let info = MarkerInfo {
            workspace: "acme".into(),
            kind: "snapshot",
            status: "complete".into(),
            started_at: started_at.into(),
        };
        bucket.upload_folder(dir.path(), &["acme", stamp], &info).await.unwrap();
    } else {
        bucket
            .upload(&dir.path().join("snapshot.json"), &["acme", stamp, "snapshot.json"])
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn history_downloads_only_the_snapshots_it_reads_and_passes_over_unmarked_ones() {
    let url = BucketUrl::parse("s3://audit/mode").unwrap();
    let bucket = Bucket::with_store(url, Arc::new(InMemory::new()));
    // Daily snapshots for 40 days before 2026-11-28, the one 7 days back left unfinished.
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-28T03:00:00Z").unwrap();
    for day in 1..=40 {
        let at = now - chrono::Duration::days(day);
        let stamp = at.format("%Y%m%dT%H%M%SZ").to_string();
        put_snapshot(&bucket, &stamp, &at.to_rfc3339(), day != 7).await;
    }
    let place = Place::over(bucket).unwrap();
    let dir = place
        .history_dir("acme", "2026-11-28T03:00:00.000Z", Duration::from_secs(30 * 86_400))
        .await;
    let mut got: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    got.sort();
    // Newest (1 day), 7 days unfinished so 8 days, 30 days, oldest (40 days; it covers no 90).
    assert_eq!(
        got,
        [
            "20261019T030000Z",
            "20261029T030000Z",
            "20261120T030000Z",
            "20261127T030000Z"
        ]
    );
    for name in &got {
        assert!(dir.join(name).join("snapshot.json").is_file());
    }
}

#[tokio::test]
async fn a_checkpoint_kept_in_the_bucket_is_fetched_into_another_work_folder() {
    let url = BucketUrl::parse("s3://audit/mode").unwrap();
    let bucket = Bucket::with_store(url, Arc::new(InMemory::new()));
    let first = Place::over(bucket.clone()).unwrap();
    let file = first.local_out().join("acme/.checkpoint.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "{\"saved\":true}").unwrap();
    let kept = first
        .keep_checkpoint("acme", std::slice::from_ref(&file), "2026-11-28T03:00:00.000Z")
        .await
        .unwrap();
    assert_eq!(kept, PathBuf::from("s3://audit/mode/acme/.checkpoint"));
    let second = Place::over(bucket.clone()).unwrap();
    second.fetch_checkpoint("acme").await.unwrap();
    let fetched = second.local_out().join("acme/.checkpoint.json");
    assert_eq!(std::fs::read_to_string(&fetched).unwrap(), "{\"saved\":true}");
    second.drop_checkpoint("acme").await;
    let third = Place::over(bucket).unwrap();
    third.fetch_checkpoint("acme").await.unwrap();
    assert!(!third.local_out().join("acme/.checkpoint.json").exists());
}
