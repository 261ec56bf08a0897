//! The published files, checked field by field against the stand-in's truth.

use std::collections::HashMap;

use mode_audit::commands::run::RunStatus;
use mode_audit::commands::run::run;
use mode_audit::output::{COLLECTION_COLUMNS, REPORT_COLUMNS, SCHEDULE_COLUMNS};
use mode_audit::sim::{SimReport, SimServer, Workspace};
use mode_audit::stop::Stop;

use crate::harness::{fast_config, read_csv, settings};

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn earliest(r: &SimReport) -> String {
    r.schedules
        .iter()
        .filter_map(|s| s.next_scheduled_run.clone())
        .min_by_key(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap())
        .unwrap_or_default()
}

fn frequencies(r: &SimReport) -> String {
    let mut seen = Vec::new();
    for s in &r.schedules {
        if !seen.contains(&s.frequency) {
            seen.push(s.frequency.clone());
        }
    }
    seen.join(";")
}

fn expected_report_row(ws: &Workspace, c: &mode_audit::sim::SimCollection, r: &SimReport) -> HashMap<String, String> {
    let scheduled = !r.schedules.is_empty();
    let pairs: Vec<(&str, String)> = vec![
        ("workspace", ws.name.clone()),
        ("collection_token", c.token.clone()),
        ("collection_name", opt(&c.name)),
        ("collection_type", c.space_type.clone()),
        ("report_token", r.token.clone()),
        ("report_name", opt(&r.name)),
        ("report_type", r.report_type.clone()),
        ("archived", r.archived.to_string()),
        ("creator", r.creator.clone()),
        ("created_at", r.created_at.clone()),
        ("updated_at", r.updated_at.clone()),
        ("last_run_at", opt(&r.last_run_at)),
        ("last_successfully_run_at", opt(&r.last_successfully_run_at)),
        ("view_count", r.view_count.to_string()),
        ("schedules_count", r.schedules.len().to_string()),
        ("scheduled", scheduled.to_string()),
        ("schedule_frequencies", frequencies(r)),
        ("next_scheduled_run", earliest(r)),
        (
            "subscriber_count",
            r.schedules.iter().map(|s| s.subscriber_count).sum::<u64>().to_string(),
        ),
        ("url", format!("https://app.mode.com/{}/reports/{}", ws.name, r.token)),
        (
            "fetch_status",
            if scheduled { "fetched" } else { "not_scheduled" }.to_string(),
        ),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

#[tokio::test]
async fn csv_and_json_match_the_truth_field_by_field() {
    let config = fast_config(vec![0, 30, 61, 45, 7]);
    let sim = SimServer::start(config.clone()).await.unwrap();
    let truth = sim.workspace();
    let out = tempfile::tempdir().unwrap();
    let report = run(&settings(&sim, &config, out.path()), &Stop::default())
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Complete);
    let dir = report.published.clone().unwrap();
    assert_eq!(dir.parent().unwrap(), out.path().join("acme"));

    // reports.csv
    let (headers, rows) = read_csv(&dir.join("reports.csv"));
    assert_eq!(headers, REPORT_COLUMNS);
    let expected: Vec<_> = truth
        .reports()
        .map(|(c, r)| expected_report_row(&truth, c, r))
        .collect();
    assert_eq!(rows.len(), expected.len());
    for (got, want) in rows.iter().zip(&expected) {
        let mut got = got.clone();
        // No earlier snapshot: every window is empty (unknown), and first_seen is this run's start.
        for window in ["views_7d", "views_30d", "views_90d"] {
            assert_eq!(got.remove(window).as_deref(), Some(""), "{window}");
        }
        // Runs are not read here (--runs off): the cost is the proxy, unknown stays empty.
        for unread in ["runs_30d", "failed_runs_30d", "runs_error"] {
            assert_eq!(got.remove(unread).as_deref(), Some(""), "{unread}");
        }
        let scheduled = got["scheduled"] == "true";
        let basis = got.remove("run_seconds_basis").unwrap();
        assert_eq!(basis, if scheduled { "expected_runtime" } else { "unknown" });
        let seconds = got.remove("run_seconds_30d").unwrap();
        let per_month = got.remove("runs_per_month").unwrap();
        let runtime: f64 = got.remove("expected_runtime_seconds").unwrap().parse().unwrap();
        let (_, truth_report) = truth.report(&got["report_token"]).unwrap();
        assert!((runtime - truth_report.expected_runtime).abs() < 1e-9);
        if scheduled {
            let proxy = per_month.parse::<f64>().unwrap() * runtime;
            assert!(
                (seconds.parse::<f64>().unwrap() - proxy).abs() < 0.01,
                "{seconds} vs {proxy}"
            );
        } else {
            assert_eq!((seconds.as_str(), per_month.as_str()), ("", ""));
        }
        let first_seen = got.remove("first_seen").unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(&first_seen).is_ok(),
            "{first_seen}"
        );
        // A REST-only run knows none of what the Discovery API adds.
        for column in [
            "last_viewed_at",
            "last_run_state",
            "creator_email",
            "explorations_count",
            "listed_by",
        ] {
            assert_eq!(got.remove(column).as_deref(), Some(""), "{column}");
        }
        // Runs are not read in this run (`--runs off`): no tally, so no time it was read.
        assert_eq!(got.remove("runs_read_at").as_deref(), Some(""));
        assert_eq!(&got, want);
    }

    // schedules.csv; every schedule was read by this run: fetched_at is its start.
    let (headers, rows) = read_csv(&dir.join("schedules.csv"));
    assert_eq!(headers, SCHEDULE_COLUMNS);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("snapshot.json")).unwrap()).unwrap();
    let started_at = json["started_at"].as_str().unwrap().to_string();
    let want: Vec<Vec<String>> = truth
        .reports()
        .flat_map(|(_, r)| r.schedules.iter().map(move |s| (r, s)))
        .map(|(r, s)| {
            vec![
                truth.name.clone(),
                r.token.clone(),
                s.token.clone(),
                opt(&s.name),
                s.frequency.clone(),
                s.time_zone.clone(),
                s.hour.clone(),
                s.minute.clone(),
                opt(&s.next_scheduled_run),
                opt(&s.last_scheduled_run),
                opt(&s.last_succeeded_at),
                s.retry_state.clone(),
                s.subscriber_count.to_string(),
                started_at.clone(),
            ]
        })
        .collect();
    let got: Vec<Vec<String>> = rows
        .iter()
        .map(|row| SCHEDULE_COLUMNS.iter().map(|c| row[*c].clone()).collect())
        .collect();
    assert_eq!(got, want);

    // collections.csv, the ledger
    let (headers, rows) = read_csv(&dir.join("collections.csv"));
    assert_eq!(headers, COLLECTION_COLUMNS);
    let got: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["collection_token"].clone(),
                r["reports"].clone(),
                r["pages"].clone(),
                r["status"].clone(),
            )
        })
        .collect();
    let want: Vec<(String, String, String, String)> = truth
        .collections
        .iter()
        .map(|c| {
            (
                c.token.clone(),
                c.reports.len().to_string(),
                (c.reports.len() / 30 + 1).to_string(),
                "complete".into(),
            )
        })
        .collect();
    assert_eq!(got, want);

    // snapshot.json
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("snapshot.json")).unwrap()).unwrap();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["workspace"], "acme");
    assert_eq!(json["status"], "complete");
    assert_eq!(json["failures"].as_array().unwrap().len(), 0);
    assert_eq!(json["stats"]["requests"], sim.counters().total);
    let reports = json["reports"].as_array().unwrap();
    assert_eq!(reports.len(), truth.report_count());
    for (got, (c, want)) in reports.iter().zip(truth.reports()) {
        assert_eq!(got["token"], want.token.as_str());
        assert_eq!(got["collection_token"], c.token.as_str());
        assert_eq!(got["name"], serde_json::json!(want.name));
        assert_eq!(got["view_count"], want.view_count);
        assert_eq!(got["archived"], want.archived);
        assert!((got["expected_runtime"].as_f64().unwrap() - want.expected_runtime).abs() < 1e-9);
        assert_eq!(got["scheduled"], !want.schedules.is_empty());
        let tokens: Vec<&str> = got["schedules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["token"].as_str().unwrap())
            .collect();
        let want_tokens: Vec<&str> = want.schedules.iter().map(|s| s.token.as_str()).collect();
        assert_eq!(tokens, want_tokens);
    }
    assert_eq!(json["collections"].as_array().unwrap().len(), truth.collections.len());

    // reports.jsonl: one line per report, each carrying its workspace
    let text = std::fs::read_to_string(dir.join("reports.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), truth.report_count());
    assert!(lines.iter().all(|l| l["workspace"] == "acme"));
}

#[tokio::test]
async fn publication_is_atomic_and_latest_follows_the_newest_run() {
    let config = fast_config(vec![31, 2]);
    let sim = SimServer::start(config.clone()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let first = run(&settings(&sim, &config, out.path()), &Stop::default())
        .await
        .unwrap()
        .published
        .unwrap();
    let second = run(&settings(&sim, &config, out.path()), &Stop::default())
        .await
        .unwrap()
        .published
        .unwrap();
    assert_ne!(first, second, "an existing snapshot is never overwritten");
    assert!(first.join("reports.csv").exists() && second.join("reports.csv").exists());
    let ws = out.path().join("acme");
    let latest = std::fs::read_link(ws.join("latest")).unwrap();
    assert_eq!(latest, second.file_name().unwrap());
    let leftovers: Vec<String> = std::fs::read_dir(&ws)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left: {leftovers:?}");
}
