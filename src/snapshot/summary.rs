//! Pure functions over collected records: per-report derived fields and the run summary.

use std::borrow::Borrow;
use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};

use serde::Serialize;

use super::time::parse_time;
use super::{CollectionRecord, FetchStatus, LedgerStatus, ReportRecord};

/// The distinct schedule frequencies of a report, in first-seen order, joined with `;`.
pub fn schedule_frequencies(report: &ReportRecord) -> String {
    let mut seen = BTreeSet::new();
    report
        .schedules
        .iter()
        .filter_map(|s| s.frequency.as_deref())
        .filter(|f| seen.insert(*f))
        .collect::<Vec<_>>()
        .join(";")
}

/// The earliest `next_scheduled_run` among a report's schedules, as Mode wrote it.
pub fn next_scheduled_run(report: &ReportRecord) -> Option<&str> {
    report
        .schedules
        .iter()
        .filter_map(|s| s.next_scheduled_run.as_deref())
        .filter_map(|t| parse_time(t).map(|at| (at, t)))
        .min_by_key(|(at, _)| *at)
        .map(|(_, t)| t)
}

/// Subscribers over all of a report's schedules; 0 for an unscheduled report, `None` when unknown.
pub fn subscriber_count(report: &ReportRecord) -> Option<u64> {
    match report.fetch_status {
        FetchStatus::NotScheduled => Some(0),
        FetchStatus::Fetched => report
            .schedules
            .iter()
            .filter_map(|s| s.subscriber_count)
            .reduce(|a, b| a + b)
            .or(Some(0).filter(|_| report.schedules.is_empty())),
        FetchStatus::SchedulesFailed | FetchStatus::SchedulesUnfinished => None,
    }
}

/// Scheduled, and nobody has ever opened it: the warehouse time nobody looks at.
pub fn scheduled_never_viewed(report: &ReportRecord) -> bool {
    report.scheduled == Some(true) && report.view_count == Some(0)
}

/// The counts printed at the end of a run and kept in snapshot.json's stats.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub collections: u64,
    pub inaccessible_collections: u64,
    pub reports: u64,
    pub scheduled: u64,
    pub scheduled_zero_views: u64,
    pub archived: u64,
    pub failures: u64,
}

impl Summary {
    pub fn of<R: Borrow<ReportRecord>>(
        collections: &[CollectionRecord],
        reports: impl IntoIterator<Item = R>,
        failures: usize,
    ) -> Summary {
        let mut counts = [0u64; 4];
        for r in reports {
            let r = r.borrow();
            let flags = [true, r.scheduled == Some(true), scheduled_never_viewed(r), r.archived];
            for (count, flag) in counts.iter_mut().zip(flags) {
                *count += u64::from(flag);
            }
        }
        let [reports, scheduled, scheduled_zero_views, archived] = counts;
        Summary {
            collections: collections.len() as u64,
            inaccessible_collections: collections
                .iter()
                .filter(|c| c.status == LedgerStatus::Inaccessible)
                .count() as u64,
            reports,
            scheduled,
            scheduled_zero_views,
            archived,
            failures: failures as u64,
        }
    }
}

/// How fresh a snapshot's schedule records are: how many were reused from an earlier snapshot
/// (their `fetched_at` is before the run's `started_at`) and the oldest `fetched_at`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Freshness {
    started_at: Option<DateTime<Utc>>,
    pub reports_reused: u64,
    pub schedules_reused: u64,
    /// The oldest `fetched_at`, as written and as a time.
    oldest: Option<(DateTime<Utc>, String)>,
}

impl Freshness {
    /// Counts for a run that started at `started_at`; feed it every report with [`Freshness::add`].
    pub fn new(started_at: &str) -> Freshness {
        Freshness {
            started_at: parse_time(started_at),
            ..Freshness::default()
        }
    }

    pub fn add(&mut self, report: &ReportRecord) {
        let mut reused = 0;
        for at in report.schedules.iter().filter_map(|s| s.fetched_at.as_deref()) {
            let Some(time) = parse_time(at) else { continue };
            if self.started_at.is_some_and(|start| time < start) {
                reused += 1;
            }
            if self.oldest.as_ref().is_none_or(|(oldest, _)| time < *oldest) {
                self.oldest = Some((time, at.to_string()));
            }
        }
        self.schedules_reused += reused;
        self.reports_reused += u64::from(reused > 0);
    }

    pub fn oldest_fetched_at(&self) -> Option<&str> {
        self.oldest.as_ref().map(|(_, text)| text.as_str())
    }

    /// How old the oldest schedule record was when the run started.
    pub fn oldest_age(&self) -> Option<Duration> {
        let (oldest, _) = self.oldest.as_ref()?;
        (self.started_at? - *oldest).to_std().ok()
    }
}

/// Whether a report's schedule records were reused from an earlier snapshot: read before the run
/// that started at `started_at`. Records without `fetched_at` (older snapshots) count as fresh.
pub fn schedules_reused(report: &ReportRecord, started_at: Option<DateTime<Utc>>) -> bool {
    let Some(start) = started_at else { return false };
    report
        .schedules
        .iter()
        .filter_map(|s| s.fetched_at.as_deref().and_then(parse_time))
        .any(|at| at < start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::ScheduleRecord;
    use crate::test_support;

    fn schedule(freq: &str, next: Option<&str>, subs: Option<u64>) -> ScheduleRecord {
        let mut s = test_support::schedule(&format!("s-{freq}-{next:?}"), freq, 0);
        s.next_scheduled_run = next.map(str::to_string);
        s.subscriber_count = subs;
        s
    }

    fn report(status: FetchStatus, schedules: Vec<ScheduleRecord>, views: Option<u64>) -> ReportRecord {
        let mut r = test_support::report("r", views, schedules);
        r.fetch_status = status;
        r
    }

    #[test]
    fn derived_schedule_fields() {
        let r = report(
            FetchStatus::Fetched,
            vec![
                schedule("daily", Some("2026-11-29T08:00:00.000+00:00"), Some(2)),
                schedule("hourly", Some("2026-11-28T05:00:00.000Z"), None),
                schedule("daily", Some("2026-11-28T09:00:00.000+05:00"), Some(3)),
            ],
            Some(0),
        );
        assert_eq!(schedule_frequencies(&r), "daily;hourly");
        // 09:00+05:00 is 04:00Z, earlier than 05:00Z.
        assert_eq!(next_scheduled_run(&r), Some("2026-11-28T09:00:00.000+05:00"));
        assert_eq!(subscriber_count(&r), Some(5));
        assert!(scheduled_never_viewed(&r));
    }

    #[test]
    fn freshness_counts_reused_records_and_the_oldest() {
        let read_at = |token: &str, at: Option<&str>, n: usize| {
            let schedules = (0..n)
                .map(|i| {
                    let mut s = schedule(&format!("{token}{i}"), Some("2026-11-29T08:00:00.000Z"), Some(1));
                    s.fetched_at = at.map(str::to_string);
                    s
                })
                .collect();
            report(FetchStatus::Fetched, schedules, Some(1))
        };
        let mut f = Freshness::new("2026-11-28T03:00:00.000Z");
        for r in [
            read_at("fresh", Some("2026-11-28T03:00:00.000Z"), 1),
            read_at("two", Some("2026-11-26T03:00:00.000Z"), 2),
            read_at("week", Some("2026-11-21T05:00:00.000Z"), 1),
            read_at("unknown", None, 1),
            read_at("none", Some("2026-11-01T00:00:00.000Z"), 0),
        ] {
            f.add(&r);
        }
        assert_eq!((f.reports_reused, f.schedules_reused), (2, 3));
        assert_eq!(f.oldest_fetched_at(), Some("2026-11-21T05:00:00.000Z"));
        assert_eq!(f.oldest_age(), Some(Duration::from_secs(6 * 86_400 + 22 * 3600)));
        let started = parse_time("2026-11-28T03:00:00.000Z");
        assert!(schedules_reused(
            &read_at("two", Some("2026-11-26T03:00:00.000Z"), 1),
            started
        ));
        assert!(!schedules_reused(
            &read_at("fresh", Some("2026-11-28T03:00:00.000Z"), 1),
            started
        ));
        assert!(!schedules_reused(&read_at("unknown", None, 1), started));
    }

    #[test]
    fn unknown_subscribers_stay_unknown() {
        assert_eq!(
            subscriber_count(&report(FetchStatus::SchedulesFailed, vec![], None)),
            None
        );
        assert_eq!(
            subscriber_count(&report(FetchStatus::NotScheduled, vec![], Some(1))),
            Some(0)
        );
        let r = report(FetchStatus::Fetched, vec![schedule("daily", None, None)], Some(1));
        assert_eq!(subscriber_count(&r), None);
        assert!(!scheduled_never_viewed(&r));
    }
}
