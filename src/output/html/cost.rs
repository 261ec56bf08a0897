//! The page's figures of cost, from one place: what a finding costs a month and on what basis, and
//! the headline totals (and the `summary.json` each snapshot keeps of them for later trends).

use serde::{Deserialize, Serialize};

use crate::snapshot::{Finding, Reason, Snapshot, Status};

/// The reasons the headline counts: scheduled, and nobody looks at the result.
pub const UNVIEWED: [Reason; 2] = [Reason::ScheduledNeverViewed, Reason::ScheduledNotViewedRecently];

/// Where the cost figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Runs per month from the schedules' frequencies × Mode's `expected_runtime` of one run
    /// (snapshots made before runs were read).
    Estimated,
    /// Warehouse time of the 30 days before the run: from the runs Mode lists where they were read
    /// (`--runs`), else the estimate.
    Runs30d,
}

impl Basis {
    /// How the page labels the figures.
    pub fn label(self) -> &'static str {
        match self {
            Basis::Estimated => "estimated: runs per month from the schedules × Mode's expected runtime of one run",
            Basis::Runs30d => {
                "the 30 days before the run: measured from the runs Mode lists where they were read (--runs), \
                 else runs a month from the schedules × Mode's expected runtime of one run"
            }
        }
    }
}

/// The basis of every figure [`runs`] and [`seconds`] give.
pub const BASIS: Basis = Basis::Runs30d;

/// Runs a month of a finding's report; `None` when unknown.
pub fn runs(f: &Finding) -> Option<f64> {
    f.runs_30d()
}

/// Warehouse seconds a month of a finding's report; `None` when unknown.
pub fn seconds(f: &Finding) -> Option<f64> {
    f.cost_seconds()
}

/// A snapshot's headline totals, kept as `summary.json` beside the page: the next snapshots' trend
/// and "change since" read this small file instead of the snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub started_at: String,
    pub complete: bool,
    /// Findings (one per report and reason).
    pub findings: u64,
    /// Reports with at least one finding.
    pub reports_with_findings: u64,
    /// Scheduled reports nobody viewed (never, or not in the findings window).
    pub unviewed_reports: u64,
    /// Their runs a month, summed over those whose runs are known.
    pub unviewed_runs_per_month: f64,
    /// Their warehouse hours a month, summed over those whose cost is known.
    pub unviewed_hours_per_month: f64,
    /// Unviewed reports whose cost is unknown (not in the sums).
    pub unviewed_cost_unknown: u64,
    pub basis: Basis,
}

impl Totals {
    pub fn new(snapshot: &Snapshot) -> Totals {
        Totals {
            started_at: snapshot.started_at.clone(),
            complete: snapshot.status == Status::Complete,
            findings: 0,
            reports_with_findings: 0,
            unviewed_reports: 0,
            unviewed_runs_per_month: 0.0,
            unviewed_hours_per_month: 0.0,
            unviewed_cost_unknown: 0,
            basis: BASIS,
        }
    }

    /// Counts one finding; `first_of_report` and `first_unviewed` say whether its report was met
    /// before (among all findings, and among the unviewed ones).
    pub fn add(&mut self, f: &Finding, first_of_report: bool, first_unviewed: bool) {
        self.findings += 1;
        self.reports_with_findings += u64::from(first_of_report);
        if first_unviewed {
            self.unviewed_reports += 1;
            self.unviewed_runs_per_month += runs(f).unwrap_or(0.0);
            match seconds(f) {
                Some(s) => self.unviewed_hours_per_month += s / 3600.0,
                None => self.unviewed_cost_unknown += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support;

    #[test]
    fn unviewed_reports_are_counted_once_and_unknown_cost_is_not_zero() {
        let snapshot = test_support::snapshot(Vec::new());
        let mut t = Totals::new(&snapshot);
        let mut f = test_support::finding("r1", Reason::ScheduledNeverViewed);
        f.runs_per_month = Some(30.0);
        f.runtime_per_month_seconds = Some(7200.0);
        t.add(&f, true, true);
        f.reason = Reason::ScheduleWithoutSubscribers;
        t.add(&f, false, false);
        let mut g = test_support::finding("r2", Reason::ScheduledNotViewedRecently);
        g.runs_per_month = Some(4.33);
        g.runtime_per_month_seconds = None;
        t.add(&g, true, true);
        assert_eq!((t.findings, t.reports_with_findings, t.unviewed_reports), (3, 2, 2));
        assert_eq!(t.unviewed_hours_per_month, 2.0);
        assert_eq!(t.unviewed_cost_unknown, 1);
        assert!((t.unviewed_runs_per_month - 34.33).abs() < 1e-9);
    }
}
