//! Runs reuse: the runs tallies of the earlier snapshot, and the rule that says which of them a
//! run may keep instead of reading the report's runs again.
//!
//! A report keeps its earlier tally (`runs_30d`, `failed_runs_30d`, `run_seconds_30d`, the basis
//! and `runs_read_at`) when all of these hold; anything else is read again:
//!
//! 1. its schedule records were kept (same `schedules_count` and `updated_at`, young enough, not
//!    in the rolling share): every record's `fetched_at` is at or before the earlier snapshot's
//!    start;
//! 2. the earlier snapshot holds a measured or sampled tally for it (a report that newly has a
//!    finding has none);
//! 3. the tally is younger than D and will be no older than D at the next run: age + I ≤ D.
//!
//! A tally rides with its report's schedule records: whenever they are fetched (changed, too old,
//! or in the rolling share) the runs are read too, so a tally is never older than its records,
//! and the schedules' rolling refresh spreads the runs re-reads evenly as well. Rule 3 holds on
//! its own all the same.

use std::collections::HashMap;
use std::time::Duration;

use crate::snapshot::ReportRecord;
use crate::snapshot::run_figures::{RunBasis, RunFigures};
use crate::snapshot::time::parse_time;

/// One report's runs tally in the earlier snapshot.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct KeptTally {
    runs_30d: Option<u64>,
    failed_runs_30d: Option<u64>,
    run_seconds_30d: Option<f64>,
    basis: RunBasis,
    /// `None` in snapshots made before `runs_read_at`: read at that snapshot's start.
    read_at: Option<Box<str>>,
    /// Pages read; `None` in snapshots made before `runs_pages`.
    pages: Option<u32>,
}

impl KeptTally {
    /// The tally of `report` worth keeping: measured or sampled, without an error.
    pub(super) fn of(report: &ReportRecord) -> Option<KeptTally> {
        let f = &report.runs;
        let basis = f
            .basis
            .filter(|b| matches!(b, RunBasis::Measured | RunBasis::Sampled))?;
        if f.error.is_some() {
            return None;
        }
        Some(KeptTally {
            runs_30d: f.runs_30d,
            failed_runs_30d: f.failed_runs_30d,
            run_seconds_30d: f.run_seconds_30d,
            basis,
            read_at: f.read_at.as_deref().map(Box::from),
            pages: f.pages,
        })
    }
}

/// Why a selected report's runs were kept or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunsVerdict {
    /// The earlier snapshot has no tally for it (new, or newly with a finding).
    New,
    /// Its schedule records were fetched by this run, so its runs are read too.
    Fetched,
    /// Too old to keep: age + I would pass D before the next run.
    Aged,
    /// Kept from the earlier snapshot.
    Reused,
}

/// How many selected reports got each [`RunsVerdict`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunsVerdicts {
    pub new: u64,
    pub fetched: u64,
    pub aged: u64,
    pub reused: u64,
}

/// The runs tallies of the earlier snapshot, and the rule to reuse them.
#[derive(Debug)]
pub struct EarlierRuns {
    source_started_at: String,
    source_ms: i64,
    now_ms: i64,
    max_age: Duration,
    interval: Duration,
    tallies: HashMap<Box<str>, KeptTally>,
}

impl EarlierRuns {
    pub(super) fn new(
        source_started_at: &str,
        now_ms: i64,
        max_age: Duration,
        interval: Duration,
        tallies: HashMap<Box<str>, KeptTally>,
    ) -> EarlierRuns {
        let source_ms = parse_time(source_started_at).map_or(now_ms, |t| t.timestamp_millis());
        EarlierRuns {
            source_started_at: source_started_at.to_string(),
            source_ms,
            now_ms,
            max_age,
            interval,
            tallies,
        }
    }

    /// Leaves out the sampled tallies read with fewer pages than `max_pages`: a run that reads more
    /// pages than the one that cut them reads them again (a measured tally read its listing to the
    /// end and stays; one whose pages are unknown stays).
    pub(super) fn drop_shallower_than(&mut self, max_pages: u32) {
        self.tallies
            .retain(|_, t| !(t.basis == RunBasis::Sampled && t.pages.is_some_and(|p| p < max_pages)));
    }

    /// Tallies the earlier snapshot holds.
    pub fn len(&self) -> usize {
        self.tallies.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tallies.is_empty()
    }

    /// Whether the earlier snapshot holds a tally for `token`.
    pub fn has(&self, token: &str) -> bool {
        self.tallies.contains_key(token)
    }

    /// Whether `token`'s tally would be kept, its schedule records kept or not (for `plan`).
    pub fn would_keep(&self, token: &str, schedules_kept: bool) -> bool {
        let Some(tally) = self.tallies.get(token) else {
            return false;
        };
        schedules_kept && self.young_enough(tally)
    }

    /// Pages `token`'s runs took when last read; `None` when unknown.
    pub fn pages(&self, token: &str) -> Option<u32> {
        self.tallies.get(token)?.pages
    }

    /// The mean pages of the tallies that know theirs; `None` when none does.
    pub fn mean_pages(&self) -> Option<f64> {
        let known: Vec<u32> = self.tallies.values().filter_map(|t| t.pages).collect();
        (!known.is_empty()).then(|| f64::from(known.iter().sum::<u32>()) / known.len() as f64)
    }

    /// The verdict on `report`, as this run's walk left it (its schedules kept or fetched).
    pub fn verdict(&self, report: &ReportRecord) -> RunsVerdict {
        let Some(tally) = self.tallies.get(report.token.as_str()) else {
            return RunsVerdict::New;
        };
        if !self.schedules_kept(report) {
            return RunsVerdict::Fetched;
        }
        match self.young_enough(tally) {
            true => RunsVerdict::Reused,
            false => RunsVerdict::Aged,
        }
    }

    /// age + I ≤ D, and age < D.
    fn young_enough(&self, tally: &KeptTally) -> bool {
        let age = u64::try_from(self.now_ms - self.read_ms(tally)).unwrap_or(0);
        super::young_enough(age, self.interval, self.max_age)
    }

    /// The figures to keep for `report`, or `None` to read its runs; the verdict is counted in `tally`.
    pub fn keep(&self, report: &ReportRecord, tally: &mut RunsVerdicts) -> Option<RunFigures> {
        let verdict = self.verdict(report);
        match verdict {
            RunsVerdict::New => tally.new += 1,
            RunsVerdict::Fetched => tally.fetched += 1,
            RunsVerdict::Aged => tally.aged += 1,
            RunsVerdict::Reused => tally.reused += 1,
        }
        (verdict == RunsVerdict::Reused).then(|| self.figures(&report.token))?
    }

    fn figures(&self, token: &str) -> Option<RunFigures> {
        let t = self.tallies.get(token)?;
        Some(RunFigures {
            runs_30d: t.runs_30d,
            failed_runs_30d: t.failed_runs_30d,
            run_seconds_30d: t.run_seconds_30d,
            basis: Some(t.basis),
            error: None,
            read_at: Some(t.read_at.as_deref().unwrap_or(&self.source_started_at).to_string()),
            pages: t.pages,
        })
    }

    /// Every schedule record was read by the earlier snapshot's run or before.
    fn schedules_kept(&self, report: &ReportRecord) -> bool {
        !report.schedules.is_empty()
            && report.schedules.iter().all(|s| {
                s.fetched_at
                    .as_deref()
                    .and_then(parse_time)
                    .is_some_and(|t| t.timestamp_millis() <= self.source_ms)
            })
    }

    fn read_ms(&self, tally: &KeptTally) -> i64 {
        let read = tally.read_at.as_deref().and_then(parse_time);
        read.map_or(self.source_ms, |t| t.timestamp_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support;

    const DAY: Duration = Duration::from_secs(86_400);
    const EARLIER: &str = "2026-11-09T03:00:00.000Z";

    /// A report whose schedule was read at `fetched_at`, with a measured tally read at `read_at`.
    fn report(token: &str, fetched_at: &str, read_at: Option<&str>) -> ReportRecord {
        let mut s = test_support::schedule("s", "daily", 0);
        s.fetched_at = Some(fetched_at.to_string());
        let mut r = test_support::report(token, Some(0), vec![s]);
        r.runs = RunFigures {
            runs_30d: Some(30),
            failed_runs_30d: Some(1),
            run_seconds_30d: Some(90.0),
            basis: Some(RunBasis::Measured),
            error: None,
            read_at: read_at.map(str::to_string),
            pages: Some(1),
        };
        r
    }

    /// The earlier snapshot (started at EARLIER, a day before this run) holding `reports`' tallies.
    fn earlier(reports: &[ReportRecord]) -> EarlierRuns {
        let now = parse_time("2026-11-10T03:00:00.000Z").unwrap().timestamp_millis();
        let tallies = reports
            .iter()
            .filter_map(|r| Some((Box::from(r.token.as_str()), KeptTally::of(r)?)))
            .collect();
        EarlierRuns::new(EARLIER, now, 7 * DAY, DAY, tallies)
    }

    #[test]
    fn a_tally_is_kept_with_its_schedules_and_says_when_it_was_read() {
        let kept = report("r", "2026-11-05T03:00:00.000Z", Some("2026-11-05T03:00:00.000Z"));
        let index = earlier(std::slice::from_ref(&kept));
        let mut tally = RunsVerdicts::default();
        let figures = index.keep(&kept, &mut tally).expect("kept");
        assert_eq!(figures, kept.runs);
        assert_eq!(tally.reused, 1);
    }

    #[test]
    fn a_report_that_newly_has_a_finding_has_no_tally_and_is_read() {
        let index = earlier(&[]);
        let newly = report("r", "2026-11-05T03:00:00.000Z", None);
        assert_eq!(index.verdict(&newly), RunsVerdict::New);
    }

    #[test]
    fn a_schedule_fetched_again_forces_a_read_of_the_runs() {
        let was = report("r", "2026-11-05T03:00:00.000Z", Some("2026-11-05T03:00:00.000Z"));
        let index = earlier(&[was]);
        let refetched = report("r", "2026-11-10T03:00:00.000Z", None);
        assert_eq!(index.verdict(&refetched), RunsVerdict::Fetched);
    }

    #[test]
    fn a_tally_that_would_pass_the_max_age_is_read_and_an_undated_one_counts_from_its_snapshot() {
        let old = report("r", "2026-11-03T03:00:00.000Z", Some("2026-11-03T03:00:00.000Z"));
        assert_eq!(earlier(std::slice::from_ref(&old)).verdict(&old), RunsVerdict::Aged);
        let undated = report("u", "2026-11-03T03:00:00.000Z", None);
        let index = earlier(std::slice::from_ref(&undated));
        let figures = index.keep(&undated, &mut RunsVerdicts::default()).expect("a day old");
        assert_eq!(figures.read_at.as_deref(), Some(EARLIER));
    }

    #[test]
    fn a_tally_cut_at_fewer_pages_than_this_run_reads_is_read_again() {
        let at = "2026-11-05T03:00:00.000Z";
        let cut = |token: &str, basis: RunBasis, pages: u32| {
            let mut r = report(token, at, Some(at));
            r.runs.basis = Some(basis);
            r.runs.pages = Some(pages);
            r
        };
        let (sampled, deep, measured) = (
            cut("s", RunBasis::Sampled, 1),
            cut("d", RunBasis::Sampled, 10),
            cut("m", RunBasis::Measured, 1),
        );
        let mut index = earlier(&[sampled.clone(), deep.clone(), measured.clone()]);
        index.drop_shallower_than(10);
        assert_eq!(
            index.verdict(&sampled),
            RunsVerdict::New,
            "one page sampled, ten asked: read again"
        );
        assert_eq!(
            index.verdict(&deep),
            RunsVerdict::Reused,
            "cut at ten pages, ten asked: kept"
        );
        assert_eq!(index.verdict(&measured), RunsVerdict::Reused, "read to its end: kept");
    }
}
