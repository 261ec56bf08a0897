//! The settings of `apply` (`--execute`, `--min-age`, `--max-actions`), validated once.

use std::time::Duration;

use super::{ConfigError, Destination, Settings};
use crate::cli::ApplyFlags;
use crate::insights::eligibility::{DEFAULT_MAX_ACTIONS, DEFAULT_MIN_AGE, Rules};

/// Validated settings of `apply`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplySettings {
    /// Delete, rather than only plan.
    pub execute: bool,
    pub rules: Rules,
}

const MAX_MIN_AGE: Duration = Duration::from_secs(3650 * 86_400);
const MAX_ACTIONS: usize = 1000;

impl ApplySettings {
    /// `flags` checked against the run settings `all` (apply reads snapshots from a folder or a
    /// bucket).
    pub fn merge(flags: &ApplyFlags, all: &[Settings]) -> Result<ApplySettings, ConfigError> {
        if all.iter().any(|s| s.destination == Destination::Stdout) {
            return Err(ConfigError(
                "apply reads the snapshots in --out: name the output folder or bucket of your runs, not '-'".into(),
            ));
        }
        let min_age = flags.min_age.map_or(DEFAULT_MIN_AGE, Duration::from);
        if min_age > MAX_MIN_AGE {
            return Err(ConfigError(format!(
                "--min-age {} is out of range: use 0s to 3650d, e.g. 14d",
                humantime::format_duration(min_age)
            )));
        }
        let max_actions = flags.max_actions.unwrap_or(DEFAULT_MAX_ACTIONS);
        if !(1..=MAX_ACTIONS).contains(&max_actions) {
            return Err(ConfigError(format!(
                "--max-actions {max_actions} is out of range: use 1 to {MAX_ACTIONS}"
            )));
        }
        Ok(ApplySettings {
            execute: flags.execute,
            rules: Rules { min_age, max_actions },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(out: &str) -> Vec<Settings> {
        let args = crate::cli::RunArgs {
            workspace: vec!["acme".into()],
            out: Some(out.into()),
            ..Default::default()
        };
        let env = |name: &str| match name {
            "MODE_API_TOKEN" | "MODE_API_SECRET" => Some("x".to_string()),
            _ => None,
        };
        super::super::load_all(&args, &env).unwrap()
    }

    #[test]
    fn defaults_flags_and_limits() {
        let all = settings("snaps");
        let a = ApplySettings::merge(&ApplyFlags::default(), &all).unwrap();
        assert_eq!((a.execute, a.rules), (false, Rules::default()));
        let flags = ApplyFlags {
            execute: true,
            min_age: Some("30d".parse().unwrap()),
            max_actions: Some(5),
        };
        let a = ApplySettings::merge(&flags, &all).unwrap();
        assert_eq!(
            (a.execute, a.rules.min_age, a.rules.max_actions),
            (true, Duration::from_secs(30 * 86_400), 5)
        );
        let zero = ApplyFlags {
            max_actions: Some(0),
            ..ApplyFlags::default()
        };
        assert!(
            ApplySettings::merge(&zero, &all)
                .unwrap_err()
                .0
                .contains("--max-actions 0")
        );
        let err = ApplySettings::merge(&ApplyFlags::default(), &settings("-"))
            .unwrap_err()
            .0;
        assert!(err.contains("not '-'"), "{err}");
        assert!(ApplySettings::merge(&ApplyFlags::default(), &settings("s3://audit/mode")).is_ok());
    }
}
