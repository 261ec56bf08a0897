//! Adaptive pacing decisions, as pure functions of what was sent and what the server said.
//!
//! - [`shared_budget`]: Mode's `X-RateLimit-Limit`/`-Remaining` tell how full the server's window
//!   is; whatever is not ours was spent by another client of the same credentials, so our budget
//!   shrinks by that much before the server has to say 429, and grows back when it is gone.
//! - [`in_flight_target`]: how many requests must be in flight to keep the budget full at the
//!   latency seen (rate × latency, with headroom for jitter), bounded by the configured maximum.
//! - [`SendLog`]: when our own requests were sent, to count those inside the server's window as it
//!   was when a request arrived.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::time::Duration;

use tokio::time::Instant;

use super::rate::Rate;

/// Our share of the server's budget, given its headers and how many of our own requests fall in
/// its window. Never above `configured`; never below one request per window.
pub fn shared_budget(configured: Rate, server_limit: Option<u32>, remaining: Option<u32>, ours_in_window: u32) -> Rate {
    let configured_n = configured.requests.get();
    let limit = server_limit.filter(|l| *l > 0).unwrap_or(configured_n);
    let mut budget = configured_n.min(limit);
    if let Some(remaining) = remaining {
        let used = limit.saturating_sub(remaining);
        let foreign = used.saturating_sub(ours_in_window);
        budget = budget.min(limit.saturating_sub(foreign));
    }
    Rate {
        requests: NonZeroU32::new(budget).unwrap_or(NonZeroU32::MIN),
        per: configured.per,
    }
}

/// Requests to keep in flight: enough for `rate × latency` with 50% headroom for jitter, at least 2
/// (so one slow answer never idles the budget), at most `max`.
pub fn in_flight_target(paced_per_second: Option<f64>, latency: Duration, max: usize) -> usize {
    let max = max.max(1);
    let Some(rate) = paced_per_second else {
        return max;
    };
    let needed = (rate * latency.as_secs_f64() * 1.5).ceil() as usize + 1;
    needed.clamp(2.min(max), max)
}

/// Send times of our recent requests, oldest first.
///
/// A response's `X-RateLimit-Remaining` describes the server's window when the request arrived, not
/// when its answer came back (a whole latency later). So our own share of that window is counted
/// up to the request's send time: counting up to the answer's time would mistake a lull or a burst
/// of our own for another client's requests, and slow the job for nothing.
#[derive(Debug, Default)]
pub struct SendLog {
    times: VecDeque<Instant>,
}

impl SendLog {
    /// Records a send at `at` (not earlier than the last) and forgets sends older than `keep`.
    pub fn record(&mut self, at: Instant, keep: Duration) {
        self.times.push_back(at);
        while self
            .times
            .front()
            .is_some_and(|t| at.saturating_duration_since(*t) > keep)
        {
            self.times.pop_front();
        }
    }

    /// Our requests sent in `(at - window, at]`.
    pub fn count_until(&self, at: Instant, window: Duration) -> u32 {
        let after = at.checked_sub(window);
        let first = after.map_or(0, |after| self.times.partition_point(|t| *t <= after));
        let end = self.times.partition_point(|t| *t <= at);
        end.saturating_sub(first) as u32
    }
}

/// Exponentially weighted moving average of response latency.
#[derive(Debug, Default, Clone, Copy)]
pub struct Latency {
    mean: Option<f64>,
}

impl Latency {
    const WEIGHT: f64 = 0.2;

    pub fn observe(&mut self, sample: Duration) {
        let s = sample.as_secs_f64();
        self.mean = Some(match self.mean {
            None => s,
            Some(m) => m + Self::WEIGHT * (s - m),
        });
    }

    pub fn mean(&self) -> Duration {
        Duration::try_from_secs_f64(self.mean.unwrap_or(0.0)).unwrap_or(Duration::MAX)
    }

    /// Whether any answer has been timed yet.
    pub fn known(&self) -> bool {
        self.mean.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(n: u32) -> Rate {
        Rate {
            requests: NonZeroU32::new(n).unwrap(),
            per: Duration::from_secs(10),
        }
    }

    #[test]
    fn the_budget_shrinks_by_what_others_spent_and_comes_back() {
        // Alone: the server counts only our 38 requests.
        assert_eq!(shared_budget(rate(40), Some(40), Some(2), 38), rate(40));
        // Another client spent 10 of the window: slow down to 30 before any 429.
        assert_eq!(shared_budget(rate(40), Some(40), Some(0), 30), rate(30));
        // It stopped: the full budget again.
        assert_eq!(shared_budget(rate(40), Some(40), Some(30), 10), rate(40));
        // The server's limit is lower than configured: follow the server.
        assert_eq!(shared_budget(rate(40), Some(20), Some(15), 5), rate(20));
        // No headers: the configured budget.
        assert_eq!(shared_budget(rate(40), None, None, 0), rate(40));
        // Never below one request per window.
        assert_eq!(shared_budget(rate(40), Some(40), Some(0), 0), rate(1));
    }

    #[test]
    fn in_flight_grows_with_latency_and_stays_bounded() {
        let mode = Some(40.0 / 10.0 * 0.98);
        assert_eq!(in_flight_target(mode, Duration::from_millis(20), 64), 2);
        assert_eq!(in_flight_target(mode, Duration::from_millis(300), 64), 3);
        assert_eq!(in_flight_target(mode, Duration::from_secs(1), 64), 7);
        assert_eq!(in_flight_target(Some(400.0), Duration::from_secs(1), 64), 64, "bounded");
        assert_eq!(
            in_flight_target(None, Duration::from_secs(1), 16),
            16,
            "no pacing: the maximum"
        );
        assert_eq!(in_flight_target(mode, Duration::from_secs(5), 1), 1);
    }

    #[test]
    fn the_send_log_counts_the_window_before_a_send() {
        let start = Instant::now();
        let window = Duration::from_secs(10);
        let mut log = SendLog::default();
        for i in 0..5 {
            log.record(start + Duration::from_secs(i * 3), Duration::from_secs(70));
        }
        let at = |s| start + Duration::from_secs(s);
        // Sent at 0, 3, 6, 9, 12: the window (2, 12] holds 3, 6, 9, 12.
        assert_eq!(log.count_until(at(12), window), 4);
        // The window before the send at 6, counted long after it: 0, 3, 6.
        assert_eq!(log.count_until(at(6), window), 3);
        assert_eq!(log.count_until(at(30), window), 0);
        // Sends older than `keep` are forgotten: at 80, those before 10 go.
        log.record(at(80), Duration::from_secs(70));
        assert_eq!(log.count_until(at(12), Duration::from_secs(100)), 1);
        assert_eq!(log.count_until(at(80), Duration::from_secs(100)), 2);
    }

    #[test]
    fn latency_is_a_moving_average() {
        let mut l = Latency::default();
        assert_eq!(l.mean(), Duration::ZERO);
        l.observe(Duration::from_millis(100));
        assert_eq!(l.mean(), Duration::from_millis(100));
        l.observe(Duration::from_millis(600));
        assert_eq!(l.mean(), Duration::from_millis(200));
    }
}
