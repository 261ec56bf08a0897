//! The command line: subcommands and flags (each flag also readable from its environment variable).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod from_text;
mod guards;
pub mod settings;
mod stand_in;

pub use from_text::FromText;
pub use guards::{ApplyFlags, LeaseFlags, NotifyFlags};
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
pub(crate) const WHERE: &str = "Workspace and output";
pub(crate) const CONNECTION: &str = "Connection and pacing";
pub(crate) const READ: &str = "What is read";
pub(crate) const STOP: &str = "Stopping and resuming";
pub(crate) const FINDINGS: &str = "Findings and files";

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
/// The groups are the config file's too (`settings.rs`); the fields declared here are the command
/// line's alone (the file names its workspaces its own way, and has no shards). The order is that
/// of `run --help` under each heading.
#[derive(Debug, Default, Args)]
pub struct RunArgs {
    /// TOML config file (see config/example.toml).
    #[arg(help_heading = WHERE, long, env = "MODE_AUDIT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Workspace username, as in app.mode.com/<workspace>; repeat it (or separate with commas) to audit several, one after another.
    #[arg(help_heading = WHERE, long, env = "MODE_WORKSPACE", value_delimiter = ',')]
    pub workspace: Vec<String>,

    #[command(flatten)]
    pub lease: LeaseFlags,

    #[command(flatten)]
    pub output: settings::Output,

    #[command(flatten)]
    pub connection: settings::Connection,

    #[command(flatten)]
    pub reading: settings::Reading,

    #[command(flatten)]
    pub findings: settings::Findings,

    #[command(flatten)]
    pub stopping: settings::Stopping,

    /// Audit only this shard of the workspaces, INDEX/COUNT counted from 0 (workspaces sharing a token file stay together).
    #[arg(help_heading = WHERE, long, env = "MODE_AUDIT_SHARD", value_name = "INDEX/COUNT")]
    pub shard: Option<String>,

    #[command(flatten)]
    pub alerts: settings::Alerts,

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

/// `notify`: the connection and output flags of `run`, then its own.
#[derive(Debug, Args)]
pub struct NotifyArgs {
    #[command(flatten)]
    pub run: RunArgs,

    #[command(flatten)]
    pub notify: NotifyFlags,
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
