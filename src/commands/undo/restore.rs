//! Recreating one deleted schedule: unless it still exists, an earlier unfinished attempt made
//! it, or someone made it again by hand; announced in the log before the POST, its new token
//! recorded after, then read back and compared with the logged definition.

use std::collections::HashSet;

use anyhow::Context;

use super::Restored;
use crate::mode::{BodyShape, FoundBy, LiveSchedule, ModeClient, ModeError};
use crate::output::actions::ActionsLog;
use crate::snapshot::undo_log::{ActionLine, Logged, Recreation, now};

pub(super) enum RestoreError {
    /// Mode refused or gave up: recorded, the others go on.
    Mode(ModeError),
    /// The log cannot be written: everything stops.
    Fatal(anyhow::Error),
}

impl From<ModeError> for RestoreError {
    fn from(e: ModeError) -> Self {
        RestoreError::Mode(e)
    }
}

impl From<anyhow::Error> for RestoreError {
    fn from(e: anyhow::Error) -> Self {
        RestoreError::Fatal(e)
    }
}

/// Recreates one schedule, unless it still exists or was made already (by an earlier, unfinished
/// attempt, or by hand).
pub(super) async fn restore(client: &ModeClient, log: &mut ActionsLog, l: &Logged) -> Result<Restored, RestoreError> {
    let live = client.live_schedules(&l.report_token).await?;
    if live.iter().any(|s| s.schedule.token == l.schedule_token) {
        return Ok(Restored::StillThere);
    }
    if let Some(settled) = earlier_attempt(client, log, l, &live).await? {
        return Ok(settled);
    }
    if let Some(token) = made_by_hand(log, l, &live) {
        found_live(client, log, l, &token).await?;
        return Ok(Restored::FoundLive(token));
    }
    let token = create(client, log, l, &live).await?;
    read_back(client, l, token).await
}

/// What an earlier attempt came to, one unfinished or failed after the POST went out: the
/// schedule it made, found in the listing (recorded now); or, when Mode answered it with success
/// and none is listed, a failure not sent again. `None`: no such attempt, create it.
async fn earlier_attempt(
    client: &ModeClient,
    log: &mut ActionsLog,
    l: &Logged,
    live: &[LiveSchedule],
) -> Result<Option<Restored>, RestoreError> {
    let (before, answered) = match &l.recreation {
        Some(Recreation::Intended { before }) => (before, false),
        Some(Recreation::Failed { before, answered, .. }) => (before, *answered),
        _ => return Ok(None),
    };
    let found = live
        .iter()
        .find(|s| !before.contains(&s.schedule.token) && s.definition.as_ref().is_ok_and(|d| l.definition.matches(d)));
    let Some(s) = found else {
        return Ok(answered.then(|| {
            Restored::Failed(
                "Mode answered an earlier create with success, and no new schedule with this definition is listed; \
                 not sent again, so as not to make a second one: look at the report's schedules in Mode"
                    .into(),
            )
        }));
    };
    let token = s.schedule.token.clone();
    log.append(recreated(
        client,
        l,
        token.clone(),
        FoundBy::Listing,
        BodyShape::Wrapped,
    ))
    .await
    .context("cannot record the recreated schedule")?;
    Ok(Some(Restored::AlreadyDone(token)))
}

/// Records a schedule found made again by hand: counted as restored, nothing created.
async fn found_live(client: &ModeClient, log: &mut ActionsLog, l: &Logged, token: &str) -> Result<(), RestoreError> {
    log.append(ActionLine::FoundLive {
        at: now(),
        workspace: client.workspace().to_string(),
        report_token: l.report_token.clone(),
        schedule_token: l.schedule_token.clone(),
        live_token: token.to_string(),
    })
    .await
    .context("cannot record the schedule found restored")?;
    Ok(())
}

/// Announces the recreation (with the report's schedules listed just before), sends the POST and
/// records the new token.
async fn create(
    client: &ModeClient,
    log: &mut ActionsLog,
    l: &Logged,
    live: &[LiveSchedule],
) -> Result<String, RestoreError> {
    let before: Vec<String> = live.iter().map(|s| s.schedule.token.clone()).collect();
    log.append(ActionLine::RecreateIntent {
        at: now(),
        workspace: client.workspace().to_string(),
        report_token: l.report_token.clone(),
        schedule_token: l.schedule_token.clone(),
        before: before.clone(),
    })
    .await?;
    let created = client.create_schedule(&l.report_token, &l.definition, &before).await?;
    log.append(recreated(
        client,
        l,
        created.token.clone(),
        created.found_by,
        created.shape,
    ))
    .await?;
    Ok(created.token)
}

/// The schedule created as `token`, read back: created when it matches the logged definition,
/// else what differs (a failure to look at).
async fn read_back(client: &ModeClient, l: &Logged, token: String) -> Result<Restored, RestoreError> {
    let differences = match client.schedule_now(&l.report_token, &token).await {
        Ok(Some(back)) => match &back.definition {
            Ok(d) => l.definition.differences(d),
            Err(why) => vec![format!("read back, its definition cannot be read ({why})")],
        },
        Ok(None) => vec!["it is not found when read back".to_string()],
        Err(e) if e.is_credentials() => return Err(e.into()),
        Err(e) => vec![format!("it could not be read back ({e})")],
    };
    if differences.is_empty() {
        return Ok(Restored::Created(token));
    }
    tracing::warn!(
        report = %l.report_token,
        schedule = %l.schedule_token,
        recreated_as = %token,
        differences = %differences.join("; "),
        "the recreated schedule, read back, differs from the logged definition: look at it in Mode"
    );
    Ok(Restored::Differs { token, differences })
}

/// The log entry of a schedule recreated as `new_token`.
fn recreated(client: &ModeClient, l: &Logged, new_token: String, found_by: FoundBy, shape: BodyShape) -> ActionLine {
    ActionLine::Recreated {
        at: now(),
        workspace: client.workspace().to_string(),
        report_token: l.report_token.clone(),
        schedule_token: l.schedule_token.clone(),
        new_token,
        found_by,
        shape,
    }
}

/// A live schedule of the report with the logged definition that is none of the log's own (a
/// schedule it records, still there, or one an undo made): someone made it again.
fn made_by_hand(log: &ActionsLog, l: &Logged, live: &[LiveSchedule]) -> Option<String> {
    let mut known: HashSet<&str> = HashSet::new();
    for other in log.replayed().of(&l.report_token) {
        known.insert(&other.schedule_token);
        if let Some(Recreation::Done { new_token }) = &other.recreation {
            known.insert(new_token);
        }
    }
    live.iter()
        .find(|s| {
            !known.contains(s.schedule.token.as_str()) && s.definition.as_ref().is_ok_and(|d| l.definition.matches(d))
        })
        .map(|s| s.schedule.token.clone())
}
