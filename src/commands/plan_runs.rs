//! The runs forecast: what `plan` predicts the next run's runs step and members listing will
//! request, from the last snapshot's runs tallies (which reports had one, how many pages each took)
//! and, with `--schedules-max-age`, which of them the run would keep.

use crate::insights::costs::RunsChoice;
use crate::insights::reuse::EarlierRuns;

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
    /// Pages for a report whose own are unknown.
    mean_pages: f64,
    pages: f64,
    read: u64,
    kept: u64,
}

impl<'a> Forecaster<'a> {
    /// `max_pages` stands in for the mean when no tally knows its pages.
    pub fn new(runs: &'a EarlierRuns, choice: RunsChoice, max_pages: u32) -> Forecaster<'a> {
        Forecaster {
            runs,
            choice,
            mean_pages: runs.mean_pages().unwrap_or(f64::from(max_pages)),
            pages: 0.0,
            read: 0,
            kept: 0,
        }
    }

    /// One scheduled report of the listing; `schedules_kept`: the run would keep its schedule records.
    /// With `--runs findings` the reports selected are taken to be those the last snapshot read
    /// the runs of (findings rarely change from one night to the next).
    pub fn add(&mut self, token: &str, schedules_kept: bool) {
        let selected = match self.choice {
            RunsChoice::Off => false,
            RunsChoice::All => true,
            RunsChoice::Findings => self.runs.has(token),
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
