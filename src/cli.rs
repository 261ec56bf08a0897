//! The command line: subcommands and flags (each flag also readable from its environment variable).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::mode::Budget;
use crate::output::Formats;

mod stand_in;

pub use stand_in::{DemoArgs, SimArgs};

#[derive(Debug, Parser)]
#[command(
    name = "mode-audit",
    version,
    about = "Audit every report of a Mode workspace: schedules, views, and a completeness ledger, as CSV and JSON snapshots.",
    long_about = "Audit every report of a Mode workspace: schedules, views, and a completeness ledger, as CSV and JSON snapshots.\n\n\
                  Credentials come only from the environment: MODE_API_TOKEN and MODE_API_SECRET, or files named by \
                  MODE_API_TOKEN_FILE and MODE_API_SECRET_FILE.",
    before_help = "New here? `mode-audit demo` audits a built-in stand-in for Mode in seconds: no credentials, no network."
)]
pub struct Cli {
    /// Log format on stderr (RUST_LOG sets the level, default info).
    #[arg(long, global = true, value_enum, env = "MODE_AUDIT_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Where the report listings come from (`--source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// `both` when a Discovery signature token is configured, `rest` otherwise; never mints one.
    #[default]
    Auto,
    /// The REST API alone: every collection, every report page.
    Rest,
    /// The Discovery API's listings (Enterprise plan), schedules from REST.
    Discovery,
    /// The REST walk, with the Discovery fields joined by report token and the two sets cross-checked.
    Both,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit a Mode workspace and write a snapshot.
    #[command(after_help = RUN_EXAMPLES)]
    Run(RunArgs),
    /// Walk collections and report pages only, then print how many requests and how long a full run needs.
    Plan(RunArgs),
    /// Check credentials, workspace, admin scope, rate-limit headers and the output folder, with a fix for each failure.
    Doctor(RunArgs),
    /// Compare two snapshots: reports added, removed or moved, schedules added, removed or changed, view counts.
    Diff(DiffArgs),
    /// Delete the schedules of reports nobody views or receives, from the newest complete snapshot: a dry run unless --execute.
    Apply(ApplyArgs),
    /// Email each owner their scheduled reports with findings, from the newest complete snapshot: a dry run (writing .eml files) unless --execute.
    Notify(NotifyArgs),
    /// Recreate the schedules an apply deleted, from its undo log: a dry run unless --execute.
    Undo(UndoArgs),
    /// Audit a built-in stand-in workspace end to end and print a summary (no credentials needed).
    Demo(DemoArgs),
    /// Serve the Mode stand-in on a local port, to test pipelines against.
    Sim(SimArgs),
}

// The headings of `run -h` (shared by plan, doctor, apply and undo).
const WHERE: &str = "Workspace and output";
const CONNECTION: &str = "Connection and pacing";
const READ: &str = "What is read";
const STOP: &str = "Stopping and resuming";
const FINDINGS: &str = "Findings and files";

/// Examples under `run --help`.
const RUN_EXAMPLES: &str = "Examples:
  mode-audit run --workspace acme                       snapshots/acme/<time>/, at Mode's 40 requests per 10 s
  mode-audit run --workspace acme --format csv,xlsx     a workbook for people, beside the CSV files
  mode-audit run --workspace acme --out s3://bucket/mode
  mode-audit run --config mode-audit.toml --max-duration 55m   stop cleanly before a CronJob's deadline
  mode-audit run --workspace acme --out - > reports.csv  reports.csv on stdout, the summary on stderr

First time? `mode-audit doctor --workspace acme` checks the setup; `mode-audit demo` shows a run
against a built-in stand-in, with no credentials.";

/// Flags of `run`. Each is optional here: unset ones fall back to the config file, then defaults.
#[derive(Debug, Default, Args)]
pub struct RunArgs {
    /// TOML config file (see config/example.toml).
    #[arg(help_heading = WHERE, long, env = "MODE_AUDIT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Workspace username, as in app.mode.com/<workspace>; repeat it (or separate with commas) to audit several, one after another.
    #[arg(help_heading = WHERE, long, env = "MODE_WORKSPACE", value_delimiter = ',')]
    pub workspace: Vec<String>,

    /// Clear the lease another mode-audit holds on this output (OUT/<workspace>/lease.json) and take it: only when that process is gone (refused when it runs on this host, PID namespace and boot). Command line only.
    #[arg(long)]
    pub break_lease: bool,

    /// Output folder (snapshots go to OUT/<workspace>/<time>/), a bucket URL (s3://BUCKET/PREFIX, gs://..., az://...; credentials from the provider's environment), or '-' for reports.csv on stdout. [default: snapshots]
    #[arg(help_heading = WHERE, long, env = "MODE_AUDIT_OUT", value_name = "DIR|URL|-")]
    pub out: Option<PathBuf>,

    /// Formats to write, comma-separated: csv, json, jsonl, xlsx, html. [default: csv,json,html]
    #[arg(help_heading = WHERE, long, env = "MODE_AUDIT_FORMAT", value_name = "LIST")]
    pub format: Option<Formats>,

    /// Mode's address. [default: https://app.mode.com]
    #[arg(help_heading = CONNECTION, long, env = "MODE_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,

    /// Request budget, REQUESTS/PERIOD; requests are spaced evenly at 98% of it ('off' for local benchmarks only). [default: 40/10s]
    #[arg(help_heading = CONNECTION, long, env = "MODE_AUDIT_RATE", value_name = "N/PERIOD")]
    pub rate: Option<Budget>,

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
    pub timeout: Option<humantime::Duration>,

    /// Retries of a request after 5xx, timeouts or dropped connections. [default: 5]
    #[arg(help_heading = CONNECTION, long, env = "MODE_AUDIT_MAX_RETRIES", value_name = "N")]
    pub max_retries: Option<usize>,

    /// The longest a 429's Retry-After is waited; a longer one waits this long, then tries again. [default: 5m]
    #[arg(help_heading = CONNECTION, long, env = "MODE_AUDIT_MAX_RETRY_AFTER", value_name = "DURATION")]
    pub max_retry_after: Option<humantime::Duration>,

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

    /// Allow plain http:// to a host other than this machine (credentials would cross the network unencrypted).
    #[arg(help_heading = CONNECTION, long, env = "MODE_AUDIT_ALLOW_INSECURE_HTTP", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub allow_insecure_http: Option<bool>,

    /// Write CSV cells exactly as Mode sent them; by default a cell starting with = + - @ tab or CR gets a leading ' so spreadsheets do not run it as a formula.
    #[arg(help_heading = FINDINGS, long, env = "MODE_AUDIT_RAW_CSV", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub raw_csv: Option<bool>,

    /// Stop cleanly after this long (e.g. 55m, before a CronJob deadline): save a checkpoint, publish nothing, exit 4.
    #[arg(help_heading = STOP, long, env = "MODE_AUDIT_MAX_DURATION", value_name = "DURATION")]
    pub max_duration: Option<humantime::Duration>,

    /// Ignore any checkpoint left by a stopped run and start over.
    #[arg(help_heading = STOP, long, env = "MODE_AUDIT_FRESH", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub fresh: Option<bool>,

    /// Never draw the progress line (it is drawn only when stderr is a terminal anyway).
    #[arg(help_heading = STOP, long, env = "MODE_AUDIT_NO_PROGRESS", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub no_progress: Option<bool>,

    /// Resume from a stopped run's checkpoint only if it is younger than this. [default: 24h]
    #[arg(help_heading = STOP, long, env = "MODE_AUDIT_RESUME_MAX_AGE", value_name = "DURATION")]
    pub resume_max_age: Option<humantime::Duration>,

    /// Reuse the schedule details of the last snapshot for reports whose schedules_count and updated_at did not change, while younger than this (e.g. 7d); the oldest are refreshed a share each run; runs tallies are kept with them. [default: 7d] 0: a full run, every report's schedules and runs read.
    #[arg(help_heading = READ, long, env = "MODE_AUDIT_SCHEDULES_MAX_AGE", value_name = "DURATION")]
    pub schedules_max_age: Option<humantime::Duration>,

    /// SCHEDULED_NOT_VIEWED_RECENTLY looks for views gained over this long; needs a snapshot at least that old. [default: 30d]
    #[arg(help_heading = FINDINGS, long, env = "MODE_AUDIT_FINDINGS_WINDOW", value_name = "DURATION")]
    pub findings_window: Option<humantime::Duration>,

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
    pub runs: Option<crate::insights::costs::RunsChoice>,

    /// Pages of runs read per report at most; beyond them the cost is sampled from the newest runs (one page of 100 estimates a regular schedule within 5%: BENCHMARKS.md). [default: 1]
    #[arg(long, env = "MODE_AUDIT_RUNS_MAX_PAGES", value_name = "N")]
    pub runs_max_pages: Option<u32>,

    /// List the workspace's members once per run and raise OWNER_DEPARTED on scheduled reports whose creator is no longer an active member (false: no memberships request). [default: true]
    #[arg(long, env = "MODE_AUDIT_DEPARTED_OWNERS", num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub departed_owners: Option<bool>,

    /// Audit only this shard of the workspaces, INDEX/COUNT counted from 0 (workspaces sharing a token file stay together).
    #[arg(help_heading = WHERE, long, env = "MODE_AUDIT_SHARD", value_name = "INDEX/COUNT")]
    pub shard: Option<String>,

    /// POST one JSON document per workspace and run here (schema mode-audit.run/1; signed when MODE_AUDIT_WEBHOOK_SECRET is set). Slack's URL is a secret: MODE_AUDIT_SLACK_WEBHOOK, never a flag.
    #[arg(long, env = "MODE_AUDIT_NOTIFY_WEBHOOK", value_name = "URL")]
    pub notify_webhook: Option<String>,

    /// When run alerts go out: always, or problems (exit not 0, or new findings). [default: problems]
    #[arg(long, env = "MODE_AUDIT_NOTIFY_ON", value_name = "always|problems")]
    pub notify_on: Option<String>,

    /// Deadline of one run-alert request (each is retried once). [default: 10s]
    #[arg(long, env = "MODE_AUDIT_NOTIFY_TIMEOUT", value_name = "DURATION")]
    pub notify_timeout: Option<humantime::Duration>,

    /// Shard count, with this pod's index from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).
    #[arg(help_heading = WHERE, long, env = "MODE_AUDIT_SHARDS", value_name = "COUNT")]
    pub shards: Option<u32>,
}

/// `apply`: the connection flags of `run`, then its own.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub run: RunArgs,

    #[command(flatten)]
    pub apply: ApplyFlags,
}

/// Flags only `apply` takes. `--execute` has no environment variable or config key on purpose:
/// deleting needs to be asked for on the command line.
#[derive(Debug, Default, Args)]
pub struct ApplyFlags {
    /// Delete the planned schedules. Without it nothing in Mode changes: the plan is printed and written beside the snapshot.
    #[arg(long)]
    pub execute: bool,

    /// The unused finding must have held in 3 or more snapshots spanning this long, and the report be at least this old. Only this flag can shorten it; MODE_AUDIT_MIN_AGE may only lengthen the default. [default: 14d]
    #[arg(long, value_name = "DURATION")]
    pub min_age: Option<humantime::Duration>,

    /// Reports (not schedules: each goes with all its schedules) unscheduled per run at most, the largest runtime saved first. Only this flag can raise it; MODE_AUDIT_MAX_ACTIONS may only lower the default. [default: 20]
    #[arg(long, value_name = "N")]
    pub max_actions: Option<usize>,
}

/// `notify`: the connection and output flags of `run`, then its own.
#[derive(Debug, Args)]
pub struct NotifyArgs {
    #[command(flatten)]
    pub run: RunArgs,

    #[command(flatten)]
    pub notify: NotifyFlags,
}

/// Flags only `notify` takes. `--execute` has no environment variable or config key on purpose:
/// writing to people needs to be asked for on the command line. `--renotify-after` and
/// `--max-emails` widen who is written to: their environment variables are read by
/// `config::mail`, which lets them only tighten the defaults.
#[derive(Debug, Default, Args)]
pub struct NotifyFlags {
    /// Send the emails over SMTP (MODE_AUDIT_SMTP_URL). Without it nothing is sent: each message is written as an .eml file into the snapshot's owners/ folder.
    #[arg(long)]
    pub execute: bool,

    /// The sender, e.g. "Data team <data@example.com>" (required with --execute).
    #[arg(long, env = "MODE_AUDIT_NOTIFY_FROM", value_name = "ADDRESS")]
    pub from: Option<String>,

    /// The same finding is not mailed to the same owner again within this long. Only this flag can shorten it; MODE_AUDIT_RENOTIFY_AFTER may only lengthen the default. [default: 14d]
    #[arg(long, value_name = "DURATION")]
    pub renotify_after: Option<humantime::Duration>,

    /// Emails sent per run at most, the owners with the costliest findings first. Only this flag can raise it; MODE_AUDIT_MAX_EMAILS may only lower the default. [default: 50]
    #[arg(long, value_name = "N")]
    pub max_emails: Option<usize>,
}

/// `undo LOG`: the log, `--execute`, and the connection flags of `run`.
#[derive(Debug, Args)]
pub struct UndoArgs {
    /// The undo log an apply wrote: OUT/<workspace>/actions/<time>.jsonl, in a folder or a bucket (s3://BUCKET/PREFIX/<workspace>/actions/<time>.jsonl); an older OUT/<workspace>/<time>/undo-log.jsonl is read too.
    #[arg(value_name = "LOG")]
    pub log: PathBuf,

    /// Recreate the schedules. Without it nothing in Mode changes: what would be recreated is printed.
    #[arg(long)]
    pub execute: bool,

    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older snapshot: a snapshot folder (OUT/<workspace>/<time>, or OUT/<workspace>/latest), its snapshot.json, or a snapshot URL (s3://BUCKET/PREFIX/<workspace>/<time> or .../latest).
    #[arg(value_name = "OLD")]
    pub old: PathBuf,

    /// The newer snapshot, given the same way.
    #[arg(value_name = "NEW")]
    pub new: PathBuf,

    /// Also write every change to DIR/diff.csv and DIR/diff.json (the table on stdout shows the first few of each kind).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}
