//! Report runs (`/reports/{r}/runs`) and workspace memberships (`/memberships`): the list pages
//! and their items as the audit reads them.
//!
//! Both are HAL lists that Mode's reference says carry a top-level `pagination` object with
//! `total_count`; it is optional here (a page without it is still read). An item that does not
//! decode is counted and skipped, not fatal to its page.

use reqwest::Url;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::client::ModeClient;
use super::error::ModeError;
use super::models::{Counter, Text};

/// One run of a report. `completed_at` is absent while it runs.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Run {
    pub token: Text,
    /// `pending`, `enqueued`, `cancelled`, `failed`, `succeeded`, `completed`, `running_notebook`.
    pub state: Text,
    pub created_at: Text,
    pub completed_at: Text,
}

/// One member of the workspace. Any `state` but `active` is not an active member.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Member {
    pub member_username: Text,
    pub state: Text,
}

impl Member {
    pub fn is_active(&self) -> bool {
        self.state
            .0
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("active"))
    }
}

/// One page of a listing that may say how many items it holds in all.
#[derive(Debug, Clone, PartialEq)]
pub struct Counted<T> {
    pub items: Vec<T>,
    /// Items on the page that did not decode.
    pub rejected: usize,
    /// `pagination.total_count`, when Mode sent a readable one.
    pub total_count: Option<u64>,
}

impl<T> Counted<T> {
    /// Items the server put on the page, decoded or not.
    pub fn listed(&self) -> usize {
        self.items.len() + self.rejected
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Envelope {
    pagination: Option<Pagination>,
    #[serde(rename = "_embedded")]
    embedded: Map<String, Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Pagination {
    total_count: Counter,
}

impl Envelope {
    fn take<T: for<'de> Deserialize<'de>>(mut self, key: &str) -> Counted<T> {
        let raw = match self.embedded.remove(key) {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        };
        let total = raw.len();
        let items: Vec<T> = raw.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect();
        Counted {
            rejected: total - items.len(),
            items,
            total_count: self.pagination.and_then(|p| p.total_count.value()),
        }
    }
}

impl ModeClient {
    /// `/api/{ws}/reports/{report}/runs?filter=created_at.gt.<since>&order=desc&order_by=created_at&page=N&per_page=P`:
    /// the runs created after `since`, newest first (the order is always sent: Mode's default is
    /// not documented).
    pub fn runs_url(&self, report: &str, since: &str, page: u32, per_page: u32) -> Url {
        let mut url = self.url(&["reports", report, "runs"]);
        url.query_pairs_mut()
            .append_pair("filter", &format!("created_at.gt.{since}"))
            .append_pair("order", "desc")
            .append_pair("order_by", "created_at")
            .append_pair("page", &page.to_string())
            .append_pair("per_page", &per_page.to_string());
        url
    }

    /// One page of a report's runs created after `since` (ISO 8601), newest first.
    pub async fn runs_page(
        &self,
        report: &str,
        since: &str,
        page: u32,
        per_page: u32,
    ) -> Result<Counted<Run>, ModeError> {
        let envelope: Envelope = self.get(self.runs_url(report, since, page, per_page)).await?;
        Ok(envelope.take("report_runs"))
    }

    /// One page of `/api/{ws}/memberships`.
    pub async fn memberships_page(&self, page: u32, per_page: u32) -> Result<Counted<Member>, ModeError> {
        let mut url = self.url(&["memberships"]);
        url.query_pairs_mut()
            .append_pair("page", &page.to_string())
            .append_pair("per_page", &per_page.to_string());
        let envelope: Envelope = self.get(url).await?;
        Ok(envelope.take("memberships"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_read_their_total_and_skip_bad_items() {
        let body = br#"{"pagination": {"total_count": "41"}, "_links": {}, "_embedded": {"report_runs": [
            {"token": "a", "state": "failed", "created_at": "2026-10-01T00:00:00.000Z", "completed_at": null},
            {"token": "b", "state": ["x"]},
            7
        ]}}"#;
        let envelope: Envelope = serde_json::from_slice(body).unwrap();
        let page: Counted<Run> = envelope.take("report_runs");
        assert_eq!(page.total_count, Some(41));
        assert_eq!((page.items.len(), page.rejected, page.listed()), (2, 1, 3));
        assert_eq!(page.items[0].state.0.as_deref(), Some("failed"));
        assert_eq!(page.items[0].completed_at.0, None);
        assert_eq!(page.items[1].state.0, None, "a state that is not text reads as unknown");
        let bare: Envelope = serde_json::from_slice(br#"{"_embedded": {}}"#).unwrap();
        let none: Counted<Member> = bare.take("memberships");
        assert_eq!((none.items.len(), none.total_count), (0, None));
    }

    #[test]
    fn only_active_members_are_active() {
        let member = |state: Option<&str>| Member {
            member_username: Text(Some("ann".into())),
            state: Text(state.map(str::to_string)),
        };
        assert!(member(Some("active")).is_active());
        assert!(!member(Some("deactivated")).is_active());
        assert!(!member(Some("pending")).is_active());
        assert!(!member(None).is_active());
    }
}
