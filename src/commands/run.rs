//! A run: check the output folder or bucket, walk the workspace (or resume a stopped walk),
//! assemble the snapshot, publish it, report.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{SecondsFormat, Utc};

use crate::config::{Destination, Settings};
use crate::crawl::checkpoint::Checkpoint;
use crate::crawl::crawl;
use crate::insights;
use crate::insights::findings::count_by_reason;
use crate::mode::{ModeClient, Pacer};
use crate::output;
use crate::output::Place;
use crate::output::metrics;
use crate::snapshot::summary::Summary;
use crate::snapshot::{Failure, SCHEMA_VERSION, Snapshot, SnapshotStats, Status};
pub use crate::snapshot::{RunReport, RunStatus};
use crate::stop::Stop;

/// Audits each workspace in turn: those of one credential group share one per-user budget, so
/// never at once, and pass one pacer, so the first requests of a workspace are spaced from the
/// last of the one before. After a stop the rest are not started (`None`).
pub async fn run_each(all: &[Settings], stop: &Stop) -> Vec<(String, Option<Result<RunReport>>)> {
    let mut pacers: Vec<(&str, Arc<Pacer>)> = Vec::new();
    let mut results = Vec::with_capacity(all.len());
    for settings in all {
        let pacer = match pacers.iter().find(|(g, _)| *g == settings.credential_group) {
            Some((_, p)) => Arc::clone(p),
            None => {
                let p = Arc::new(Pacer::new(settings.client.rate));
                pacers.push((&settings.credential_group, Arc::clone(&p)));
                p
            }
        };
        let outcome = if stop.reason().is_some() {
            None
        } else {
            Some(run_paced(settings, stop, &pacer).await)
        };
        results.push((settings.workspace.clone(), outcome));
    }
    results
}

/// Audits the workspace the settings name, with a pacer of its own; see [`run_paced`].
pub async fn run(settings: &Settings, stop: &Stop) -> Result<RunReport> {
    run_paced(settings, stop, &Arc::new(Pacer::new(settings.client.rate))).await
}

/// Audits the workspace the settings name through `pacer`, then writes the metrics file when one
/// is set. An `Err` is fatal: nothing was published (exit 3).
pub async fn run_paced(settings: &Settings, stop: &Stop, pacer: &Arc<Pacer>) -> Result<RunReport> {
    if let Some(path) = &settings.insights.metrics_file {
        metrics::check_writable(path)?;
    }
    let report = walk_and_publish(settings, stop, pacer).await?;
    if let Some(path) = &settings.insights.metrics_file {
        // The snapshot is already published; a metrics file that cannot be written is logged, and
        // its staleness is what an alert on mode_audit_last_run_timestamp_seconds notices.
        match metrics::record(path, &report) {
            Ok(()) => tracing::info!(path = %path.display(), "metrics written"),
            Err(error) => {
                tracing::error!(path = %path.display(), error = format!("{error:#}"), "cannot write the metrics file")
            }
        }
    }
    Ok(report)
}

async fn walk_and_publish(settings: &Settings, stop: &Stop, pacer: &Arc<Pacer>) -> Result<RunReport> {
    let ws = settings.workspace.as_str();
    // A folder, or a bucket with a local work folder standing in for it; `None` for `--out -`.
    let place = match &settings.destination {
        Destination::Dir(out) => Some(Place::folder(out.clone())),
        Destination::Bucket(url) => Some(Place::bucket(url, &settings.store)?),
        Destination::Stdout => None,
    };
    if let Some(place) = &place {
        place.check(ws).await?;
    }
    let checkpoint_path = place.as_ref().map(|p| Checkpoint::path(p.local_out(), ws));
    let resume = match (&place, &checkpoint_path) {
        (Some(place), Some(path)) if settings.resume.enabled => {
            place.fetch_checkpoint(ws).await?;
            Checkpoint::load(path, ws, &settings.crawl.fingerprint(), settings.resume.max_age)?
        }
        _ => None,
    };
    let resumed = resume.is_some();
    if let Some(c) = &resume {
        tracing::info!(saved_at = %c.saved_at, reports = c.reports(), "resuming from the checkpoint (--fresh starts over)");
    }
    let client = ModeClient::with_pacer(settings.client.clone(), Arc::clone(pacer))?;
    let started = Instant::now();
    let started_at = resume.as_ref().map(|c| c.started_at.clone()).unwrap_or_else(now);
    let prior = resume.as_ref().map(|c| c.prior_requests).unwrap_or_default();
    tracing::info!(workspace = %settings.workspace, base_url = %settings.client.base_url, rate = ?settings.client.rate.map(|r| r.to_string()), "audit started");
    let mut walk_options = settings.crawl.clone();
    walk_options.progress = crate::crawl::progress::Progress::on_stderr(settings.progress);
    // Finished report records wait in an unnamed temporary file beside the snapshots (a folder
    // known to be writable) or, for a bucket, in the system's temporary folder; not in memory.
    walk_options.spill_dir = place.as_ref().and_then(|p| p.spill_dir(ws));
    let outcome = crawl(&client, &walk_options, stop, resume).await?;
    outcome
        .reports
        .check()
        .context("could not keep the collected reports; nothing was published")?;
    let requests = prior + client.stats();
    let summary = Summary::of(&outcome.collections, outcome.reports.iter(), outcome.failures.len());
    let stats = SnapshotStats {
        requests,
        duration_ms: started.elapsed().as_millis() as u64,
        collections: summary.collections,
        reports: summary.reports,
        scheduled: summary.scheduled,
        scheduled_zero_views: summary.scheduled_zero_views,
        archived: summary.archived,
        duplicates: outcome.duplicates,
        peak_rss_bytes: peak_rss_bytes(),
    };
    let mut report = RunReport {
        workspace: settings.workspace.clone(),
        status: RunStatus::Complete,
        published: None,
        checkpoint: None,
        resumed,
        summary,
        stats: stats.clone(),
        failures: Vec::new(),
        findings: Vec::new(),
    };
    if let (Some(reason), Some(mut checkpoint)) = (outcome.stopped, outcome.checkpoint) {
        report.status = RunStatus::Stopped(reason);
        if let (Some(place), Some(path)) = (&place, checkpoint_path) {
            checkpoint.started_at = started_at;
            checkpoint.prior_requests = requests;
            checkpoint.save(&path)?;
            let files = Checkpoint::files(place.local_out(), ws);
            let kept = place.keep_checkpoint(ws, &files, &checkpoint.started_at).await?;
            tracing::warn!(path = %kept.display(), reports = checkpoint.reports(), "checkpoint saved; run again to resume");
            report.checkpoint = Some(kept);
        }
        return Ok(report);
    }
    let status = if outcome.failures.is_empty() {
        Status::Complete
    } else {
        Status::Partial
    };
    let mut snapshot = Snapshot {
        schema_version: SCHEMA_VERSION,
        workspace: settings.workspace.clone(),
        started_at,
        finished_at: now(),
        status,
        stats,
        collections: outcome.collections,
        reports: outcome.reports,
        failures: outcome.failures,
        findings: Vec::new(),
    };
    let history_dir = match &place {
        Some(place) => Some(
            place
                .history_dir(ws, &snapshot.started_at, settings.insights.findings.window)
                .await,
        ),
        None => None,
    };
    insights::enrich(
        &mut snapshot,
        history_dir.as_deref(),
        &settings.insights.findings,
        &settings.insights.keep,
    )
    .context("could not add history and findings; nothing was published")?;
    report.findings = count_by_reason(&snapshot.findings);
    match &place {
        Some(place) => {
            let path = place
                .publish(&snapshot, settings.formats, settings.cells, settings.insights.digests)
                .await
                .context("could not publish the snapshot; nothing was published")?;
            report.published = Some(path);
        }
        None => {
            output::stream_reports(&snapshot, settings.cells, std::io::stdout().lock())
                .context("could not write reports.csv to stdout")?;
        }
    }
    if let (Some(place), Some(path)) = (&place, &checkpoint_path) {
        Checkpoint::remove(path);
        place.drop_checkpoint(ws).await;
    }
    for failure in &snapshot.failures {
        tracing::warn!(scope = %failure.scope, token = failure.token.as_deref().unwrap_or(""), error = %failure.error, "not collected");
    }
    report.status = match status {
        Status::Complete => RunStatus::Complete,
        Status::Partial => RunStatus::Partial,
    };
    report.failures = snapshot.failures;
    Ok(report)
}

/// Peak resident set size of this process (`VmHWM` in /proc/self/status), where the OS tells it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The short table printed on stderr at the end of every run.
impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.summary;
        let status = match self.status {
            RunStatus::Complete => "complete".to_string(),
            RunStatus::Partial => "PARTIAL".to_string(),
            RunStatus::Stopped(reason) => format!("STOPPED ({reason})"),
        };
        let resumed = if self.resumed {
            ", resumed from a checkpoint"
        } else {
            ""
        };
        writeln!(f, "mode-audit: workspace {} — {status}{resumed}", self.workspace)?;
        writeln!(
            f,
            "  collections           {:>8}  ({} inaccessible)",
            s.collections, s.inaccessible_collections
        )?;
        writeln!(f, "  reports               {:>8}  ({} archived)", s.reports, s.archived)?;
        writeln!(f, "  scheduled             {:>8}", s.scheduled)?;
        writeln!(f, "  scheduled, 0 views    {:>8}", s.scheduled_zero_views)?;
        if !self.findings.is_empty() {
            let total: u64 = self.findings.iter().map(|(_, n)| n).sum();
            writeln!(f, "  findings              {total:>8}")?;
            for (reason, n) in self.findings.iter().filter(|(_, n)| *n > 0) {
                writeln!(f, "                        {n:>8}  {}", reason.code())?;
            }
        }
        writeln!(
            f,
            "  requests              {:>8}  ({} throttled, {} retried)",
            self.stats.requests.requests, self.stats.requests.throttled, self.stats.requests.retries
        )?;
        writeln!(
            f,
            "  time                  {:>7.1}s",
            self.stats.duration_ms as f64 / 1000.0
        )?;
        match (&self.published, &self.checkpoint) {
            (Some(path), _) => writeln!(f, "  snapshot              {}", path.display())?,
            (None, Some(path)) => {
                writeln!(
                    f,
                    "  snapshot              none yet; checkpoint saved to {}",
                    path.display()
                )?;
                writeln!(
                    f,
                    "                        run the same command again to resume (--fresh starts over)"
                )?;
            }
            (None, None) if matches!(self.status, RunStatus::Stopped(_)) => {
                writeln!(f, "  snapshot              none (stopped before the end)")?
            }
            (None, None) => writeln!(f, "  snapshot              reports.csv written to stdout")?,
        }
        let listed: Vec<&Failure> = self.failures.iter().collect();
        if !listed.is_empty() {
            writeln!(f, "  not collected ({}):", listed.len())?;
            for failure in listed.iter().take(20) {
                writeln!(
                    f,
                    "    - {} {}: {}",
                    failure.scope,
                    failure.token.as_deref().unwrap_or(""),
                    failure.error
                )?;
            }
            if listed.len() > 20 {
                writeln!(f, "    … {} more in snapshot.json", listed.len() - 20)?;
            }
        }
        Ok(())
    }
}
