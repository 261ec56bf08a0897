//! mode-audit: audits every report of a Mode Analytics workspace and writes CSV/JSON snapshots.
//!
//! The architecture, one folder per concept. This table is the one statement of the layers:
//! `tests/integration/architecture.rs` reads its `rank` column and fails when a module imports one
//! of a higher rank (peers of one rank may use each other, without a circle), and checks that the
//! README's arrow says the same.
//!
//! | rank | layer | modules | holds |
//! |---|---|---|---|
//! | 8 | entry | `main.rs`, `lib.rs`, [`logging`], [`exit`] | parse the command line, log, map results to exit codes |
//! | 7 | commands | [`commands`] | run, plan, doctor, diff, apply, notify, undo, demo: each takes plain settings, never clap structs |
//! | 6 | settings | [`config`] | flags > environment > TOML file > defaults, validated once into [`config::Settings`] |
//! | 5 | command line | [`cli`] | the clap definitions of every command and flag, which [`config`] merges |
//! | 4 | work | [`crawl`] | the walk (collections → reports → schedules), runs and members, checkpoint and progress |
//! | 4 | work | [`insights`] | findings, history, the keep list, the changes between two snapshots, schedule reuse, apply eligibility |
//! | 4 | work | [`output`] | the CSV/JSON/JSONL writers, the workbook, the page (`html/`: report.html), the workspace's output (a folder or a bucket: [`output::Place`]) with atomic publication of a snapshot folder (or its upload), metrics |
//! | 4 | work | [`notify`] | delivery to people: run alerts (Slack, a signed webhook), owner emails (composed, logged in notify-log.jsonl, sent over SMTP) |
//! | 3 | data | [`snapshot`] | the records a run collects, the report store, the summary, the folder layout |
//! | 3 | data | [`storage`] | the same layout in an object store (S3, GCS, Azure): upload, completion marker, download, the lease, the append-only logs synced line by line |
//! | 3 | stand-in | [`sim`] | the Mode stand-in (tests, benchmarks, `demo`, `sim`): it knows nothing of the client, only of the API it imitates |
//! | 2 | Mode | [`mode`] | the only code that knows HTTP and Mode's JSON: client, models, the pager (where every listing ends), pacer, rate, retry |
//! | 1 | base | [`stop`], [`atomic`] | stopping on a signal or deadline; writing a file atomically |
//!
//! In one line, highest first: main/lib/logging/exit → commands → config → cli →
//! crawl/insights/output/notify → snapshot/storage/sim → mode → stop/atomic.

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
