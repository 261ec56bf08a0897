//! The settings of `apply` (`--execute`, `--min-age`, `--max-actions`, `--findings-window`),
//! validated once.
//!
//! The guards that widen what is deleted come only from the command line. `MODE_AUDIT_MIN_AGE` and
//! `MODE_AUDIT_MAX_ACTIONS` may tighten the defaults (a longer minimum age, fewer reports a run);
//! a value that would loosen them is a configuration error naming the flag to use instead.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::narrowing::Narrowing;
use super::{ConfigError, Destination, Settings};
use crate::cli::ApplyFlags;
use crate::insights::eligibility::{DEFAULT_MAX_ACTIONS, DEFAULT_MIN_AGE, Rules};

/// The local clock `apply` reads: the system's, set off by `offset_seconds` (0 but in tests, which
/// use it to play a machine whose clock is wrong).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LocalClock {
    pub offset_seconds: i64,
}

impl LocalClock {
    pub fn now(self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.offset_seconds)
    }
}

/// Validated settings of `apply`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplySettings {
    /// Delete, rather than only plan.
    pub execute: bool,
    pub rules: Rules,
    /// `--findings-window` as given on the `apply` command line: plans from a snapshot whose
    /// findings window is at least this long are accepted even under 30 days.
    pub findings_window: Option<Duration>,
    pub clock: LocalClock,
}

const MAX_MIN_AGE: Duration = Duration::from_secs(3650 * 86_400);
const MAX_ACTIONS: usize = 1000;

/// `MODE_AUDIT_MIN_AGE`: may only lengthen the minimum age; `--min-age` may shorten it.
const MIN_AGE_FROM_ENV: Narrowing = Narrowing::new("MODE_AUDIT_MIN_AGE", "the minimum age", "--min-age", "apply");

/// `MODE_AUDIT_MAX_ACTIONS`: may only lower the cap; `--max-actions` may raise it.
const MAX_ACTIONS_FROM_ENV: Narrowing = Narrowing::new(
    "MODE_AUDIT_MAX_ACTIONS",
    "the reports unscheduled a run",
    "--max-actions",
    "apply",
);

impl ApplySettings {
    /// `flags` checked against the run settings `all` (apply reads snapshots from a folder or a
    /// bucket), with the environment `env` allowed to tighten the guards the flags leave unset.
    /// `findings_window` is `--findings-window` when the command line gave it (not the environment
    /// or the config file).
    pub fn merge(
        flags: &ApplyFlags,
        all: &[Settings],
        env: &dyn Fn(&str) -> Option<String>,
        findings_window: Option<Duration>,
    ) -> Result<ApplySettings, ConfigError> {
        if all.iter().any(|s| s.destination == Destination::Stdout) {
            return Err(ConfigError(
                "apply reads the snapshots in --out: name the output folder or bucket of your runs, not '-'".into(),
            ));
        }
        let min_age = match flags.min_age {
            Some(flag) => flag.into(),
            None => MIN_AGE_FROM_ENV.no_shorter(env, DEFAULT_MIN_AGE)?,
        };
        if min_age > MAX_MIN_AGE {
            return Err(ConfigError(format!(
                "--min-age {} is out of range: use 0s to 3650d, e.g. 14d",
                humantime::format_duration(min_age)
            )));
        }
        let max_actions = match flags.max_actions {
            Some(flag) => flag,
            None => MAX_ACTIONS_FROM_ENV.no_more(env, DEFAULT_MAX_ACTIONS, 5)?,
        };
        if !(1..=MAX_ACTIONS).contains(&max_actions) {
            return Err(ConfigError(format!(
                "--max-actions {max_actions} is out of range: use 1 to {MAX_ACTIONS}"
            )));
        }
        Ok(ApplySettings {
            execute: flags.execute,
            rules: Rules { min_age, max_actions },
            findings_window,
            clock: LocalClock::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(out: &str) -> Vec<Settings> {
        let args = crate::cli::RunArgs {
            workspace: vec!["acme".into()],
            output: crate::cli::settings::Output {
                out: Some(out.into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let env = |name: &str| match name {
            "MODE_API_TOKEN" | "MODE_API_SECRET" => Some("x".to_string()),
            _ => None,
        };
        super::super::load_all(&args, &env).unwrap()
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn the_environment_may_tighten_the_guards_never_loosen_them() {
        let all = settings("snaps");
        let env = |pairs: Vec<(&'static str, &'static str)>| {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
        };
        let tight = env(vec![("MODE_AUDIT_MIN_AGE", "30d"), ("MODE_AUDIT_MAX_ACTIONS", "3")]);
        let a = ApplySettings::merge(&ApplyFlags::default(), &all, &tight, None).unwrap();
        assert_eq!(
            (a.rules.min_age, a.rules.max_actions),
            (Duration::from_secs(30 * 86_400), 3)
        );
        for (name, value, flag) in [
            ("MODE_AUDIT_MIN_AGE", "0s", "--min-age"),
            ("MODE_AUDIT_MAX_ACTIONS", "500", "--max-actions"),
        ] {
            let err = ApplySettings::merge(&ApplyFlags::default(), &all, &env(vec![(name, value)]), None)
                .unwrap_err()
                .0;
            assert!(err.contains(name) && err.contains(flag), "{err}");
            assert!(!err.contains("  "), "the message reads as one sentence: {err}");
        }
        let flags = ApplyFlags {
            min_age: Some("0s".parse().unwrap()),
            max_actions: Some(500),
            ..ApplyFlags::default()
        };
        let loose = env(vec![("MODE_AUDIT_MIN_AGE", "0s"), ("MODE_AUDIT_MAX_ACTIONS", "500")]);
        let a = ApplySettings::merge(&flags, &all, &loose, None).unwrap();
        assert_eq!(
            (a.rules.min_age, a.rules.max_actions),
            (Duration::ZERO, 500),
            "the command line decides"
        );
    }

    #[test]
    fn defaults_flags_and_limits() {
        let all = settings("snaps");
        let a = ApplySettings::merge(&ApplyFlags::default(), &all, &no_env, None).unwrap();
        assert_eq!((a.execute, a.rules, a.findings_window), (false, Rules::default(), None));
        let flags = ApplyFlags {
            execute: true,
            min_age: Some("30d".parse().unwrap()),
            max_actions: Some(5),
        };
        let a = ApplySettings::merge(&flags, &all, &no_env, None).unwrap();
        assert_eq!(
            (a.execute, a.rules.min_age, a.rules.max_actions),
            (true, Duration::from_secs(30 * 86_400), 5)
        );
        let zero = ApplyFlags {
            max_actions: Some(0),
            ..ApplyFlags::default()
        };
        assert!(
            ApplySettings::merge(&zero, &all, &no_env, None)
                .unwrap_err()
                .0
                .contains("--max-actions 0")
        );
        let err = ApplySettings::merge(&ApplyFlags::default(), &settings("-"), &no_env, None)
            .unwrap_err()
            .0;
        assert!(err.contains("not '-'"), "{err}");
        assert!(ApplySettings::merge(&ApplyFlags::default(), &settings("s3://audit/mode"), &no_env, None).is_ok());
    }
}
