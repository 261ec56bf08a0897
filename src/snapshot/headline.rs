//! The headline of a run, computed once from its findings and read by the end-of-run summary, the
//! metrics file, the workbook's Summary sheet and the owner digests: the scheduled reports nobody
//! viewed in the window, what their runs of 30 days cost, and apart from them the failing ones.
//!
//! findings.csv has one row per (report, reason); here every report counts once in each group.
//! The groups do not overlap: a failing report nobody views counts as unviewed only.

use std::borrow::Borrow;
use std::collections::HashSet;

use serde::Serialize;

use super::run_figures::RunFigures;
use super::{Finding, Reason};

/// A set of reports and what their runs of 30 days add up to. Sums cover the reports whose figure
/// is known; `None` when none is.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CostGroup {
    pub reports: u64,
    pub runs_30d: Option<u64>,
    pub failed_runs_30d: Option<u64>,
    pub run_seconds_30d: Option<f64>,
    /// Reports whose run seconds are unknown (left out of the sum).
    pub seconds_unknown: u64,
}

impl CostGroup {
    fn add(&mut self, f: &RunFigures) {
        self.reports += 1;
        if let Some(n) = f.runs_30d {
            self.runs_30d = Some(self.runs_30d.unwrap_or(0) + n);
        }
        if let Some(n) = f.failed_runs_30d {
            self.failed_runs_30d = Some(self.failed_runs_30d.unwrap_or(0) + n);
        }
        match f.run_seconds_30d {
            Some(s) => self.run_seconds_30d = Some(self.run_seconds_30d.unwrap_or(0.0) + s),
            None => self.seconds_unknown += 1,
        }
    }

    /// Warehouse hours, rounded to whole hours (one decimal below ten).
    pub fn hours(&self) -> Option<String> {
        self.run_seconds_30d.map(hours)
    }
}

/// Seconds as hours for people: `312 h`, `4.2 h`.
pub fn hours(seconds: f64) -> String {
    let h = seconds / 3600.0;
    if h < 10.0 {
        format!("{h:.1} h")
    } else {
        format!("{} h", h.round() as u64)
    }
}

/// The headline numbers of one run (or one owner's share of it).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Headline {
    /// Scheduled reports with no views in the window (never viewed, or none gained).
    pub unviewed: CostGroup,
    /// Scheduled reports whose schedule fails, that people do view.
    pub failing: CostGroup,
    /// Scheduled reports whose creator is no longer an active member.
    pub departed: CostGroup,
}

/// Builds a [`Headline`] one finding at a time (for the run, or for each owner).
#[derive(Debug, Default)]
pub struct HeadlineTally {
    unviewed: HashSet<String>,
    failing: Vec<(String, RunFigures)>,
    departed: HashSet<String>,
    headline: Headline,
}

impl HeadlineTally {
    pub fn add(&mut self, f: &Finding) {
        let h = &mut self.headline;
        match f.reason {
            Reason::ScheduledNeverViewed | Reason::ScheduledNotViewedRecently
                if self.unviewed.insert(f.report_token.clone()) =>
            {
                h.unviewed.add(&f.runs)
            }
            Reason::ScheduleFailing => self.failing.push((f.report_token.clone(), f.runs.clone())),
            Reason::OwnerDeparted if self.departed.insert(f.report_token.clone()) => h.departed.add(&f.runs),
            _ => {}
        }
    }

    pub fn finish(mut self) -> Headline {
        let mut seen = HashSet::new();
        for (token, runs) in self.failing {
            if !self.unviewed.contains(&token) && seen.insert(token) {
                self.headline.failing.add(&runs);
            }
        }
        self.headline
    }
}

impl Headline {
    pub fn of<F: Borrow<Finding>>(findings: impl IntoIterator<Item = F>) -> Headline {
        let mut tally = HeadlineTally::default();
        for f in findings {
            tally.add(f.borrow());
        }
        tally.finish()
    }

    /// The headline in sentences, for people.
    pub fn lines(&self) -> Vec<String> {
        let u = &self.unviewed;
        let failed = match u.failed_runs_30d {
            Some(n) => format!("{} of those runs failed", grouped(n)),
            None => "how many of those runs failed is unknown".to_string(),
        };
        let mut lines = vec![format!(
            "{} scheduled reports nobody viewed in the window ran {} in 30 days and used {} of warehouse time; {failed}",
            grouped(u.reports),
            times(u.runs_30d),
            u.hours().unwrap_or_else(|| "an unknown amount".into()),
        )];
        if self.failing.reports > 0 {
            let f = &self.failing;
            let runs = match (f.failed_runs_30d, f.runs_30d) {
                (Some(failed), Some(all)) => format!("{} failed runs of {} in 30 days", grouped(failed), grouped(all)),
                _ => "their runs of 30 days are unknown".to_string(),
            };
            lines.push(format!(
                "apart from them, {} viewed reports have failing schedules: {runs}",
                grouped(f.reports)
            ));
        }
        if self.departed.reports > 0 {
            lines.push(format!(
                "{} scheduled reports belong to people who have left the workspace",
                self.departed.reports
            ));
        }
        lines
    }
}

/// `ran 4,212 times`, or `an unknown number of times`.
fn times(n: Option<u64>) -> String {
    n.map_or_else(
        || "an unknown number of times".to_string(),
        |n| format!("{} times", grouped(n)),
    )
}

/// `4212` as `4,212`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::run_figures::RunBasis;

    fn finding(token: &str, reason: Reason, runs: Option<u64>, seconds: Option<f64>) -> Finding {
        let mut f: Finding = serde_json::from_value(serde_json::json!({
            "reason": reason, "report_token": token, "report_name": null, "owner": null,
            "collection_token": "c", "collection_name": null, "schedule_frequencies": "daily",
            "runs_per_month": null, "expected_runtime_seconds": null, "runtime_per_month_seconds": null,
            "view_count": 0, "views_in_window": null, "views_per_run": null, "views_per_run_basis": null,
            "detail": "", "url": null
        }))
        .unwrap();
        f.runs = RunFigures {
            runs_30d: runs,
            failed_runs_30d: runs.map(|_| 1),
            run_seconds_30d: seconds,
            basis: Some(RunBasis::Measured),
            ..RunFigures::default()
        };
        f
    }

    #[test]
    fn each_report_counts_once_and_failing_is_kept_apart() {
        let all = [
            finding("a", Reason::ScheduledNeverViewed, Some(30), Some(7200.0)),
            finding("a", Reason::ScheduleWithoutSubscribers, Some(30), Some(7200.0)),
            finding("a", Reason::ScheduleFailing, Some(30), Some(7200.0)),
            finding("b", Reason::ScheduledNotViewedRecently, None, None),
            finding("c", Reason::ScheduleFailing, Some(10), Some(60.0)),
            finding("c", Reason::OwnerDeparted, Some(10), Some(60.0)),
        ];
        let h = Headline::of(&all);
        assert_eq!(h.unviewed.reports, 2);
        assert_eq!((h.unviewed.runs_30d, h.unviewed.failed_runs_30d), (Some(30), Some(1)));
        assert_eq!(
            (h.unviewed.run_seconds_30d, h.unviewed.seconds_unknown),
            (Some(7200.0), 1)
        );
        assert_eq!(
            (h.failing.reports, h.failing.runs_30d),
            (1, Some(10)),
            "a is unviewed, not failing"
        );
        assert_eq!(h.departed.reports, 1);
        assert_eq!(h.unviewed.hours().as_deref(), Some("2.0 h"));
        assert_eq!(hours(1_123_200.0), "312 h");
        assert!(h.lines()[0].starts_with("2 scheduled reports nobody viewed"));
        assert_eq!(grouped(4212), "4,212");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(999), "999");
    }

    #[test]
    fn unknown_counts_read_as_sentences_not_as_zero() {
        let all = [
            finding("a", Reason::ScheduledNeverViewed, None, None),
            finding("c", Reason::ScheduleFailing, None, None),
        ];
        let lines = Headline::of(&all).lines();
        assert_eq!(
            lines[0],
            "1 scheduled reports nobody viewed in the window ran an unknown number of times in 30 days and used \
             an unknown amount of warehouse time; how many of those runs failed is unknown"
        );
        assert_eq!(
            lines[1],
            "apart from them, 1 viewed reports have failing schedules: their runs of 30 days are unknown"
        );
        assert_eq!(
            Headline::of(Vec::<Finding>::new()).unviewed.runs_30d,
            None,
            "unknown, not 0"
        );
    }
}
