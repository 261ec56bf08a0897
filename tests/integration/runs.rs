//! Runs and departed owners against the stand-in: counts, failures and seconds equal to its runs,
//! sampled within 10%, the proxy kept (and why) when runs cannot be read, OWNER_DEPARTED on exactly
//! the reports whose creator left, and no runs request with `--runs off`.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use mode_audit::commands::run::run_at;
use mode_audit::config::Settings;
use mode_audit::insights::costs::RunsChoice;
use mode_audit::sim::run_history::runs_of;
use mode_audit::sim::{BASE_MS, Fault, ScriptedFault, SimConfig, SimServer};
use mode_audit::stop::Stop;

use crate::harness::{fast_config, read_csv, settings};

const DAY_MS: i64 = 86_400_000;

/// The stand-in's truth for one report: runs, failed runs and seconds of completed runs, created
/// in the 30 days before `BASE_MS`.
fn truth(sim: &SimServer, token: &str) -> (u64, u64, f64) {
    let ws = sim.workspace();
    let (_, report) = ws.report(token).expect("a report of the stand-in");
    let runs: Vec<_> = runs_of(report, BASE_MS)
        .into_iter()
        .filter(|r| r.created_ms > BASE_MS - 30 * DAY_MS)
        .collect();
    let failed = runs.iter().filter(|r| r.state == "failed").count() as u64;
    let seconds = runs.iter().filter_map(|r| r.seconds()).sum();
    (runs.len() as u64, failed, seconds)
}

/// Runs the audit as if it started at the stand-in's "now"; returns reports.csv and findings.csv rows.
async fn audit(config: SimConfig, tune: impl FnOnce(&mut Settings)) -> (SimServer, Rows, Rows) {
    let (sim, reports, findings, _) = audit_with_digests(config, tune).await;
    (sim, reports, findings)
}

type Rows = Vec<HashMap<String, String>>;

/// [`audit`], and owners/README.md when digests were written.
async fn audit_with_digests(config: SimConfig, tune: impl FnOnce(&mut Settings)) -> (SimServer, Rows, Rows, String) {
    let sim = SimServer::start(config.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(&sim, &config, dir.path());
    s.insights.runs = RunsChoice::Findings;
    s.insights.departed_owners = true;
    tune(&mut s);
    let at = DateTime::<Utc>::from_timestamp_millis(BASE_MS).unwrap();
    let report = run_at(&s, &Stop::default(), at).await.expect("the run publishes");
    let folder = report.published.expect("published");
    let (_, reports) = read_csv(&folder.join("reports.csv"));
    let (_, findings) = read_csv(&folder.join("findings.csv"));
    let readme = std::fs::read_to_string(folder.join("owners/README.md")).unwrap_or_default();
    (sim, reports, findings, readme)
}

fn config() -> SimConfig {
    fast_config(vec![40, 35, 25])
}

fn flagged(findings: &[HashMap<String, String>]) -> HashSet<String> {
    findings.iter().map(|f| f["report_token"].clone()).collect()
}

#[tokio::test]
async fn every_run_read_is_measured_exactly() {
    let (sim, reports, findings) = audit(config(), |s| s.insights.runs_max_pages = 1_000).await;
    let selected = flagged(&findings);
    let mut checked = 0;
    for r in reports
        .iter()
        .filter(|r| selected.contains(&r["report_token"]) && r["scheduled"] == "true")
    {
        let (runs, failed, seconds) = truth(&sim, &r["report_token"]);
        assert_eq!(r["run_seconds_basis"], "measured", "{}", r["report_token"]);
        assert_eq!(r["runs_30d"], runs.to_string());
        assert_eq!(r["failed_runs_30d"], failed.to_string());
        let got: f64 = r["run_seconds_30d"].parse().unwrap();
        assert!((got - seconds).abs() < 0.01, "{got} vs {seconds}");
        checked += 1;
    }
    assert!(checked >= 5, "enough reports with findings to check: {checked}");
    let unselected = reports
        .iter()
        .find(|r| r["scheduled"] == "true" && !selected.contains(&r["report_token"]));
    if let Some(r) = unselected {
        assert_ne!(
            r["run_seconds_basis"], "measured",
            "only reports with findings are read by default"
        );
    }
    let row = findings
        .iter()
        .find(|f| f["run_seconds_basis"] == "measured")
        .expect("a measured finding");
    assert!(!row["runs_30d"].is_empty() && !row["run_seconds_30d"].is_empty());
}

#[tokio::test]
async fn a_sample_counts_exactly_and_estimates_seconds_within_ten_percent() {
    let (sim, reports, _) = audit(config(), |s| {
        s.insights.runs = RunsChoice::All;
        s.insights.runs_max_pages = 1;
    })
    .await;
    let mut sampled = 0;
    for r in reports.iter().filter(|r| r["scheduled"] == "true") {
        let (runs, _, seconds) = truth(&sim, &r["report_token"]);
        assert_eq!(r["runs_30d"], runs.to_string(), "pagination.total_count is the count");
        let got: f64 = r["run_seconds_30d"].parse().unwrap();
        match r["run_seconds_basis"].as_str() {
            "measured" => assert!((got - seconds).abs() < 0.01),
            "sampled" => {
                sampled += 1;
                assert!((got - seconds).abs() <= 0.1 * seconds, "{got} vs {seconds}");
            }
            other => panic!("unexpected basis {other}"),
        }
    }
    assert!(
        sampled > 0,
        "hourly and faster schedules run more than one page in 30 days"
    );
}

#[tokio::test]
async fn unreadable_runs_keep_the_proxy_and_say_why() {
    let mut cfg = config();
    let sim = SimServer::start(cfg.clone()).await.unwrap();
    let victim = sim
        .workspace()
        .reports()
        .find(|(_, r)| !r.schedules.is_empty() && r.view_count == 0)
        .map(|(_, r)| r.token.clone())
        .expect("a scheduled report never viewed");
    sim.shutdown().await;
    cfg.scripted = vec![ScriptedFault {
        path_contains: format!("/reports/{victim}/runs"),
        fault: Fault::Status(404),
        times: 100,
    }];
    // Without totals a capped read cannot count either: those reports keep the proxy too.
    cfg.list_totals = false;
    let (_, reports, _) = audit(cfg, |s| s.insights.runs_max_pages = 1).await;
    let row = reports.iter().find(|r| r["report_token"] == victim).unwrap();
    assert_eq!(row["run_seconds_basis"], "expected_runtime");
    assert_eq!(row["runs_30d"], "", "unknown, never 0");
    let proxy: f64 =
        row["runs_per_month"].parse::<f64>().unwrap() * row["expected_runtime_seconds"].parse::<f64>().unwrap();
    let got: f64 = row["run_seconds_30d"].parse().unwrap();
    assert!((got - proxy).abs() < 0.02, "{got} vs {proxy}");
    assert!(row["runs_error"].contains("404"), "says why: {}", row["runs_error"]);
}

#[tokio::test]
async fn owner_departed_is_raised_on_exactly_the_reports_whose_creator_left() {
    for unlisted in [false, true] {
        let cfg = SimConfig {
            departed_members: 2,
            departed_unlisted: unlisted,
            ..config()
        };
        let (sim, _, findings, readme) = audit_with_digests(cfg.clone(), |s| {
            s.insights.runs = RunsChoice::Off;
            s.insights.digests = true;
        })
        .await;
        let ws = sim.workspace();
        let gone: HashSet<&str> = cfg.departed(&ws.users).collect();
        let expected: HashSet<String> = ws
            .reports()
            .filter(|(_, r)| !r.schedules.is_empty() && gone.contains(r.creator.as_str()))
            .map(|(_, r)| r.token.clone())
            .collect();
        let raised: HashSet<String> = findings
            .iter()
            .filter(|f| f["reason"] == "OWNER_DEPARTED")
            .map(|f| f["report_token"].clone())
            .collect();
        assert!(!expected.is_empty(), "the departed members created scheduled reports");
        assert_eq!(
            raised,
            expected,
            "former members {}",
            if unlisted { "unlisted" } else { "listed" }
        );
        let section = readme
            .split("## departed owners")
            .nth(1)
            .expect("the digests name the departed owners");
        for (_, r) in ws.reports().filter(|(_, r)| expected.contains(&r.token)) {
            assert!(
                section.contains(&r.creator),
                "{} is listed under departed owners",
                r.creator
            );
        }
    }
}

#[tokio::test]
async fn runs_off_sends_no_runs_request_and_findings_sends_them() {
    let (sim, reports, _) = audit(config(), |s| s.insights.runs = RunsChoice::Off).await;
    assert_eq!(sim.counters().runs, 0);
    assert_eq!(sim.counters().memberships, 1, "one listing of members per run");
    assert!(reports.iter().all(|r| r["runs_30d"].is_empty()));
    let (sim, _, findings) = audit(config(), |_| {}).await;
    let selected = flagged(&findings).len() as u64;
    let runs = sim.counters().runs;
    assert!(
        runs >= selected && runs <= 2 * selected,
        "{runs} requests for {selected} reports"
    );
}
