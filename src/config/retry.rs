//! The retry settings of a run (`max_retries`, the backoff bounds, `max_retry_after`), bounded so
//! that no wait they set can overflow a clock.

use std::time::Duration;

use super::merge::{DURATION_EXAMPLE, duration};
use super::{ConfigError, bad};
use crate::cli::settings::Connection;
use crate::mode::RetryPolicy;

const HOUR: Duration = Duration::from_secs(3600);

/// The flag over the file's key over the default, each checked.
pub(super) fn policy(flag: &Connection, file: &Connection) -> Result<RetryPolicy, ConfigError> {
    let defaults = RetryPolicy::default();
    let wait = |flag, file, key| duration(flag, file, key, DURATION_EXAMPLE);
    let retry = RetryPolicy {
        max_retries: flag.max_retries.or(file.max_retries).unwrap_or(defaults.max_retries),
        min_delay: wait(&None, &file.retry_min_delay, "retry_min_delay")?.unwrap_or(defaults.min_delay),
        max_delay: wait(&None, &file.retry_max_delay, "retry_max_delay")?.unwrap_or(defaults.max_delay),
        max_throttled: defaults.max_throttled,
        max_retry_after: wait(&flag.max_retry_after, &file.max_retry_after, "max_retry_after")?
            .unwrap_or(defaults.max_retry_after),
    };
    if retry.max_retries > 50 {
        return Err(bad(format!(
            "max_retries {} is too many (at most 50)",
            retry.max_retries
        )));
    }
    if retry.min_delay > HOUR || retry.max_delay > HOUR {
        return Err(bad("retry_min_delay and retry_max_delay must be at most 1h"));
    }
    if retry.max_retry_after.is_zero() || retry.max_retry_after > 24 * HOUR {
        return Err(bad(format!(
            "max_retry_after {} is out of range: use more than 0s and at most 24h (default 5m)",
            humantime::format_duration(retry.max_retry_after)
        )));
    }
    Ok(retry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FileConfig;

    fn file(text: &str) -> Connection {
        FileConfig::parse(text).unwrap().connection
    }

    #[test]
    fn max_retry_after_comes_from_the_flag_then_the_file_then_the_default() {
        let none = Connection::default();
        assert_eq!(
            policy(&none, &Connection::default()).unwrap().max_retry_after,
            Duration::from_secs(300)
        );
        let f = file("max_retry_after = \"90s\"\n");
        assert_eq!(policy(&none, &f).unwrap().max_retry_after, Duration::from_secs(90));
        let flag = Connection {
            max_retry_after: Some("2s".parse().unwrap()),
            ..Connection::default()
        };
        assert_eq!(policy(&flag, &f).unwrap().max_retry_after, Duration::from_secs(2));
    }

    #[test]
    fn waits_that_could_overflow_a_clock_are_refused() {
        for (text, says) in [
            ("max_retry_after = \"0s\"\n", "max_retry_after"),
            ("max_retry_after = \"25h\"\n", "at most 24h"),
            ("max_retry_after = \"forever\"\n", "not a duration"),
            ("retry_max_delay = \"500000000years\"\n", "at most 1h"),
            ("retry_min_delay = \"2h\"\n", "at most 1h"),
            ("max_retries = 51\n", "at most 50"),
        ] {
            let err = policy(&Connection::default(), &file(text)).unwrap_err();
            assert!(err.0.contains(says), "{text}: {err}");
        }
    }
}
