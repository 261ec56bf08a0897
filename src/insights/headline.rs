//! The headline of a run for the people told about it: the findings that cost most, and how many
//! findings are new since the previous snapshot.

use std::collections::HashSet;
use std::path::Path;

use crate::insights::changes::load;
use crate::snapshot::folder::snapshot_folders;
use crate::snapshot::{Finding, Reason, Snapshot};

/// The `n` findings of the snapshot that cost most, most first; unknown costs last, in order.
pub fn top_by_cost(snapshot: &Snapshot, n: usize) -> Vec<Finding> {
    let mut top: Vec<Finding> = Vec::with_capacity(n + 1);
    for finding in snapshot.findings.iter() {
        let cost = finding.cost_seconds().unwrap_or(-1.0);
        let at = top.partition_point(|f| f.cost_seconds().unwrap_or(-1.0) >= cost);
        if at < n {
            top.insert(at, finding);
            top.truncate(n);
        }
    }
    top
}

/// Findings of `snapshot` whose (report, reason) the newest earlier snapshot in `dir` (the
/// workspace folder) did not list; every finding when there is none. `None` when the earlier
/// snapshot cannot be read: unknown, not zero.
pub fn new_findings(snapshot: &Snapshot, dir: Option<&Path>) -> Option<u64> {
    let mut seen: HashSet<(String, Reason)> = HashSet::new();
    for (_, folder) in dir.map(snapshot_folders).unwrap_or_default() {
        let Ok((_, earlier)) = load(&folder) else {
            return None;
        };
        if earlier.started_at < snapshot.started_at {
            seen = earlier.findings.iter().map(|f| (f.report_token, f.reason)).collect();
            break;
        }
    }
    Some(
        snapshot
            .findings
            .iter()
            .filter(|f| !seen.contains(&(f.report_token.clone(), f.reason)))
            .count() as u64,
    )
}
