//! The insights' settings (`--findings-window`, `--few-views`, `--keep-list`, `--digests`,
//! `--metrics-file`), merged from flags, the config file and defaults.

use std::path::PathBuf;
use std::time::Duration;

use super::defaults::DEFAULT_DEPARTED_OWNERS;
use super::merge::duration;
use super::{ConfigError, FileConfig};
use crate::cli::RunArgs;
use crate::cli::settings::Findings;
use crate::insights::costs::RunsChoice;
use crate::insights::findings::FindingsOptions;
use crate::insights::keep::KeepList;

/// Validated settings of the insights (`--findings-window`, `--few-views`, `--keep-list`,
/// `--digests`, `--metrics-file`).
#[derive(Debug, Clone, Default)]
pub struct Insights {
    pub findings: FindingsOptions,
    /// Reports exempt from findings.
    pub keep: KeepList,
    /// Write `owners/<username>.csv` and `owners/README.md` into the snapshot.
    pub digests: bool,
    /// Where the Prometheus textfiles go after each run: a folder, or a file name into which each
    /// workspace is inserted (see `output::metrics::file_for`).
    pub metrics_file: Option<PathBuf>,
    /// Whose runs to read (`--runs`).
    pub runs: RunsChoice,
    /// Pages of runs per report at most (`--runs-max-pages`).
    pub runs_max_pages: u32,
    /// List the workspace's members once per run for OWNER_DEPARTED (`--departed-owners`).
    pub departed_owners: bool,
}

pub use super::defaults::DEFAULT_RUNS_MAX_PAGES;

const MAX_WINDOW: Duration = Duration::from_secs(3650 * 86_400);

impl Insights {
    /// Flags (with their environment variables) over the config file over defaults.
    pub fn merge(args: &RunArgs, file: &FileConfig) -> Result<Insights, ConfigError> {
        let (flag, set) = (&args.findings, &file.findings);
        let defaults = FindingsOptions::default();
        let window = duration(
            &flag.findings_window,
            &set.findings_window,
            "findings_window",
            "\"30d\"",
        )?
        .unwrap_or(defaults.window);
        if window < Duration::from_secs(3600) || window > MAX_WINDOW {
            return Err(ConfigError(format!(
                "findings window {} is out of range: use 1h to 3650d, e.g. 30d",
                humantime::format_duration(window)
            )));
        }
        let keep = match flag.keep_list.as_ref().or(set.keep_list.as_ref()) {
            Some(path) => KeepList::read(path).map_err(ConfigError)?,
            None => KeepList::default(),
        };
        Ok(Insights {
            findings: FindingsOptions {
                window,
                few_views: flag.few_views.or(set.few_views).unwrap_or(defaults.few_views),
            },
            keep,
            digests: flag.digests.or(set.digests).unwrap_or(false),
            metrics_file: metrics_file(flag, set)?,
            runs: flag.runs.or(set.runs).unwrap_or_default(),
            departed_owners: flag
                .departed_owners
                .or(set.departed_owners)
                .unwrap_or(DEFAULT_DEPARTED_OWNERS),
            runs_max_pages: runs_max_pages(flag, set)?,
        })
    }
}

/// Where the Prometheus textfiles go, if anywhere; never an empty name.
fn metrics_file(flag: &Findings, file: &Findings) -> Result<Option<PathBuf>, ConfigError> {
    let metrics_file = flag.metrics_file.clone().or_else(|| file.metrics_file.clone());
    if metrics_file.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
        return Err(ConfigError(
            "the metrics file is empty: name node-exporter's textfile folder, e.g. /var/lib/node_exporter/textfile/ \
             (one mode_audit-<workspace>.prom per workspace goes there)"
                .into(),
        ));
    }
    Ok(metrics_file)
}

/// Pages of runs per report at most: 1 or more.
fn runs_max_pages(flag: &Findings, file: &Findings) -> Result<u32, ConfigError> {
    match flag
        .runs_max_pages
        .or(file.runs_max_pages)
        .unwrap_or(DEFAULT_RUNS_MAX_PAGES)
    {
        0 => Err(ConfigError(
            "runs_max_pages is 0: use 1 or more, or --runs off to read no runs".into(),
        )),
        n => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(file: &str, args: RunArgs) -> Result<Insights, ConfigError> {
        Insights::merge(&args, &FileConfig::parse(file).unwrap())
    }

    #[test]
    fn flags_beat_the_file_and_defaults_fill_the_rest() {
        let i = merged(
            "findings_window = \"2w\"\nfew_views = 3\ndigests = true\n",
            RunArgs::default(),
        )
        .unwrap();
        assert_eq!(i.findings.window, Duration::from_secs(14 * 86_400));
        assert_eq!((i.findings.few_views, i.digests), (3, true));
        let args = RunArgs {
            findings: Findings {
                findings_window: Some("7d".parse().unwrap()),
                digests: Some(false),
                ..Findings::default()
            },
            ..RunArgs::default()
        };
        let i = merged("findings_window = \"2w\"\ndigests = true\n", args).unwrap();
        assert_eq!(i.findings.window, Duration::from_secs(7 * 86_400));
        assert!(!i.digests);
        let i = merged("", RunArgs::default()).unwrap();
        assert_eq!(i.findings, FindingsOptions::default());
        assert!(i.keep.is_empty() && i.metrics_file.is_none());
    }

    #[test]
    fn bad_values_say_what_to_fix() {
        let err = merged("findings_window = \"soon\"\n", RunArgs::default())
            .unwrap_err()
            .0;
        assert!(err.contains("findings_window") && err.contains("30d"), "{err}");
        let err = merged("findings_window = \"10m\"\n", RunArgs::default()).unwrap_err().0;
        assert!(err.contains("out of range"), "{err}");
        let err = merged("keep_list = \"/nonexistent/keep.toml\"\n", RunArgs::default())
            .unwrap_err()
            .0;
        assert!(err.contains("cannot read the keep list"), "{err}");
        let args = RunArgs {
            findings: Findings {
                metrics_file: Some(PathBuf::new()),
                ..Findings::default()
            },
            ..RunArgs::default()
        };
        let err = merged("", args).unwrap_err().0;
        assert!(err.contains("textfile folder"), "{err}");
        // A folder is fine: each workspace's file goes in it.
        let dir = tempfile::tempdir().unwrap();
        let args = RunArgs {
            findings: Findings {
                metrics_file: Some(dir.path().to_path_buf()),
                ..Findings::default()
            },
            ..RunArgs::default()
        };
        assert_eq!(merged("", args).unwrap().metrics_file.as_deref(), Some(dir.path()));
    }
}
