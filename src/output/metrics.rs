//! The metrics files (`--metrics-file`): Prometheus text exposition format for node-exporter's
//! textfile collector, one file per workspace, each replaced atomically (temporary file in the same
//! folder, then a rename).
//!
//! node-exporter reads every `*.prom` file in its folder, so each workspace writes only its own
//! file and no process ever rewrites another's: two processes (or two workspaces of one run) never
//! lose each other's samples. `--metrics-file` names either a folder, holding
//! `mode_audit-<workspace>.prom`, or a file name into which the workspace is inserted before the
//! extension (`mode_audit.prom` → `mode_audit-<workspace>.prom`). A file at the exact name given,
//! as earlier versions shared between workspaces, is removed when it holds only mode-audit samples
//! (left, its samples would repeat the new files' series and fail the collector).
//!
//! Every sample carries `workspace="..."`. All families are gauges describing the last run (none
//! is a counter, so none ends in `_total`). A run that did not complete keeps the previous
//! `mode_audit_last_success_timestamp_seconds` (none when there never was a complete run); a
//! stopped run, which publishes nothing, also keeps the previous `mode_audit_reports`,
//! `mode_audit_scheduled_reports` and `mode_audit_findings`. A fatal run (exit 3) leaves the file
//! untouched: alert on the age of the last-run timestamp.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::atomic::{self, folder};
use crate::snapshot::{Reason, RunReport, RunStatus};

/// `(name, help)` of every family, in the order they are written.
pub const FAMILIES: [(&str, &str); 16] = [
    (
        LAST_RUN,
        "Unix time the last run of the workspace ended, whatever its status.",
    ),
    (LAST_SUCCESS, "Unix time the last complete run of the workspace ended."),
    ("mode_audit_run_duration_seconds", "How long the last run took."),
    (LAST_RUN_REQUESTS, "HTTP requests the last run sent, retries included."),
    (
        LAST_RUN_THROTTLED,
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
        UNVIEWED_REPORTS,
        "Scheduled reports with no views in the findings window, each counted once.",
    ),
    (
        UNVIEWED_RUNS,
        "Runs of the unviewed scheduled reports in the 30 days before the run (absent when unknown).",
    ),
    (
        UNVIEWED_SECONDS,
        "Warehouse seconds of those runs (measured, sampled or the expected_runtime proxy; absent when unknown).",
    ),
    (
        UNVIEWED_FAILED,
        "Failed runs among the runs of the unviewed scheduled reports (absent when unknown).",
    ),
    (
        FAILING_VIEWED,
        "Viewed scheduled reports whose schedule fails (the unviewed ones are counted apart).",
    ),
    (
        DEPARTED,
        "Scheduled reports whose creator is no longer an active member of the workspace.",
    ),
    (
        NOTIFICATIONS_FAILED,
        "Run alerts (Slack, webhook) of the last run that could not be delivered.",
    ),
    (
        "mode_audit_status",
        "1 for how the last run ended (complete, partial or stopped), 0 for the others.",
    ),
];
const LAST_RUN: &str = "mode_audit_last_run_timestamp_seconds";
const LAST_SUCCESS: &str = "mode_audit_last_success_timestamp_seconds";
const LAST_RUN_REQUESTS: &str = "mode_audit_last_run_requests";
const LAST_RUN_THROTTLED: &str = "mode_audit_last_run_throttled";
const UNVIEWED_REPORTS: &str = "mode_audit_unviewed_scheduled_reports";
const UNVIEWED_RUNS: &str = "mode_audit_unviewed_runs_30d";
const UNVIEWED_SECONDS: &str = "mode_audit_unviewed_run_seconds_30d";
const UNVIEWED_FAILED: &str = "mode_audit_unviewed_failed_runs_30d";
const FAILING_VIEWED: &str = "mode_audit_failing_viewed_reports";
const DEPARTED: &str = "mode_audit_departed_owner_reports";
const NOTIFICATIONS_FAILED: &str = "mode_audit_last_run_notifications_failed";
/// The file name in a folder given as `--metrics-file`, before the workspace is inserted.
const DEFAULT_NAME: &str = "mode_audit.prom";
/// Families a stopped run leaves as they were.
const PUBLISHED_ONLY: [&str; 9] = [
    "mode_audit_reports",
    "mode_audit_scheduled_reports",
    "mode_audit_findings",
    UNVIEWED_REPORTS,
    UNVIEWED_RUNS,
    UNVIEWED_SECONDS,
    UNVIEWED_FAILED,
    FAILING_VIEWED,
    DEPARTED,
];

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

/// The file `workspace`'s metrics go to, for `--metrics-file setting`: in a folder (one that
/// exists, or a name ending in a separator) `mode_audit-<workspace>.prom`, otherwise the name given
/// with `-<workspace>` inserted before its extension.
pub fn file_for(setting: &Path, workspace: &str) -> PathBuf {
    let text = setting.as_os_str().to_string_lossy();
    let folder_named = setting.is_dir() || text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR);
    let (dir, name) = if folder_named {
        (setting, Path::new(DEFAULT_NAME))
    } else {
        (
            folder(setting),
            Path::new(setting.file_name().unwrap_or(DEFAULT_NAME.as_ref())),
        )
    };
    let stem = name.file_stem().unwrap_or_default().to_string_lossy();
    let file = match name.extension() {
        Some(ext) => format!("{stem}-{workspace}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{workspace}"),
    };
    dir.join(file)
}

/// Fails early, before any request, when the folder of `workspace`'s metrics file cannot be written.
pub fn check_writable(setting: &Path, workspace: &str) -> Result<()> {
    let file = file_for(setting, workspace);
    let dir = folder(&file);
    tempfile::Builder::new()
        .prefix(".mode-audit-check-")
        .tempfile_in(dir)
        .with_context(|| format!("the metrics file's folder {} is not writable", dir.display()))?;
    Ok(())
}

/// Writes the samples of `report`'s workspace into its own file (see [`file_for`]); returns the
/// file. The previous samples read back are this workspace's own, which no other process writes.
pub fn record(setting: &Path, report: &RunReport) -> Result<PathBuf> {
    let path = file_for(setting, &report.workspace);
    retire_shared_file(setting, &path);
    let previous = match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let ours: Vec<Sample> = previous
        .into_iter()
        .filter(|s| FAMILIES.iter().any(|(name, _)| *name == s.name))
        .filter(|s| s.label("workspace") == Some(report.workspace.as_str()))
        .collect();
    let now = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
    let samples = samples_of(report, now, &ours);
    atomic::replace(&path, "mode-audit-metrics", Some(0o644), |w| {
        Ok(w.write_all(render(&samples).as_bytes())?)
    })?;
    Ok(path)
}

/// Removes the file earlier versions shared between workspaces (the exact name given), when it
/// holds nothing but mode-audit samples: its series would repeat those of the per-workspace files.
fn retire_shared_file(setting: &Path, ours: &Path) {
    if setting == ours || !setting.is_file() {
        return;
    }
    let Ok(text) = std::fs::read_to_string(setting) else {
        return;
    };
    let ours_only = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .all(|l| parse_line(l).is_some_and(|s| s.name.starts_with("mode_audit_")));
    if !ours_only {
        tracing::warn!(path = %setting.display(), "not removing the metrics file of an earlier version: it holds other samples too");
        return;
    }
    match std::fs::remove_file(setting) {
        Ok(()) => tracing::info!(
            path = %setting.display(),
            "removed the metrics file earlier versions shared between workspaces; each workspace now has its own"
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            tracing::warn!(path = %setting.display(), error = %e, "cannot remove the metrics file of an earlier version")
        }
    }
}

/// The samples of one finished run; `previous` are this workspace's samples from the file.
pub fn samples_of(report: &RunReport, now: f64, previous: &[Sample]) -> Vec<Sample> {
    let ws = report.workspace.as_str();
    let one = |name: &str, value: f64| sample(ws, name, None, value);
    let kept = |name: &'static str| previous.iter().filter(move |s| s.name == name).cloned();
    let mut out = vec![one(LAST_RUN, now)];
    match report.status {
        RunStatus::Complete => out.push(one(LAST_SUCCESS, now)),
        _ => out.extend(kept(LAST_SUCCESS)),
    }
    let r = &report.stats.requests;
    out.push(one(
        "mode_audit_run_duration_seconds",
        report.stats.duration_ms as f64 / 1000.0,
    ));
    out.push(one(LAST_RUN_REQUESTS, r.requests as f64));
    out.push(one(LAST_RUN_THROTTLED, r.throttled as f64));
    out.push(one(NOTIFICATIONS_FAILED, report.notifications_failed as f64));
    if matches!(report.status, RunStatus::Stopped(_)) {
        for name in PUBLISHED_ONLY {
            out.extend(kept(name));
        }
    } else {
        published(report, &mut out);
    }
    let status = match report.status {
        RunStatus::Complete => "complete",
        RunStatus::Partial => "partial",
        RunStatus::Stopped(_) => "stopped",
    };
    for s in ["complete", "partial", "stopped"] {
        out.push(sample(
            ws,
            "mode_audit_status",
            Some(("status", s)),
            f64::from(u8::from(s == status)),
        ));
    }
    out
}

/// One sample of workspace `ws`, with one more label when `extra` is given.
fn sample(ws: &str, name: &str, extra: Option<(&str, &str)>, value: f64) -> Sample {
    Sample {
        name: name.to_string(),
        labels: std::iter::once(("workspace".to_string(), ws.to_string()))
            .chain(extra.map(|(k, v)| (k.to_string(), v.to_string())))
            .collect(),
        value,
    }
}

/// The samples only a run that published a snapshot has: its counts, findings and headline.
fn published(report: &RunReport, out: &mut Vec<Sample>) {
    let ws = report.workspace.as_str();
    out.push(sample(ws, "mode_audit_reports", None, report.summary.reports as f64));
    out.push(sample(
        ws,
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
        out.push(sample(
            ws,
            "mode_audit_findings",
            Some(("reason", reason.code())),
            n as f64,
        ));
    }
    if let Some(h) = &report.headline {
        let u = &h.unviewed;
        let known = [
            (UNVIEWED_REPORTS, Some(u.reports as f64)),
            (UNVIEWED_RUNS, u.runs_30d.map(|n| n as f64)),
            (UNVIEWED_SECONDS, u.run_seconds_30d),
            (UNVIEWED_FAILED, u.failed_runs_30d.map(|n| n as f64)),
            (FAILING_VIEWED, Some(h.failing.reports as f64)),
            (DEPARTED, Some(h.departed.reports as f64)),
        ];
        for (name, value) in known {
            if let Some(v) = value {
                out.push(sample(ws, name, None, v));
            }
        }
    }
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
            let _ = writeln!(text, "{name}{{{}}} {}", labels.join(","), value(s.value));
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

/// A sample value as the exposition format writes it (`+Inf`, `-Inf`, `NaN` for the non-finite).
fn value(v: f64) -> String {
    match v {
        f64::INFINITY => "+Inf".into(),
        f64::NEG_INFINITY => "-Inf".into(),
        v if v.is_nan() => "NaN".into(),
        v => v.to_string(),
    }
}

fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests;
