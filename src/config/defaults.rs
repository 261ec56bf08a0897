//! The default of every setting of a run, each one named once. Those a lower layer owns are named
//! there and listed here: the walk's (`crawl`), Mode's pacing and retries (`mode::Rate::MODE`,
//! `mode::RetryPolicy::default`), the findings' (`insights::findings::FindingsOptions::default`),
//! the object store's (`storage::StoreSettings::default`) and the alerts' timeout (`notify`).

use std::time::Duration;

pub use crate::crawl::pager::DEFAULT_PER_PAGE;
pub use crate::crawl::{DEFAULT_CONCURRENCY, DEFAULT_MAX_PAGES};
pub use crate::notify::targets::DEFAULT_TIMEOUT as DEFAULT_NOTIFY_TIMEOUT;

/// `--base-url`: Mode.
pub const DEFAULT_BASE_URL: &str = "https://app.mode.com";
/// `--out`: a folder beside the working directory.
pub const DEFAULT_OUT: &str = "snapshots";
/// `--timeout`: the deadline of one HTTP attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// `--resume-max-age`: a stopped run's checkpoint older than this is not resumed.
pub const DEFAULT_RESUME_MAX_AGE: Duration = Duration::from_secs(24 * 3600);
/// `--schedules-max-age` when none is set: a nightly run reuses what the last snapshot read for up
/// to two weeks (a first run, with no earlier snapshot, is a full run anyway); 0 turns reuse off.
pub const DEFAULT_SCHEDULES_MAX_AGE: Duration = Duration::from_secs(14 * 86_400);
/// `--runs-max-pages`: the newest 100 runs, exact for a regular schedule.
pub const DEFAULT_RUNS_MAX_PAGES: u32 = 1;
/// `--departed-owners`: the members are listed once per run.
pub const DEFAULT_DEPARTED_OWNERS: bool = true;

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::cli::Cli;
    use crate::insights::findings::FindingsOptions;
    use crate::mode::{Rate, RetryPolicy};

    /// The `[default: ...]` the help of `run --LONG` states.
    fn stated(long: &str) -> String {
        let run = Cli::command().find_subcommand("run").cloned().unwrap();
        let arg = run.get_arguments().find(|a| a.get_long() == Some(long)).unwrap();
        let help = arg.get_help().unwrap().to_string();
        let (_, rest) = help
            .split_once("[default: ")
            .unwrap_or_else(|| panic!("--{long}: {help}"));
        rest.split(']').next().unwrap().to_string()
    }

    fn stated_duration(long: &str) -> Duration {
        humantime::parse_duration(&stated(long)).unwrap()
    }

    #[test]
    fn the_help_states_each_default_as_its_constant_says() {
        assert_eq!(stated("base-url"), DEFAULT_BASE_URL);
        assert_eq!(stated("out"), DEFAULT_OUT);
        assert_eq!(stated("rate"), Rate::MODE.to_string());
        assert_eq!(stated("concurrency"), DEFAULT_CONCURRENCY.to_string());
        assert_eq!(stated("per-page"), DEFAULT_PER_PAGE.to_string());
        assert_eq!(stated("max-pages"), DEFAULT_MAX_PAGES.to_string());
        assert_eq!(stated("runs-max-pages"), DEFAULT_RUNS_MAX_PAGES.to_string());
        assert_eq!(stated("departed-owners"), DEFAULT_DEPARTED_OWNERS.to_string());
        let (retry, findings) = (RetryPolicy::default(), FindingsOptions::default());
        assert_eq!(stated("max-retries"), retry.max_retries.to_string());
        assert_eq!(stated("few-views"), findings.few_views.to_string());
        assert_eq!(stated_duration("max-retry-after"), retry.max_retry_after);
        assert_eq!(stated_duration("findings-window"), findings.window);
        assert_eq!(stated_duration("timeout"), DEFAULT_TIMEOUT);
        assert_eq!(stated_duration("resume-max-age"), DEFAULT_RESUME_MAX_AGE);
        assert_eq!(stated_duration("schedules-max-age"), DEFAULT_SCHEDULES_MAX_AGE);
        assert_eq!(stated_duration("notify-timeout"), DEFAULT_NOTIFY_TIMEOUT);
    }
}
