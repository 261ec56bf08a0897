//! The walk: collections, reports and schedules through the opened sources (going on from a
//! checkpoint when there is one, reusing the last snapshot's schedule details when allowed), and
//! what it ends with: a checkpoint to keep, or the snapshot assembled for the phases after.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

use super::resume::{Start, Stopped};
use super::session::Session;
use crate::commands::reuse::earlier_schedules;
use crate::commands::sources;
use crate::config::Settings;
use crate::crawl::progress::Progress;
use crate::crawl::{CrawlOptions, CrawlOutcome, Reuse};
use crate::insights::reuse::{EarlierRuns, EarlierSchedules};
use crate::mode::RequestStats;
use crate::snapshot::summary::{Freshness, Summary};
use crate::snapshot::{CrossCheck, RunReport, RunStatus, SCHEMA_VERSION, Snapshot, SnapshotStats, Status};
use crate::stop::Stop;

/// What a walk ends with.
pub(super) enum Walked {
    /// Stopped before the end, with a checkpoint to keep.
    Stopped(Box<Stopped>),
    /// To the end (perhaps with failures): the snapshot assembled.
    Whole(Box<Assembled>),
}

/// A whole walk: the snapshot assembled, its findings not yet derived, not yet published.
pub(super) struct Assembled {
    pub snapshot: Snapshot,
    /// The report the run ends with, its counts filled.
    pub report: RunReport,
    /// Complete, or partial when the walk left something out (the steps after it do not change it).
    pub status: Status,
    /// Requests of the stopped runs this one went on from.
    pub prior: RequestStats,
    /// The earlier snapshot's runs tallies an incremental run may keep.
    pub earlier_runs: Option<EarlierRuns>,
    pub checkpoint_path: Option<PathBuf>,
    pub history_dir: Option<PathBuf>,
}

/// Walks the workspace from `start`, then counts what was collected.
pub(super) async fn walk(settings: &Settings, stop: &Stop, session: &Session, start: Start) -> Result<Walked> {
    tracing::info!(workspace = %settings.workspace, base_url = %settings.client.base_url, rate = %settings.client.rate.map_or("off".to_string(), |r| r.to_string()), "audit started");
    let (options, reuse) = walk_options(
        settings,
        session,
        start.options,
        start.history_dir.as_deref(),
        start.walk_started_at,
    );
    let (mut outcome, cross_check) =
        sources::walk(&session.opened, &session.client, &options, stop, start.checkpoint).await?;
    // The index is not needed past the walk: let it go before history is read.
    drop(options);
    let earlier_runs = reuse.and_then(|index| told(index, settings.insights.runs_max_pages));
    outcome
        .reports
        .check()
        .context("could not keep the collected reports; nothing was published")?;
    let (started_at, prior) = match start.resumed_from.filter(|_| outcome.resumed) {
        Some(from) => from,
        None => (start.fresh_start, RequestStats::default()),
    };
    let requests = prior + session.client.stats();
    let (summary, stats) = counted(
        settings,
        session,
        &outcome,
        &started_at,
        requests,
        cross_check,
        start.clock_start,
    );
    let report = run_report(settings, outcome.resumed, summary, stats.clone());
    if let (Some(reason), Some(checkpoint)) = (outcome.stopped, outcome.checkpoint.take()) {
        return Ok(Walked::Stopped(Box::new(Stopped {
            reason,
            checkpoint,
            reports: outcome.reports,
            started_at,
            requests,
            report,
            checkpoint_path: start.checkpoint_path,
        })));
    }
    let status = if outcome.failures.is_empty() {
        Status::Complete
    } else {
        Status::Partial
    };
    Ok(Walked::Whole(Box::new(Assembled {
        snapshot: snapshot(settings, outcome, started_at, status, stats),
        report,
        status,
        prior,
        earlier_runs,
        checkpoint_path: start.checkpoint_path,
        history_dir: start.history_dir,
    })))
}

/// The crawl's options for this walk: progress on stderr, finished records spilled to disk, the
/// reuse index of the last snapshot's schedule details (also returned), and the time the
/// schedules are read at.
fn walk_options(
    settings: &Settings,
    session: &Session,
    mut options: CrawlOptions,
    history_dir: Option<&Path>,
    started_at: String,
) -> (CrawlOptions, Option<Arc<EarlierSchedules>>) {
    options.progress = Progress::on_stderr(settings.progress);
    // Finished report records wait in an unnamed temporary file beside the snapshots (a folder
    // known to be writable) or, for a bucket, in the system's temporary folder; not in memory.
    options.spill_dir = session.place.as_ref().and_then(|p| p.spill_dir(&settings.workspace));
    let reuse = earlier_schedules(settings, history_dir, &started_at);
    options.reuse = reuse.clone().map(|index| index as Arc<dyn Reuse>);
    options.fetched_at = Some(started_at);
    (options, reuse)
}

/// The earlier snapshot's runs tallies, once what the reuse index kept and fetched is logged.
fn told(index: Arc<EarlierSchedules>, max_pages: u32) -> Option<EarlierRuns> {
    let earlier_runs = index.take_runs(max_pages);
    let t = index.tally();
    tracing::info!(
        reused = t.reused,
        new = t.new,
        changed = t.changed,
        too_old = t.aged,
        rolling_refresh = t.rolled,
        "schedule details: reused, or fetched because new, changed, too old, or among the oldest"
    );
    earlier_runs
}

/// The counts of what the walk collected, and the snapshot's stats.
fn counted(
    settings: &Settings,
    session: &Session,
    outcome: &CrawlOutcome,
    started_at: &str,
    requests: RequestStats,
    cross_check: Option<CrossCheck>,
    clock_start: (DateTime<Utc>, Instant),
) -> (Summary, SnapshotStats) {
    let mut freshness = Freshness::new(started_at);
    let summary = Summary::of(
        &outcome.collections,
        outcome.reports.iter().inspect(|r| freshness.add(r)),
        outcome.failures.len(),
    );
    let reuse_on = settings.schedules_max_age.is_some() || freshness.reports_reused > 0;
    let stats = SnapshotStats {
        requests,
        duration_ms: clock_start.1.elapsed().as_millis() as u64,
        collections: summary.collections,
        reports: summary.reports,
        scheduled: summary.scheduled,
        scheduled_zero_views: summary.scheduled_zero_views,
        archived: summary.archived,
        duplicates: outcome.duplicates,
        peak_rss_bytes: super::peak_rss_bytes(),
        reports_reused: reuse_on.then_some(freshness.reports_reused),
        schedules_reused: reuse_on.then_some(freshness.schedules_reused),
        oldest_schedule_fetched_at: freshness.oldest_fetched_at().map(str::to_string),
        oldest_schedule_age_seconds: freshness.oldest_age().map(|d| d.as_secs()),
        source: Some(session.opened.source.as_str().to_string()),
        cross_check,
        clock_offset_seconds: crate::commands::clock::offset(&session.client, clock_start),
    };
    (summary, stats)
}

/// The report of a walk, before anything is derived or published.
fn run_report(settings: &Settings, resumed: bool, summary: Summary, stats: SnapshotStats) -> RunReport {
    RunReport {
        workspace: settings.workspace.clone(),
        status: RunStatus::Complete,
        published: None,
        workbook: None,
        findings_file: None,
        owners_file: None,
        page: None,
        checkpoint: None,
        resumed,
        summary,
        stats,
        failures: Vec::new(),
        findings: Vec::new(),
        headline: None,
        top_findings: Vec::new(),
        new_findings: None,
        notifications_failed: 0,
    }
}

/// The snapshot of a whole walk; its findings come after.
fn snapshot(
    settings: &Settings,
    outcome: CrawlOutcome,
    started_at: String,
    status: Status,
    stats: SnapshotStats,
) -> Snapshot {
    Snapshot {
        schema_version: SCHEMA_VERSION,
        workspace: settings.workspace.clone(),
        started_at,
        finished_at: super::now(),
        status,
        stats,
        collections: outcome.collections,
        reports: outcome.reports,
        failures: outcome.failures,
        findings: Default::default(),
        findings_window_seconds: None,
    }
}
