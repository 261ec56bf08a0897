//! The metrics files parsed back by an independent reader: a complete and a partial run, and two
//! processes writing for two workspaces at once.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use mode_audit::commands::run::{RunStatus, run};
use mode_audit::sim::SimServer;
use mode_audit::stop::Stop;

use super::{SIZES, binary, scheduled};
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
    let setting: PathBuf = out.path().join("mode_audit.prom");
    let metrics = out.path().join("mode_audit-acme.prom");
    let other = out.path().join("mode_audit-other.prom");
    let other_text =
        "# HELP mode_audit_reports x\n# TYPE mode_audit_reports gauge\nmode_audit_reports{workspace=\"other\"} 5\n";
    std::fs::write(&other, other_text).unwrap();
    let mut s = settings(&sim, &config, out.path());
    s.insights.metrics_file = Some(setting.clone());
    let report = run(&s, &Stop::default()).await.unwrap();
    let text = std::fs::read_to_string(&metrics).unwrap();
    let m = parse_prometheus(&text);
    let get = |name: &str, labels: &[(&str, &str)]| m.get(&(name.to_string(), ws(labels))).copied();
    let acme = [("workspace", "acme")];
    let truth = sim.workspace();
    assert_eq!(get("mode_audit_reports", &acme), Some(truth.report_count() as f64));
    assert_eq!(
        std::fs::read_to_string(&other).unwrap(),
        other_text,
        "other workspaces' files untouched"
    );
    assert_eq!(
        get("mode_audit_scheduled_reports", &acme),
        Some(truth.reports().filter(|(_, r)| scheduled(r)).count() as f64)
    );
    assert_eq!(
        get("mode_audit_last_run_requests", &acme),
        Some(report.stats.requests.requests as f64)
    );
    assert_eq!(
        get("mode_audit_last_run_throttled", &acme),
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
    s2.insights.metrics_file = Some(setting.clone());
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

#[tokio::test]
async fn two_processes_writing_metrics_for_two_workspaces_at_once_keep_both() {
    let mut sims = Vec::new();
    for name in ["alpha", "beta"] {
        let mut config = fast_config(SIZES.to_vec());
        config.workspace = name.to_string();
        sims.push((SimServer::start(config.clone()).await.unwrap(), config));
    }
    let tmp = tempfile::tempdir().unwrap();
    let textfile = tmp.path().join("textfile");
    std::fs::create_dir(&textfile).unwrap();
    let setting = textfile.join("mode_audit.prom");
    let setting = setting.to_str().unwrap();
    // Several rounds of both processes at once: each must only ever write its own file.
    for round in 0..3 {
        let runs = sims.iter().map(|(sim, config)| {
            let url = sim.base_url();
            let (token, secret) = (config.token.clone(), config.secret.clone());
            let workspace = config.workspace.clone();
            let cwd = tmp.path().to_path_buf();
            async move {
                let args = [
                    "run",
                    "--workspace",
                    &workspace,
                    "--base-url",
                    &url,
                    "--out",
                    "snaps",
                    "--rate",
                    "30/100ms",
                    "--per-page",
                    "30",
                    "--metrics-file",
                    setting,
                ];
                let env = [("MODE_API_TOKEN", token.as_str()), ("MODE_API_SECRET", secret.as_str())];
                binary(&cwd, &args, &env).await
            }
        });
        for o in futures_util::future::join_all(runs).await {
            assert_eq!(
                o.status.code(),
                Some(0),
                "round {round}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        let mut names: Vec<String> = std::fs::read_dir(&textfile)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["mode_audit-alpha.prom", "mode_audit-beta.prom"],
            "round {round}"
        );
        for (sim, config) in &sims {
            let file = textfile.join(format!("mode_audit-{}.prom", config.workspace));
            let m = parse_prometheus(&std::fs::read_to_string(&file).unwrap());
            let own = [("workspace", config.workspace.as_str())];
            assert_eq!(
                m.get(&("mode_audit_reports".to_string(), ws(&own))).copied(),
                Some(sim.workspace().report_count() as f64),
                "round {round}: {}",
                file.display()
            );
            assert!(
                m.keys()
                    .all(|(_, labels)| labels.contains(&("workspace".to_string(), config.workspace.clone()))),
                "only its own workspace in {}",
                file.display()
            );
        }
    }
}
