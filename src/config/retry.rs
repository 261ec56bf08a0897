//! The retry settings of a run (`max_retries`, the backoff bounds, `max_retry_after`), bounded so
//! that no wait they set can overflow a clock.

use std::time::Duration;

use super::{ConfigError, FileConfig, bad};
use crate::cli::RunArgs;
use crate::mode::RetryPolicy;

const HOUR: Duration = Duration::from_secs(3600);

/// Flags over the file over the defaults, each checked.
pub(super) fn policy(args: &RunArgs, file: &FileConfig) -> Result<RetryPolicy, ConfigError> {
    let defaults = RetryPolicy::default();
    let retry = RetryPolicy {
        max_retries: args.max_retries.or(file.max_retries).unwrap_or(defaults.max_retries),
        min_delay: duration(None, "retry_min_delay", &file.retry_min_delay, defaults.min_delay)?,
        max_delay: duration(None, "retry_max_delay", &file.retry_max_delay, defaults.max_delay)?,
        max_throttled: defaults.max_throttled,
        max_retry_after: duration(
            args.max_retry_after,
            "max_retry_after",
            &file.max_retry_after,
            defaults.max_retry_after,
        )?,
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

fn duration(
    flag: Option<humantime::Duration>,
    key: &str,
    value: &Option<String>,
    default: Duration,
) -> Result<Duration, ConfigError> {
    match (flag, value) {
        (Some(d), _) => Ok(d.into()),
        (None, Some(text)) => humantime::parse_duration(text).map_err(|e| {
            bad(format!(
                "config key '{key}': '{text}' is not a duration ({e}); write e.g. \"30s\" or \"1m 30s\""
            ))
        }),
        (None, None) => Ok(default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> FileConfig {
        FileConfig::parse(text).unwrap()
    }

    #[test]
    fn max_retry_after_comes_from_the_flag_then_the_file_then_the_default() {
        let none = RunArgs::default();
        assert_eq!(
            policy(&none, &FileConfig::default()).unwrap().max_retry_after,
            Duration::from_secs(300)
        );
        let f = file("max_retry_after = \"90s\"\n");
        assert_eq!(policy(&none, &f).unwrap().max_retry_after, Duration::from_secs(90));
        let flag = RunArgs {
            max_retry_after: Some("2s".parse().unwrap()),
            ..RunArgs::default()
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
            let err = policy(&RunArgs::default(), &file(text)).unwrap_err();
            assert!(err.0.contains(says), "{text}: {err}");
        }
    }
}
