//! The metrics file parsed back by an independent reader, across a complete and a partial run.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use mode_audit::commands::run::{RunStatus, run};
use mode_audit::sim::SimServer;
use mode_audit::stop::Stop;

use super::{SIZES, scheduled};
use crate::harness::{fast_config, settings};

/// An independent reader of the exposition format: families declared (HELP, TYPE) before samples.
fn parse_prometheus(text: &str) -> HashMap<(String, Vec<(String, String)>), f64> {
    let (mut helped, mut typed) = (BTreeSet::new(), BTreeSet::new());
    let mut samples = HashMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            helped.insert(rest.split(' ').next().unwrap().to_string());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            typed.insert(parts.next().unwrap().to_string());
            assert_eq!(parts.next(), Some("gauge"), "{line}");
        } else {
            let (series, value) = line.rsplit_once(' ').unwrap();
            let (name, labels) = series.split_once('{').unwrap();
            assert!(
                helped.contains(name) && typed.contains(name),
                "{name} declared before its samples"
            );
            let mut labels: Vec<(String, String)> = labels
                .trim_end_matches('}')
                .split("\",")
                .map(|kv| {
                    let (k, v) = kv.split_once("=\"").unwrap();
                    (k.to_string(), v.trim_end_matches('"').to_string())
                })
                .collect();
            labels.sort();
            samples.insert((name.to_string(), labels), value.parse::<f64>().unwrap());
        }
    }
    samples
}

fn ws(labels: &[(&str, &str)]) -> Vec<(String, String)> {
    labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test]
async fn the_metrics_file_parses_back_and_keeps_the_last_success_through_a_partial_run() {
    let config = fast_config(SIZES.to_vec());
    let sim = SimServer::start(config.clone()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let metrics: PathBuf = out.path().join("mode_audit.prom");
    std::fs::write(
        &metrics,
        "# HELP mode_audit_reports x\n# TYPE mode_audit_reports gauge\nmode_audit_reports{workspace=\"other\"} 5\n",
    )
    .unwrap();
    let mut s = settings(&sim, &config, out.path());
    s.insights.metrics_file = Some(metrics.clone());
    let report = run(&s, &Stop::default()).await.unwrap();
    let text = std::fs::read_to_string(&metrics).unwrap();
    let m = parse_prometheus(&text);
    let get = |name: &str, labels: &[(&str, &str)]| m.get(&(name.to_string(), ws(labels))).copied();
    let acme = [("workspace", "acme")];
    let truth = sim.workspace();
    assert_eq!(get("mode_audit_reports", &acme), Some(truth.report_count() as f64));
    assert_eq!(
        get("mode_audit_reports", &[("workspace", "other")]),
        Some(5.0),
        "other workspaces kept"
    );
    assert_eq!(
        get("mode_audit_scheduled_reports", &acme),
        Some(truth.reports().filter(|(_, r)| scheduled(r)).count() as f64)
    );
    assert_eq!(
        get("mode_audit_requests_total", &acme),
        Some(report.stats.requests.requests as f64)
    );
    assert_eq!(
        get("mode_audit_throttled_total", &acme),
        Some(report.stats.requests.throttled as f64)
    );
    for (reason, n) in &report.findings {
        assert_eq!(
            get(
                "mode_audit_findings",
                &[("reason", reason.code()), ("workspace", "acme")]
            ),
            Some(*n as f64)
        );
    }
    assert_eq!(
        get("mode_audit_status", &[("status", "complete"), ("workspace", "acme")]),
        Some(1.0)
    );
    assert_eq!(
        get("mode_audit_status", &[("status", "partial"), ("workspace", "acme")]),
        Some(0.0)
    );
    let success = get("mode_audit_last_success_timestamp_seconds", &acme).unwrap();
    let last_run = get("mode_audit_last_run_timestamp_seconds", &acme).unwrap();
    assert_eq!(success, last_run);
    assert!((success - chrono::Utc::now().timestamp() as f64).abs() < 600.0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&metrics).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "node-exporter's user can read it");
    }

    // A partial run: a new status and last run, the last success kept.
    let mut partial = fast_config(SIZES.to_vec());
    partial.inaccessible = vec![truth.collections[1].token.clone()];
    let sim2 = SimServer::start(partial.clone()).await.unwrap();
    let mut s2 = settings(&sim2, &partial, out.path());
    s2.insights.metrics_file = Some(metrics.clone());
    assert_eq!(run(&s2, &Stop::default()).await.unwrap().status, RunStatus::Partial);
    let m = parse_prometheus(&std::fs::read_to_string(&metrics).unwrap());
    let get = |name: &str, labels: &[(&str, &str)]| m.get(&(name.to_string(), ws(labels))).copied();
    assert_eq!(
        get("mode_audit_status", &[("status", "partial"), ("workspace", "acme")]),
        Some(1.0)
    );
    assert_eq!(get("mode_audit_last_success_timestamp_seconds", &acme), Some(success));
    assert!(get("mode_audit_last_run_timestamp_seconds", &acme).unwrap() >= last_run);
    let visible = truth.report_count() - truth.collections[1].reports.len();
    assert_eq!(get("mode_audit_reports", &acme), Some(visible as f64));
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left: {leftovers:?}");
}
