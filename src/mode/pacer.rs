//! The request pacer: one [`Spacer`] shared by every request and retry, plus a shared pause that
//! a 429 sets so that all tasks back off together instead of hammering the server. Everything runs
//! on tokio's clock, so that tests on a paused clock see exact, instant pacing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::adapt::{Latency, SendLog, in_flight_target, shared_budget};
use super::rate::Rate;
use super::spacer::Spacer;

/// How long send times are kept beyond the window: an answer slower than this is not used to
/// re-pace (its headers are too old to compare with our sends).
const LATE_ANSWER: Duration = Duration::from_secs(60);

/// Paces requests: waits for the shared spacer and for any pause a 429 has set, and adapts the
/// spacing to the server's rate-limit headers.
pub struct Pacer {
    configured: Option<Rate>,
    state: Mutex<PaceState>,
    window: Duration,
}

struct PaceState {
    current: Option<Rate>,
    spacer: Option<Arc<Spacer>>,
    paused_until: Option<Instant>,
    sent: SendLog,
    latency: Latency,
}

/// A spacer for a new pace, its free first permit already spent, so a swap never allows a double send.
fn respaced(rate: Rate) -> Arc<Spacer> {
    let spacer = Spacer::new(rate);
    spacer.try_take();
    Arc::new(spacer)
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
        let spacer = rate.map(|rate| Arc::new(Spacer::new(rate)));
        Pacer {
            configured: rate,
            window: rate.map_or(Duration::from_secs(1), |r| r.per),
            state: Mutex::new(PaceState {
                current: rate,
                spacer,
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
            let (until, spacer) = {
                let state = self.state.lock().expect("pace lock");
                (state.paused_until, state.spacer.clone())
            };
            if let Some(until) = until.filter(|u| *u > Instant::now()) {
                tokio::time::sleep_until(until).await;
                continue;
            }
            if let Some(spacer) = &spacer {
                spacer.take().await;
            }
            let mut state = self.state.lock().expect("pace lock");
            // A 429 may have paused everyone while this request waited for its permit.
            if state.paused_until.is_some_and(|u| u > Instant::now()) {
                continue;
            }
            // A permit from a spacer replaced meanwhile does not count: two spacers would double the pace.
            let replaced = match (&spacer, &state.spacer) {
                (Some(used), Some(current)) => !Arc::ptr_eq(used, current),
                _ => false,
            };
            if replaced {
                continue;
            }
            if self.configured.is_some() {
                state.sent.record(Instant::now(), self.window + LATE_ANSWER);
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
    pub fn observe(&self, server_limit: Option<u32>, remaining: Option<u32>, sent_at: Instant) {
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
            state.spacer = Some(respaced(target));
        }
    }

    /// Requests to keep in flight at the latency seen so far (see [`in_flight_target`]).
    pub fn in_flight_target(&self, max: usize) -> usize {
        let state = self.state.lock().expect("pace lock");
        if !state.latency.known() {
            // Nothing timed yet: allow the maximum; the spacer still spaces every request.
            return max.max(1);
        }
        in_flight_target(state.current.map(|r| r.paced_per_second()), state.latency.mean(), max)
    }
}

#[cfg(test)]
mod tests {
    use super::super::spacer::SLACK;
    use super::*;

    /// Runs `tasks` tasks that each pass `pacer.ready()` `each` times; returns when each send was
    /// let through, from `start`, in order.
    async fn sends(pacer: &Arc<Pacer>, tasks: usize, each: usize, start: Instant) -> Vec<Duration> {
        let times = Arc::new(Mutex::new(Vec::new()));
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let (pacer, times) = (Arc::clone(pacer), Arc::clone(&times));
                tokio::spawn(async move {
                    for _ in 0..each {
                        pacer.ready().await;
                        times.lock().unwrap().push(Instant::now() - start);
                    }
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
        let mut times = times.lock().unwrap().clone();
        times.sort();
        times
    }

    fn assert_spaced(times: &[Duration], interval: Duration) {
        for pair in times.windows(2) {
            assert!(
                pair[1] - pair[0] >= interval - SLACK,
                "{pair:?} closer than {interval:?}"
            );
        }
    }

    fn sent(pacer: &Pacer, at: &[Instant]) {
        let mut state = pacer.state.lock().unwrap();
        for t in at {
            state.sent.record(*t, pacer.window + LATE_ANSWER);
        }
    }

    #[test]
    fn stale_headers_of_our_own_burst_do_not_slow_the_pace() {
        let pacer = Pacer::new(Some(Rate::MODE));
        let now = Instant::now();
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
        let now = Instant::now();
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
            requests: std::num::NonZeroU32::MAX,
            per: Duration::from_nanos(1),
        };
        let pacer = Pacer::new(Some(fastest));
        pacer.observe(Some(u32::MAX), Some(0), Instant::now());
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

    #[tokio::test(start_paused = true)]
    async fn concurrent_requests_are_spaced_at_the_interval() {
        // Mode's 40 per 10 s, paced at 98%: a request every 255.1 ms, whatever the concurrency.
        let pacer = Arc::new(Pacer::new(Some(Rate::MODE)));
        let interval = Rate::MODE.interval();
        let start = Instant::now();
        let times = sends(&pacer, 8, 10, start).await;
        assert_eq!(times.len(), 80);
        assert_eq!(times[0], Duration::ZERO, "the first request goes at once");
        assert_spaced(&times, interval);
        // The 41st request comes no sooner than 40 intervals (10.2 s) after the first, less the
        // slack: never 41 in any 10 s.
        for w in times.windows(41) {
            assert!(w[40] - w[0] >= interval * 40 - SLACK, "{w:?}");
            assert!(w[40] - w[0] > Rate::MODE.per);
        }
        // And no slower than the pace either: 79 intervals, within the timer's millisecond.
        let last = times[79];
        assert!(
            last + SLACK >= interval * 79 && last <= interval * 79 + Duration::from_millis(1),
            "{last:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pause_holds_every_task_then_the_pace_resumes() {
        let pacer = Arc::new(Pacer::new(Some(Rate::MODE)));
        let interval = Rate::MODE.interval();
        let start = Instant::now();
        pacer.ready().await;
        // Four tasks wait for their turn; 100 ms later a 429 pauses everyone for 3 s.
        let waiting = {
            let pacer = Arc::clone(&pacer);
            tokio::spawn(async move { sends(&pacer, 4, 2, start).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        pacer.pause_for(Duration::from_secs(3));
        let times = waiting.await.unwrap();
        let resumed = Duration::from_millis(3_100);
        assert_eq!(times.len(), 8);
        assert_eq!(times[0], resumed, "nothing is sent during the pause: {times:?}");
        // The waiting tasks do not rush out together when it ends: the spacing holds.
        assert_spaced(&times, interval);
        assert!(times[7] >= resumed + interval * 7 - SLACK, "{times:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn re_pacing_to_another_clients_share_widens_the_spacing_and_back() {
        let pacer = Arc::new(Pacer::new(Some(Rate::MODE)));
        let start = Instant::now();
        let full = sends(&pacer, 1, 20, start).await;
        assert_spaced(&full, Rate::MODE.interval());
        // The server counted 40 in its window when our last request arrived; 20 were ours: another
        // client of the same credentials spent the other 20. Our share: 20 per 10 s.
        pacer.observe(Some(40), Some(0), start + full[19]);
        let half = pacer.current().unwrap();
        assert_eq!(half.requests.get(), 20);
        let interval = half.interval();
        let respaced = Instant::now();
        let slow = sends(&pacer, 4, 5, respaced).await;
        // The first request after the change already waits the new interval.
        assert!(slow[0] + SLACK >= interval, "{slow:?}");
        assert_spaced(&slow, interval);
        assert!(
            slow[19] + SLACK >= interval * 20 && slow[19] <= interval * 20,
            "{slow:?}"
        );
        // The other client stopped: the server's window holds only ours. Back to the full pace.
        pacer.observe(Some(40), Some(40), Instant::now());
        assert_eq!(pacer.current(), Some(Rate::MODE));
        let back = Instant::now();
        let fast = sends(&pacer, 4, 5, back).await;
        assert_spaced(&fast, Rate::MODE.interval());
        assert!(fast[19] <= Rate::MODE.interval() * 20, "{fast:?}");
    }
}
