//! The Discovery API's items as the audit reads them: plain JSON, every field optional but the
//! token, ids and counters as numbers or strings, tokens never checked to be hex.

use serde::Deserialize;

use crate::mode::{Counter, Text};

/// An item of a Discovery listing: the key it is listed under and the token it is told apart by.
pub trait BatchItem: serde::de::DeserializeOwned + Send + 'static {
    const KEY: &'static str;
    /// The token that identifies it; `None` when it has none (it is then kept as unreadable).
    fn token(&self) -> Option<&str>;
}

/// One entry of `spaces`.
#[derive(Debug, Clone, Deserialize)]
pub struct BatchSpace {
    pub token: String,
    #[serde(default)]
    pub id: Text,
    #[serde(default)]
    pub name: Text,
    #[serde(default)]
    pub space_type: Text,
}

/// One entry of `reports`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BatchReport {
    pub token: String,
    #[serde(default)]
    pub id: Text,
    #[serde(default)]
    pub name: Text,
    #[serde(default)]
    pub created_at: Text,
    #[serde(default)]
    pub updated_at: Text,
    #[serde(default)]
    pub last_successfully_run_at: Text,
    #[serde(default)]
    pub last_viewed_at: Text,
    #[serde(default)]
    pub last_run_at: Text,
    #[serde(default)]
    pub last_run_state: Text,
    #[serde(default)]
    pub creator_email: Text,
    #[serde(default)]
    pub space_token: Text,
}

/// One entry of `report_stats`; the view count goes by `view_count` or `total_views_count`.
#[derive(Debug, Clone, Deserialize)]
pub struct BatchReportStats {
    pub report_token: String,
    #[serde(default)]
    pub active_schedules_count: Counter,
    #[serde(default)]
    pub explorations_count: Counter,
    #[serde(default)]
    view_count: Counter,
    #[serde(default)]
    total_views_count: Counter,
}

impl BatchReportStats {
    /// The all-time view count, whichever name it came under.
    pub fn views(&self) -> Counter {
        match self.total_views_count {
            Counter::Missing => self.view_count,
            other => other,
        }
    }
}

/// One entry of `members`; a set `banned_at` marks a former member.
#[derive(Debug, Clone, Deserialize)]
pub struct BatchMember {
    #[serde(default)]
    pub token: Text,
    #[serde(default)]
    pub member_token: Text,
    #[serde(default)]
    pub member_username: Text,
    #[serde(default)]
    pub member_email: Text,
    #[serde(default)]
    pub state: Text,
    #[serde(default)]
    pub banned_at: Text,
}

impl BatchMember {
    /// Still a member: no `banned_at`, and a state that is not a leaving one.
    pub fn is_active(&self) -> bool {
        let state = self.state.0.as_deref().unwrap_or("active").to_ascii_lowercase();
        self.banned_at.0.as_deref().is_none_or(str::is_empty)
            && !matches!(state.as_str(), "deactivated" | "removed" | "banned" | "former")
    }
}

impl BatchItem for BatchSpace {
    const KEY: &'static str = "spaces";
    fn token(&self) -> Option<&str> {
        Some(&self.token)
    }
}

impl BatchItem for BatchReport {
    const KEY: &'static str = "reports";
    fn token(&self) -> Option<&str> {
        Some(&self.token)
    }
}

impl BatchItem for BatchReportStats {
    const KEY: &'static str = "report_stats";
    fn token(&self) -> Option<&str> {
        Some(&self.report_token)
    }
}

impl BatchItem for BatchMember {
    const KEY: &'static str = "members";
    fn token(&self) -> Option<&str> {
        self.member_token.0.as_deref().or(self.token.0.as_deref())
    }
}
