//! What a run keeps of each Discovery item while the listings are read, each spilled to a
//! temporary file in listing order: a report's fields the snapshot records, and a report's three
//! counters with its token.

use serde::{Deserialize, Serialize};

use crate::mode::discovery::{BatchReport, BatchReportStats};
use crate::snapshot::Discovered;
use crate::snapshot::store::{Record, RecordStore};

/// An entry of the `reports` listing, as the snapshot records it (its `id` is not recorded).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ListedReport {
    pub token: String,
    pub name: Option<String>,
    pub space_token: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub last_run_at: Option<String>,
    pub last_successfully_run_at: Option<String>,
    pub last_viewed_at: Option<String>,
    pub last_run_state: Option<String>,
    pub creator_email: Option<String>,
}

impl Record for ListedReport {
    const NOUN: &'static str = "Discovery reports";
}

/// The `reports` listing in listing order, one record in memory at a time.
pub type ListedReports = RecordStore<ListedReport>;

impl From<BatchReport> for ListedReport {
    fn from(item: BatchReport) -> ListedReport {
        ListedReport {
            token: item.token,
            name: item.name.0,
            space_token: item.space_token.0,
            created_at: item.created_at.0,
            updated_at: item.updated_at.0,
            last_run_at: item.last_run_at.0,
            last_successfully_run_at: item.last_successfully_run_at.0,
            last_viewed_at: item.last_viewed_at.0,
            last_run_state: item.last_run_state.0,
            creator_email: item.creator_email.0,
        }
    }
}

impl ListedReport {
    /// Its Discovery-only fields, with the statistics' explorations count when they were listed.
    pub fn discovered(&mut self, stats: Option<Stats>) -> Discovered {
        Discovered {
            last_viewed_at: self.last_viewed_at.take(),
            last_run_state: self.last_run_state.take(),
            creator_email: self.creator_email.take(),
            explorations_count: stats.and_then(|s| s.explorations),
            listed_by: None,
        }
    }
}

/// An entry of `report_stats`, as the snapshot records it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ListedStats {
    pub report_token: String,
    #[serde(flatten)]
    pub stats: Stats,
}

impl Record for ListedStats {
    const NOUN: &'static str = "Discovery report statistics";
}

/// The `report_stats` listing in listing order, one entry in memory at a time.
pub type ListedStatsStore = RecordStore<ListedStats>;

impl From<BatchReportStats> for ListedStats {
    fn from(item: BatchReportStats) -> ListedStats {
        ListedStats {
            stats: Stats::from(&item),
            report_token: item.report_token,
        }
    }
}

/// A report's counters from `report_stats`; `None` where the counter was missing or unreadable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub schedules: Option<u64>,
    pub views: Option<u64>,
    pub explorations: Option<u64>,
}

impl From<&BatchReportStats> for Stats {
    fn from(item: &BatchReportStats) -> Stats {
        Stats {
            schedules: item.active_schedules_count.value(),
            views: item.views().value(),
            explorations: item.explorations_count.value(),
        }
    }
}
