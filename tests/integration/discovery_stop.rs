//! A Discovery run stopped while reports still wait for their schedules (more of them than the
//! walk holds in memory at once): every report the listings gave is kept in the checkpoint, and
//! the next run finishes from it with every report's schedules read.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use mode_audit::cli::Source;
use mode_audit::commands::run::{RunStatus, run};
use mode_audit::config::DiscoverySettings;
use mode_audit::crawl::checkpoint::Checkpoint;
use mode_audit::mode::discovery::SignatureToken;
use mode_audit::sim::SimServer;
use mode_audit::stop::{Stop, StopReason};
use secrecy::SecretString;

use crate::harness::{fast_config, read_csv, settings};

#[tokio::test]
async fn a_stopped_discovery_run_keeps_the_reports_still_waiting_and_resumes_to_every_one() {
    // 1,400 reports, every one scheduled: more than the 1,000 the walk holds while asking.
    let mut config = fast_config(vec![700, 500, 200]);
    config.spec.scheduled_share = 1.0;
    config.limit = None;
    let sim = Arc::new(SimServer::start(config.clone()).await.unwrap());
    let truth = sim.workspace();
    let out = tempfile::tempdir().unwrap();
    let mut s = settings(&sim, &config, out.path());
    s.client.rate = None;
    let (token, access_key, access_secret) = config.batch.preset.clone().unwrap();
    s.discovery = DiscoverySettings {
        source: Source::Discovery,
        token: Some(SignatureToken {
            token: SecretString::from(token),
            access_key: SecretString::from(access_key),
            access_secret: SecretString::from(access_secret),
        }),
    };

    let stop = Stop::default();
    let watcher = {
        let (sim, stop) = (Arc::clone(&sim), stop.clone());
        tokio::spawn(async move {
            while sim.counters().total < 60 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            stop.trigger(StopReason::Terminated);
        })
    };
    let first = run(&s, &stop).await.unwrap();
    watcher.await.unwrap();
    assert_eq!(first.status, RunStatus::Stopped(StopReason::Terminated));
    let path = Checkpoint::path(out.path(), "acme");
    let saved: Checkpoint = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        saved.reports() as usize,
        truth.report_count(),
        "every listed report is in the checkpoint"
    );
    let records = std::fs::read_to_string(out.path().join("acme").join(&saved.records.file)).unwrap();
    let unfinished = records
        .lines()
        .filter(|l| l.contains("\"schedules_unfinished\""))
        .count();
    assert!(
        unfinished > 1_000,
        "{unfinished} reports left unfinished: some never left the file"
    );

    let second = run(&s, &Stop::default()).await.unwrap();
    assert_eq!(second.status, RunStatus::Complete);
    assert!(second.resumed);
    let (_, rows) = read_csv(&second.published.as_ref().unwrap().join("reports.csv"));
    let got: BTreeSet<&str> = rows.iter().map(|r| r["report_token"].as_str()).collect();
    let want: BTreeSet<&str> = truth.reports().map(|(_, r)| r.token.as_str()).collect();
    assert_eq!(got, want);
    let (_, schedules) = read_csv(&second.published.as_ref().unwrap().join("schedules.csv"));
    let listed: usize = truth.reports().map(|(_, r)| r.schedules.len()).sum();
    assert_eq!(schedules.len(), listed, "every report's schedules read");
}
