//! `mode-audit undo LOG`: recreate, with POST, the schedules an `apply --execute` deleted, from the
//! definitions in its undo log; a dry run unless `--execute`.
//!
//! Idempotent: each recreation is announced in the log (with the report's schedules listed just
//! before) and its new token recorded after, so a second run creates nothing twice; an
//! announcement without an outcome, or one that failed, is settled by looking for a new schedule
//! with the definition. A create Mode answered with success is never sent again. Each schedule
//! created is read back: one that differs from the logged definition is reported as a failure.
//! Recipients are not recreated: Mode's API cannot set them (hence apply only deletes schedules
//! without subscribers).

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};

use self::restore::{RestoreError, restore};
use super::lease;
use super::named_log::NamedLog;
use crate::config::{ConfigError, Destination, Settings};
use crate::mode::{ModeClient, ModeError, RequestStats};
use crate::snapshot::RunStatus;
use crate::snapshot::undo_log::{ActionLine, Deletion, Logged, Recreation, now, read};
use crate::stop::Stop;
use crate::storage::StoreSettings;

/// What became of one deleted schedule.
#[derive(Debug, Clone, PartialEq)]
pub enum Restored {
    /// Would be recreated (dry run).
    Planned,
    /// Would be recreated if Mode no longer lists it: its deletion was not confirmed (dry run).
    PlannedIfGone,
    /// Recreated now, with this token.
    Created(String),
    /// An earlier run recreated it, with this token.
    AlreadyDone(String),
    /// A schedule with its definition, not one of the log's, is already there (made again by
    /// hand): counted as restored, nothing created.
    FoundLive(String),
    /// It still exists: the deletion never happened.
    StillThere,
    /// Recreated with this token, but read back it differs from the logged definition (or could
    /// not be read back): a failure to look at.
    Differs {
        token: String,
        differences: Vec<String>,
    },
    Failed(String),
    NotReached,
}

/// One schedule of the log and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Restoration {
    pub report_token: String,
    pub report_name: Option<String>,
    pub schedule_token: String,
    pub frequency: String,
    pub outcome: Restored,
}

#[derive(Debug, Clone)]
pub struct UndoReport {
    pub workspace: String,
    pub log: PathBuf,
    pub executed: bool,
    pub restorations: Vec<Restoration>,
    /// Report and schedule tokens the log records as deleted but holds no definition of.
    pub lost: Vec<(String, String)>,
    pub status: RunStatus,
    pub requests: RequestStats,
}

/// The workspace an undo log (a file or a bucket URL) belongs to (to fill in `--workspace`). A
/// log that cannot be found or is empty is the user's to fix (a [`ConfigError`], exit 2); one that
/// does not read is damaged (exit 3).
pub async fn log_workspace(path: &Path) -> Result<String> {
    let place = NamedLog::find(path, &StoreSettings::default())
        .await
        .map_err(|e| ConfigError(format!("{e:#}")))?;
    if !place.local().exists() {
        return Err(ConfigError(format!(
            "there is no undo log at {}: name the log apply wrote, OUT/<workspace>/actions/<snapshot>.jsonl",
            place.shown
        ))
        .into());
    }
    read(place.local())?
        .workspace
        .ok_or_else(|| ConfigError(format!("the undo log {} is empty: nothing to undo", place.shown)).into())
}

/// Recreates (or, without `execute`, lists) the schedules the log at `path` (a file or a bucket
/// URL) says were deleted; with `execute`, holding the lease of the output the log belongs to.
pub async fn undo(settings: &Settings, path: &Path, execute: bool, stop: &Stop) -> Result<UndoReport> {
    undo_in(settings, path, None, execute, stop).await
}

/// [`undo`], with the output the log belongs to named (`--out`): a copy of the log outside its
/// output is refused without it. What undo does is recorded in the log in that output.
pub async fn undo_in(
    settings: &Settings,
    path: &Path,
    out: Option<&Destination>,
    execute: bool,
    stop: &Stop,
) -> Result<UndoReport> {
    let mut place = NamedLog::find(path, &settings.store).await?;
    let replayed = read(place.local())?;
    for (report, schedule) in &replayed.orphans {
        tracing::warn!(
            log = %place.shown, report = %report, schedule = %schedule,
            "the undo log records schedule {schedule} of report {report} as deleted but holds no definition of it \
             (its delete_intent line is missing: the log was cut short or edited); undo cannot recreate it. \
             Restore the log from a copy, or recreate it by hand (the snapshot apply planned from has its name, \
             frequency, time and time zone)"
        );
    }
    if let Some(workspace) = replayed.workspace.as_deref().filter(|w| *w != settings.workspace) {
        return Err(ConfigError(format!(
            "the undo log {} is for workspace '{workspace}', not '{}': leave --workspace out, or name that workspace",
            place.shown, settings.workspace
        ))
        .into());
    }
    place
        .settle(replayed.home.as_deref(), &settings.workspace, out, &settings.store)
        .await?;
    let report = if !execute {
        listed(settings, &place, &replayed.schedules)
    } else {
        let mut held = settings.clone();
        if let Some(out) = place.out.clone() {
            held.destination = out;
        }
        lease::holding(&held, "undo", stop, recreate(settings, &mut place, stop)).await?
    };
    Ok(report.with_lost(replayed.orphans))
}

impl UndoReport {
    /// Adds the schedules the log records as deleted without their definition: undo cannot
    /// recreate them, so the outcome is partial (exit 1) and the summary names each.
    fn with_lost(mut self, lost: Vec<(String, String)>) -> UndoReport {
        if !lost.is_empty() && self.status == RunStatus::Complete {
            self.status = RunStatus::Partial;
        }
        self.lost = lost;
        self
    }
}

/// Whether a logged schedule was (or may have been) deleted by apply: an intent whose outcome was
/// never written, or a DELETE that failed after an attempt whose answer was lost, count too. Those
/// still listed are left as they are.
fn ours(l: &Logged) -> bool {
    !matches!(l.deletion, Deletion::AlreadyGone)
}

fn restoration(l: &Logged, outcome: Restored) -> Restoration {
    Restoration {
        report_token: l.report_token.clone(),
        report_name: l.report_name.clone(),
        schedule_token: l.schedule_token.clone(),
        frequency: l.definition.cron.freq.clone(),
        outcome,
    }
}

/// The dry run: what would be recreated.
fn listed(settings: &Settings, place: &NamedLog, logged: &[Logged]) -> UndoReport {
    let restorations = logged
        .iter()
        .filter(|l| ours(l))
        .map(|l| {
            let outcome = match (&l.recreation, &l.deletion) {
                (Some(Recreation::Done { new_token }), _) => Restored::AlreadyDone(new_token.clone()),
                (_, Deletion::Deleted(_)) => Restored::Planned,
                _ => Restored::PlannedIfGone,
            };
            restoration(l, outcome)
        })
        .collect();
    UndoReport {
        workspace: settings.workspace.clone(),
        log: PathBuf::from(&place.shown),
        executed: false,
        restorations,
        lost: Vec::new(),
        status: RunStatus::Complete,
        requests: RequestStats::default(),
    }
}

async fn recreate(settings: &Settings, place: &mut NamedLog, stop: &Stop) -> Result<UndoReport> {
    let mut report = UndoReport {
        workspace: settings.workspace.clone(),
        log: PathBuf::from(&place.shown),
        executed: true,
        restorations: Vec::new(),
        lost: Vec::new(),
        status: RunStatus::Complete,
        requests: RequestStats::default(),
    };
    let client = ModeClient::new(settings.client.clone())?;
    let mut log = place.open().await?;
    report.log = PathBuf::from(log.location());
    let todo: Vec<Logged> = log.replayed().schedules.iter().filter(|l| ours(l)).cloned().collect();
    for l in &todo {
        let outcome = match (&l.recreation, stop.reason()) {
            (Some(Recreation::Done { new_token }), _) => Restored::AlreadyDone(new_token.clone()),
            (_, Some(_)) => Restored::NotReached,
            _ => match restore(&client, &mut log, l).await {
                Ok(outcome) => outcome,
                Err(RestoreError::Fatal(e)) => return Err(e),
                Err(RestoreError::Mode(e)) if e.is_credentials() => {
                    return Err(anyhow!(e).context("the credentials were refused; the undo log says what was done"));
                }
                Err(RestoreError::Mode(e)) => {
                    log.append(ActionLine::RecreateFailed {
                        at: now(),
                        workspace: settings.workspace.clone(),
                        report_token: l.report_token.clone(),
                        schedule_token: l.schedule_token.clone(),
                        error: e.to_string(),
                        answered: matches!(e, ModeError::Unconfirmed { .. }),
                    })
                    .await?;
                    Restored::Failed(e.to_string())
                }
            },
        };
        report.restorations.push(restoration(l, outcome));
    }
    report.requests = client.stats();
    report.status = match stop.reason() {
        Some(reason) if report.restorations.iter().any(|r| r.outcome == Restored::NotReached) => {
            RunStatus::Stopped(reason)
        }
        _ if report
            .restorations
            .iter()
            .any(|r| matches!(r.outcome, Restored::Failed(_) | Restored::Differs { .. })) =>
        {
            RunStatus::Partial
        }
        _ => RunStatus::Complete,
    };
    Ok(report)
}

mod restore;
mod summary;
