//! The last look at one schedule, just before its DELETE: read again on its own, it must still be
//! there with the definition about to be logged and no subscriber, and Mode must list no
//! subscription for it, in a list of the shape expected (any other answer keeps the schedule).
//! The report's re-check came earlier; a subscriber can appear in between.

use crate::mode::{LiveSchedule, ModeClient, ModeError};

/// `Ok(Ok(()))` when the schedule may be deleted now; `Ok(Err(why))` when it changed; `Err` when
/// Mode could not be read.
pub async fn still_unused(
    client: &ModeClient,
    report: &str,
    listed: &LiveSchedule,
) -> Result<Result<(), String>, ModeError> {
    let token = &listed.schedule.token;
    let Some(now) = client.schedule_now(report, token).await? else {
        return Ok(Err(format!("schedule {token} disappeared just before its deletion")));
    };
    match now.schedule.subscriber_count.value() {
        Some(0) => {}
        Some(n) => return Ok(Err(format!("schedule {token} has {n} subscribers now"))),
        None => return Ok(Err(format!("schedule {token}'s subscriber count is unreadable now"))),
    }
    if now.definition != listed.definition {
        return Ok(Err(format!("schedule {token} changed just before its deletion")));
    }
    match client.subscriptions_listed(report, token).await? {
        Ok(0) => Ok(Ok(())),
        Ok(n) => Ok(Err(format!("schedule {token} lists {n} subscription(s) now"))),
        Err(why) => Ok(Err(format!(
            "schedule {token}'s subscriptions could not be told to be none ({why}); left in place"
        ))),
    }
}
