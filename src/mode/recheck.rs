//! The re-read just before a DELETE: one schedule as Mode has it now, and whether any subscription
//! is listed for it (`GET /reports/{r}/schedules/{s}` and `…/schedules/{s}/subscriptions`).

use serde::Deserialize;
use serde_json::Value;

use super::client::ModeClient;
use super::definition::LiveSchedule;
use super::error::ModeError;
use super::exchange::Auth;
use super::page::{Listed, PageError};

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

    /// How many subscriptions Mode lists for one schedule on the first page, readable or not: any
    /// at all means someone receives it. `Ok(Err(why))` when the answer is not the list expected
    /// (see [`subscriptions_on_page`]): it cannot say "none", so the caller must not delete.
    pub async fn subscriptions_listed(&self, report: &str, schedule: &str) -> Result<Result<usize, String>, ModeError> {
        let url = self.url(&["reports", report, "schedules", schedule, "subscriptions"]);
        self.fetch_as(Auth::Basic, url, subscriptions_on_page).await
    }
}

/// The subscriptions on one page, read strictly (the walk's lenient reading takes a page without
/// its list for an empty page, which here would pass for "no subscriber"). Only an `_embedded`
/// object holding `report_subscriptions` as a list, and no other non-empty list, answers; an empty
/// list is the end of the listing (an empty page), and then a `pagination.total_count` above 0
/// contradicts it. Anything else is `Ok(Err(why))`.
pub fn subscriptions_on_page(body: &[u8]) -> Result<Result<usize, String>, PageError> {
    let page = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(page)) => page,
        Ok(_) => return Ok(Err("the subscriptions answer is not a JSON object".to_string())),
        Err(e) if e.is_data() => return Ok(Err(format!("the subscriptions answer is not a list page: {e}"))),
        Err(e) => return Err(PageError::Unreadable(e.to_string())),
    };
    let Some(Value::Object(embedded)) = page.get("_embedded") else {
        return Ok(Err("the subscriptions answer has no _embedded object".to_string()));
    };
    let others: Vec<&str> = (embedded.iter())
        .filter(|(k, v)| *k != Subscription::KEY && v.as_array().is_some_and(|a| !a.is_empty()))
        .map(|(k, _)| k.as_str())
        .collect();
    let key = Subscription::KEY;
    let listed = match embedded.get(key) {
        Some(Value::Array(items)) if others.is_empty() => items.len(),
        Some(Value::Array(_)) => {
            return Ok(Err(format!(
                "the subscriptions answer also lists items under [{}], beside {key}",
                others.join(", ")
            )));
        }
        Some(other) => {
            return Ok(Err(format!(
                "the subscriptions answer's {key} is not a list but {other}"
            )));
        }
        None => {
            let found: Vec<&str> = embedded.keys().map(String::as_str).collect();
            return Ok(Err(format!(
                "the subscriptions answer has no {key} list (its _embedded holds [{}])",
                found.join(", ")
            )));
        }
    };
    let total = page
        .get("pagination")
        .and_then(|p| p.get("total_count"))
        .and_then(counter);
    match total {
        Some(total) if listed == 0 && total > 0 => Ok(Err(format!(
            "the subscriptions answer lists none but announces {total} (pagination.total_count)"
        ))),
        _ => Ok(Ok(listed)),
    }
}

fn counter(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &str) -> Result<usize, String> {
        subscriptions_on_page(body.as_bytes()).unwrap()
    }

    #[test]
    fn only_the_expected_list_can_say_there_is_no_subscription() {
        assert_eq!(
            read(r#"{"_links": {}, "_embedded": {"report_subscriptions": []}}"#),
            Ok(0)
        );
        assert_eq!(read(r#"{"_embedded": {"report_subscriptions": [{"a": 1}, 7]}}"#), Ok(2));
        for unexpected in [
            r#"{"_embedded": {"subscriptions": [{"token": "s1"}]}}"#,
            r#"{"_embedded": {"report_subscriptions": [], "subscriptions": [{"token": "s1"}]}}"#,
            r#"{"_embedded": {}}"#,
            r#"{"_links": {}}"#,
            r#"{"_embedded": {"report_subscriptions": {"token": "s1"}}}"#,
            r#"{"_embedded": "none"}"#,
            r#"[]"#,
            r#"{"pagination": {"total_count": "2"}, "_embedded": {"report_subscriptions": []}}"#,
        ] {
            assert!(
                read(unexpected).is_err(),
                "{unexpected} must not read as no subscription"
            );
        }
        assert!(matches!(
            subscriptions_on_page(b"{\"_embedded\": "),
            Err(PageError::Unreadable(_))
        ));
    }
}
