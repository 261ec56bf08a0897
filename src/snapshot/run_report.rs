//! How one run of one workspace ended: status, counts, where the snapshot or checkpoint went.

use std::path::PathBuf;

use super::summary::Summary;
use super::{Failure, Finding, Reason, SnapshotStats};
use crate::stop::StopReason;

/// How a run ended; decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Everything was read and published (exit 0).
    Complete,
    /// Published, but something could not be read (exit 1).
    Partial,
    /// Stopped early: nothing published, a checkpoint saved to resume from (exit 4).
    Stopped(StopReason),
}

/// How a finished run went.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub workspace: String,
    pub status: RunStatus,
    pub published: Option<PathBuf>,
    /// The workbook inside the published folder, when xlsx was among the formats.
    pub workbook: Option<PathBuf>,
    /// findings.csv inside the published folder, when csv was among the formats.
    pub findings_file: Option<PathBuf>,
    /// owners/README.md inside the published folder, when owner digests were written.
    pub owners_file: Option<PathBuf>,
    /// report.html inside the published folder, when html was among the formats.
    pub page: Option<PathBuf>,
    /// Where the checkpoint of a stopped run was saved.
    pub checkpoint: Option<PathBuf>,
    /// Whether this run picked up a checkpoint.
    pub resumed: bool,
    pub summary: Summary,
    pub stats: SnapshotStats,
    pub failures: Vec<Failure>,
    /// Findings per reason, every reason listed (empty when nothing was published).
    pub findings: Vec<(Reason, u64)>,
    /// The headline numbers (`None` when nothing was published).
    pub headline: Option<super::headline::Headline>,
    /// The findings that cost most, most first (a few; empty when nothing was published).
    pub top_findings: Vec<Finding>,
    /// Findings the previous snapshot did not list; `None` when unknown (nothing published, or
    /// the previous snapshot could not be read).
    pub new_findings: Option<u64>,
    /// Run alerts (Slack, webhook) that could not be delivered.
    pub notifications_failed: u64,
}
