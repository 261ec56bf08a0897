//! Which reports' runs to read (`--runs findings|all|off`) and how what was read becomes each
//! report's figures: measured or sampled where runs were read, the proxy elsewhere.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use crate::snapshot::run_figures::{RunBasis, RunFigures, RunTally, proxy};
use crate::snapshot::{ReportRecord, Snapshot};

/// `--runs`: whose runs to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunsChoice {
    /// The scheduled reports with a finding.
    #[default]
    Findings,
    /// Every scheduled report.
    All,
    /// None: no runs request; the proxy everywhere.
    Off,
}

/// The reports whose runs to read, in snapshot order: scheduled, and (for `findings`) with a finding.
pub fn select(snapshot: &Snapshot, choice: RunsChoice) -> Vec<String> {
    let flagged: HashSet<String> = match choice {
        RunsChoice::Off => return Vec::new(),
        RunsChoice::All => HashSet::new(),
        RunsChoice::Findings => snapshot.findings.iter().map(|f| f.report_token).collect(),
    };
    snapshot
        .reports
        .iter()
        .filter(|r| r.scheduled == Some(true))
        .filter(|r| choice == RunsChoice::All || flagged.contains(&r.token))
        .map(|r| r.token)
        .collect()
}

/// One report's figures from what was read of its runs (`None`: not selected); runs read
/// count as read at `read_at` (this run's start).
pub fn attach(report: &mut ReportRecord, read: Option<&Result<RunTally, String>>, read_at: &str) {
    report.runs = match read {
        Some(Ok(tally)) => {
            let mut figures = tally.figures(report);
            if matches!(figures.basis, Some(RunBasis::Measured | RunBasis::Sampled)) {
                figures.read_at = Some(read_at.to_string());
                figures.pages = Some(tally.pages);
            }
            figures
        }
        Some(Err(error)) => {
            let mut figures = proxy(report);
            figures.error = Some(error.clone());
            figures
        }
        None => proxy(report),
    };
}

/// Fills every report's figures from `read` (by report token), or from `kept` (the tallies an
/// incremental run keeps from the earlier snapshot).
pub fn attach_all(
    snapshot: &mut Snapshot,
    read: &HashMap<String, Result<RunTally, String>>,
    kept: &HashMap<String, RunFigures>,
) -> std::io::Result<()> {
    let read_at = snapshot.started_at.clone();
    snapshot.reports = snapshot.reports.map(|r| match kept.get(&r.token) {
        Some(figures) => r.runs = figures.clone(),
        None => {
            let found = read.get(&r.token);
            attach(r, found, &read_at);
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support;

    #[test]
    fn unreadable_runs_keep_the_proxy_and_say_why() {
        let mut r = test_support::report("r", Some(0), vec![test_support::schedule("s", "daily", 0)]);
        r.expected_runtime = Some(2.0);
        let mut failed = r.clone();
        attach(&mut failed, Some(&Err("HTTP 500".to_string())), "2026-11-01T00:00:00Z");
        assert_eq!(failed.runs.basis, Some(RunBasis::ExpectedRuntime));
        assert_eq!(failed.runs.run_seconds_30d, Some(60.0));
        assert_eq!(failed.runs.error.as_deref(), Some("HTTP 500"));
        assert_eq!(failed.runs.runs_30d, None, "unknown, not 0");
        assert_eq!(failed.runs.read_at, None, "nothing was read");
        let mut unselected = r;
        attach(&mut unselected, None, "2026-11-01T00:00:00Z");
        assert_eq!(
            (unselected.runs.basis, unselected.runs.error),
            (Some(RunBasis::ExpectedRuntime), None)
        );
    }
}
