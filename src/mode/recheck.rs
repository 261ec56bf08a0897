//! The re-read just before a DELETE: one schedule as Mode has it now, and whether any subscription
//! is listed for it (`GET /reports/{r}/schedules/{s}` and `…/schedules/{s}/subscriptions`).

use serde::Deserialize;

use super::client::ModeClient;
use super::definition::LiveSchedule;
use super::error::ModeError;
use super::page::Listed;

/// A report subscription as Mode lists it; only its presence matters here (it has no `token`
/// property: the token is the last segment of its `_links.self.href`).
#[derive(Debug, Deserialize)]
pub struct Subscription {
    #[serde(skip)]
    token: String,
}

impl Listed for Subscription {
    const KEY: &'static str = "report_subscriptions";
    fn token(&self) -> &str {
        &self.token
    }
    fn enforce_bounds(&mut self) -> u32 {
        0
    }
}

impl ModeClient {
    /// One schedule of `report` as Mode has it now; `None` when it is gone (404).
    pub async fn schedule_now(&self, report: &str, schedule: &str) -> Result<Option<LiveSchedule>, ModeError> {
        match self.get(self.url(&["reports", report, "schedules", schedule])).await {
            Ok(live) => Ok(Some(live)),
            Err(ModeError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// How many subscriptions Mode lists for one schedule on the first page, readable or not:
    /// any at all means someone receives it.
    pub async fn subscriptions_listed(&self, report: &str, schedule: &str) -> Result<usize, ModeError> {
        let url = self.url(&["reports", report, "schedules", schedule, "subscriptions"]);
        Ok(self.page::<Subscription>(url).await?.listed())
    }
}
