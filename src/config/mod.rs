//! Settings of a run, merged once and validated once: flags > environment > config file > defaults.
//!
//! Flags and their environment variables are read by clap (`cli.rs`); this file adds the TOML file
//! and the defaults, reads the credentials (environment or secret files only, never flags), and
//! turns every value into the type the run uses, or a message that says what to fix.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

use crate::cli::{LogFormat, RunArgs};
use crate::crawl::CrawlOptions;

use crate::crawl::pager::DEFAULT_PER_PAGE;
use crate::mode::{Budget, ClientSettings, Credentials, Rate, is_loopback};
use crate::notify::AlertTargets;
use crate::output::{Cells, Formats};
use crate::storage::StoreSettings;

pub mod apply;
mod caution;
mod credentials;
pub mod discovery;
mod file_errors;
pub mod insights;
pub mod mail;
pub mod notify;
mod out;
mod retry;
pub mod shard;
mod sim;
pub mod workspaces;

pub use self::apply::{ApplySettings, LocalClock};
pub use self::caution::cautions;
pub use self::credentials::{credentials, optional_secret};
pub use self::discovery::{DiscoverySettings, Effective};
pub use self::insights::Insights;
pub use self::mail::MailSettings;
pub use self::out::{Destination, destination};
pub use self::shard::Shard;
pub use self::sim::sim_config;
pub use self::workspaces::{WorkspaceEntry, entries, workspaces};

pub const DEFAULT_BASE_URL: &str = "https://app.mode.com";
pub const DEFAULT_OUT: &str = "snapshots";
/// `--schedules-max-age` when none is set: a nightly run reuses what the last snapshot read for up
/// to a week (a first run, with no earlier snapshot, is a full run anyway); 0 turns reuse off.
pub const DEFAULT_SCHEDULES_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(7 * 86_400);

/// The TOML config file; every key is optional and unknown keys are an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub workspace: Option<String>,
    /// Several workspaces, audited one after another (instead of `workspace`): names, or tables
    /// naming each workspace's credential files (see `workspaces.rs`).
    #[serde(default, deserialize_with = "workspaces::deserialize_list")]
    pub workspaces: Option<Vec<WorkspaceEntry>>,
    pub out: Option<PathBuf>,
    pub format: Option<String>,
    pub base_url: Option<String>,
    pub rate: Option<String>,
    pub concurrency: Option<usize>,
    pub per_page: Option<u32>,
    pub max_pages: Option<u32>,
    pub timeout: Option<String>,
    pub max_retries: Option<usize>,
    pub retry_min_delay: Option<String>,
    pub retry_max_delay: Option<String>,
    pub max_retry_after: Option<String>,
    pub verify_schedules: Option<bool>,
    pub exclude_archived: Option<bool>,
    pub exclude_personal: Option<bool>,
    /// `auto`, `rest`, `discovery` or `both` (the signature token itself only from the environment).
    pub source: Option<crate::cli::Source>,
    pub allow_insecure_http: Option<bool>,
    pub raw_csv: Option<bool>,
    pub progress: Option<bool>,
    pub max_duration: Option<String>,
    pub resume_max_age: Option<String>,
    pub schedules_max_age: Option<String>,
    pub log_format: Option<LogFormat>,
    pub findings_window: Option<String>,
    pub few_views: Option<u64>,
    pub keep_list: Option<PathBuf>,
    pub digests: Option<bool>,
    pub metrics_file: Option<PathBuf>,
    pub runs: Option<crate::insights::costs::RunsChoice>,
    pub runs_max_pages: Option<u32>,
    pub departed_owners: Option<bool>,
    /// Retries of one object-store call (when `out` is a bucket URL).
    pub store_max_retries: Option<usize>,
    /// No object-store retry starts this long after the call's first attempt.
    pub store_retry_timeout: Option<String>,
    /// Deadline of one object-store HTTP attempt.
    pub store_timeout: Option<String>,
    /// The generic webhook run alerts are POSTed to.
    pub notify_webhook: Option<String>,
    /// `always` or `problems`.
    pub notify_on: Option<String>,
    /// Deadline of one alert request.
    pub notify_timeout: Option<String>,
}

impl FileConfig {
    pub fn read(path: &Path) -> Result<FileConfig, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read the config file {}: {e}", path.display())))?;
        FileConfig::parse(&text).map_err(|e| ConfigError(format!("config file {}: {e}", path.display())))
    }

    pub fn parse(text: &str) -> Result<FileConfig, String> {
        toml::from_str(text).map_err(|e| file_errors::explain(&e, text))
    }
}

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

/// Flags (with their environment variables, already applied by clap) over the file over defaults.
pub fn merge(args: &RunArgs, file: &FileConfig, credentials: Credentials) -> Result<Settings, ConfigError> {
    // The first workspace named; `load_all` makes one copy per workspace.
    let workspace = workspaces(args, file)?.remove(0);
    let destination = destination(args.out.clone().or_else(|| file.out.clone()))?;
    let formats = match (&args.format, &file.format) {
        (Some(f), _) => *f,
        (None, Some(text)) => text.parse().map_err(|e| bad(format!("config key 'format': {e}")))?,
        (None, None) => Formats::default(),
    };
    let base_url = base_url(
        args.base_url
            .as_deref()
            .or(file.base_url.as_deref())
            .unwrap_or(DEFAULT_BASE_URL),
        args.allow_insecure_http.or(file.allow_insecure_http).unwrap_or(false),
    )?;
    let rate = match (args.rate, &file.rate) {
        (Some(Budget(rate)), _) => rate,
        (None, Some(text)) => {
            text.parse::<Budget>()
                .map_err(|e| bad(format!("config key 'rate': {e}")))?
                .0
        }
        (None, None) => Some(Rate::MODE),
    };
    let duration =
        |flag: Option<humantime::Duration>, key: &str, value: &Option<String>, default: Duration| match (flag, value) {
            (Some(d), _) => Ok(d.into()),
            (None, Some(text)) => humantime::parse_duration(text).map_err(|e| {
                bad(format!(
                    "config key '{key}': '{text}' is not a duration ({e}); write e.g. \"30s\" or \"1m 30s\""
                ))
            }),
            (None, None) => Ok(default),
        };
    if rate.is_none() && !base_url.host_str().is_some_and(is_loopback) {
        return Err(bad(
            "--rate off is only for a stand-in on this machine; Mode needs a budget such as 40/10s",
        ));
    }
    let timeout = duration(args.timeout, "timeout", &file.timeout, Duration::from_secs(30))?;
    let retry = retry::policy(args, file)?;
    if timeout.is_zero() {
        return Err(bad("timeout must be longer than zero"));
    }
    let concurrency = args.concurrency.or(file.concurrency).unwrap_or(64);
    if !(1..=64).contains(&concurrency) {
        return Err(bad(format!(
            "concurrency {concurrency} is out of range: use 1 to 64 (the rate limit, not concurrency, bounds the speed)"
        )));
    }
    let per_page = args.per_page.or(file.per_page).unwrap_or(DEFAULT_PER_PAGE);
    if !(1..=1000).contains(&per_page) {
        return Err(bad(format!(
            "per_page {per_page} is out of range: use 1 to 1000 (Mode's default is 30)"
        )));
    }
    let max_pages = args.max_pages.or(file.max_pages).unwrap_or(10_000);
    if max_pages == 0 {
        return Err(bad("max_pages must be at least 1"));
    }
    let flag = |a: Option<bool>, f: Option<bool>| a.or(f).unwrap_or(false);
    let max_age = duration(
        args.resume_max_age,
        "resume_max_age",
        &file.resume_max_age,
        Duration::from_secs(24 * 3600),
    )?;
    let max_duration = match (args.max_duration, &file.max_duration) {
        (None, None) => None,
        (a, f) => Some(duration(a, "max_duration", f, Duration::ZERO)?),
    };
    if max_duration.is_some_and(|d| d.is_zero()) {
        return Err(bad("max_duration must be longer than zero"));
    }
    let schedules_max_age = match (args.schedules_max_age, &file.schedules_max_age) {
        (None, None) => Some(DEFAULT_SCHEDULES_MAX_AGE),
        (a, f) => Some(duration(a, "schedules_max_age", f, Duration::ZERO)?).filter(|d| !d.is_zero()),
    };
    let store_defaults = StoreSettings::default();
    let store = StoreSettings {
        max_retries: file.store_max_retries.unwrap_or(store_defaults.max_retries),
        retry_timeout: duration(
            None,
            "store_retry_timeout",
            &file.store_retry_timeout,
            store_defaults.retry_timeout,
        )?,
        timeout: duration(None, "store_timeout", &file.store_timeout, store_defaults.timeout)?,
    };
    if store.timeout.is_zero() {
        return Err(bad("store_timeout must be longer than zero"));
    }
    Ok(Settings {
        workspace: workspace.clone(),
        destination,
        formats,
        cells: Cells {
            neutralise_formulas: !flag(args.raw_csv, file.raw_csv),
        },
        client: ClientSettings {
            base_url,
            workspace,
            credentials,
            rate,
            retry,
            timeout,
        },
        crawl: CrawlOptions {
            per_page,
            concurrency,
            verify_schedules: flag(args.verify_schedules, file.verify_schedules),
            exclude_archived: flag(args.exclude_archived, file.exclude_archived),
            exclude_personal: flag(args.exclude_personal, file.exclude_personal),
            max_pages,
            plan_only: false,
            progress: Default::default(),
            spill_dir: None,
            reuse: None,
            fetched_at: None,
            source: "rest",
        },
        resume: ResumePolicy {
            enabled: !args.fresh.unwrap_or(false),
            max_age,
        },
        max_duration,
        schedules_max_age,
        progress: !args.no_progress.unwrap_or(false) && file.progress.unwrap_or(true),
        log_format: file.log_format,
        insights: Insights::merge(args, file)?,
        store,
        credential_group: workspaces::ENV_GROUP.to_string(),
        break_lease: args.break_lease,
        discovery: DiscoverySettings {
            source: args.source.or(file.source).unwrap_or_default(),
            token: None,
        },
        alerts: AlertTargets::default(),
    })
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
