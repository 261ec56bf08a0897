//! The clock check: this machine's clock against Mode's (the `Date` of its answers), which the age
//! rules of `apply` depend on.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::mode::ModeClient;

pub use crate::snapshot::clock::CLOCK_TOLERANCE;

/// This machine's clock minus Mode's (its last answer's `Date`), in seconds; a warning when they
/// are more than [`CLOCK_TOLERANCE`] apart (the snapshot's times, and apply's age rules, would be
/// off). `None` when Mode sent no `Date`. `start` is when the run started, by this clock and by the
/// monotonic one: see [`worse_offset`].
pub fn offset(client: &ModeClient, start: (DateTime<Utc>, Instant)) -> Option<i64> {
    let offset = worse_offset(Utc::now(), client.server_date()?, start.0, start.1.elapsed());
    if offset.unsigned_abs() > CLOCK_TOLERANCE.as_secs() {
        tracing::warn!(
            offset_seconds = offset,
            "this machine's clock is (or was, when the run started) more than 5 minutes off Mode's: the snapshot's times are off too: apply will neither plan from it nor count it as history; set the clock right (e.g. enable NTP)"
        );
    }
    Some(offset)
}

/// The worse of two readings of this clock against Mode's `server` time: `now`, and the clock at
/// the start carried forward by the monotonic clock (`started` + `elapsed`). They differ when the
/// clock was stepped during the run (NTP correcting a clock that booted wrong): the snapshot's
/// `started_at` is then as far off as the second reading says.
pub fn worse_offset(now: DateTime<Utc>, server: DateTime<Utc>, started: DateTime<Utc>, elapsed: Duration) -> i64 {
    let at_end = (now - server).num_seconds();
    let carried = started + chrono::Duration::from_std(elapsed).unwrap_or_default();
    let from_start = (carried - server).num_seconds();
    let worse = from_start.abs() > at_end.abs();
    if worse { from_start } else { at_end }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_stepped_during_the_run_is_recorded_as_off_as_it_started() {
        let server: DateTime<Utc> = "2026-12-06T05:00:20Z".parse().unwrap();
        let twenty = Duration::from_secs(20);
        // Started 15 days behind, set right by NTP mid-run: right at the end, not at the start.
        let started = "2026-11-21T05:00:00Z".parse().unwrap();
        assert_eq!(worse_offset(server, server, started, twenty), -1_296_000);
        // A steady clock 2 s ahead reads the same both ways.
        let started = "2026-12-06T05:00:02Z".parse().unwrap();
        let now = "2026-12-06T05:00:22Z".parse().unwrap();
        assert_eq!(worse_offset(now, server, started, twenty), 2);
        // Wrong at the end only: that one.
        let now = "2026-12-06T06:00:20Z".parse().unwrap();
        let started = "2026-12-06T05:00:00Z".parse().unwrap();
        assert_eq!(worse_offset(now, server, started, twenty), 3600);
    }
}
