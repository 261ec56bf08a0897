//! The TOML config file: one flat table of keys. Most are the settings groups the flags share
//! (`cli::settings`, each read from the same text); a few only the file has (`FileOnly`). An unknown
//! key is an error that names the nearest known one.

use std::path::Path;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::workspaces::{self, WorkspaceEntry};
use super::{ConfigError, fields, file_errors};
use crate::cli::LogFormat;
use crate::cli::settings::{Alerts, Connection, Findings, Output, Reading, Stopping};

/// The keys only the file has: the workspaces it names, and the log format.
#[derive(Debug, Default, Deserialize)]
pub struct FileOnly {
    pub workspace: Option<String>,
    /// Several workspaces, audited one after another (instead of `workspace`): names, or tables
    /// naming each workspace's credential files (see `workspaces.rs`).
    #[serde(default, deserialize_with = "workspaces::deserialize_list")]
    pub workspaces: Option<Vec<WorkspaceEntry>>,
    pub log_format: Option<LogFormat>,
}

/// The TOML config file; every key is optional and unknown keys are an error.
#[derive(Debug, Default)]
pub struct FileConfig {
    pub only: FileOnly,
    pub output: Output,
    pub connection: Connection,
    pub reading: Reading,
    pub findings: Findings,
    pub stopping: Stopping,
    pub alerts: Alerts,
}

impl FileConfig {
    pub fn read(path: &Path) -> Result<FileConfig, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read the config file {}: {e}", path.display())))?;
        FileConfig::parse(&text).map_err(|e| ConfigError(format!("config file {}: {e}", path.display())))
    }

    /// Each group reads its keys from the whole text (so a wrong value's message keeps its line),
    /// once every key is known to belong to one.
    pub fn parse(text: &str) -> Result<FileConfig, String> {
        file_errors::known_keys_only(text, &FileConfig::keys())?;
        Ok(FileConfig {
            only: group(text)?,
            output: group(text)?,
            connection: group(text)?,
            reading: group(text)?,
            findings: group(text)?,
            stopping: group(text)?,
            alerts: group(text)?,
        })
    }

    /// Every key the file may hold, group by group.
    pub fn keys() -> Vec<&'static str> {
        [
            fields::of::<FileOnly>(),
            fields::of::<Output>(),
            fields::of::<Connection>(),
            fields::of::<Reading>(),
            fields::of::<Findings>(),
            fields::of::<Stopping>(),
            fields::of::<Alerts>(),
        ]
        .concat()
    }
}

/// One group's keys of the text (the others' are passed over).
fn group<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| file_errors::explain(&e, text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::settings::Stopping;

    #[test]
    fn the_keys_are_those_the_file_has_always_had() {
        let mut keys = FileConfig::keys();
        keys.sort_unstable();
        let mut earlier = vec![
            "workspace",
            "workspaces",
            "out",
            "format",
            "base_url",
            "rate",
            "concurrency",
            "per_page",
            "max_pages",
            "timeout",
            "max_retries",
            "retry_min_delay",
            "retry_max_delay",
            "max_retry_after",
            "verify_schedules",
            "exclude_archived",
            "exclude_personal",
            "source",
            "allow_insecure_http",
            "raw_csv",
            "progress",
            "max_duration",
            "resume_max_age",
            "schedules_max_age",
            "log_format",
            "findings_window",
            "few_views",
            "keep_list",
            "digests",
            "metrics_file",
            "runs",
            "runs_max_pages",
            "departed_owners",
            "store_max_retries",
            "store_retry_timeout",
            "store_timeout",
            "notify_webhook",
            "notify_on",
            "notify_timeout",
        ];
        earlier.sort_unstable();
        assert_eq!(keys, earlier);
        // The command line's own fields of a group are no keys.
        assert_eq!(fields::of::<Stopping>(), ["max_duration", "resume_max_age", "progress"]);
    }

    #[test]
    fn an_unknown_key_is_found_wherever_it_is_and_a_group_reads_only_its_own() {
        let err = FileConfig::parse("workspace = \"a\"\nrate = \"20/10s\"\n\nfresh = true\n").unwrap_err();
        assert!(err.starts_with("line 4: unknown key `fresh`"), "{err}");
        let file = FileConfig::parse("workspace = \"a\"\nconcurrency = 3\nfew_views = 2\n").unwrap();
        assert_eq!(file.only.workspace.as_deref(), Some("a"));
        assert_eq!(
            (file.connection.concurrency, file.findings.few_views),
            (Some(3), Some(2))
        );
    }
}
