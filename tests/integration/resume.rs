//! Stopping and resuming: a stopped run saves a checkpoint, publishes nothing, and the next run
//! finishes from it without asking again for what it had, ending with the same snapshot.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use mode_audit::commands::run::{RunStatus, run};
use mode_audit::crawl::checkpoint::Checkpoint;
use mode_audit::sim::minimum_requests;
use mode_audit::sim::{SimConfig, SimServer};
use mode_audit::stop::{Stop, StopReason};

use crate::harness::{fast_config, settings};

fn slow_config() -> SimConfig {
    let mut config = fast_config(vec![95, 61, 30, 0, 44, 17]);
    config.latency = Duration::from_millis(15);
    config
}

/// Triggers `stop` once the stand-in has answered `after` requests.
fn stop_after(sim: &Arc<SimServer>, after: u64, stop: &Stop) -> tokio::task::JoinHandle<()> {
    let sim = Arc::clone(sim);
    let stop = stop.clone();
    tokio::spawn(async move {
        while sim.counters().total < after {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        stop.trigger(StopReason::Terminated);
    })
}

fn snapshot_dirs(out: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(out.join("acme"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("20"))
        .collect()
}

#[tokio::test]
async fn a_stopped_run_resumes_to_the_snapshot_an_uninterrupted_run_writes() {
    let config = slow_config();
    let sim = Arc::new(SimServer::start(config.clone()).await.unwrap());
    let truth = sim.workspace();
    let out = tempfile::tempdir().unwrap();
    let mut s = settings(&sim, &config, out.path());
    s.crawl.concurrency = 8;

    let stop = Stop::default();
    let watcher = stop_after(&sim, 12, &stop);
    let first = run(&s, &stop).await.unwrap();
    watcher.await.unwrap();
    assert_eq!(first.status, RunStatus::Stopped(StopReason::Terminated));
    let path = Checkpoint::path(out.path(), "acme");
    assert_eq!(first.checkpoint.as_deref(), Some(path.as_path()));
    assert!(
        snapshot_dirs(out.path()).is_empty(),
        "nothing published by a stopped run"
    );
    let saved: Checkpoint = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert!(
        saved.reports() > 0 && (saved.reports() as usize) < truth.report_count(),
        "stopped mid-walk"
    );
    // The records are streamed to a JSONL file the small header names, one record a line.
    let records = out.path().join("acme").join(&saved.records.file);
    let lines = std::fs::read_to_string(&records).unwrap();
    assert_eq!(lines.lines().count() as u64, saved.reports());
    assert_eq!(std::fs::metadata(&records).unwrap().len(), saved.records.bytes);
    assert!(
        std::fs::metadata(&path).unwrap().len() < 4096,
        "the header holds no records"
    );
    let before = sim.counters().total;

    let second = run(&s, &Stop::default()).await.unwrap();
    assert_eq!(second.status, RunStatus::Complete);
    assert!(second.resumed);
    assert!(!path.exists(), "the checkpoint is removed once used");
    assert!(!records.exists(), "its records too");
    let resumed_requests = sim.counters().total;
    // Only the requests in flight at the stop (at most `concurrency`) are asked twice.
    let minimum = minimum_requests(&truth, 30);
    assert!(
        resumed_requests >= minimum && resumed_requests <= minimum + 8,
        "{before} then {resumed_requests}, minimum {minimum}"
    );
    assert_eq!(
        second.stats.requests.requests, resumed_requests,
        "stats count both runs"
    );

    // The same workspace audited without interruption gives the same files, byte for byte.
    let fresh_out = tempfile::tempdir().unwrap();
    let fresh = run(&settings(&sim, &config, fresh_out.path()), &Stop::default())
        .await
        .unwrap();
    for file in ["reports.csv", "schedules.csv", "collections.csv"] {
        let a = std::fs::read(second.published.as_ref().unwrap().join(file)).unwrap();
        let b = std::fs::read(fresh.published.as_ref().unwrap().join(file)).unwrap();
        // first_seen is each run's own start time when there is no earlier snapshot, and so is
        // fetched_at (the start of the run that read the schedules).
        assert!(
            without_run_times(&a) == without_run_times(&b),
            "{file} differs after a resume"
        );
    }
}

#[tokio::test]
async fn fresh_ignores_the_checkpoint_and_a_changed_option_never_mixes_runs() {
    let config = slow_config();
    let sim = Arc::new(SimServer::start(config.clone()).await.unwrap());
    let truth = sim.workspace();
    let out = tempfile::tempdir().unwrap();
    let mut s = settings(&sim, &config, out.path());
    let stop = Stop::default();
    let watcher = stop_after(&sim, 10, &stop);
    run(&s, &stop).await.unwrap();
    watcher.await.unwrap();
    assert!(Checkpoint::path(out.path(), "acme").exists());

    // Other walk options: the checkpoint is not used.
    s.crawl.verify_schedules = true;
    let other = run(&s, &Stop::default()).await.unwrap();
    assert!(!other.resumed);
    // Every report's schedules asked for, from the start: the pages plus one request per report.
    let scheduled = truth.reports().filter(|(_, r)| !r.schedules.is_empty()).count() as u64;
    let pages = minimum_requests(&truth, 30) - scheduled;
    assert_eq!(other.stats.requests.requests, pages + truth.report_count() as u64);

    // --fresh: starts over even with a matching checkpoint.
    s.crawl.verify_schedules = false;
    let stop = Stop::default();
    let watcher = stop_after(&sim, sim.counters().total + 10, &stop);
    run(&s, &stop).await.unwrap();
    watcher.await.unwrap();
    s.resume.enabled = false;
    let fresh = run(&s, &Stop::default()).await.unwrap();
    assert!(!fresh.resumed);
    // Counted by the client: requests the stopped run left in flight may still reach the stand-in.
    assert_eq!(fresh.stats.requests.requests, minimum_requests(&truth, 30));
}

#[tokio::test]
async fn a_checkpoint_whose_records_do_not_read_is_set_aside_and_the_run_starts_over() {
    let config = slow_config();
    let sim = Arc::new(SimServer::start(config.clone()).await.unwrap());
    let truth = sim.workspace();
    let out = tempfile::tempdir().unwrap();
    let s = settings(&sim, &config, out.path());
    let stop = Stop::default();
    let watcher = stop_after(&sim, 12, &stop);
    let first = run(&s, &stop).await.unwrap();
    watcher.await.unwrap();
    let path = first.checkpoint.expect("a checkpoint");
    let saved: Checkpoint = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    // Damaged in place, its length unchanged: only reading the records can tell.
    let records = out.path().join("acme").join(&saved.records.file);
    let damaged: Vec<u8> = std::fs::read(&records)
        .unwrap()
        .into_iter()
        .map(|b| if b == b'"' { b'#' } else { b })
        .collect();
    std::fs::write(&records, damaged).unwrap();

    let second = run(&s, &Stop::default()).await.unwrap();
    assert_eq!(second.status, RunStatus::Complete);
    assert!(!second.resumed, "the damaged checkpoint was not used");
    assert_eq!(second.summary.reports as usize, truth.report_count());
    assert_eq!(
        second.stats.requests.requests,
        minimum_requests(&truth, 30),
        "counted from zero: a run that started over"
    );
    let published: serde_json::Value =
        serde_json::from_slice(&std::fs::read(second.published.unwrap().join("snapshot.json")).unwrap()).unwrap();
    assert_ne!(
        published["started_at"].as_str(),
        Some(saved.started_at.as_str()),
        "dated from its own start, not the stopped run's"
    );
    assert!(!path.exists() && !records.exists());
}

/// CSV records with the `first_seen` column (if any) left out.
fn without_run_times(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes);
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let skip: Vec<usize> = rows.first().map_or(Vec::new(), |h| {
        h.iter()
            .enumerate()
            .filter(|(_, c)| *c == "first_seen" || *c == "fetched_at")
            .map(|(i, _)| i)
            .collect()
    });
    rows.into_iter()
        .map(|row| {
            row.into_iter()
                .enumerate()
                .filter(|(i, _)| !skip.contains(i))
                .map(|(_, c)| c)
                .collect()
        })
        .collect()
}
