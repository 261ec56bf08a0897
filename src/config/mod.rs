//! Settings of a run, merged once and validated once: flags > environment > config file > defaults.
//!
//! Each setting is declared once, in a group of `cli::settings` that clap reads (a flag and its
//! environment variable) and serde reads (a key of the config file, `file.rs`); each default is one
//! constant (`defaults.rs`). `merge.rs` takes the flag, else the file's key, else the default, and
//! checks it, group by group. Credentials come from the environment or secret files only, never
//! flags (`credentials.rs`); the guards only the command line may widen are `apply.rs` and `mail.rs`.

use std::fmt;
use std::time::Duration;

use reqwest::Url;

use crate::cli::{LogFormat, RunArgs};
use crate::crawl::CrawlOptions;
use crate::mode::{ClientSettings, is_loopback};
use crate::notify::AlertTargets;
use crate::output::{Cells, Formats};
use crate::storage::StoreSettings;

pub mod apply;
mod caution;
mod credentials;
pub mod defaults;
pub mod discovery;
mod fields;
mod file;
mod file_errors;
pub mod insights;
pub mod mail;
mod merge;
mod narrowing;
pub mod notify;
mod out;
mod retry;
pub mod shard;
mod sim;
pub mod workspaces;

pub use self::apply::{ApplySettings, LocalClock};
pub use self::caution::cautions;
pub use self::credentials::{credentials, optional_secret};
pub use self::defaults::{DEFAULT_BASE_URL, DEFAULT_OUT, DEFAULT_SCHEDULES_MAX_AGE};
pub use self::discovery::{DiscoverySettings, Effective};
pub use self::file::{FileConfig, FileOnly};
pub use self::insights::Insights;
pub use self::mail::MailSettings;
pub use self::merge::merge;
pub use self::out::{Destination, destination};
pub use self::shard::Shard;
pub use self::sim::sim_config;
pub use self::workspaces::{WorkspaceEntry, entries, workspaces};

/// Whether and how a run picks up a stopped run's checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResumePolicy {
    pub enabled: bool,
    pub max_age: Duration,
}

/// A validated run configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub workspace: String,
    pub destination: Destination,
    pub formats: Formats,
    /// CSV cell writing (spreadsheet-formula neutralisation).
    pub cells: Cells,
    pub client: ClientSettings,
    pub crawl: CrawlOptions,
    pub resume: ResumePolicy,
    /// Stop cleanly (checkpoint, exit 4) after this long.
    pub max_duration: Option<Duration>,
    /// Reuse schedule details of the last snapshot younger than this (`--schedules-max-age`);
    /// `None` (the default, or 0) fetches every report's schedules.
    pub schedules_max_age: Option<Duration>,
    /// Draw a progress line when stderr is a terminal.
    pub progress: bool,
    /// From the config file; `--log-format` or MODE_AUDIT_LOG_FORMAT win over it.
    pub log_format: Option<LogFormat>,
    /// Findings thresholds, keep list, owner digests, metrics file.
    pub insights: Insights,
    /// Retries and timeouts of object-store calls (a bucket destination).
    pub store: StoreSettings,
    /// Workspaces of one credential group share a pacer (Mode's budget is per user).
    pub credential_group: String,
    /// `--break-lease`: take the output's lease even from a live holder (command line only).
    pub break_lease: bool,
    /// The source of the listings (`--source`) and the Discovery signature token, if one is set.
    pub discovery: DiscoverySettings,
    /// Run alerts: Slack, the generic webhook, when to send.
    pub alerts: AlertTargets,
}

/// A configuration problem; the message says what to fix. Exit code 2.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn bad(msg: impl Into<String>) -> ConfigError {
    ConfigError(msg.into())
}

/// Reads the config file the flags name (if any) and merges everything with the environment
/// (`env`: the process environment in production) into one [`Settings`] per workspace named (flags, env or file) and in this
/// shard (`--shard` / `--shards`), each with its credentials, grouped by credential group. Empty
/// when the shard has no workspace.
pub fn load_all(args: &RunArgs, env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Settings>, ConfigError> {
    let file = match &args.config {
        Some(path) => FileConfig::read(path)?,
        None => FileConfig::default(),
    };
    let entries = entries(args, &file)?;
    let shard = shard::chosen(args.shard.as_deref(), args.shards, env)?;
    let all_groups = workspaces::groups(entries);
    let groups = match shard {
        Some(s) => shard::pick(all_groups, s),
        None => all_groups,
    };
    let discovery_token = discovery::signature_token(env)?;
    let alerts = notify::alerts(args, &file, env)?;
    let mut out: Vec<Settings> = Vec::new();
    for (group, list) in groups {
        let credentials = match list[0].credentials()? {
            Some(c) => c,
            None => credentials(env)?,
        };
        for entry in list {
            let mut settings = match out.first() {
                Some(first) => first.clone(),
                None => merge(args, &file, credentials.clone())?,
            };
            settings.client.workspace = entry.name.clone();
            settings.client.credentials = credentials.clone();
            settings.workspace = entry.name;
            settings.credential_group = group.clone();
            settings.discovery.token = discovery_token.clone();
            settings.alerts = alerts.clone();
            out.push(settings);
        }
    }
    if out.len() > 1 && out[0].destination == Destination::Stdout {
        return Err(bad(
            "--out - streams one workspace's reports.csv: name a single workspace, or an output folder",
        ));
    }
    Ok(out)
}

/// Checks Mode's address: http(s) only, no credentials inside it, plain http only to this machine.
pub fn base_url(text: &str, allow_insecure_http: bool) -> Result<Url, ConfigError> {
    let url = Url::parse(text.trim()).map_err(|e| {
        bad(format!(
            "base URL '{text}' is not a URL ({e}); the default is {DEFAULT_BASE_URL}"
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "the base URL must not carry credentials; set MODE_API_TOKEN and MODE_API_SECRET instead",
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http || url.host_str().is_some_and(is_loopback) => {}
        "http" => {
            return Err(bad(format!(
                "refusing plain http:// to {}: the API token would cross the network unencrypted; use https:// or pass --allow-insecure-http",
                url.host_str().unwrap_or("?")
            )));
        }
        other => return Err(bad(format!("base URL scheme '{other}' is not supported: use https://"))),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad(format!("base URL '{text}' has no host")));
    }
    Ok(url)
}

#[cfg(test)]
mod documented;
#[cfg(test)]
mod tests;
