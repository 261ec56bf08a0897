//! A run: check the output folder or bucket, walk the workspace (or resume a stopped walk),
//! assemble the snapshot, publish it, report.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{DateTime, SecondsFormat, Utc};

use super::reuse::earlier_schedules;
use super::run_costs::{RunsContext, cost_runs, list_members};
use super::sources;
use super::turns::in_turn;
use crate::config::{Destination, Settings};
use crate::crawl::Reuse;
use crate::crawl::checkpoint::Checkpoint;
use crate::insights;
use crate::insights::eligibility::Rules;
use crate::insights::findings::count_by_reason;
use crate::mode::{ModeClient, Pacer};
use crate::notify::Alert;
use crate::output;
use crate::output::metrics;
use crate::output::{NewFolders, Place};
use crate::snapshot::headline::Headline;
use crate::snapshot::summary::{Freshness, Summary};
use crate::snapshot::time::now;
pub use crate::snapshot::{RunReport, RunStatus};
use crate::snapshot::{SCHEMA_VERSION, Snapshot, SnapshotStats, Status};
use crate::stop::Stop;

/// Findings a run alert lists at most, the costliest first.
const TOP_FINDINGS: usize = 50;

/// Audits each workspace in turn (see [`in_turn`]: one pacer per credential group).
pub async fn run_each(all: &[Settings], stop: &Stop) -> Vec<(String, Option<Result<RunReport>>)> {
    in_turn(all, stop, async |settings, pacer| {
        run_paced(settings, stop, pacer).await
    })
    .await
}

/// Audits the workspace the settings name, with a pacer of its own; see [`run_paced`].
pub async fn run(settings: &Settings, stop: &Stop) -> Result<RunReport> {
    run_paced(settings, stop, &Arc::new(Pacer::new(settings.client.rate))).await
}

/// Audits the workspace the settings name through `pacer`, then writes the metrics file when one
/// is set. An `Err` is fatal: nothing was published (exit 3).
pub async fn run_paced(settings: &Settings, stop: &Stop, pacer: &Arc<Pacer>) -> Result<RunReport> {
    run_paced_at(settings, stop, pacer, None).await
}

/// [`run`] as if it started at `started_at`: the snapshot's time, its folder's name and the "now"
/// that earlier snapshots and schedule ages are measured from (a series of runs, simulated).
pub async fn run_at(settings: &Settings, stop: &Stop, started_at: DateTime<Utc>) -> Result<RunReport> {
    let pacer = Arc::new(Pacer::new(settings.client.rate));
    run_paced_at(
        settings,
        stop,
        &pacer,
        Some(started_at.to_rfc3339_opts(SecondsFormat::Millis, true)),
    )
    .await
}

async fn run_paced_at(
    settings: &Settings,
    stop: &Stop,
    pacer: &Arc<Pacer>,
    started_at: Option<String>,
) -> Result<RunReport> {
    if let Some(setting) = &settings.insights.metrics_file {
        metrics::check_writable(setting, &settings.workspace)?;
    }
    let created = match &settings.destination {
        Destination::Dir(out) => NewFolders::missing(out, &settings.workspace),
        _ => NewFolders::default(),
    };
    let result = walk_and_publish(settings, stop, pacer, started_at)
        .await
        .inspect_err(|_| created.remove_empty());
    let fatal = result.as_ref().err().map(|e| format!("{e:#}"));
    let outcome = match (&result, &fatal) {
        (Ok(report), _) => Ok(report),
        (Err(_), error) => Err(error.as_deref().unwrap_or_default()),
    };
    let delivered = settings
        .alerts
        .send(&Alert {
            workspace: &settings.workspace,
            outcome,
        })
        .await;
    let mut report = result?;
    report.notifications_failed = delivered.failed;
    if let Some(setting) = &settings.insights.metrics_file {
        // The snapshot is already published; a metrics file that cannot be written is logged, and
        // its staleness is what an alert on mode_audit_last_run_timestamp_seconds notices.
        match metrics::record(setting, &report) {
            Ok(path) => tracing::info!(path = %path.display(), "metrics written"),
            Err(error) => {
                let path = metrics::file_for(setting, &settings.workspace);
                tracing::error!(path = %path.display(), error = format!("{error:#}"), "cannot write the metrics file")
            }
        }
    }
    Ok(report)
}

async fn walk_and_publish(
    settings: &Settings,
    stop: &Stop,
    pacer: &Arc<Pacer>,
    started_at: Option<String>,
) -> Result<RunReport> {
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
    let walk = with_sources(settings, stop, pacer, started_at, place);
    super::lease::holding(settings, "run", stop, walk).await
}

/// Opens the run's sources (a Discovery token is minted only once the lease is held), walks and
/// publishes, and deletes a minted token whatever the outcome.
async fn with_sources(
    settings: &Settings,
    stop: &Stop,
    pacer: &Arc<Pacer>,
    started_at: Option<String>,
    place: Option<Place>,
) -> Result<RunReport> {
    let client = ModeClient::with_pacer(settings.client.clone(), Arc::clone(pacer))?;
    let opened = sources::open(settings, &client).await?;
    let minted = opened.minted.clone();
    let result = walk_from(settings, stop, &client, &opened, started_at, place).await;
    // On success, failure and a stop alike: the token minted for the run goes with it.
    sources::close(&client, minted).await;
    result
}

/// The walk and the publication, once the output was found writable (and its lease taken).
async fn walk_from(
    settings: &Settings,
    stop: &Stop,
    client: &ModeClient,
    opened: &sources::Opened,
    started_at: Option<String>,
    place: Option<Place>,
) -> Result<RunReport> {
    let ws = settings.workspace.as_str();
    let mut crawl_options = settings.crawl.clone();
    crawl_options.source = opened.source.as_str();
    let checkpoint_path = place.as_ref().map(|p| Checkpoint::path(p.local_out(), ws));
    let resume = match (&place, &checkpoint_path) {
        (Some(place), Some(path)) if settings.resume.enabled => {
            place.fetch_checkpoint(ws).await?;
            Checkpoint::load(path, ws, &crawl_options.fingerprint(), settings.resume.max_age)?
        }
        _ => None,
    };
    if let Some(c) = &resume {
        tracing::info!(saved_at = %c.saved_at, reports = c.reports(), "resuming from the checkpoint (--fresh starts over)");
    }
    // Kept from the checkpoint only if the walk really goes on from it (its records may not read).
    let resumed_from = resume.as_ref().map(|c| (c.started_at.clone(), c.prior_requests));
    let started = Instant::now();
    // This clock at the start, whatever `started_at` says: a step during the run shows against it.
    let clock_start = (Utc::now(), started);
    let fresh_start = started_at.unwrap_or_else(now);
    // The time the walk counts from: the checkpoint's when it resumes (the crawl decides; should the
    // checkpoint's records not read, the walk starts over and the snapshot takes `fresh_start`).
    let walk_started_at = resumed_from
        .as_ref()
        .map(|(at, _)| at.clone())
        .unwrap_or_else(|| fresh_start.clone());
    // Earlier snapshots: the folder itself, or for a bucket a local mirror of the ones history
    // and schedule reuse read, downloaded once before the walk.
    let history_dir = match &place {
        Some(place) => Some(
            place
                .history_dir(ws, &walk_started_at, settings.insights.findings.window)
                .await,
        ),
        None => None,
    };
    tracing::info!(workspace = %settings.workspace, base_url = %settings.client.base_url, rate = %settings.client.rate.map_or("off".to_string(), |r| r.to_string()), "audit started");
    let mut walk_options = crawl_options;
    walk_options.progress = crate::crawl::progress::Progress::on_stderr(settings.progress);
    // Finished report records wait in an unnamed temporary file beside the snapshots (a folder
    // known to be writable) or, for a bucket, in the system's temporary folder; not in memory.
    walk_options.spill_dir = place.as_ref().and_then(|p| p.spill_dir(ws));
    let reuse = earlier_schedules(settings, history_dir.as_deref(), &walk_started_at);
    walk_options.reuse = reuse.clone().map(|index| index as Arc<dyn Reuse>);
    walk_options.fetched_at = Some(walk_started_at);
    let (outcome, cross_check) = sources::walk(opened, client, &walk_options, stop, resume).await?;
    // The index is not needed past the walk: let it go before history is read.
    drop(walk_options);
    let earlier_runs = reuse.as_ref().and_then(|index| index.take_runs());
    if let Some(index) = reuse {
        let t = index.tally();
        tracing::info!(
            reused = t.reused,
            new = t.new,
            changed = t.changed,
            too_old = t.aged,
            rolling_refresh = t.rolled,
            "schedule details: reused, or fetched because new, changed, too old, or among the oldest"
        );
    }
    outcome
        .reports
        .check()
        .context("could not keep the collected reports; nothing was published")?;
    let resumed = outcome.resumed;
    let (started_at, prior) = match resumed_from.filter(|_| resumed) {
        Some(from) => from,
        None => (fresh_start, Default::default()),
    };
    let requests = prior + client.stats();
    let mut freshness = Freshness::new(&started_at);
    let summary = Summary::of(
        &outcome.collections,
        outcome.reports.iter().inspect(|r| freshness.add(r)),
        outcome.failures.len(),
    );
    let reuse_on = settings.schedules_max_age.is_some() || freshness.reports_reused > 0;
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
        reports_reused: reuse_on.then_some(freshness.reports_reused),
        schedules_reused: reuse_on.then_some(freshness.schedules_reused),
        oldest_schedule_fetched_at: freshness.oldest_fetched_at().map(str::to_string),
        oldest_schedule_age_seconds: freshness.oldest_age().map(|d| d.as_secs()),
        source: Some(opened.source.as_str().to_string()),
        cross_check,
        clock_offset_seconds: super::clock::offset(client, clock_start),
    };
    let mut report = RunReport {
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
        stats: stats.clone(),
        failures: Vec::new(),
        findings: Vec::new(),
        headline: None,
        top_findings: Vec::new(),
        new_findings: None,
        notifications_failed: 0,
    };
    if let (Some(reason), Some(mut checkpoint)) = (outcome.stopped, outcome.checkpoint) {
        report.status = RunStatus::Stopped(reason);
        if let (Some(place), Some(path)) = (&place, checkpoint_path) {
            checkpoint.started_at = started_at;
            checkpoint.prior_requests = requests;
            checkpoint.save(&path, &outcome.reports)?;
            let files = checkpoint.files(&path);
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
        findings: Default::default(),
        findings_window_seconds: None,
    };
    let members = match settings.insights.departed_owners {
        true => list_members(client, opened.discovery.as_ref())
            .await
            .map_err(|failure| snapshot.failures.push(failure))
            .ok(),
        false => None,
    };
    let recent = insights::enrich(
        &mut snapshot,
        history_dir.as_deref(),
        &settings.insights.findings,
        &settings.insights.keep,
        members.as_ref(),
    )
    .context("could not add history and findings; nothing was published")?;
    let context = RunsContext {
        recent: recent.as_ref(),
        members: members.as_ref(),
        earlier: earlier_runs.as_ref(),
    };
    cost_runs(settings, client, stop, &mut snapshot, context).await?;
    // The members and runs requests count too.
    snapshot.stats.requests = prior + client.stats();
    report.stats.requests = snapshot.stats.requests;
    report.findings = count_by_reason(snapshot.findings.iter());
    report.headline = Some(Headline::of(snapshot.findings.iter()));
    if settings.alerts.any() {
        report.top_findings = insights::headline::top_by_cost(&snapshot, TOP_FINDINGS);
        report.new_findings = insights::headline::new_findings(&snapshot, history_dir.as_deref());
    }
    // Owner digests announce what `apply` will unschedule, at its default rules.
    let upcoming = settings.insights.digests.then(|| {
        insights::plan_unscheduling(
            &snapshot,
            history_dir.as_deref(),
            &settings.insights.keep,
            &Rules::default(),
        )
    });
    let upcoming = match upcoming.transpose() {
        Ok(plan) => plan,
        Err(error) => {
            tracing::error!(
                error = format!("{error:#}"),
                "owner digests left out: apply's plan cannot be known"
            );
            None
        }
    };
    match &place {
        Some(place) => {
            let path = place
                .publish(&snapshot, settings.formats, settings.cells, upcoming.as_ref())
                .await
                .context("could not publish the snapshot; nothing was published")?;
            report.workbook = settings
                .formats
                .xlsx
                .then(|| path.join(output::workbook_name(&snapshot)));
            report.findings_file = settings.formats.csv.then(|| path.join("findings.csv"));
            report.owners_file = upcoming.is_some().then(|| path.join("owners").join("README.md"));
            report.page = settings.formats.html.then(|| path.join(output::html::PAGE_FILE));
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
