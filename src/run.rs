//! A run: check the output folder, walk the workspace, assemble the snapshot, publish it, report.

use std::fmt;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{SecondsFormat, Utc};

use crate::audit::Summary;
use crate::config::{Destination, Settings};
use crate::crawl::crawl;
use crate::mode::ModeClient;
use crate::output;
use crate::snapshot::{Failure, SCHEMA_VERSION, Snapshot, SnapshotStats, Status};

/// How a finished run went; `status` decides the exit code (0 complete, 1 partial).
#[derive(Debug, Clone)]
pub struct RunReport {
    pub workspace: String,
    pub status: Status,
    pub published: Option<PathBuf>,
    pub summary: Summary,
    pub stats: SnapshotStats,
    pub failures: Vec<Failure>,
}

/// Audits the workspace the settings name. An `Err` is fatal: nothing was published (exit 3).
pub async fn run(settings: &Settings) -> Result<RunReport> {
    if let Destination::Dir(out) = &settings.destination {
        output::check_writable(out, &settings.workspace)?;
    }
    let client = ModeClient::new(settings.client.clone())?;
    let started = Instant::now();
    let started_at = now();
    tracing::info!(workspace = %settings.workspace, base_url = %settings.client.base_url, rate = ?settings.client.rate.map(|r| r.to_string()), "audit started");
    let outcome = crawl(&client, &settings.crawl).await?;
    let summary = Summary::of(&outcome.collections, &outcome.reports, outcome.failures.len());
    let stats = SnapshotStats {
        requests: client.stats(),
        duration_ms: started.elapsed().as_millis() as u64,
        collections: summary.collections,
        reports: summary.reports,
        scheduled: summary.scheduled,
        scheduled_zero_views: summary.scheduled_zero_views,
        archived: summary.archived,
        duplicates: outcome.duplicates,
    };
    let status = if outcome.failures.is_empty() {
        Status::Complete
    } else {
        Status::Partial
    };
    let snapshot = Snapshot {
        schema_version: SCHEMA_VERSION,
        workspace: settings.workspace.clone(),
        started_at,
        finished_at: now(),
        status,
        stats: stats.clone(),
        collections: outcome.collections,
        reports: outcome.reports,
        failures: outcome.failures,
    };
    let published = match &settings.destination {
        Destination::Dir(out) => Some(
            output::publish(out, &snapshot, settings.formats, settings.cells)
                .context("could not publish the snapshot; nothing was published")?,
        ),
        Destination::Stdout => {
            output::stream_reports(&snapshot, settings.cells, std::io::stdout().lock())
                .context("could not write reports.csv to stdout")?;
            None
        }
    };
    for failure in &snapshot.failures {
        tracing::warn!(scope = %failure.scope, token = failure.token.as_deref().unwrap_or(""), error = %failure.error, "not collected");
    }
    Ok(RunReport {
        workspace: snapshot.workspace,
        status,
        published,
        summary,
        stats,
        failures: snapshot.failures,
    })
}

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The short table printed on stderr at the end of every run.
impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.summary;
        let status = match self.status {
            Status::Complete => "complete",
            Status::Partial => "PARTIAL",
        };
        writeln!(f, "mode-audit: workspace {} — {status}", self.workspace)?;
        writeln!(
            f,
            "  collections           {:>8}  ({} inaccessible)",
            s.collections, s.inaccessible_collections
        )?;
        writeln!(f, "  reports               {:>8}  ({} archived)", s.reports, s.archived)?;
        writeln!(f, "  scheduled             {:>8}", s.scheduled)?;
        writeln!(f, "  scheduled, 0 views    {:>8}", s.scheduled_zero_views)?;
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
        match &self.published {
            Some(path) => writeln!(f, "  snapshot              {}", path.display())?,
            None => writeln!(f, "  snapshot              reports.csv written to stdout")?,
        }
        if !self.failures.is_empty() {
            writeln!(f, "  not collected ({}):", self.failures.len())?;
            for failure in self.failures.iter().take(20) {
                writeln!(
                    f,
                    "    - {} {}: {}",
                    failure.scope,
                    failure.token.as_deref().unwrap_or(""),
                    failure.error
                )?;
            }
            if self.failures.len() > 20 {
                writeln!(f, "    … {} more in snapshot.json", self.failures.len() - 20)?;
            }
        }
        Ok(())
    }
}
