//! Retry policy: a pure classification of each attempt's outcome, and the bounded backoff schedule.
//!
//! Classifying is separate from timing: [`classify`] looks at a status and headers only, the client's
//! loop decides how long to wait (Retry-After, the limiter's window, or backon's jittered backoff).

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// What one HTTP answer means for the request that produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx: decode the body.
    Success,
    /// 429: wait (the server's Retry-After when given) and try again; does not use up the backoff budget.
    Throttled { retry_after: Option<Duration> },
    /// 408, 5xx: retry with backoff, bounded.
    Transient,
    /// 401: the credentials are wrong; retrying cannot help.
    Unauthorized,
    /// 403: the credentials lack access to this resource.
    Forbidden,
    /// 404: the resource (or the workspace it is scoped to) does not exist for these credentials.
    NotFound,
    /// Any other 4xx: the request itself is wrong.
    Rejected,
}

/// Classifies one answer by its status and headers.
pub fn classify(status: StatusCode, headers: &HeaderMap) -> Verdict {
    match status.as_u16() {
        200..=299 => Verdict::Success,
        429 => Verdict::Throttled {
            retry_after: retry_after(headers),
        },
        401 => Verdict::Unauthorized,
        403 => Verdict::Forbidden,
        404 | 410 => Verdict::NotFound,
        408 | 500..=599 => Verdict::Transient,
        _ => Verdict::Rejected,
    }
}

/// Reads `Retry-After` as delta-seconds or as an HTTP date; absent or unreadable gives `None`.
/// Any value is read without overflow (seconds beyond `u64` read as the longest wait); the client
/// caps the wait at [`RetryPolicy::max_retry_after`].
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value.parse::<u64>().map_or(Duration::MAX, Duration::from_secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    // A date in the past means now; TimeDelta arithmetic is checked, never a panic.
    Some(
        at.signed_duration_since(chrono::Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// Bounds for retrying transient failures (5xx, timeouts, dropped connections, unreadable bodies).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt for transient failures.
    pub max_retries: usize,
    /// First backoff delay; later ones double, with full jitter, up to `max_delay`.
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// How many 429s one request may receive before it is given up.
    pub max_throttled: usize,
    /// The longest a 429's `Retry-After` is waited; a longer one waits this long, then tries again.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_throttled: 20,
            max_retry_after: RetryPolicy::DEFAULT_MAX_RETRY_AFTER,
        }
    }
}

impl RetryPolicy {
    /// `--max-retry-after`'s default: longer than any window Mode's budget uses, far shorter than
    /// the day a misconfigured proxy may ask for.
    pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

    /// How long to wait after a 429 that asked for `asked` (`None`: no readable `Retry-After`, wait
    /// `window`): the asked wait, at most [`RetryPolicy::max_retry_after`]. The second value says
    /// whether the ask was cut down.
    pub fn throttled_wait(&self, asked: Option<Duration>, window: Duration) -> (Duration, bool) {
        match asked {
            Some(asked) if asked > self.max_retry_after => (self.max_retry_after, true),
            Some(asked) => (asked, false),
            None => (window.min(self.max_retry_after), false),
        }
    }

    /// The delays to sleep between transient failures of one request; ends when retries are used up.
    pub fn backoff(&self) -> impl Iterator<Item = Duration> + Send + use<> {
        ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_retries)
            .with_jitter()
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn statuses_map_to_verdicts() {
        let none = HeaderMap::new();
        let table = [
            (200, Verdict::Success),
            (204, Verdict::Success),
            (429, Verdict::Throttled { retry_after: None }),
            (401, Verdict::Unauthorized),
            (403, Verdict::Forbidden),
            (404, Verdict::NotFound),
            (408, Verdict::Transient),
            (500, Verdict::Transient),
            (502, Verdict::Transient),
            (503, Verdict::Transient),
            (504, Verdict::Transient),
            (400, Verdict::Rejected),
            (413, Verdict::Rejected),
        ];
        for (code, want) in table {
            assert_eq!(classify(StatusCode::from_u16(code).unwrap(), &none), want, "{code}");
        }
    }

    #[test]
    fn retry_after_seconds_and_dates_are_read() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, &h),
            Verdict::Throttled {
                retry_after: Some(Duration::from_secs(7))
            }
        );
        h.insert(RETRY_AFTER, HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&h), Some(Duration::ZERO), "a past date means now");
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("-5"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn huge_retry_afters_are_read_without_overflow_and_capped() {
        let mut h = HeaderMap::new();
        for huge in [
            "18446744073709551615",
            "99999999999999999999999999",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            h.insert(RETRY_AFTER, HeaderValue::from_static(huge));
            let asked = retry_after(&h).expect(huge);
            assert!(asked > Duration::from_secs(86_400 * 365), "{huge}");
            let policy = RetryPolicy::default();
            let (wait, capped) = policy.throttled_wait(Some(asked), Duration::from_secs(10));
            assert_eq!((wait, capped), (Duration::from_secs(300), true), "{huge}");
        }
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.throttled_wait(Some(Duration::from_secs(7)), Duration::from_secs(10)),
            (Duration::from_secs(7), false)
        );
        assert_eq!(
            policy.throttled_wait(None, Duration::from_secs(10)),
            (Duration::from_secs(10), false)
        );
    }

    proptest::proptest! {
        #[test]
        fn any_retry_after_header_reads_without_panic(value in "[ -~]{0,40}") {
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(RETRY_AFTER, v);
                let (wait, _) = RetryPolicy::default().throttled_wait(retry_after(&h), Duration::from_secs(10));
                proptest::prop_assert!(wait <= RetryPolicy::DEFAULT_MAX_RETRY_AFTER);
            }
        }
    }

    #[test]
    fn backoff_is_bounded_and_capped() {
        let policy = RetryPolicy {
            max_retries: 4,
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(25),
            max_throttled: 1,
            ..RetryPolicy::default()
        };
        let delays: Vec<_> = policy.backoff().collect();
        assert_eq!(delays.len(), 4);
        // Full jitter adds at most one more delay on top of the capped exponential.
        assert!(delays.iter().all(|d| *d <= Duration::from_millis(50)), "{delays:?}");
    }
}
