//! `mode-audit apply`: plan, from the newest complete snapshot, which reports to unschedule (their
//! schedules deleted), write the plan beside the snapshot, and with `--execute` act on it.
//!
//! Acting is guarded at every step: each report is fetched again just before (views, archived flag,
//! schedules and subscribers must be as the snapshot saw them); each schedule's whole definition is
//! appended to the undo log and synced to disk before its DELETE is sent; the log says what earlier
//! runs did, so a rerun after a stop or a crash repeats nothing.

mod act;
mod last_look;
mod preflight;
mod recheck;
mod report;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};

use crate::commands::lease;
use crate::config::{ApplySettings, Settings};
use crate::insights;
use crate::insights::eligibility::UnschedulePlan;
use crate::mode::{ModeClient, Pacer, RequestStats};
use crate::output;
use crate::output::Newest;
use crate::output::actions::ActionsLog;
use crate::snapshot::appended::Lost;
use crate::snapshot::time::parse_time;
use crate::snapshot::undo_log::{ActionLine, now};
use crate::snapshot::{ReportRecord, RunStatus, Snapshot};
use crate::stop::Stop;

/// A snapshot this many days old gets a warning: the plan may be out of date.
const STALE_DAYS: i64 = 7;

/// What became of one planned report.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Its schedules were deleted now (those tokens).
    Deleted(Vec<String>),
    /// Its schedules were deleted, some here (`deleted`) and some, as the log shows, by another
    /// mode-audit writing the same log at the same time (`by_another`: one that took the lease
    /// with `--break-lease`, or whose lease was broken).
    DeletedWithAnother {
        deleted: Vec<String>,
        by_another: Vec<String>,
    },
    /// The undo log says earlier runs deleted them all.
    AlreadyDone,
    /// Left alone: it changed since the snapshot, or no longer exists.
    Skipped(String),
    /// Mode refused, or the request gave up; the schedules deleted before that are listed.
    Failed { error: String, deleted: Vec<String> },
    /// The stop came between two of its schedules.
    Stopped { deleted: Vec<String> },
    /// The stop came before it.
    NotReached,
}

/// One planned report and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Acted {
    pub report_token: String,
    pub report_name: Option<String>,
    pub outcome: Outcome,
}

/// What `apply` did for one workspace.
#[derive(Debug, Clone)]
pub struct ApplyReport {
    pub workspace: String,
    /// The snapshot folder planned from (or its URL in a bucket).
    pub snapshot: PathBuf,
    pub executed: bool,
    pub plan: UnschedulePlan,
    pub plan_files: Vec<PathBuf>,
    /// The actions log (`OUT/<workspace>/actions/<snapshot>.jsonl`), a file or a bucket URL.
    pub log: Option<PathBuf>,
    /// One per planned report, in plan order (empty in a dry run).
    pub acted: Vec<Acted>,
    pub status: RunStatus,
    pub requests: RequestStats,
    /// What ended the run early after changes began (refused credentials, a log that cannot be
    /// written): the summary still says what was done; exit 3.
    pub fatal: Option<String>,
    /// The actions log was deleted, moved, replaced or cut short while written: it may have lost
    /// the definitions of schedules deleted here.
    pub log_lost: bool,
}

/// Applies to the workspace `settings` names, with a pacer of its own. An `Err` is fatal: no
/// complete snapshot, an unwritable plan or log, refused credentials.
pub async fn apply(settings: &Settings, options: &ApplySettings, stop: &Stop) -> Result<ApplyReport> {
    apply_paced(settings, options, stop, &Arc::new(Pacer::new(settings.client.rate))).await
}

/// Applies to the workspace `settings` names through `pacer` (shared by the workspaces of one
/// credential group: Mode's budget is per user): the newest complete snapshot found and checked,
/// the plan written beside it, and with `--execute` the plan acted on, holding the output's lease.
pub async fn apply_paced(
    settings: &Settings,
    options: &ApplySettings,
    stop: &Stop,
    pacer: &Arc<Pacer>,
) -> Result<ApplyReport> {
    let source = super::place::newest(settings, options.rules.min_age).await?;
    check(&source, options)?;
    let mut report = plan(settings, options, &source).await?;
    if !options.execute || report.plan.planned().next().is_none() {
        return Ok(report);
    }
    let work = execute(settings, options, &source, pacer, stop, &mut report);
    lease::holding(settings, "apply", stop, work).await?;
    Ok(report)
}

/// Whether the snapshot may be planned from; a warning when it is old.
fn check(source: &Newest, options: &ApplySettings) -> Result<()> {
    let snapshot = &source.snapshot;
    tracing::info!(snapshot = %source.shown().display(), started_at = %snapshot.started_at, "planning from the newest complete snapshot");
    preflight::snapshot_usable(snapshot, options, options.clock.now())?;
    let age = parse_time(&snapshot.started_at).map(|at| options.clock.now() - at);
    if let Some(days) = age.map(|a| a.num_days()).filter(|d| *d >= STALE_DAYS) {
        tracing::warn!(
            days,
            "the newest complete snapshot is {days} days old: each report is re-checked before its schedules are deleted, \
             but the plan may miss newer candidates; run `mode-audit run` first"
        );
    }
    Ok(())
}

/// The plan, written (and kept) beside the snapshot, in the report of a run that acted on nothing yet.
async fn plan(settings: &Settings, options: &ApplySettings, source: &Newest) -> Result<ApplyReport> {
    let plan = insights::plan_unscheduling(
        &source.snapshot,
        Some(&source.dir),
        &settings.insights.keep,
        &options.rules,
    )?;
    let written = output::write_plan_files(&plan, settings.cells, &source.folder)
        .context("could not write the plan beside the snapshot; nothing was changed")?;
    let plan_files = source
        .keep_plan(written.to_vec())
        .await
        .context("could not keep the plan; nothing was changed")?;
    Ok(ApplyReport {
        workspace: settings.workspace.clone(),
        snapshot: source.shown(),
        executed: options.execute,
        plan,
        plan_files,
        log: None,
        acted: Vec::new(),
        status: RunStatus::Complete,
        requests: RequestStats::default(),
        fatal: None,
        log_lost: false,
    })
}

/// Acts on the plan in `report`, holding the output's lease: the clocks compared, the log opened
/// and the start recorded, each planned report acted on. An `Err` before the first change (the
/// log cannot be opened) ends the command; one after (refused credentials, the log cannot be
/// written) is kept in the report, whose summary says what was done.
async fn execute(
    settings: &Settings,
    options: &ApplySettings,
    source: &Newest,
    pacer: &Arc<Pacer>,
    stop: &Stop,
    report: &mut ApplyReport,
) -> Result<()> {
    let planned: Vec<(String, Option<String>)> = report
        .plan
        .planned()
        .map(|c| (c.report_token.clone(), c.report_name.clone()))
        .collect();
    let client = ModeClient::with_pacer(settings.client.clone(), Arc::clone(pacer))?;
    preflight::clocks_agree(&client, || options.clock.now()).await?;
    let mut log = source.open_log().await.context("nothing was changed")?;
    report.log = Some(PathBuf::from(log.location()));
    let records = records(&source.snapshot, &planned);
    started(settings, source, &mut log, planned.len()).await?;
    let result = act_on_each(&client, &mut log, &planned, &records, stop, &mut report.acted).await;
    report.requests = client.stats();
    if let Err(error) = result {
        report.log_lost = error.downcast_ref::<Lost>().is_some();
        report.fatal = Some(format!("{error:#}"));
    }
    report.status = status(report, stop);
    Ok(())
}

/// The snapshot's records of the planned reports, by token.
fn records(snapshot: &Snapshot, planned: &[(String, Option<String>)]) -> HashMap<String, ReportRecord> {
    let wanted: HashSet<&str> = planned.iter().map(|(t, _)| t.as_str()).collect();
    snapshot
        .reports
        .iter()
        .filter(|r| wanted.contains(r.token.as_str()))
        .map(|r| (r.token.clone(), r))
        .collect()
}

/// Records in the log that this run starts acting on `planned` reports.
async fn started(settings: &Settings, source: &Newest, log: &mut ActionsLog, planned: usize) -> Result<()> {
    log.append(ActionLine::ApplyStarted {
        at: now(),
        workspace: settings.workspace.clone(),
        snapshot_started_at: source.snapshot.started_at.clone(),
        planned,
        log: Some(log.home()),
    })
    .await
    .context("nothing was changed")
}

/// Stopped when the stop left a planned report not acted on, partial after a fatal error or a
/// report that failed, else complete.
fn status(report: &ApplyReport, stop: &Stop) -> RunStatus {
    let unreached = report
        .acted
        .iter()
        .any(|a| matches!(a.outcome, Outcome::Stopped { .. } | Outcome::NotReached));
    if let Some(reason) = stop.reason().filter(|_| unreached) {
        RunStatus::Stopped(reason)
    } else if report.fatal.is_some() || report.acted.iter().any(|a| matches!(a.outcome, Outcome::Failed { .. })) {
        RunStatus::Partial
    } else {
        RunStatus::Complete
    }
}

async fn act_on_each(
    client: &ModeClient,
    log: &mut ActionsLog,
    planned: &[(String, Option<String>)],
    records: &HashMap<String, ReportRecord>,
    stop: &Stop,
    acted: &mut Vec<Acted>,
) -> Result<()> {
    let mut fatal = None;
    for (token, name) in planned {
        let outcome = match (stop.reason(), records.get(token)) {
            _ if fatal.is_some() => Outcome::NotReached,
            (Some(_), _) => Outcome::NotReached,
            (None, Some(record)) => match act::act(client, log, record, stop).await {
                Ok(outcome) => outcome,
                Err(halt) => {
                    let outcome = Outcome::Failed {
                        error: format!("{:#}", halt.error),
                        deleted: halt.deleted,
                    };
                    fatal = Some(halt.error);
                    outcome
                }
            },
            (None, None) => Outcome::Skipped("not in the snapshot".into()),
        };
        match &outcome {
            Outcome::Skipped(why) => tracing::info!(report = %token, why = %why, "skipped"),
            Outcome::Failed { error, .. } => tracing::warn!(report = %token, error = %error, "not unscheduled"),
            Outcome::Deleted(tokens) => tracing::info!(report = %token, schedules = tokens.len(), "unscheduled"),
            Outcome::DeletedWithAnother { deleted, by_another } => {
                tracing::info!(report = %token, schedules = deleted.len(), by_another = by_another.len(), "unscheduled")
            }
            _ => {}
        }
        acted.push(Acted {
            report_token: token.clone(),
            report_name: name.clone(),
            outcome,
        });
    }
    fatal.map_or(Ok(()), Err)
}
