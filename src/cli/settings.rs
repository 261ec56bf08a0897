//! The settings of `run` (and the commands sharing its flags), grouped by concern and declared
//! once: each group is read by clap (a flag, with its environment variable) and by serde (a key of
//! the config file, the same name with `_`). A field only one side reads says so (`arg(skip)`:
//! the file only; `serde(skip)`: the command line only). Values written as text are [`FromText`].
//! Defaults and validation are `config::merge`'s.

use std::path::PathBuf;

use clap::Args;
use serde::Deserialize;

use super::from_text::FromText;
use super::{CONNECTION, FINDINGS, READ, STOP, Source, WHERE};
use crate::insights::costs::RunsChoice;
use crate::mode::Budget;
use crate::output::Formats;

/// Where the snapshot goes, in which formats, and how a bucket is written to.
#[derive(Debug, Default, Clone, Args, Deserialize)]
pub struct Output {
    /// Output folder (snapshots go to OUT/<workspace>/<time>/), a bucket URL (s3://BUCKET/PREFIX, gs://..., az://...; credentials from the provider's environment), or '-' for reports.csv on stdout. [default: snapshots]
    #[arg(help_heading = WHERE, long, env = "MODE_AUDIT_OUT", value_name = "DIR|URL|-")]
    pub out: Option<PathBuf>,

    /// Formats to write, comma-separated: csv, json, jsonl, xlsx, html. [default: csv,json,html]
    #[arg(help_heading = WHERE, long, env = "MODE_AUDIT_FORMAT", value_name = "LIST")]
    pub format: Option<FromText<Formats>>,

    /// Retries of one object-store call (when `out` is a bucket URL).
    #[arg(skip)]
    pub store_max_retries: Option<usize>,

    /// No object-store retry starts this long after the call's first attempt.
    #[arg(skip)]
    pub store_retry_timeout: Option<FromText<humantime::Duration>>,

    /// Deadline of one object-store HTTP attempt.
    #[arg(skip)]
    pub store_timeout: Option<FromText<humantime::Duration>>,
}

/// Mode's address, the pacing, and how a request is retried.
#[derive(Debug, Default, Clone, Args, Deserialize)]
pub struct Connection {
    /// Mode's address. [default: https://app.mode.com]
    #[arg(help_heading = CONNECTION, long, env = "MODE_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,

    /// Request budget, REQUESTS/PERIOD; requests are spaced evenly at 98% of it ('off' for local benchmarks only). [default: 40/10s]
    #[arg(help_heading = CONNECTION, long, env = "MODE_AUDIT_RATE", value_name = "N/PERIOD")]
    pub rate: Option<FromText<Budget>>,

    /// Requests in flight at most; the job keeps only as many as the latency needs to fill the budget. [default: 64]
    #[arg(help_heading = CONNECTION, long, env = "MODE_AUDIT_CONCURRENCY", value_name = "N")]
    pub concurrency: Option<usize>,

    /// per_page sent on listings (Mode's default page is 30; a server that ignores more costs nothing extra). [default: 100]
    #[arg(help_heading = CONNECTION, long, env = "MODE_AUDIT_PER_PAGE", value_name = "N")]
    pub per_page: Option<u32>,

    /// Pages per listing at most before it is reported as runaway. [default: 10000]
    #[arg(help_heading = CONNECTION, long, env = "MODE_AUDIT_MAX_PAGES", value_name = "N")]
    pub max_pages: Option<u32>,

    /// Deadline for one HTTP attempt, e.g. 30s or 1m. [default: 30s]
    #[arg(help_heading = CONNECTION, long, env = "MODE_AUDIT_TIMEOUT", value_name = "DURATION")]
    pub timeout: Option<FromText<humantime::Duration>>,

    /// Retries of a request after 5xx, timeouts or dropped connections. [default: 5]
    #[arg(help_heading = CONNECTION, long, env = "MODE_AUDIT_MAX_RETRIES", value_name = "N")]
    pub max_retries: Option<usize>,

    /// The longest a 429's Retry-After is waited; a longer one waits this long, then tries again. [default: 5m]
    #[arg(help_heading = CONNECTION, long, env = "MODE_AUDIT_MAX_RETRY_AFTER", value_name = "DURATION")]
    pub max_retry_after: Option<FromText<humantime::Duration>>,

    /// Allow plain http:// to a host other than this machine (credentials would cross the network unencrypted).
    #[arg(help_heading = CONNECTION, long, env = "MODE_AUDIT_ALLOW_INSECURE_HTTP", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub allow_insecure_http: Option<bool>,

    /// The first backoff between retries.
    #[arg(skip)]
    pub retry_min_delay: Option<FromText<humantime::Duration>>,

    /// The longest backoff between retries.
    #[arg(skip)]
    pub retry_max_delay: Option<FromText<humantime::Duration>>,
}

/// What is read of the workspace, and from where.
#[derive(Debug, Default, Clone, Args, Deserialize)]
pub struct Reading {
    /// Fetch schedules of every report, not only those whose schedules_count is above 0.
    #[arg(help_heading = READ, long, env = "MODE_AUDIT_VERIFY_SCHEDULES", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub verify_schedules: Option<bool>,

    /// Leave archived reports out of the snapshot.
    #[arg(help_heading = READ, long, env = "MODE_AUDIT_EXCLUDE_ARCHIVED", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub exclude_archived: Option<bool>,

    /// Skip members' Personal collections.
    #[arg(help_heading = READ, long, env = "MODE_AUDIT_EXCLUDE_PERSONAL", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub exclude_personal: Option<bool>,

    /// Where listings come from: rest, discovery (Enterprise plan's Discovery API; schedules still from REST), both (REST plus Discovery's last_viewed_at and more, cross-checked), or auto (both when MODE_DISCOVERY_TOKEN is set, else rest). discovery and both mint a signature token for the run when none is set (an admin's API key). [default: auto]
    #[arg(long, env = "MODE_AUDIT_SOURCE", value_enum)]
    pub source: Option<Source>,

    /// Reuse the schedule details of the last snapshot for reports whose schedules_count and updated_at did not change, while younger than this (e.g. 14d); the oldest are refreshed a share each run; runs tallies are kept with them. [default: 14d] 0: a full run, every report's schedules and runs read.
    #[arg(help_heading = READ, long, env = "MODE_AUDIT_SCHEDULES_MAX_AGE", value_name = "DURATION")]
    pub schedules_max_age: Option<FromText<humantime::Duration>>,
}

/// The findings, the files written beside them, and the runs and members read for them.
#[derive(Debug, Default, Clone, Args, Deserialize)]
pub struct Findings {
    /// Write CSV cells exactly as Mode sent them; by default a cell starting with = + - @ tab or CR gets a leading ' so spreadsheets do not run it as a formula.
    #[arg(help_heading = FINDINGS, long, env = "MODE_AUDIT_RAW_CSV", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub raw_csv: Option<bool>,

    /// SCHEDULED_NOT_VIEWED_RECENTLY looks for views gained over this long; needs a snapshot at least that old. [default: 30d]
    #[arg(help_heading = FINDINGS, long, env = "MODE_AUDIT_FINDINGS_WINDOW", value_name = "DURATION")]
    pub findings_window: Option<FromText<humantime::Duration>>,

    /// HIGH_FREQUENCY_FEW_VIEWS: a view_count below this is few. [default: 10]
    #[arg(help_heading = FINDINGS, long, env = "MODE_AUDIT_FEW_VIEWS", value_name = "N")]
    pub few_views: Option<u64>,

    /// TOML file of reports exempt from findings: [[keep]] token = "..." reason = "...".
    #[arg(help_heading = FINDINGS, long, env = "MODE_AUDIT_KEEP_LIST", value_name = "FILE")]
    pub keep_list: Option<PathBuf>,

    /// Also write owners/<username>.csv (each owner's findings) and owners/README.md into the snapshot.
    #[arg(help_heading = FINDINGS, long, env = "MODE_AUDIT_DIGESTS", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub digests: Option<bool>,

    /// After the run, write Prometheus metrics for node-exporter's textfile collector: a folder (one mode_audit-<workspace>.prom each) or a file name the workspace is inserted into.
    #[arg(help_heading = FINDINGS, long, env = "MODE_AUDIT_METRICS_FILE", value_name = "PATH")]
    pub metrics_file: Option<PathBuf>,

    /// Read the runs of the last 30 days of these scheduled reports: those with a finding, all, or none (off: the cost stays the expected_runtime proxy). [default: findings]
    #[arg(long, env = "MODE_AUDIT_RUNS", value_name = "WHICH")]
    pub runs: Option<RunsChoice>,

    /// Pages of runs read per report at most; beyond them the cost is sampled from the newest runs (one page of 100 estimates a regular schedule within 5%: BENCHMARKS.md). [default: 1]
    #[arg(long, env = "MODE_AUDIT_RUNS_MAX_PAGES", value_name = "N")]
    pub runs_max_pages: Option<u32>,

    /// List the workspace's members once per run and raise OWNER_DEPARTED on scheduled reports whose creator is no longer an active member (false: no memberships request). [default: true]
    #[arg(long, env = "MODE_AUDIT_DEPARTED_OWNERS", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub departed_owners: Option<bool>,
}

/// Stopping early, resuming, and the progress line.
#[derive(Debug, Default, Clone, Args, Deserialize)]
pub struct Stopping {
    /// Stop cleanly after this long (e.g. 55m, before a CronJob deadline): save a checkpoint, publish nothing, exit 4.
    #[arg(help_heading = STOP, long, env = "MODE_AUDIT_MAX_DURATION", value_name = "DURATION")]
    pub max_duration: Option<FromText<humantime::Duration>>,

    /// Ignore any checkpoint left by a stopped run and start over.
    #[arg(help_heading = STOP, long, env = "MODE_AUDIT_FRESH", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    #[serde(skip)]
    pub fresh: Option<bool>,

    /// Never draw the progress line (it is drawn only when stderr is a terminal anyway).
    #[arg(help_heading = STOP, long, env = "MODE_AUDIT_NO_PROGRESS", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    #[serde(skip)]
    pub no_progress: Option<bool>,

    /// Resume from a stopped run's checkpoint only if it is younger than this. [default: 24h]
    #[arg(help_heading = STOP, long, env = "MODE_AUDIT_RESUME_MAX_AGE", value_name = "DURATION")]
    pub resume_max_age: Option<FromText<humantime::Duration>>,

    /// `false` never draws the progress line (the file's word for `--no-progress`).
    #[arg(skip)]
    pub progress: Option<bool>,
}

/// Run alerts. Slack's URL and the webhook's signing secret are secrets: the environment only.
#[derive(Debug, Default, Clone, Args, Deserialize)]
pub struct Alerts {
    /// POST one JSON document per workspace and run here (schema mode-audit.run/1; signed when MODE_AUDIT_WEBHOOK_SECRET is set). Slack's URL is a secret: MODE_AUDIT_SLACK_WEBHOOK, never a flag.
    #[arg(long, env = "MODE_AUDIT_NOTIFY_WEBHOOK", value_name = "URL")]
    pub notify_webhook: Option<String>,

    /// When run alerts go out: always, or problems (exit not 0, or new findings). [default: problems]
    #[arg(long, env = "MODE_AUDIT_NOTIFY_ON", value_name = "always|problems")]
    pub notify_on: Option<String>,

    /// Deadline of one run-alert request (each is retried once). [default: 10s]
    #[arg(long, env = "MODE_AUDIT_NOTIFY_TIMEOUT", value_name = "DURATION")]
    pub notify_timeout: Option<FromText<humantime::Duration>>,
}
