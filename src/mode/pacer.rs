//! The request pacer: one governor limiter shared by every request and retry, plus a shared pause
//! that a 429 sets so that all tasks back off together instead of hammering the server.

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::time::Instant;

use super::adapt::{Latency, SendLog, in_flight_target, shared_budget};
use super::rate::Rate;

/// How long send times are kept beyond the window: an answer slower than this is not used to
/// re-pace (its headers are too old to compare with our sends).
const LATE_ANSWER: Duration = Duration::from_secs(60);

/// Paces requests: waits for the shared limiter and for any pause a 429 has set, and adapts the
/// limiter to the server's rate-limit headers.
pub struct Pacer {
    configured: Option<Rate>,
    state: Mutex<PaceState>,
    window: Duration,
}

struct PaceState {
    current: Option<Rate>,
    limiter: Option<Arc<DefaultDirectRateLimiter>>,
    paused_until: Option<Instant>,
    sent: SendLog,
    latency: Latency,
}

/// A limiter of strictly spaced permits (burst 1), so no window of `per` ever holds more than
/// `requests`. [`Rate::interval`] is never zero; should it be, the fastest quota governor has stands in.
fn quota(rate: Rate) -> Quota {
    Quota::with_period(rate.interval())
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
        .allow_burst(NonZeroU32::MIN)
}

fn limiter_for(rate: Rate) -> Arc<DefaultDirectRateLimiter> {
    let limiter = RateLimiter::direct(quota(rate));
    // A new limiter starts with its one cell free; spend it so a swap never allows a double send.
    let _ = limiter.check();
    Arc::new(limiter)
}

/// `now + wait`, or as far ahead as the clock goes when that overflows (a `Retry-After` of
/// 2^64 seconds must not panic; the caller caps waits long before that).
fn later(now: Instant, wait: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(365 * 86_400);
    now.checked_add(wait).or_else(|| now.checked_add(FAR)).unwrap_or(now)
}

impl Pacer {
    /// `None` turns pacing off (benchmarks of raw client overhead, never a default).
    pub fn new(rate: Option<Rate>) -> Pacer {
        let limiter = rate.map(|rate| Arc::new(RateLimiter::direct(quota(rate))));
        Pacer {
            configured: rate,
            window: rate.map_or(Duration::from_secs(1), |r| r.per),
            state: Mutex::new(PaceState {
                current: rate,
                limiter,
                paused_until: None,
                sent: SendLog::default(),
                latency: Latency::default(),
            }),
        }
    }

    /// The server's window; a 429 without Retry-After waits this long so the window frees.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// The pace in force now (lower than configured while another client shares the budget).
    pub fn current(&self) -> Option<Rate> {
        self.state.lock().expect("pace lock").current
    }

    /// Waits until a request may be sent, and records that it is.
    pub async fn ready(&self) {
        loop {
            let (until, limiter) = {
                let state = self.state.lock().expect("pace lock");
                (state.paused_until, state.limiter.clone())
            };
            if let Some(until) = until.filter(|u| *u > Instant::now()) {
                tokio::time::sleep_until(until).await;
                continue;
            }
            if let Some(limiter) = &limiter {
                limiter.until_ready().await;
            }
            let mut state = self.state.lock().expect("pace lock");
            // A 429 may have paused everyone while this request waited for its permit.
            if state.paused_until.is_some_and(|u| u > Instant::now()) {
                continue;
            }
            // A permit from a limiter replaced meanwhile does not count: two limiters would double the pace.
            let replaced = match (&limiter, &state.limiter) {
                (Some(used), Some(current)) => !Arc::ptr_eq(used, current),
                _ => false,
            };
            if replaced {
                continue;
            }
            if self.configured.is_some() {
                state.sent.record(std::time::Instant::now(), self.window + LATE_ANSWER);
            }
            return;
        }
    }

    /// Holds every request back for `wait` (extends, never shortens, a pause already set).
    pub fn pause_for(&self, wait: Duration) {
        let until = later(Instant::now(), wait);
        let mut state = self.state.lock().expect("pace lock");
        if state.paused_until.is_none_or(|p| p < until) {
            state.paused_until = Some(until);
        }
    }

    /// Takes in the rate-limit headers and latency of the answer to a request sent at `sent_at`;
    /// re-paces when our share of the server's window changes.
    pub fn observe(&self, server_limit: Option<u32>, remaining: Option<u32>, sent_at: std::time::Instant) {
        let mut state = self.state.lock().expect("pace lock");
        let latency = sent_at.elapsed();
        state.latency.observe(latency);
        let Some(configured) = self.configured else {
            return;
        };
        if server_limit.is_none() && remaining.is_none() {
            return;
        }
        if latency > LATE_ANSWER {
            // Our sends of that window are forgotten: too stale to compare with.
            return;
        }
        // The headers describe the window when the request arrived: count our sends up to then.
        let ours = state.sent.count_until(sent_at, self.window);
        let target = shared_budget(configured, server_limit, remaining, ours);
        let current = state.current.unwrap_or(configured);
        // Hysteresis: re-pace only on a change of at least 2 requests per window, or back to full.
        let delta = target.requests.get().abs_diff(current.requests.get());
        if delta >= 2 || (target == configured && current != configured) {
            tracing::info!(from = %current, to = %target, "re-pacing to the share of the rate budget left to this client");
            state.current = Some(target);
            state.limiter = Some(limiter_for(target));
        }
    }

    /// Requests to keep in flight at the latency seen so far (see [`in_flight_target`]).
    pub fn in_flight_target(&self, max: usize) -> usize {
        let state = self.state.lock().expect("pace lock");
        if !state.latency.known() {
            // Nothing timed yet: allow the maximum; the limiter still spaces every request.
            return max.max(1);
        }
        in_flight_target(state.current.map(|r| r.paced_per_second()), state.latency.mean(), max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(pacer: &Pacer, at: &[std::time::Instant]) {
        let mut state = pacer.state.lock().unwrap();
        for t in at {
            state.sent.record(*t, pacer.window + LATE_ANSWER);
        }
    }

    #[test]
    fn stale_headers_of_our_own_burst_do_not_slow_the_pace() {
        let pacer = Pacer::new(Some(Rate::MODE));
        let now = std::time::Instant::now();
        let ms = |n: u64| Duration::from_millis(n);
        // 40 sends spread over the 10 s before `first`, then nothing for 15 s until now.
        let first = now - Duration::from_secs(15);
        let burst: Vec<_> = (0..40u64).map(|i| first - ms(9_750) + ms(250 * i)).collect();
        sent(&pacer, &burst);
        // The answer to the last of them, back only now: the server had counted 40 of ours, all
        // ours. Counted at the answer's time, our window would be empty and 40 would look foreign.
        pacer.observe(Some(40), Some(0), first);
        assert_eq!(pacer.current(), Some(Rate::MODE));
    }

    #[test]
    fn another_clients_share_is_left_to_it_and_returned_when_it_stops() {
        let pacer = Pacer::new(Some(Rate::MODE));
        let now = std::time::Instant::now();
        // 20 of ours in the window; the server counted 40: another client spent 20.
        let ours: Vec<_> = (1..=20u32)
            .rev()
            .map(|i| now - Duration::from_millis(100) * i)
            .collect();
        sent(&pacer, &ours);
        let last = *ours.last().unwrap();
        pacer.observe(Some(40), Some(0), last);
        assert_eq!(pacer.current().map(|r| r.requests.get()), Some(20));
        // The other client stopped: the server's count matches ours again.
        pacer.observe(Some(40), Some(20), last);
        assert_eq!(pacer.current(), Some(Rate::MODE));
        // An answer slower than LATE_ANSWER is not compared at all.
        pacer.observe(Some(40), Some(0), now - LATE_ANSWER - Duration::from_secs(1));
        assert_eq!(pacer.current(), Some(Rate::MODE));
    }

    #[test]
    fn a_pause_as_long_as_the_clock_allows_does_not_panic() {
        let pacer = Pacer::new(Some(Rate::MODE));
        pacer.pause_for(Duration::from_secs(u64::MAX));
        pacer.pause_for(Duration::MAX);
        let until = pacer.state.lock().unwrap().paused_until.unwrap();
        assert!(until > Instant::now() + Duration::from_secs(86_400));
    }

    #[test]
    fn the_fastest_rate_gets_a_limiter() {
        let fastest = Rate {
            requests: NonZeroU32::MAX,
            per: Duration::from_nanos(1),
        };
        let pacer = Pacer::new(Some(fastest));
        pacer.observe(Some(u32::MAX), Some(0), std::time::Instant::now());
        assert!(pacer.current().is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_requests_back_until_it_ends() {
        let pacer = Pacer::new(None);
        let start = Instant::now();
        pacer.pause_for(Duration::from_secs(3));
        pacer.pause_for(Duration::from_secs(1)); // never shortens
        pacer.ready().await;
        assert!(Instant::now() - start >= Duration::from_secs(3));
    }
}
