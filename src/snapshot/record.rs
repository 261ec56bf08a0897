//! The records a run collects: collections (the completeness ledger), reports, schedules, failures.
//!
//! Plain data shared by the crawl (which fills them), the insights (which read them) and the
//! writers; they carry only the fields the outputs need, never raw response bodies.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LedgerStatus {
    /// Every page was read to the end.
    Complete,
    /// Mode answered 404 or 403 for its reports.
    Inaccessible,
    /// A page failed after retries; the reports before it are kept.
    Failed,
    /// Skipped on purpose (`--exclude-personal`).
    Excluded,
    /// The run stopped before this collection was finished.
    Unfinished,
}

impl LedgerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LedgerStatus::Complete => "complete",
            LedgerStatus::Inaccessible => "inaccessible",
            LedgerStatus::Failed => "failed",
            LedgerStatus::Excluded => "excluded",
            LedgerStatus::Unfinished => "unfinished",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectionRecord {
    pub token: String,
    pub name: Option<String>,
    /// Mode's `space_type`: `custom`, `private` (a member's Personal collection) or `community`.
    pub collection_type: Option<String>,
    /// Reports recorded from this collection.
    pub reports: u64,
    /// Report pages requested, the page that showed the end included.
    pub pages: u32,
    pub status: LedgerStatus,
    pub error: Option<String>,
}

/// Whether a report's schedules were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchStatus {
    /// schedules_count was 0: not scheduled, nothing to fetch.
    NotScheduled,
    /// The schedules were fetched.
    Fetched,
    /// Fetching the schedules failed; `scheduled` falls back to schedules_count.
    SchedulesFailed,
    /// The run stopped before the schedules were fetched.
    SchedulesUnfinished,
}

impl FetchStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FetchStatus::NotScheduled => "not_scheduled",
            FetchStatus::Fetched => "fetched",
            FetchStatus::SchedulesFailed => "schedules_failed",
            FetchStatus::SchedulesUnfinished => "schedules_unfinished",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRecord {
    pub token: String,
    pub name: Option<String>,
    pub collection_token: String,
    pub report_type: Option<String>,
    pub archived: bool,
    pub creator: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub last_run_at: Option<String>,
    pub last_successfully_run_at: Option<String>,
    /// All-time views as Mode counts them; `None` when Mode sent none or an unreadable value.
    pub view_count: Option<u64>,
    pub schedules_count: Option<u64>,
    /// Mode's estimate of one run's duration in seconds (`expected_runtime`).
    #[serde(default)]
    pub expected_runtime: Option<f64>,
    /// `None` only when schedules_count was unreadable and the schedules could not be fetched.
    pub scheduled: Option<bool>,
    pub url: Option<String>,
    pub fetch_status: FetchStatus,
    pub schedules: Vec<ScheduleRecord>,
    /// What earlier snapshots in the same folder say about this report (filled before publishing).
    #[serde(default)]
    pub history: ReportHistory,
    /// Its runs of the 30 days before the run, or the proxy for them (filled before publishing).
    #[serde(default, flatten)]
    pub runs: super::run_figures::RunFigures,
    /// What Mode's Discovery API says about it; empty (unknown) on a REST-only run.
    #[serde(default)]
    pub discovered: Discovered,
}

/// How many reports only one source listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossCheck {
    /// Listed by the REST walk, not by Discovery (e.g. created since Discovery's last refresh).
    pub rest_only: u64,
    /// Listed by Discovery, not by the REST walk (e.g. deleted since, or in a collection REST could
    /// not read); not in the snapshot's reports.
    pub discovery_only: u64,
    /// The first of them, by token (at most [`CrossCheck::SHOWN`]).
    pub discovery_only_tokens: Vec<String>,
}

impl ReportRecord {
    /// Who owns the report: its creator's username, else (a `--source discovery` run, which
    /// carries no username) the creator's email from Mode's Discovery API. `None` when neither is
    /// known or it is blank.
    pub fn owner(&self) -> Option<&str> {
        [self.creator.as_deref(), self.discovered.creator_email.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .find(|o| !o.is_empty())
    }
}

impl CrossCheck {
    pub const SHOWN: usize = 100;
}

/// A report's fields only the Discovery API gives. Every one `None` when unknown: a REST-only run,
/// or a report one listing named and the other did not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovered {
    /// When someone last opened the report.
    pub last_viewed_at: Option<String>,
    /// The state of its last run (`succeeded`, `failed`, ...).
    pub last_run_state: Option<String>,
    pub creator_email: Option<String>,
    pub explorations_count: Option<u64>,
    /// Which sources listed it on a run that read both (`rest`, `discovery` or `both`); `None` on a
    /// run that read one source only.
    pub listed_by: Option<String>,
}

/// A report as seen by earlier snapshots: views gained over fixed windows and when it first appeared.
/// A window is `None` when no earlier snapshot covers it (never a made-up zero); see `history.rs`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportHistory {
    /// `started_at` of the oldest snapshot that listed the report (carried forward), else this run's.
    pub first_seen: Option<String>,
    pub views_7d: Option<i64>,
    pub views_30d: Option<i64>,
    pub views_90d: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleRecord {
    pub token: String,
    pub name: Option<String>,
    pub frequency: Option<String>,
    pub time_zone: Option<String>,
    pub hour: Option<String>,
    pub minute: Option<String>,
    pub next_scheduled_run: Option<String>,
    pub last_scheduled_run: Option<String>,
    pub last_run_at: Option<String>,
    pub last_succeeded_at: Option<String>,
    pub retry_state: Option<String>,
    pub subscriber_count: Option<u64>,
    /// `started_at` of the run that read these details from Mode: this run's, or an earlier one's
    /// when they were reused (`--schedules-max-age`). Empty in snapshots made before it existed.
    #[serde(default)]
    pub fetched_at: Option<String>,
}

/// A branch of the walk that could not be read, kept in the snapshot and listed on stderr.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// `collections` (the listing), `collection` (its reports) or `schedules` (a report's schedules);
    /// for one item of a listing that could not be read, what it was: `collection`, `report` or `schedule`.
    pub scope: String,
    /// The collection or report token, when the failure belongs to one (an unreadable item's own
    /// token, when it has a readable one).
    pub token: Option<String>,
    pub error: String,
    /// For one item of a listing that could not be read: where it was listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<ItemLocation>,
}

/// Where an item that could not be read was listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemLocation {
    /// The collection (for a report) or report (for a schedule) whose listing held it; `None` for
    /// the collections listing.
    pub listed_in: Option<String>,
    /// The page of that listing, from 1.
    pub page: u32,
    /// Its position on the page, from 0.
    pub index: u32,
    /// The JSON path where reading it failed, e.g. `_embedded.reports[7].token`.
    pub path: String,
}
