//! Sliding-window rate limiter: a request is admitted when fewer than `requests` admitted
//! requests arrived within the last `window`; rejected requests do not count. Time is injected:
//! the server passes tokio's clock, so a test on a paused clock drives the window too.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Budget per credential: at most `requests` admitted requests in any `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateWindow {
    pub requests: u32,
    pub window: Duration,
}

/// The outcome of one arrival.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// `remaining`: how many more requests the window admits right after this one.
    Admitted { remaining: u32 },
    /// `retry_after`: time until the oldest admitted request leaves the window.
    Rejected { retry_after: Duration },
}

/// One credential's window.
#[derive(Debug)]
pub struct SlidingWindow {
    limit: RateWindow,
    admitted: VecDeque<Instant>,
}

impl SlidingWindow {
    pub fn new(limit: RateWindow) -> Self {
        SlidingWindow {
            limit,
            admitted: VecDeque::new(),
        }
    }

    /// Records an arrival at `now`.
    pub fn admit(&mut self, now: Instant) -> Admission {
        self.evict(now);
        if (self.admitted.len() as u64) < u64::from(self.limit.requests) {
            self.admitted.push_back(now);
            Admission::Admitted {
                remaining: self.limit.requests - self.admitted.len() as u32,
            }
        } else {
            let retry_after = match self.admitted.front() {
                Some(&oldest) => self.limit.window.saturating_sub(now.duration_since(oldest)),
                None => self.limit.window,
            };
            Admission::Rejected { retry_after }
        }
    }

    /// Requests the window would still admit at `now`, without recording anything.
    pub fn remaining(&mut self, now: Instant) -> u32 {
        self.evict(now);
        self.limit.requests.saturating_sub(self.admitted.len() as u32)
    }

    fn evict(&mut self, now: Instant) {
        while let Some(&oldest) = self.admitted.front() {
            if now.saturating_duration_since(oldest) >= self.limit.window {
                self.admitted.pop_front();
            } else {
                break;
            }
        }
    }
}

/// Windows per credential (the Basic-auth username). `None` limit admits everything.
#[derive(Debug)]
pub struct CredentialWindows {
    limit: Option<RateWindow>,
    windows: Mutex<HashMap<String, SlidingWindow>>,
}

impl CredentialWindows {
    pub fn new(limit: Option<RateWindow>) -> Self {
        CredentialWindows {
            limit,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Admits or rejects an arrival of `credential` at `now`; `None` when unlimited.
    pub fn admit(&self, credential: &str, now: Instant) -> Option<Admission> {
        let limit = self.limit?;
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let window = windows
            .entry(credential.to_string())
            .or_insert_with(|| SlidingWindow::new(limit));
        Some(window.admit(now))
    }

    /// What is left for `credential` at `now` without consuming anything; `None` when unlimited.
    pub fn peek(&self, credential: &str, now: Instant) -> Option<u32> {
        let limit = self.limit?;
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        Some(match windows.get_mut(credential) {
            Some(window) => window.remaining(now),
            None => limit.requests,
        })
    }
}

/// `Retry-After` value: whole seconds, rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(requests: u32, secs: u64) -> RateWindow {
        RateWindow {
            requests,
            window: Duration::from_secs(secs),
        }
    }

    #[test]
    fn admits_up_to_the_budget_then_rejects() {
        let t0 = Instant::now();
        let mut w = SlidingWindow::new(limit(3, 10));
        assert_eq!(w.admit(t0), Admission::Admitted { remaining: 2 });
        assert_eq!(
            w.admit(t0 + Duration::from_secs(1)),
            Admission::Admitted { remaining: 1 }
        );
        assert_eq!(
            w.admit(t0 + Duration::from_secs(2)),
            Admission::Admitted { remaining: 0 }
        );
        assert_eq!(
            w.admit(t0 + Duration::from_millis(2_500)),
            Admission::Rejected {
                retry_after: Duration::from_millis(7_500)
            }
        );
    }

    #[test]
    fn rejected_requests_do_not_count_and_window_slides() {
        let t0 = Instant::now();
        let mut w = SlidingWindow::new(limit(2, 10));
        w.admit(t0);
        w.admit(t0 + Duration::from_secs(5));
        for s in 6..10 {
            assert!(matches!(
                w.admit(t0 + Duration::from_secs(s)),
                Admission::Rejected { .. }
            ));
        }
        // The first admitted request leaves the window at t0+10s exactly.
        assert_eq!(
            w.admit(t0 + Duration::from_secs(10)),
            Admission::Admitted { remaining: 0 }
        );
        assert_eq!(
            w.admit(t0 + Duration::from_secs(11)),
            Admission::Rejected {
                retry_after: Duration::from_secs(4)
            }
        );
        assert_eq!(w.remaining(t0 + Duration::from_secs(15)), 1);
        assert_eq!(w.remaining(t0 + Duration::from_secs(20)), 2);
    }

    #[test]
    fn zero_budget_rejects_everything() {
        let t0 = Instant::now();
        let mut w = SlidingWindow::new(limit(0, 2));
        assert_eq!(
            w.admit(t0),
            Admission::Rejected {
                retry_after: Duration::from_secs(2)
            }
        );
    }

    #[test]
    fn limiter_keys_by_credential() {
        let t0 = Instant::now();
        let l = CredentialWindows::new(Some(limit(1, 10)));
        assert_eq!(l.peek("a", t0), Some(1));
        assert_eq!(l.admit("a", t0), Some(Admission::Admitted { remaining: 0 }));
        assert!(matches!(l.admit("a", t0), Some(Admission::Rejected { .. })));
        assert_eq!(l.admit("b", t0), Some(Admission::Admitted { remaining: 0 }));
        assert_eq!(l.peek("a", t0), Some(0));
        assert_eq!(CredentialWindows::new(None).admit("a", t0), None);
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(200)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(7_500)), 8);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
    }
}
