//! The findings guess: which scheduled reports the next run's `--runs findings` would select (those
//! with a finding), predicted by `plan` from its listing and the last snapshot's records.
//!
//! A listed report is given the schedule records the last snapshot holds for it (the very records
//! a run reuses; for one whose schedules the run fetches again, the best guess there is) and the
//! Discovery fields it had, then the per-report rules of the findings are applied at the run's
//! start. The findings those rules cannot see from here (no views gained in the window, read from
//! the views history; a creator who left, read from the members listing) are taken to hold as they
//! did: a report whose runs were read last time though none of those rules applied keeps its place.

use chrono::{DateTime, Utc};

use crate::insights::findings::FindingsOptions;
use crate::insights::findings::reasons::reasons;
use crate::insights::keep::KeepList;
use crate::insights::reuse::EarlierSchedules;
use crate::snapshot::time::parse_time;
use crate::snapshot::{FetchStatus, ReportRecord};

/// Predicts the reports with a finding from the last snapshot's records.
pub struct FindingsGuess<'a> {
    earlier: &'a EarlierSchedules,
    options: FindingsOptions,
    keep: &'a KeepList,
    /// The next run's start.
    now: Option<DateTime<Utc>>,
    /// The last snapshot's start.
    then: Option<DateTime<Utc>>,
}

impl<'a> FindingsGuess<'a> {
    pub fn new(earlier: &'a EarlierSchedules, options: FindingsOptions, keep: &'a KeepList, now: &str) -> Self {
        FindingsGuess {
            earlier,
            options,
            keep,
            now: parse_time(now),
            then: parse_time(&earlier.source_started_at),
        }
    }

    /// Whether scheduled report `listed` would have a finding; `read_last_time`: the last snapshot
    /// holds a runs tally for it (it had a finding then).
    pub fn selects(&self, listed: &ReportRecord, read_last_time: bool) -> bool {
        if self.keep.contains(&listed.token) {
            return false;
        }
        let earlier = self.earlier.earlier_record(&listed.token);
        if self.applies(&predicted(listed, earlier.as_ref()), self.now) {
            return true;
        }
        read_last_time && earlier.is_some_and(|e| !self.applies(&e, self.then))
    }

    /// Whether a per-report rule of the findings applies to `report` in a run started at `at`.
    fn applies(&self, report: &ReportRecord, at: Option<DateTime<Utc>>) -> bool {
        !reasons(report, None, &self.options, at).is_empty()
    }
}

/// `listed` as the next run would see it: with the earlier schedule records, and the earlier
/// Discovery fields where the listing has none (`plan` walks the REST listings).
fn predicted(listed: &ReportRecord, earlier: Option<&ReportRecord>) -> ReportRecord {
    let mut report = listed.clone();
    report.scheduled = Some(true);
    if let Some(earlier) = earlier {
        report.schedules = earlier.schedules.clone();
        report.fetch_status = FetchStatus::Fetched;
        if report.discovered.last_viewed_at.is_none() {
            report.discovered = earlier.discovered.clone();
        }
    }
    report
}
