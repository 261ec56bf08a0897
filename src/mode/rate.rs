//! Rate: a request budget (`40/10s`), and `--rate`'s [`Budget`], which may also be `off`.

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

/// A request budget: `requests` per `per` (Mode documents about 40 per 10 s per user).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub requests: NonZeroU32,
    pub per: Duration,
}

impl Rate {
    /// Mode's documented budget.
    pub const MODE: Rate = Rate {
        requests: NonZeroU32::new(40).unwrap(),
        per: Duration::from_secs(10),
    };

    /// The client paces at this share of the budget so that scheduling jitter between the permit and
    /// the request reaching the server never lets a 41st request into a 40-per-window budget.
    pub const SAFETY: f64 = 0.98;

    /// The shortest spacing a parsed rate may ask for: a million requests a second. Faster is no
    /// budget at all, and below a nanosecond the limiter could not space anything.
    pub const MIN_INTERVAL: Duration = Duration::from_micros(1);

    /// The longest period a parsed rate may have (a budget per day is already no budget for a run).
    pub const MAX_PERIOD: Duration = Duration::from_secs(86_400);

    /// The spacing between two requests, never below [`Rate::MIN_INTERVAL`] (also for a `Rate` built
    /// by hand rather than parsed).
    pub fn interval(&self) -> Duration {
        let spacing = self.per.as_secs_f64() / (f64::from(self.requests.get()) * Rate::SAFETY);
        Duration::try_from_secs_f64(spacing)
            .unwrap_or(Duration::MAX)
            .max(Rate::MIN_INTERVAL)
    }

    /// Requests per second the client will actually send at most.
    pub fn paced_per_second(&self) -> f64 {
        1.0 / self.interval().as_secs_f64()
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.requests, humantime::format_duration(self.per))
    }
}

/// Parses `40/10s`, `4/s`, `100/1m`, `5/500ms`.
impl FromStr for Rate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let hint = "expected REQUESTS/PERIOD such as 40/10s, 4/s or 100/1m";
        let (count, period) = s.trim().split_once('/').ok_or_else(|| format!("'{s}': {hint}"))?;
        let requests = count
            .trim()
            .parse::<u32>()
            .ok()
            .and_then(NonZeroU32::new)
            .ok_or_else(|| format!("'{s}': the request count must be a whole number above 0 ({hint})"))?;
        let period = period.trim();
        let period = if period.starts_with(|c: char| c.is_ascii_digit()) {
            period.to_string()
        } else {
            format!("1{period}")
        };
        let per = humantime::parse_duration(&period).map_err(|e| format!("'{s}': bad period ({e}); {hint}"))?;
        if per.is_zero() {
            return Err(format!("'{s}': the period must be longer than zero ({hint})"));
        }
        if per > Rate::MAX_PERIOD {
            return Err(format!(
                "'{s}': the period is longer than a day; use at most 1d ({hint})"
            ));
        }
        let rate = Rate { requests, per };
        let spacing = per.as_secs_f64() / (f64::from(requests.get()) * Rate::SAFETY);
        if spacing < Rate::MIN_INTERVAL.as_secs_f64() {
            return Err(format!(
                "'{s}' asks for more than a million requests a second, which no server allows; \
                 use at most 1000000/s (Mode allows about 40/10s)"
            ));
        }
        Ok(rate)
    }
}

/// A `--rate` value: a [`Rate`], or `off` (no pacing at all: for benchmarks against a local server,
/// never against Mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget(pub Option<Rate>);

impl FromStr for Budget {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "off" | "unlimited" => Ok(Budget(None)),
            other => other.parse().map(|r| Budget(Some(r))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_in_the_documented_forms() {
        let r: Rate = "40/10s".parse().unwrap();
        assert_eq!((r.requests.get(), r.per), (40, Duration::from_secs(10)));
        let r: Rate = "4/s".parse().unwrap();
        assert_eq!((r.requests.get(), r.per), (4, Duration::from_secs(1)));
        let r: Rate = " 100 / 1m ".parse().unwrap();
        assert_eq!((r.requests.get(), r.per), (100, Duration::from_secs(60)));
        let r: Rate = "5/500ms".parse().unwrap();
        assert_eq!(r.per, Duration::from_millis(500));
        assert_eq!(Rate::MODE.to_string(), "40/10s");
    }

    #[test]
    fn malformed_rates_say_what_is_expected() {
        for bad in ["40", "0/10s", "-1/10s", "forty/10s", "40/ten", "40/0s", ""] {
            let err = bad.parse::<Rate>().unwrap_err();
            assert!(err.contains("40/10s"), "{bad}: {err}");
        }
    }

    #[test]
    fn rates_too_fast_or_too_slow_are_refused_with_what_to_use() {
        for bad in ["100/1ns", "1000000000/s", "4294967295/1ms", "2000000/1s"] {
            let err = bad.parse::<Rate>().unwrap_err();
            assert!(err.contains("1000000/s"), "{bad}: {err}");
        }
        let err = "1/2d".parse::<Rate>().unwrap_err();
        assert!(err.contains("at most 1d"), "{err}");
        assert!("1/1d".parse::<Rate>().is_ok());
        let fastest: Rate = "980000/s".parse().unwrap();
        assert!(fastest.interval() >= Rate::MIN_INTERVAL);
    }

    #[test]
    fn a_hand_built_rate_never_has_a_zero_interval() {
        let r = Rate {
            requests: NonZeroU32::MAX,
            per: Duration::from_nanos(1),
        };
        assert_eq!(r.interval(), Rate::MIN_INTERVAL);
        let r = Rate {
            requests: NonZeroU32::MIN,
            per: Duration::MAX,
        };
        assert!(r.interval() > Duration::from_secs(1 << 60), "no overflow panic");
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics_and_a_parsed_rate_has_a_positive_interval(text in "\\PC{0,24}") {
            if let Ok(rate) = text.parse::<Rate>() {
                proptest::prop_assert!(rate.interval() >= Rate::MIN_INTERVAL);
                proptest::prop_assert!(rate.per <= Rate::MAX_PERIOD);
                proptest::prop_assert!(rate.paced_per_second().is_finite());
            }
        }

        #[test]
        fn numeric_rates_are_bounded(n in proptest::prelude::any::<u32>(), amount in 0u64..100_000, unit in "(ns|us|ms|s|m|h|d|y)") {
            if let Ok(rate) = format!("{n}/{amount}{unit}").parse::<Rate>() {
                proptest::prop_assert!(rate.interval() >= Rate::MIN_INTERVAL);
                proptest::prop_assert!(rate.interval() <= Rate::MAX_PERIOD.mul_f64(1.03));
            }
        }
    }

    #[test]
    fn the_default_never_exceeds_forty_in_any_ten_seconds() {
        // Strict spacing: the 41st request can start no sooner than 40 intervals after the first.
        let r = Rate::MODE;
        assert!(r.interval() * 40 > Duration::from_secs(10));
        assert!(r.paced_per_second() >= 0.95 * 4.0);
    }
}
