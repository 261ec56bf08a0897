//! `TokioClock`: governor's clock read from tokio's, so that a paused tokio clock (tests) holds
//! the pacer's limiter still too, and the limiter's waits are tokio sleeps on the same clock.

use std::ops::Add;

use governor::clock::{Clock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::{InMemoryState, NotKeyed};
use tokio::time::Instant;

/// A direct (unkeyed) governor limiter on [`TokioClock`].
pub type TokioLimiter = governor::RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Tick>>;

/// Reads [`tokio::time::Instant::now`]: the real monotonic clock in production, the paused and
/// auto-advanced one under `#[tokio::test(start_paused = true)]`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioClock;

impl Clock for TokioClock {
    type Instant = Tick;

    fn now(&self) -> Tick {
        Tick(Instant::now())
    }
}

/// A reading of [`TokioClock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tick(pub Instant);

impl Add<Nanos> for Tick {
    type Output = Tick;

    fn add(self, d: Nanos) -> Tick {
        Tick(self.0 + std::time::Duration::from(d))
    }
}

impl Reference for Tick {
    fn duration_since(&self, earlier: Tick) -> Nanos {
        self.0.saturating_duration_since(earlier.0).into()
    }

    fn saturating_sub(&self, d: Nanos) -> Tick {
        self.0.checked_sub(d.into()).map_or(*self, Tick)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use governor::{Quota, RateLimiter};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_limiter_follows_a_paused_clock() {
        let limiter: TokioLimiter =
            RateLimiter::direct_with_clock(Quota::with_period(Duration::from_secs(1)).unwrap(), TokioClock);
        assert!(limiter.check().is_ok());
        let refused = limiter.check().unwrap_err();
        assert_eq!(refused.wait_time_from(TokioClock.now()), Duration::from_secs(1));
        tokio::time::advance(Duration::from_millis(999)).await;
        assert!(limiter.check().is_err(), "1 ms early");
        tokio::time::advance(Duration::from_millis(1)).await;
        assert!(limiter.check().is_ok());
    }

    #[test]
    fn ticks_subtract_without_going_negative() {
        let t = Tick(Instant::now());
        let later = t + Nanos::from(Duration::from_millis(5));
        assert_eq!(later.duration_since(t), Nanos::from(Duration::from_millis(5)));
        assert_eq!(t.duration_since(later), Nanos::from(Duration::ZERO));
        assert_eq!(Reference::saturating_sub(&later, Duration::from_millis(5).into()), t);
    }
}
