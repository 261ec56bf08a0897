//! The metrics file (`--metrics-file`): Prometheus text exposition format for node-exporter's
//! textfile collector, replaced atomically (temporary file in the same folder, then a rename).
//!
//! Every sample carries `workspace="..."`; samples of other workspaces already in the file are kept,
//! so runs of several workspaces can share one file. All families are gauges describing the last
//! run. A run that did not complete keeps the previous `mode_audit_last_success_timestamp_seconds`
//! (none when there never was a complete run); a stopped run, which publishes nothing, also keeps
//! the previous `mode_audit_reports`, `mode_audit_scheduled_reports` and `mode_audit_findings`.
//! A fatal run (exit 3) leaves the file untouched: alert on the age of the last-run timestamp.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::sync::Mutex;

use anyhow::{Context, Result};

use crate::atomic::{self, folder};
use crate::snapshot::{Reason, RunReport, RunStatus};

/// `(name, help)` of every family, in the order they are written.
pub const FAMILIES: [(&str, &str); 9] = [
    (
        LAST_RUN,
        "Unix time the last run of the workspace ended, whatever its status.",
    ),
    (LAST_SUCCESS, "Unix time the last complete run of the workspace ended."),
    ("mode_audit_run_duration_seconds", "How long the last run took."),
    (
        "mode_audit_requests_total",
        "HTTP requests the last run sent, retries included.",
    ),
    (
        "mode_audit_throttled_total",
        "Rate-limit answers (HTTP 429) the last run received.",
    ),
    ("mode_audit_reports", "Reports in the last published snapshot."),
    (
        "mode_audit_scheduled_reports",
        "Scheduled reports in the last published snapshot.",
    ),
    (
        "mode_audit_findings",
        "Findings in the last published snapshot, by reason.",
    ),
    (
        "mode_audit_status",
        "1 for how the last run ended (complete, partial or stopped), 0 for the others.",
    ),
];
const LAST_RUN: &str = "mode_audit_last_run_timestamp_seconds";
const LAST_SUCCESS: &str = "mode_audit_last_success_timestamp_seconds";
/// Families a stopped run leaves as they were.
const PUBLISHED_ONLY: [&str; 3] = [
    "mode_audit_reports",
    "mode_audit_scheduled_reports",
    "mode_audit_findings",
];

/// Serialises read-modify-write of metrics files within this process.
static LOCK: Mutex<()> = Mutex::new(());

/// One sample line.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

impl Sample {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Fails early, before any request, when the metrics file's folder cannot be written.
pub fn check_writable(path: &Path) -> Result<()> {
    let dir = folder(path);
    tempfile::Builder::new()
        .prefix(".mode-audit-check-")
        .tempfile_in(dir)
        .with_context(|| format!("the metrics file's folder {} is not writable", dir.display()))?;
    Ok(())
}

/// Writes the samples of `report`'s workspace into `path`, keeping other workspaces' samples.
pub fn record(path: &Path, report: &RunReport) -> Result<()> {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => parse(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let now = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
    let (ours, mut samples): (Vec<Sample>, Vec<Sample>) = existing
        .into_iter()
        .filter(|s| FAMILIES.iter().any(|(name, _)| *name == s.name))
        .partition(|s| s.label("workspace") == Some(report.workspace.as_str()));
    samples.extend(samples_of(report, now, &ours));
    atomic::replace(path, "mode-audit-metrics", Some(0o644), |w| {
        Ok(w.write_all(render(&samples).as_bytes())?)
    })
}

/// The samples of one finished run; `previous` are this workspace's samples from the file.
pub fn samples_of(report: &RunReport, now: f64, previous: &[Sample]) -> Vec<Sample> {
    let ws = report.workspace.as_str();
    let sample = |name: &str, extra: Option<(&str, &str)>, value: f64| Sample {
        name: name.to_string(),
        labels: std::iter::once(("workspace".to_string(), ws.to_string()))
            .chain(extra.map(|(k, v)| (k.to_string(), v.to_string())))
            .collect(),
        value,
    };
    let kept = |name: &'static str| previous.iter().filter(move |s| s.name == name).cloned();
    let mut out = vec![sample(LAST_RUN, None, now)];
    match report.status {
        RunStatus::Complete => out.push(sample(LAST_SUCCESS, None, now)),
        _ => out.extend(kept(LAST_SUCCESS)),
    }
    let r = &report.stats.requests;
    out.push(sample(
        "mode_audit_run_duration_seconds",
        None,
        report.stats.duration_ms as f64 / 1000.0,
    ));
    out.push(sample("mode_audit_requests_total", None, r.requests as f64));
    out.push(sample("mode_audit_throttled_total", None, r.throttled as f64));
    if matches!(report.status, RunStatus::Stopped(_)) {
        for name in PUBLISHED_ONLY {
            out.extend(kept(name));
        }
    } else {
        out.push(sample("mode_audit_reports", None, report.summary.reports as f64));
        out.push(sample(
            "mode_audit_scheduled_reports",
            None,
            report.summary.scheduled as f64,
        ));
        for reason in Reason::ALL {
            let n = report
                .findings
                .iter()
                .find(|(r, _)| *r == reason)
                .map_or(0, |(_, n)| *n);
            out.push(sample("mode_audit_findings", Some(("reason", reason.code())), n as f64));
        }
    }
    let status = match report.status {
        RunStatus::Complete => "complete",
        RunStatus::Partial => "partial",
        RunStatus::Stopped(_) => "stopped",
    };
    for s in ["complete", "partial", "stopped"] {
        out.push(sample(
            "mode_audit_status",
            Some(("status", s)),
            f64::from(u8::from(s == status)),
        ));
    }
    out
}

/// The exposition text: each family's HELP and TYPE, then its samples sorted by labels.
pub fn render(samples: &[Sample]) -> String {
    let mut text = String::new();
    for (name, help) in FAMILIES {
        let mut family: Vec<&Sample> = samples.iter().filter(|s| s.name == name).collect();
        if family.is_empty() {
            continue;
        }
        family.sort_by(|a, b| a.labels.cmp(&b.labels));
        let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} gauge");
        for s in family {
            let labels: Vec<String> = s.labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect();
            let _ = writeln!(text, "{name}{{{}}} {}", labels.join(","), s.value);
        }
    }
    text
}

/// Reads sample lines back (comments and lines it cannot read are skipped).
pub fn parse(text: &str) -> Vec<Sample> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(parse_line)
        .collect()
}

fn parse_line(line: &str) -> Option<Sample> {
    let name_end = line.find(|c: char| c == '{' || c.is_whitespace())?;
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(mut body) = rest.strip_prefix('{') {
        loop {
            body = body.trim_start_matches([',', ' ']);
            if let Some(after) = body.strip_prefix('}') {
                rest = after;
                break;
            }
            let (key, after) = body.split_once("=\"")?;
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next()? {
                    (_, '\\') => match chars.next()?.1 {
                        'n' => value.push('\n'),
                        c => value.push(c),
                    },
                    (i, '"') => break i + 1,
                    (_, c) => value.push(c),
                }
            };
            labels.push((key.trim().to_string(), value));
            body = &after[end..];
        }
    }
    Some(Sample {
        name: line[..name_end].to_string(),
        labels,
        value: rest.split_whitespace().next()?.parse().ok()?,
    })
}

fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_with_quotes_and_backslashes_round_trip() {
        let samples = vec![Sample {
            name: "mode_audit_reports".into(),
            labels: vec![("workspace".into(), "we\"ird\\ws\nx".into())],
            value: 12.0,
        }];
        let text = render(&samples);
        assert!(text.starts_with("# HELP mode_audit_reports "), "{text}");
        assert!(text.contains("# TYPE mode_audit_reports gauge\n"));
        assert_eq!(parse(&text), samples);
        assert_eq!(
            parse("m{a=\"1\",b=\"x y\"} 2.5 1700000000\nbroken{\n# comment\nplain 3"),
            vec![
                Sample {
                    name: "m".into(),
                    labels: vec![("a".into(), "1".into()), ("b".into(), "x y".into())],
                    value: 2.5
                },
                Sample {
                    name: "plain".into(),
                    labels: vec![],
                    value: 3.0
                },
            ]
        );
    }
}
