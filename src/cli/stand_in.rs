//! The flags of the stand-in's commands: `demo` (audit the built-in stand-in) and `sim` (serve it).

use std::path::PathBuf;

use clap::Args;

use crate::output::Formats;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output folder for the demo snapshot.
    #[arg(long, default_value = "mode-audit-demo", value_name = "DIR")]
    pub out: PathBuf,

    /// Formats to write, comma-separated: csv, json, jsonl, xlsx, html.
    #[arg(long, default_value = "csv,json,html", value_name = "LIST")]
    pub format: Formats,

    /// Seed of the generated workspace.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Change the stand-in first, as if weeks had passed (views grow, schedules change, a report moves, one is
    /// deleted): run the demo once without and once with it, then compare the two with `mode-audit diff`.
    #[arg(long)]
    pub changed: bool,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: std::net::SocketAddr,

    /// Workspace username served.
    #[arg(long, default_value = "acme")]
    pub workspace: String,

    /// Seed of the generated workspace.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Reports in the workspace.
    #[arg(long, default_value_t = 300)]
    pub reports: usize,

    /// Custom collections in the workspace (plus personal and community ones).
    #[arg(long, default_value_t = 6)]
    pub collections: usize,

    /// Share of reports with a schedule, 0 to 1.
    #[arg(long, default_value_t = 0.2)]
    pub scheduled_share: f64,

    /// Change this share of the reports (0 to 1) before serving, as a day of use would: views grow,
    /// most picked reports run again (their updated_at moves), some schedules change. The same
    /// --seed with and without it serves a workspace one run apart.
    #[arg(long, default_value_t = 0.0, value_name = "SHARE")]
    pub drift: f64,

    /// Seed that picks the reports --drift changes and how.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub drift_seed: u64,

    /// The server's rate limit, REQUESTS/PERIOD, or 'off'.
    #[arg(long, default_value = "40/10s", value_name = "N/PERIOD|off")]
    pub limit: String,

    /// Added to every response, e.g. 300ms.
    #[arg(long, default_value = "0ms", value_name = "DURATION")]
    pub latency: humantime::Duration,

    /// Share of list requests answered with a 5xx, 0 to 1.
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,

    /// Repeat the last page past the end instead of answering an empty page.
    #[arg(long)]
    pub repeat_last_page: bool,

    /// Ignore per_page (always 30 a page).
    #[arg(long)]
    pub ignore_per_page: bool,

    /// Serve at most N items a page on every listing (REST and Discovery), whatever per_page asks.
    #[arg(long, value_name = "N")]
    pub page_cap: Option<usize>,

    /// Send no pagination.total_count (nor Discovery's total_pages) on runs, memberships and
    /// Discovery listings; without it the other REST listings carry none either.
    #[arg(long)]
    pub no_totals: bool,
}
