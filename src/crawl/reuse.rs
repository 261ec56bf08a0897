//! Reuse: how the walk learns that a report's schedules need no request this time.
//!
//! The walk knows nothing of earlier snapshots, files or ages: the caller hands it a [`Reuse`]
//! (see `CrawlOptions::reuse`), and the walk asks it about every report it would otherwise fetch
//! the schedules of, with the report as this run's listing describes it.

use std::fmt;

use crate::snapshot::{ReportRecord, ScheduleRecord};

/// Schedule details the walk may keep instead of asking Mode.
pub trait Reuse: Send + Sync + fmt::Debug {
    /// The schedule records to keep for `listed` (this run's listing of the report), each with the
    /// `fetched_at` of the run that read it, or `None` to fetch them.
    fn schedules(&self, listed: &ReportRecord) -> Option<Vec<ScheduleRecord>>;
}
