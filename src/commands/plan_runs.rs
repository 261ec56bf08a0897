//! The runs forecast: what `plan` predicts the next run's runs step and members listing will
//! request, from the last snapshot's runs tallies (which reports had one, how many pages each took),
//! which reports would have a finding ([`FindingsGuess`]) and, with `--schedules-max-age`, which
//! tallies the run would keep.

use std::sync::Arc;

use super::plan_findings::FindingsGuess;
use crate::config::Settings;
use crate::insights::costs::RunsChoice;
use crate::insights::reuse::{EarlierRuns, EarlierSchedules};
use crate::snapshot::store::ReportStore;
use crate::snapshot::{FetchStatus, ReportRecord};

/// The requests of the steps after the walk that the next run is predicted to make.
#[derive(Debug, Clone, PartialEq)]
pub struct RunsForecast {
    /// Reports whose runs it would read.
    pub read: u64,
    /// Reports whose earlier tally it would keep.
    pub kept: u64,
    /// Runs requests: each read report's pages when it was last read (the mean for the others).
    pub runs_requests: u64,
    /// The members listing's requests.
    pub members_requests: u64,
}

impl RunsForecast {
    pub fn requests(&self) -> u64 {
        self.runs_requests + self.members_requests
    }
}

/// Builds the forecast report by report over plan's listing.
pub struct Forecaster<'a> {
    runs: &'a EarlierRuns,
    choice: RunsChoice,
    /// Which reports `--runs findings` selects; without it, those read last time.
    guess: Option<FindingsGuess<'a>>,
    /// Pages for a report whose own are unknown.
    mean_pages: f64,
    pages: f64,
    read: u64,
    kept: u64,
}

impl<'a> Forecaster<'a> {
    /// `max_pages` stands in for the mean when no tally knows its pages.
    pub fn new(
        runs: &'a EarlierRuns,
        choice: RunsChoice,
        max_pages: u32,
        guess: Option<FindingsGuess<'a>>,
    ) -> Forecaster<'a> {
        Forecaster {
            runs,
            choice,
            guess,
            mean_pages: runs.mean_pages().unwrap_or(f64::from(max_pages)),
            pages: 0.0,
            read: 0,
            kept: 0,
        }
    }

    /// One scheduled report of the listing; `schedules_kept`: the run would keep its schedule records.
    /// With `--runs findings` the reports selected are those the [`FindingsGuess`] gives a finding
    /// (without one, those the last snapshot read the runs of).
    pub fn add(&mut self, listed: &ReportRecord, schedules_kept: bool) {
        let token = listed.token.as_str();
        let selected = match (self.choice, &self.guess) {
            (RunsChoice::Off, _) => false,
            (RunsChoice::All, _) => true,
            (RunsChoice::Findings, Some(guess)) => guess.selects(listed, self.runs.has(token)),
            (RunsChoice::Findings, None) => self.runs.has(token),
        };
        if !selected {
            return;
        }
        if self.runs.would_keep(token, schedules_kept) {
            self.kept += 1;
            return;
        }
        self.read += 1;
        self.pages += self.runs.pages(token).map_or(self.mean_pages, f64::from);
    }

    /// The forecast, with `members_requests` for the members listing.
    pub fn finish(self, members_requests: u64) -> RunsForecast {
        RunsForecast {
            read: self.read,
            kept: self.kept,
            runs_requests: self.pages.round() as u64,
            members_requests,
        }
    }
}

/// What plan counts over its listing.
pub struct Counted {
    pub scheduled: u64,
    pub schedule_requests: u64,
    pub forecast: Option<RunsForecast>,
}

/// Counts the scheduled reports and the schedule requests of a full run, and predicts the runs
/// step from the last snapshot (`earlier`), the schedule records kept by `reuse` (when on).
pub fn count(
    settings: &Settings,
    reports: &ReportStore,
    reuse: Option<&Option<Arc<EarlierSchedules>>>,
    earlier: Option<&EarlierSchedules>,
    now: &str,
) -> Counted {
    let insights = &settings.insights;
    let earlier_runs = earlier.and_then(|index| index.take_runs(insights.runs_max_pages));
    let mut forecast = earlier_runs.as_ref().zip(earlier).map(|(runs, index)| {
        let guess = FindingsGuess::new(index, insights.findings, &insights.keep, now);
        Forecaster::new(runs, insights.runs, insights.runs_max_pages, Some(guess))
    });
    let (mut schedule_requests, mut scheduled) = (0, 0);
    for r in reports.iter() {
        scheduled += u64::from(r.fetch_status != FetchStatus::NotScheduled);
        if settings.crawl.verify_schedules || r.fetch_status != FetchStatus::NotScheduled {
            schedule_requests += 1;
            let kept = matches!(reuse, Some(Some(index)) if index.would_reuse(&r));
            if let Some(forecast) = forecast.as_mut() {
                forecast.add(&r, kept);
            }
        }
    }
    let members = u64::from(insights.departed_owners);
    Counted {
        scheduled,
        schedule_requests,
        forecast: forecast.map(|f| f.finish(members)),
    }
}
