//! mode-audit: audits every report of a Mode Analytics workspace and writes CSV/JSON snapshots.
//!
//! The architecture, one folder per concept. Dependencies point one way, from the top of this
//! list down (`tests/integration/architecture.rs` fails when a lower folder imports a higher one):
//!
//! | layer | module | holds |
//! |---|---|---|
//! | entry | `main.rs`, [`cli`], [`logging`], [`exit`] | parse the command line, log, map results to exit codes |
//! | commands | [`commands`] | run, plan, doctor, diff, apply, notify, undo, demo: each takes plain settings, never clap structs |
//! | settings | [`config`] | flags > environment > TOML file > defaults, validated once into [`config::Settings`] |
//! | work | [`crawl`] | the walk (collections → reports → schedules), runs and members, checkpoint and progress |
//! | work | [`insights`] | findings, history, the keep list, the changes between two snapshots, schedule reuse, apply eligibility |
//! | work | [`output`] | the CSV/JSON/JSONL writers, the workbook, the page (`html/`: report.html), atomic publication of a snapshot folder (or its upload to a bucket), metrics |
//! | work | [`notify`] | delivery to people: run alerts (Slack, a signed webhook), owner emails (composed, logged in notify-log.jsonl, sent over SMTP) |
//! | data | [`snapshot`] | the records a run collects, the report store, the summary, the folder layout |
//! | data | [`storage`] | the same layout in an object store (S3, GCS, Azure): upload, completion marker, download |
//! | Mode | [`mode`] | the only code that knows HTTP and Mode's JSON: client, models, the pager (where every listing ends), pacer, rate, retry |
//! | base | [`stop`], [`atomic`] | stopping on a signal or deadline; writing a file atomically |
//!
//! [`sim`] is the Mode stand-in (tests, benchmarks, `demo`, `sim`); it knows nothing of the
//! client, only of the API it imitates.

pub mod atomic;
pub mod cli;
pub mod commands;
pub mod config;
pub mod crawl;
pub mod exit;
pub mod insights;
pub mod logging;
pub mod mode;
pub mod notify;
pub mod output;
pub mod sim;
pub mod snapshot;
pub mod stop;
pub mod storage;

#[cfg(test)]
pub(crate) mod test_support;
