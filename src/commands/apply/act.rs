//! Acting on one planned report: re-checked against the snapshot, each schedule's whole
//! definition appended to the actions log, the log checked to be still the file being written,
//! then the DELETE, and what came of it appended after.

use std::collections::HashSet;

use anyhow::{Result, anyhow};

use super::{Outcome, last_look, recheck};
use crate::mode::{LiveSchedule, ModeClient, ModeError, Removal, ScheduleDefinition};
use crate::output::actions::ActionsLog;
use crate::snapshot::ReportRecord;
use crate::snapshot::undo_log::{ActionLine, Confirmed, Deletion, now};
use crate::stop::Stop;

/// What ends the whole run partway through a report (refused credentials, an actions log that
/// cannot be written or is no longer the file being written), with the report's schedules
/// deleted before it: the summary still counts them.
pub(super) struct Halt {
    pub error: anyhow::Error,
    pub deleted: Vec<String>,
}

impl From<anyhow::Error> for Halt {
    fn from(error: anyhow::Error) -> Halt {
        Halt {
            error,
            deleted: Vec::new(),
        }
    }
}

fn refused(e: ModeError) -> anyhow::Error {
    anyhow!(e).context("the credentials were refused; the undo log says what was done")
}

/// The report's schedules deleted so far: here, and (as the log shows) by another writer.
#[derive(Default)]
struct Deleting {
    deleted: Vec<String>,
    by_another: Vec<String>,
}

impl Deleting {
    fn outcome(self) -> Outcome {
        if self.by_another.is_empty() {
            Outcome::Deleted(self.deleted)
        } else {
            Outcome::DeletedWithAnother {
                deleted: self.deleted,
                by_another: self.by_another,
            }
        }
    }
}

/// Unschedules one report after re-checking it. `Err` only for what ends the whole run.
pub(super) async fn act(
    client: &ModeClient,
    log: &mut ActionsLog,
    record: &ReportRecord,
    stop: &Stop,
) -> Result<Outcome, Halt> {
    let token = record.token.as_str();
    log.check()?;
    let (mut done, unsettled) = logged(log, token);
    if record.schedules.iter().all(|s| done.contains(&s.token)) {
        return Ok(Outcome::AlreadyDone);
    }
    let now_report = match client.report(token).await {
        Ok(r) => r,
        Err(e) if e.is_credentials() => return Err(refused(e).into()),
        Err(ModeError::NotFound { .. }) => return Ok(Outcome::Skipped("the report no longer exists".into())),
        Err(e) => return Ok(failed(e, Vec::new())),
    };
    let live = match client.live_schedules(token).await {
        Ok(live) => live,
        Err(e) if e.is_credentials() => return Err(refused(e).into()),
        Err(e) => return Ok(failed(e, Vec::new())),
    };
    reconcile(client, log, token, unsettled, &live, &mut done).await?;
    if record.schedules.iter().all(|s| done.contains(&s.token)) {
        return Ok(Outcome::AlreadyDone);
    }
    if let Err(why) = recheck::unchanged(record, &now_report, &live, &done) {
        return Ok(Outcome::Skipped(why));
    }
    let mut deleting = Deleting::default();
    for s in &live {
        match delete_one(client, log, record, s, stop, &mut deleting).await {
            Ok(None) => {}
            Ok(Some(ended)) => return Ok(ended),
            Err(error) => {
                return Err(Halt {
                    error,
                    deleted: deleting.deleted,
                });
            }
        }
    }
    Ok(deleting.outcome())
}

/// The report's schedules the log records as done (deleted, or gone before), and those intended
/// or failed, whose outcome Mode will tell (a lost answer may hide a deletion that happened).
fn logged(log: &ActionsLog, token: &str) -> (HashSet<String>, Vec<String>) {
    let mut done = HashSet::new();
    let mut unsettled = Vec::new();
    for l in log.replayed().of(token) {
        match l.deletion {
            Deletion::Deleted(_) | Deletion::AlreadyGone => {
                done.insert(l.schedule_token.clone());
            }
            Deletion::Intended | Deletion::Failed(_) => unsettled.push(l.schedule_token.clone()),
        }
    }
    (done, unsettled)
}

/// An intent without an outcome (a stop or crash in between), or one that failed: gone now means
/// it was done.
async fn reconcile(
    client: &ModeClient,
    log: &mut ActionsLog,
    token: &str,
    unsettled: Vec<String>,
    live: &[LiveSchedule],
    done: &mut HashSet<String>,
) -> Result<()> {
    for schedule in unsettled {
        if !live.iter().any(|s| s.schedule.token == schedule) {
            log.append(ActionLine::Deleted {
                at: now(),
                workspace: client.workspace().to_string(),
                report_token: token.to_string(),
                schedule_token: schedule.clone(),
                confirmed: Confirmed::Reconciled,
            })
            .await?;
            done.insert(schedule);
        }
    }
    Ok(())
}

/// Deletes one schedule after its last look, its intent logged first. `Some` ends the report
/// there (left alone, failed, stopped); `Err` ends the run.
async fn delete_one(
    client: &ModeClient,
    log: &mut ActionsLog,
    record: &ReportRecord,
    s: &LiveSchedule,
    stop: &Stop,
    deleting: &mut Deleting,
) -> Result<Option<Outcome>> {
    let token = record.token.as_str();
    let definition = match ready(client, token, s, stop, &deleting.deleted).await? {
        Ok(definition) => definition,
        Err(ended) => return Ok(Some(ended)),
    };
    let schedule = s.schedule.token.clone();
    log.append(ActionLine::DeleteIntent {
        at: now(),
        workspace: client.workspace().to_string(),
        report_token: token.to_string(),
        report_name: record.name.clone(),
        schedule_token: schedule.clone(),
        definition: Box::new(definition),
        observed: s.raw.clone(),
    })
    .await?;
    // The intent must be where undo will read it: the log still the file being written.
    log.check()?;
    match client.delete_schedule(token, &schedule).await {
        Ok(removal) => {
            gone(client, log, token, schedule, removal, deleting).await?;
            Ok(None)
        }
        Err(e) => {
            log.append(ActionLine::DeleteFailed {
                at: now(),
                workspace: client.workspace().to_string(),
                report_token: token.to_string(),
                schedule_token: schedule,
                error: e.to_string(),
            })
            .await?;
            if e.is_credentials() {
                return Err(refused(e));
            }
            Ok(Some(failed(e, deleting.deleted.clone())))
        }
    }
}

/// The definition of a schedule that may be deleted now: not after a stop, only one that could
/// be recreated, and only if its last look finds it still unused. `Ok(Err)` ends the report
/// there; `Err` ends the run.
async fn ready(
    client: &ModeClient,
    token: &str,
    s: &LiveSchedule,
    stop: &Stop,
    deleted: &[String],
) -> Result<Result<ScheduleDefinition, Outcome>> {
    if stop.reason().is_some() {
        return Ok(Err(Outcome::Stopped {
            deleted: deleted.to_vec(),
        }));
    }
    let Ok(definition) = s.definition.clone() else {
        let why = format!("schedule {} could not be recreated", s.schedule.token);
        return Ok(Err(left(why, deleted.to_vec())));
    };
    match last_look::still_unused(client, token, s).await {
        Ok(Ok(())) => Ok(Ok(definition)),
        Ok(Err(why)) => Ok(Err(left(why, deleted.to_vec()))),
        Err(e) if e.is_credentials() => Err(refused(e)),
        Err(e) => Ok(Err(failed(e, deleted.to_vec()))),
    }
}

/// Records what a DELETE came to: deleted here, or already gone (by another writer, when the log
/// says so).
async fn gone(
    client: &ModeClient,
    log: &mut ActionsLog,
    token: &str,
    schedule: String,
    removal: Removal,
    deleting: &mut Deleting,
) -> Result<()> {
    if removal != Removal::AlreadyGone {
        deleting.deleted.push(schedule.clone());
    }
    log.append(removed(client.workspace(), token, &schedule, removal))
        .await?;
    if removal == Removal::AlreadyGone && deleted_by_another(log, token, &schedule)? {
        deleting.by_another.push(schedule);
    }
    Ok(())
}

/// Whether the log, read again, records the schedule deleted by another writer (one already gone
/// at this DELETE).
fn deleted_by_another(log: &mut ActionsLog, report: &str, schedule: &str) -> Result<bool> {
    log.check()?;
    Ok(log
        .replayed()
        .of(report)
        .any(|l| l.schedule_token == schedule && matches!(l.deletion, Deletion::Deleted(_))))
}

/// The log entry for what a DELETE came to.
fn removed(workspace: &str, report: &str, schedule: &str, removal: Removal) -> ActionLine {
    let (workspace, report_token, schedule_token) = (workspace.to_string(), report.to_string(), schedule.to_string());
    let confirmed = match removal {
        Removal::Deleted => Confirmed::Answered,
        Removal::DeletedOnRetry => Confirmed::OnRetry,
        Removal::AlreadyGone => {
            return ActionLine::AlreadyGone {
                at: now(),
                workspace,
                report_token,
                schedule_token,
            };
        }
    };
    ActionLine::Deleted {
        at: now(),
        workspace,
        report_token,
        schedule_token,
        confirmed,
    }
}

/// A report left alone partway: skipped when none of its schedules was deleted yet, else failed.
fn left(why: String, deleted: Vec<String>) -> Outcome {
    if deleted.is_empty() {
        Outcome::Skipped(why)
    } else {
        Outcome::Failed { error: why, deleted }
    }
}

fn failed(error: ModeError, deleted: Vec<String>) -> Outcome {
    Outcome::Failed {
        error: error.to_string(),
        deleted,
    }
}
