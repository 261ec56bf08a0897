//! mode-audit: audits every report of a Mode Analytics workspace and writes CSV/JSON snapshots.
//!
//! The architecture, from the edge inwards:
//! - [`cli`]: the command line (clap); `main.rs` only parses, dispatches and maps exit codes.
//! - [`config`]: flags > environment > TOML file > defaults, validated once into [`config::Settings`];
//!   credentials only from the environment or secret files.
//! - [`run`]: one audit: check the output, crawl, assemble the [`snapshot::Snapshot`], publish, report.
//! - [`mode`]: the only code that knows HTTP and Mode's JSON: the client, models, pacer (governor
//!   limiter + shared 429 pause), retry classification and request counters.
//! - [`crawl`]: the only code that knows the walk (collections → reports → schedules), with bounded
//!   concurrency; a failing branch is recorded, its siblings go on.
//! - [`pager`]: when a listing has ended, given Mode's lack of a reliable next link.
//! - [`stop`] and [`checkpoint`]: stopping on SIGTERM/SIGINT/--max-duration, saving what was
//!   collected, and resuming from it on the next run.
//! - [`plan`]: `mode-audit plan`, the cost of a full run from the pages alone.
//! - [`snapshot`]: the records a run collects, shared by crawl, audit and output; [`store`] keeps the
//!   report records in a temporary file so memory stays flat however big the workspace.
//! - [`audit`]: pure functions over records (derived fields, summary).
//! - [`findings`], [`history`], [`keep`], [`insights`]: scheduled reports worth acting on, views over
//!   time from earlier snapshots, the keep list, and the step that adds them to a snapshot.
//! - [`diff`]: what changed between two snapshots (`mode-audit diff`).
//! - [`doctor`]: checks credentials, workspace, scope, rate-limit headers and output (`mode-audit doctor`).
//! - [`metrics`]: the Prometheus textfile written after a run (`--metrics-file`).
//! - [`output`]: CSV, JSON and JSONL writers and atomic publication of a snapshot folder.
//! - [`sim`]: the Mode stand-in server used by tests, `demo` and `sim`.
//! - [`demo`]: the `demo` and `sim` commands; [`drift`] changes the stand-in for `demo --changed`.

pub mod audit;
pub mod checkpoint;
pub mod cli;
pub mod config;
pub mod crawl;
pub mod demo;
pub mod diff;
pub mod doctor;
pub mod drift;
pub mod findings;
pub mod history;
pub mod insights;
pub mod keep;
pub mod logging;
pub mod metrics;
pub mod mode;
pub mod output;
pub mod pager;
pub mod plan;
pub mod progress;
pub mod run;
pub mod sim;
pub mod snapshot;
pub mod stop;
pub mod store;
