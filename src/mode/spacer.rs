//! `Spacer`: one permit per interval of a [`Rate`], from a governor limiter on tokio's clock, kept
//! on schedule whatever the timer's granularity.
//!
//! Waits are tokio sleeps, which end on a whole millisecond at the earliest. A limiter that only
//! lets a request through once its interval has fully passed would start each interval from that
//! late wake-up and lose up to a millisecond a request (4% at 40 per second). So the limiter
//! forgives a request for coming up to [`SLACK`] early, and keeps the schedule itself: the n-th
//! permit is due n intervals after the first, never sooner than `SLACK` before that. Any `requests`
//! consecutive permits still span more than `per` (the 2% margin of [`Rate::SAFETY`] is wider than
//! the slack), and two permits are never less than an interval minus the slack apart.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{Quota, RateLimiter};

use super::clock::{TokioClock, TokioLimiter};
use super::rate::Rate;

/// How early a permit may come: above tokio's timer granularity (1 ms) plus a wake-up's delay.
pub const SLACK: Duration = Duration::from_millis(2);

/// The limiter counts time in cells of this size (or longer, for intervals above ~18 minutes).
const CELL: Duration = Duration::from_micros(1);

/// Spaces permits at a rate's interval.
#[derive(Debug)]
pub struct Spacer {
    limiter: TokioLimiter,
    /// Cells that one permit weighs: its interval.
    cells: NonZeroU32,
}

impl Spacer {
    /// A spacer whose first permit is free at once.
    pub fn new(rate: Rate) -> Spacer {
        let interval = rate.interval();
        // Never more slack than half the margin between `requests` intervals and `per`, nor than
        // half an interval (so two permits never come together).
        let margin = (interval * rate.requests.get()).saturating_sub(rate.per);
        let slack = SLACK.min(margin / 2).min(interval / 2);
        let cell = CELL.max(interval / (1 << 30));
        let cells = interval.as_nanos().div_ceil(cell.as_nanos()).max(1);
        let spare = slack.as_nanos() / cell.as_nanos();
        let weight = u32::try_from(cells).expect("at most 2^30 + 1 cells");
        let burst = u32::try_from(cells + spare).expect("slack is below an interval");
        // Burst `cells + spare` at one cell each: a permit that takes `cells` may come `spare` early.
        let quota = Quota::with_period(cell)
            .expect("a cell is longer than zero")
            .allow_burst(NonZeroU32::new(burst).expect("at least one cell"));
        Spacer {
            limiter: RateLimiter::direct_with_clock(quota, TokioClock),
            cells: NonZeroU32::new(weight).expect("at least one cell"),
        }
    }

    /// Takes a permit if one is due now.
    pub fn try_take(&self) -> bool {
        matches!(self.limiter.check_n(self.cells), Ok(Ok(())))
    }

    /// Waits for a permit on tokio's clock and takes it.
    pub async fn take(&self) {
        loop {
            match self.limiter.check_n(self.cells) {
                Ok(Ok(())) => return,
                Ok(Err(not_until)) => tokio::time::sleep_until(not_until.earliest_possible().0).await,
                Err(_) => unreachable!("the burst holds a permit's cells by construction"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::time::Instant;

    use super::*;

    fn rate(requests: u32, per: Duration) -> Rate {
        Rate {
            requests: NonZeroU32::new(requests).unwrap(),
            per,
        }
    }

    /// When each of `n` permits was taken, from the first.
    async fn permits(spacer: &Spacer, n: usize) -> Vec<Duration> {
        let start = Instant::now();
        let mut at = Vec::with_capacity(n);
        for _ in 0..n {
            spacer.take().await;
            at.push(Instant::now() - start);
        }
        at
    }

    #[tokio::test(start_paused = true)]
    async fn permits_keep_the_schedule_without_drifting() {
        for r in [
            Rate::MODE,
            rate(40, Duration::from_secs(1)),
            rate(3, Duration::from_secs(7)),
        ] {
            let interval = r.interval();
            let at = permits(&Spacer::new(r), 201).await;
            assert_eq!(at[0], Duration::ZERO, "{r}: the first permit is free");
            for pair in at.windows(2) {
                assert!(pair[1] - pair[0] >= interval - SLACK, "{r}: {pair:?}");
            }
            // No drift: the 200th is due 200 intervals after the first, give or take the slack
            // early and the timer's millisecond late (a late wake-up would add up to 200 ms).
            let due = interval * 200;
            assert!(
                at[200] + SLACK >= due && at[200] <= due + Duration::from_millis(1),
                "{r}: {:?}",
                at[200]
            );
            // Any `requests` + 1 consecutive permits span more than `per`.
            let n = r.requests.get() as usize;
            for w in at.windows(n + 1) {
                assert!(w[n] - w[0] > r.per, "{r}: {w:?}");
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn fast_rates_get_less_slack_and_never_two_permits_together() {
        // 40 per 100 ms: an interval of 2.55 ms and a margin of 2 ms between 40 intervals and 100 ms.
        let r = rate(40, Duration::from_millis(100));
        let at = permits(&Spacer::new(r), 81).await;
        for w in at.windows(41) {
            assert!(w[40] - w[0] > r.per, "{w:?}");
        }
        for pair in at.windows(2) {
            assert!(pair[1] - pair[0] >= r.interval() / 2, "{pair:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_taken_permit_makes_the_next_wait_an_interval() {
        let spacer = Spacer::new(Rate::MODE);
        assert!(spacer.try_take());
        assert!(!spacer.try_take(), "one permit at a time");
        let start = Instant::now();
        spacer.take().await;
        let waited = start.elapsed();
        assert!(
            waited + SLACK >= Rate::MODE.interval() && waited <= Rate::MODE.interval(),
            "{waited:?}"
        );
    }
}
