//! A guard the environment may only narrow: its variable read as a value that is at least as
//! careful as the default (a longer wait, a smaller count), and a wider one refused with the flag
//! that may widen it on the command line.

use std::time::Duration;

use super::ConfigError;

/// One guard: its variable, what it bounds (in words), and the flag and command that may widen it.
pub struct Narrowing {
    variable: &'static str,
    bounds: &'static str,
    flag: &'static str,
    command: &'static str,
}

impl Narrowing {
    pub const fn new(
        variable: &'static str,
        bounds: &'static str,
        flag: &'static str,
        command: &'static str,
    ) -> Narrowing {
        Narrowing {
            variable,
            bounds,
            flag,
            command,
        }
    }

    /// The variable as a duration no shorter than `default` (the default when unset or blank).
    pub fn no_shorter(&self, env: &dyn Fn(&str) -> Option<String>, default: Duration) -> Result<Duration, ConfigError> {
        let Some(text) = self.set(env) else {
            return Ok(default);
        };
        let value = humantime::parse_duration(text.trim()).map_err(|e| {
            ConfigError(format!(
                "{}='{text}' is not a duration ({e}); write e.g. 30d",
                self.variable
            ))
        })?;
        if value < default {
            return Err(self.widened(
                &text,
                "shorten",
                "below",
                &humantime::format_duration(default),
                "lengthen",
            ));
        }
        Ok(value)
    }

    /// The variable as a count no larger than `default` (the default when unset or blank).
    pub fn no_more(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
        default: usize,
        example: usize,
    ) -> Result<usize, ConfigError> {
        let Some(text) = self.set(env) else {
            return Ok(default);
        };
        let value: usize = text.trim().parse().map_err(|_| {
            ConfigError(format!(
                "{}='{text}' is not a whole number; write e.g. {example}",
                self.variable
            ))
        })?;
        if value > default {
            return Err(self.widened(&value.to_string(), "raise", "above", &default, "lower"));
        }
        Ok(value)
    }

    fn set(&self, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
        env(self.variable).filter(|t| !t.trim().is_empty())
    }

    fn widened(
        &self,
        value: &str,
        widen: &str,
        beyond: &str,
        default: &dyn std::fmt::Display,
        narrow: &str,
    ) -> ConfigError {
        ConfigError(format!(
            "{}={value} would {widen} {} {beyond} its default ({default}): the environment may only {narrow} it; \
             give {} on the {} command line to {widen} it",
            self.variable, self.bounds, self.flag, self.command
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAIT: Narrowing = Narrowing::new("WAIT", "the wait", "--wait", "notify");

    #[test]
    fn a_narrower_value_is_taken_and_a_wider_one_is_refused_naming_the_flag_that_may_widen_it() {
        let day = Duration::from_secs(86_400);
        let set = |value: &'static str| move |name: &str| (name == "WAIT").then(|| value.to_string());
        assert_eq!(WAIT.no_shorter(&set("2d"), day), Ok(2 * day));
        assert_eq!(WAIT.no_shorter(&set(" "), day), Ok(day));
        assert_eq!(
            WAIT.no_shorter(&set("1h"), day).unwrap_err().0,
            "WAIT=1h would shorten the wait below its default (1day): the environment may only lengthen it; \
             give --wait on the notify command line to shorten it"
        );
        assert_eq!(WAIT.no_more(&set("3"), 5, 5), Ok(3));
        assert_eq!(
            WAIT.no_more(&set("6"), 5, 5).unwrap_err().0,
            "WAIT=6 would raise the wait above its default (5): the environment may only lower it; give --wait \
             on the notify command line to raise it"
        );
        assert_eq!(
            WAIT.no_more(&set("many"), 5, 4).unwrap_err().0,
            "WAIT='many' is not a whole number; write e.g. 4"
        );
    }
}
