//! `--out s3://...` and `--out az://...` end to end against real servers (moto, azurite):
//! publication with the marker last, history and the page's trend read back from the bucket, diff
//! of bucket snapshots, a stopped run resumed elsewhere from the bucket's checkpoint, multipart
//! uploads, the store going down; and, against moto, a missing bucket, refused keys and a missing
//! permission — each failure with exit 3, a message that says what to fix and no secret in it.

use std::collections::HashMap;
use std::path::Path;
use std::process::Output;

use mode_audit::storage::{Bucket, MarkerInfo};

use crate::binary::{code, creds, env_refs, mode_audit, run_args, stand_in, stderr};
use crate::harness::spawn_binary;

// moto_server, its users and bucket, and a proxy that plays a store going down.
pub(crate) mod moto;
// azurite-blob, its account and container.
pub(crate) mod azurite;
// The stores each bucket test runs against, and the macro that makes one test per store.
pub(crate) mod store;
// The failures: store down at publication, missing bucket, refused keys, missing permission.
mod failures;

pub(crate) use store::on_each_store;
use store::{Kind, Server};

/// Retries shrunk so that a store that stays down fails in seconds.
const FAST_STORE: &str = "store_max_retries = 1\nstore_retry_timeout = \"2s\"\nstore_timeout = \"5s\"\n";

/// The binary's environment: the stand-in's credentials, the store's, and a temporary folder.
fn env(
    config: &mode_audit::sim::SimConfig,
    store: Vec<(&'static str, String)>,
    tmp: &Path,
) -> Vec<(&'static str, String)> {
    let mut env = creds(config);
    env.extend(store);
    env.push(("TMPDIR", tmp.display().to_string()));
    env
}

async fn run_into(cwd: &Path, sim_url: &str, out: &str, extra: &[&str], env: &[(&'static str, String)]) -> Output {
    std::fs::write(cwd.join("store.toml"), FAST_STORE).unwrap();
    let mut args = run_args(sim_url, out);
    args.extend(["--workspace", "acme", "--config", "store.toml"]);
    args.extend(extra);
    mode_audit(cwd, &args, &env_refs(env)).await
}

/// Object names below `acme/` in the bucket.
async fn names(bucket: &Bucket) -> Vec<String> {
    bucket
        .objects(&["acme"])
        .await
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

async fn text(bucket: &Bucket, parts: &[&str]) -> String {
    String::from_utf8(
        bucket
            .get(parts)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{parts:?} missing")),
    )
    .unwrap()
}

fn rows(csv_text: &str) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    reader
        .records()
        .map(|r| {
            headers
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// Uploads `snapshot_json` (edited) under an earlier time stamp, marked complete or not.
async fn plant(
    bucket: &Bucket,
    snapshot_json: &str,
    days: i64,
    hours: i64,
    views_less: u64,
    complete: bool,
) -> (String, String) {
    let mut json: serde_json::Value = serde_json::from_str(snapshot_json).unwrap();
    let started = chrono::DateTime::parse_from_rfc3339(json["started_at"].as_str().unwrap()).unwrap();
    let earlier = (started - chrono::Duration::days(days) - chrono::Duration::hours(hours)).with_timezone(&chrono::Utc);
    let started_at = earlier.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let stamp = earlier.format("%Y%m%dT%H%M%SZ").to_string();
    json["started_at"] = started_at.clone().into();
    for r in json["reports"].as_array_mut().unwrap() {
        if let Some(v) = r["view_count"].as_u64() {
            r["view_count"] = v.saturating_sub(views_less).into();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("snapshot.json"), serde_json::to_vec(&json).unwrap()).unwrap();
    if complete {
        let info = MarkerInfo {
            workspace: "acme".into(),
            kind: "snapshot",
            status: "complete".into(),
            started_at: started_at.clone(),
        };
        bucket
            .upload_folder(dir.path(), &["acme", &stamp], &info)
            .await
            .unwrap();
    } else {
        bucket
            .upload(&dir.path().join("snapshot.json"), &["acme", &stamp, "snapshot.json"])
            .await
            .unwrap();
    }
    (stamp, started_at)
}

fn assert_no_secret(o: &Output, secret: &str) {
    let all = format!("{}{}", stderr(o), String::from_utf8_lossy(&o.stdout));
    assert!(!all.contains(secret), "the secret key appears in the output:\n{all}");
}

on_each_store!(
    two_runs_into_one_bucket_the_second_reads_history_from_it_and_diff_compares_bucket_snapshots,
    sigterm_saves_the_checkpoint_in_the_bucket_and_a_run_on_another_machine_resumes_from_it,
    a_big_file_is_uploaded_in_parts_and_downloaded_back_whole,
);

async fn two_runs_into_one_bucket_the_second_reads_history_from_it_and_diff_compares_bucket_snapshots(kind: Kind) {
    let Some(server) = Server::start(kind).await else {
        return;
    };
    let (sim, config) = stand_in(|_| {}).await;
    let tmp = tempfile::tempdir().unwrap();
    let env = env(&config, server.env(), tmp.path());
    let out = server.out("mode");
    let url = sim.base_url();
    let bucket = server.bucket("mode");

    let first = run_into(tmp.path(), &url, &out, &[], &env).await;
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert_no_secret(&first, server.secret());
    let stamp = text(&bucket, &["acme", "latest"]).await.trim().to_string();
    assert!(
        stderr(&first).contains(&format!("{out}/acme/{stamp}")),
        "{}",
        stderr(&first)
    );
    let marker = bucket
        .marker(&["acme", &stamp])
        .await
        .unwrap()
        .expect("the first run is marked complete");
    assert_eq!(marker.status, "complete");
    let listed: Vec<&str> = marker.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        listed,
        [
            "collections.csv",
            "findings.csv",
            "report.html",
            "reports.csv",
            "schedules.csv",
            "snapshot.json",
            "summary.json"
        ]
    );
    assert!(!names(&bucket).await.iter().any(|n| n.starts_with(".checkpoint")));
    assert!(
        std::fs::read_dir(tmp.path())
            .unwrap()
            .flatten()
            .all(|e| !e.file_name().to_string_lossy().starts_with("mode-audit-")),
        "no work or staging folder is left behind"
    );

    // Earlier snapshots: a complete one 8 days back (5 views fewer), and a newer unfinished
    // upload 7.5 days back (100 views fewer) that history must not use.
    let json = text(&bucket, &["acme", &stamp, "snapshot.json"]).await;
    let (_, old_start) = plant(&bucket, &json, 8, 0, 5, true).await;
    let (unfinished, _) = plant(&bucket, &json, 7, 12, 100, false).await;

    let second = run_into(tmp.path(), &url, &out, &[], &env).await;
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    assert_no_secret(&second, server.secret());
    let newest = text(&bucket, &["acme", "latest"]).await.trim().to_string();
    assert_ne!(newest, stamp);
    let reports = rows(&text(&bucket, &["acme", &newest, "reports.csv"]).await);
    assert_eq!(reports.len(), 87);
    let mut measured = 0;
    for r in &reports {
        assert_eq!(
            r["first_seen"], old_start,
            "first_seen comes from the oldest complete snapshot"
        );
        if let Ok(views) = r["view_count"].parse::<u64>()
            && views > 5
        {
            assert_eq!(
                r["views_7d"], "5",
                "measured against the complete snapshot, not the unfinished one"
            );
            measured += 1;
        }
    }
    assert!(measured > 0, "some reports have a view count to measure");
    // The page's trend reads the earlier snapshots' summaries from the bucket: the first run's
    // (the planted ones have none and are not fetched).
    let page = text(&bucket, &["acme", &newest, "report.html"]).await;
    assert!(
        page.contains("this snapshot and the 1 before it"),
        "the trend holds the first run"
    );

    for (name, _) in bucket.objects(&["acme"]).await.unwrap() {
        let object = bucket.get(&["acme", &name]).await.unwrap().unwrap();
        assert!(
            !String::from_utf8_lossy(&object).contains(server.secret()),
            "the secret key is in {name}"
        );
    }

    // diff takes bucket URLs, latest included; an unfinished snapshot is refused (exit 2).
    let old_url = format!("{out}/acme/{stamp}");
    let new_url = format!("{out}/acme/latest");
    let o = mode_audit(
        tmp.path(),
        &["diff", &old_url, &new_url, "--out", "changes"],
        &env_refs(&env),
    )
    .await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.contains(&format!("old  {old_url}")) && table.contains(&format!("new  {new_url}")),
        "{table}"
    );
    assert!(table.contains("reports added                0"), "{table}");
    assert!(tmp.path().join("changes/diff.csv").is_file());
    let o = mode_audit(
        tmp.path(),
        &["diff", &format!("{out}/acme/{unfinished}"), &new_url],
        &env_refs(&env),
    )
    .await;
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("is not a complete snapshot"), "{}", stderr(&o));
    assert_no_secret(&o, server.secret());
}

async fn sigterm_saves_the_checkpoint_in_the_bucket_and_a_run_on_another_machine_resumes_from_it(kind: Kind) {
    let Some(server) = Server::start(kind).await else {
        return;
    };
    let (sim, config) = stand_in(|c| {
        c.spec.sizes = Some(vec![95, 61, 30, 0, 44]);
        c.latency = std::time::Duration::from_millis(20);
    })
    .await;
    let first_node = tempfile::tempdir().unwrap();
    let out = server.out("mode");
    let url = sim.base_url();
    let bucket = server.bucket("mode");
    std::fs::write(first_node.path().join("store.toml"), FAST_STORE).unwrap();
    let mut args = run_args(&url, &out);
    args.extend(["--workspace", "acme", "--config", "store.toml"]);
    let env1 = env(&config, server.env(), first_node.path());
    let child = spawn_binary(first_node.path(), &args, &env_refs(&env1));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while sim.counters().total < 8 {
        assert!(std::time::Instant::now() < deadline, "the run never reached Mode");
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let pid = child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let o = child.wait_with_output().await.unwrap();
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("checkpoint saved to {out}/acme/.checkpoint")),
        "{}",
        stderr(&o)
    );
    assert_no_secret(&o, server.secret());
    let saved = names(&bucket).await;
    assert!(
        saved.contains(&".checkpoint/.checkpoint.json".to_string())
            && saved.contains(&".checkpoint/_COMPLETE".to_string()),
        "{saved:?}"
    );
    assert!(bucket.latest("acme").await.unwrap().is_none(), "nothing published");
    drop(first_node); // the pod is gone, and its disk with it

    let second_node = tempfile::tempdir().unwrap();
    let env2 = env(&config, server.env(), second_node.path());
    let o = run_into(second_node.path(), &url, &out, &[], &env2).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("resumed from a checkpoint"), "{}", stderr(&o));
    let stamp = bucket.latest("acme").await.unwrap().unwrap();
    let csv = text(&bucket, &["acme", &stamp, "reports.csv"]).await;
    assert_eq!(csv.lines().count(), 1 + 95 + 61 + 30 + 44);
    assert!(
        !names(&bucket).await.iter().any(|n| n.starts_with(".checkpoint")),
        "the used checkpoint is removed"
    );
}

async fn a_big_file_is_uploaded_in_parts_and_downloaded_back_whole(kind: Kind) {
    let Some(server) = Server::start(kind).await else {
        return;
    };
    let bucket = server.bucket("parts");
    let dir = tempfile::tempdir().unwrap();
    let body: Vec<u8> = (0..(mode_audit::storage::PART_SIZE * 2 + 12_345))
        .map(|i| (i % 253) as u8)
        .collect();
    std::fs::write(dir.path().join("reports.jsonl"), &body).unwrap();
    let size = bucket
        .upload(&dir.path().join("reports.jsonl"), &["acme", "x", "reports.jsonl"])
        .await
        .unwrap();
    assert_eq!(size, body.len() as u64);
    let back = dir.path().join("back.jsonl");
    bucket.download(&["acme", "x", "reports.jsonl"], &back).await.unwrap();
    assert!(
        std::fs::read(&back).unwrap() == body,
        "the downloaded file is the uploaded one"
    );
}
