//! Bounds on every number Mode sends: a value outside its bound is recorded as unknown (empty in
//! the CSV files, `null` in JSON, never 0) and counted in the snapshot's `out_of_range_values`.
//!
//! | field | kept when |
//! |---|---|
//! | `view_count` | a whole number, 0 ≤ n < 10^12 |
//! | `schedules_count` | a whole number, 0 ≤ n ≤ 100,000 |
//! | `subscriber_count` | a whole number, 0 ≤ n ≤ 1,000,000 |
//! | `expected_runtime` | a finite number of seconds, 0 ≤ s ≤ 86,400 (Mode stops a scheduled run after 86,100 s) |
//! | report and schedule times | when they read as RFC 3339: from 2000-01-01 to before 2100-01-01 |
//!
//! A time that does not read as RFC 3339 is kept as Mode wrote it (it is text, not a number).
//! `hour` and `minute` are text in Mode's answers (`8:00 pm`), so they have no bound.

use chrono::DateTime;

use super::models::{Counter, Report, Schedule, Seconds, Text};

/// One report's `schedules_count` above this is corrupt (a report has a handful of schedules).
pub const MAX_SCHEDULES_COUNT: u64 = 100_000;

/// One schedule's `subscriber_count` above this is corrupt (more than any workspace's members).
pub const MAX_SUBSCRIBER_COUNT: u64 = 1_000_000;

/// `expected_runtime` above a day is corrupt: Mode gives a scheduled run 86,100 s at most.
pub const MAX_EXPECTED_RUNTIME_SECONDS: f64 = 86_400.0;

/// The earliest time kept (Mode did not exist before; `0001-01-01` and `1970-01-01` are placeholders).
pub const EARLIEST_TIME: i64 = 946_684_800; // 2000-01-01T00:00:00Z

/// Times from this one on are corrupt.
pub const LATEST_TIME: i64 = 4_102_444_800; // 2100-01-01T00:00:00Z

/// Applies the bounds to a report; returns how many of its values were out of bounds.
pub fn report(r: &mut Report) -> u32 {
    let counts = counter(&mut r.view_count, Counter::ABSURD - 1) + counter(&mut r.schedules_count, MAX_SCHEDULES_COUNT);
    let runtime = seconds(&mut r.expected_runtime, MAX_EXPECTED_RUNTIME_SECONDS);
    let times = [
        &mut r.created_at,
        &mut r.updated_at,
        &mut r.last_run_at,
        &mut r.last_successfully_run_at,
    ]
    .into_iter()
    .map(time)
    .sum::<u32>();
    counts + runtime + times
}

/// Applies the bounds to a schedule; returns how many of its values were out of bounds.
pub fn schedule(s: &mut Schedule) -> u32 {
    let times = [
        &mut s.next_scheduled_run,
        &mut s.last_scheduled_run,
        &mut s.last_run_at,
        &mut s.last_succeeded_at,
    ]
    .into_iter()
    .map(time)
    .sum::<u32>();
    counter(&mut s.subscriber_count, MAX_SUBSCRIBER_COUNT) + times
}

/// A counter above `max` becomes [`Counter::Invalid`]; any invalid counter counts.
fn counter(c: &mut Counter, max: u64) -> u32 {
    if matches!(*c, Counter::Value(v) if v > max) {
        *c = Counter::Invalid;
    }
    u32::from(*c == Counter::Invalid)
}

/// A duration outside `0..=max` (or not finite) becomes [`Seconds::Invalid`]; any invalid one counts.
fn seconds(s: &mut Seconds, max: f64) -> u32 {
    if matches!(*s, Seconds::Value(v) if !(v.is_finite() && (0.0..=max).contains(&v))) {
        *s = Seconds::Invalid;
    }
    u32::from(*s == Seconds::Invalid)
}

/// An RFC 3339 time outside [`EARLIEST_TIME`, `LATEST_TIME`) (Unix seconds) becomes absent and counts.
fn time(t: &mut Text) -> u32 {
    let Some(at) = t.0.as_deref().and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok()) else {
        return 0;
    };
    if (EARLIEST_TIME..LATEST_TIME).contains(&at.timestamp()) {
        0
    } else {
        t.0 = None;
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_bounds_are_the_first_seconds_of_2000_and_2100() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().timestamp();
        assert_eq!(EARLIEST_TIME, at("2000-01-01T00:00:00Z"));
        assert_eq!(LATEST_TIME, at("2100-01-01T00:00:00Z"));
    }

    fn report_of(json: serde_json::Value) -> Report {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn values_outside_their_bounds_become_unknown_and_are_counted() {
        let mut r = report_of(serde_json::json!({
            "token": "r", "view_count": 999_999_999_999u64, "schedules_count": 100_001,
            "expected_runtime": 1e308, "created_at": "0001-01-01T00:00:00Z",
            "updated_at": "2026-03-01T10:00:00.000Z", "last_run_at": "2100-01-01T00:00:00Z",
            "last_successfully_run_at": "not a time",
        }));
        assert_eq!(report(&mut r), 4);
        assert_eq!(r.view_count, Counter::Value(999_999_999_999));
        assert_eq!(r.schedules_count, Counter::Invalid);
        assert_eq!(r.expected_runtime.value(), None, "1e308 seconds is unknown, never inf");
        assert_eq!(r.created_at.0, None);
        assert_eq!(r.updated_at.0.as_deref(), Some("2026-03-01T10:00:00.000Z"));
        assert_eq!(r.last_run_at.0, None);
        assert_eq!(
            r.last_successfully_run_at.0.as_deref(),
            Some("not a time"),
            "text stays text"
        );
    }

    #[test]
    fn values_inside_their_bounds_are_kept_and_not_counted() {
        let mut r = report_of(serde_json::json!({
            "token": "r", "view_count": 0, "schedules_count": "3", "expected_runtime": 86_400,
            "created_at": "2000-01-01T00:00:00Z", "last_run_at": "2099-12-31T23:59:59+00:00",
        }));
        assert_eq!(report(&mut r), 0);
        assert_eq!(r.expected_runtime.value(), Some(86_400.0));
        let mut s: Schedule = serde_json::from_value(serde_json::json!({
            "token": "s", "subscriber_count": 1_000_001, "next_scheduled_run": "1970-01-01T00:00:00Z",
        }))
        .unwrap();
        assert_eq!(schedule(&mut s), 2);
        assert_eq!((s.subscriber_count, s.next_scheduled_run.0), (Counter::Invalid, None));
    }

    #[test]
    fn unreadable_values_count_as_out_of_range() {
        let mut r = report_of(serde_json::json!({
            "token": "r", "view_count": -1, "schedules_count": "many", "expected_runtime": "NaN",
        }));
        assert_eq!(report(&mut r), 3);
        let mut r = report_of(serde_json::json!({"token": "r", "expected_runtime": null}));
        assert_eq!(report(&mut r), 0, "absent is not out of range");
    }
}
