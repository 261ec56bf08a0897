//! Where a run starts from: a checkpoint of a stopped walk to go on from (or a fresh start), the
//! earlier snapshots history and reuse read; and the checkpoint kept when this walk stops too.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::session::Session;
use crate::config::Settings;
use crate::crawl::CrawlOptions;
use crate::crawl::checkpoint::Checkpoint;
use crate::mode::RequestStats;
use crate::snapshot::store::ReportStore;
use crate::snapshot::{RunReport, RunStatus};
use crate::stop::StopReason;

/// What the walk starts from.
pub(super) struct Start {
    /// The walk's options (its source set), which a checkpoint must have been saved under.
    pub options: CrawlOptions,
    /// Where the checkpoint is kept (none for `--out -`).
    pub checkpoint_path: Option<PathBuf>,
    /// The checkpoint to go on from, when there is one to use.
    pub checkpoint: Option<Checkpoint>,
    /// The checkpoint's start and requests, kept only if the walk really goes on from it (its
    /// records may not read).
    pub resumed_from: Option<(String, RequestStats)>,
    /// This clock at the start, whatever `started_at` says: a step during the run shows against it.
    pub clock_start: (DateTime<Utc>, Instant),
    /// The snapshot's start when the walk does not go on from the checkpoint.
    pub fresh_start: String,
    /// The time the walk counts from: the checkpoint's when it resumes.
    pub walk_started_at: String,
    /// The earlier snapshots: the folder itself, or for a bucket a local mirror of the ones
    /// history and schedule reuse read, downloaded once before the walk.
    pub history_dir: Option<PathBuf>,
}

/// A walk stopped before the end: what the next run goes on from.
pub(super) struct Stopped {
    pub reason: StopReason,
    pub checkpoint: Checkpoint,
    /// The records collected so far, which the checkpoint saves.
    pub reports: ReportStore,
    /// When the run that began this walk started (the checkpoint's, if this one went on from it).
    pub started_at: String,
    /// Requests of this walk and of the runs it went on from.
    pub requests: RequestStats,
    pub report: RunReport,
    pub checkpoint_path: Option<PathBuf>,
}

/// Loads the checkpoint (fetched first from a bucket) when resuming is on, and finds the earlier
/// snapshots. `started_at` stands for now in a simulated series of runs.
pub(super) async fn start(settings: &Settings, session: &Session, started_at: Option<String>) -> Result<Start> {
    let ws = settings.workspace.as_str();
    let mut options = settings.crawl.clone();
    options.source = session.opened.source.as_str();
    let place = session.place.as_ref();
    let checkpoint_path = place.map(|p| Checkpoint::path(p.local_out(), ws));
    let checkpoint = match (place, &checkpoint_path) {
        (Some(place), Some(path)) if settings.resume.enabled => {
            place.fetch_checkpoint(ws).await?;
            Checkpoint::load(path, ws, &options.fingerprint(), settings.resume.max_age)?
        }
        _ => None,
    };
    if let Some(c) = &checkpoint {
        tracing::info!(saved_at = %c.saved_at, reports = c.reports(), "resuming from the checkpoint (--fresh starts over)");
    }
    let resumed_from = checkpoint.as_ref().map(|c| (c.started_at.clone(), c.prior_requests));
    let clock_start = (Utc::now(), Instant::now());
    let fresh_start = started_at.unwrap_or_else(super::now);
    // Should the checkpoint's records not read, the walk starts over and the snapshot takes
    // `fresh_start` (the crawl decides).
    let walk_started_at = resumed_from
        .as_ref()
        .map(|(at, _)| at.clone())
        .unwrap_or_else(|| fresh_start.clone());
    let history_dir = match place {
        Some(place) => Some(
            place
                .history_dir(ws, &walk_started_at, settings.insights.findings.window)
                .await,
        ),
        None => None,
    };
    Ok(Start {
        options,
        checkpoint_path,
        checkpoint,
        resumed_from,
        clock_start,
        fresh_start,
        walk_started_at,
        history_dir,
    })
}

/// A walk that stopped: its checkpoint saved beside the snapshots (and kept in the bucket), so
/// the next run goes on from it; with `--out -` there is nowhere to keep it.
pub(super) async fn keep(settings: &Settings, session: &Session, stopped: Stopped) -> Result<RunReport> {
    let Stopped {
        reason,
        mut checkpoint,
        reports,
        started_at,
        requests,
        mut report,
        checkpoint_path,
    } = stopped;
    report.status = RunStatus::Stopped(reason);
    if let (Some(place), Some(path)) = (&session.place, checkpoint_path) {
        checkpoint.started_at = started_at;
        checkpoint.prior_requests = requests;
        checkpoint.save(&path, &reports)?;
        let files = checkpoint.files(&path);
        let kept = place
            .keep_checkpoint(&settings.workspace, &files, &checkpoint.started_at)
            .await?;
        tracing::warn!(path = %kept.display(), reports = checkpoint.reports(), "checkpoint saved; run again to resume");
        report.checkpoint = Some(kept);
    }
    Ok(report)
}
