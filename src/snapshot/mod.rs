//! The snapshot: what one run collected (collections ledger, reports, schedules, failures, stats,
//! findings), the record store that keeps its reports and findings out of memory, and the summary.

pub mod actions;
pub mod appended;
pub mod clock;
mod finding;
pub mod folder;
pub mod headline;
mod record;
pub mod run_figures;
mod run_report;
pub mod store;
pub mod stream;
pub mod summary;
pub mod time;
pub mod undo_log;

pub use finding::{Finding, Reason};
pub use record::{
    CollectionRecord, CrossCheck, Discovered, Failure, FetchStatus, ItemLocation, LedgerStatus, ReportHistory,
    ReportRecord, ScheduleRecord,
};
pub use run_report::{RunReport, RunStatus};

use serde::{Deserialize, Serialize};

use crate::mode::RequestStats;
use store::{FindingStore, ReportStore};

/// Version of the snapshot.json layout; bumped when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every collection and report the credentials can see was read.
    Complete,
    /// Something could not be read; `failures` says what.
    Partial,
}

/// How far one collection's listing got: the completeness ledger row.
#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot {
    pub schema_version: u32,
    pub workspace: String,
    pub started_at: String,
    pub finished_at: String,
    pub status: Status,
    pub stats: SnapshotStats,
    pub collections: Vec<CollectionRecord>,
    /// Kept in a temporary file, read back one at a time (see `store.rs`).
    pub reports: ReportStore,
    pub failures: Vec<Failure>,
    /// One row per (report, reason) worth acting on, in their order (see `findings.rs`); kept in a
    /// temporary file like the reports.
    #[serde(default)]
    pub findings: FindingStore,
    /// The window SCHEDULED_NOT_VIEWED_RECENTLY looked over (`--findings-window`), in seconds;
    /// `None` in snapshots written before it was recorded.
    #[serde(default)]
    pub findings_window_seconds: Option<u64>,
}

impl Snapshot {
    /// Whether the reports' `archived` is known: the Discovery API does not carry it, so a
    /// `--source discovery` snapshot leaves it unknown (empty cells, no ARCHIVED_BUT_SCHEDULED).
    pub fn archived_known(&self) -> bool {
        self.stats.source.as_deref() != Some("discovery")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SnapshotStats {
    #[serde(flatten)]
    pub requests: RequestStats,
    pub duration_ms: u64,
    pub collections: u64,
    pub reports: u64,
    pub scheduled: u64,
    pub scheduled_zero_views: u64,
    pub archived: u64,
    /// Items Mode listed more than once (across pages or collections), dropped by token.
    pub duplicates: u64,
    /// The process's peak resident memory at the end of the walk (Linux only).
    #[serde(default)]
    pub peak_rss_bytes: Option<u64>,
    /// Reports whose schedule records were reused from an earlier snapshot instead of fetched;
    /// `None` when reuse was off (`--schedules-max-age` unset).
    #[serde(default)]
    pub reports_reused: Option<u64>,
    /// Schedule records among them.
    #[serde(default)]
    pub schedules_reused: Option<u64>,
    /// `fetched_at` of the oldest schedule record in the snapshot, and its age at `started_at`.
    #[serde(default)]
    pub oldest_schedule_fetched_at: Option<String>,
    #[serde(default)]
    pub oldest_schedule_age_seconds: Option<u64>,
    /// Where the listings came from: `rest`, `discovery` or `both` (`None` in snapshots made
    /// before sources existed, which are `rest`).
    #[serde(default)]
    pub source: Option<String>,
    /// `both` only: reports one source listed and the other did not.
    #[serde(default)]
    pub cross_check: Option<CrossCheck>,
    /// The run's clock minus Mode's (the `Date` of its last answer) when the walk ended, in
    /// seconds; `None` when Mode sent no `Date` (or in snapshots made before it was recorded).
    /// `apply` refuses a snapshot stamped by a clock more than 5 minutes off.
    #[serde(default)]
    pub clock_offset_seconds: Option<i64>,
}
