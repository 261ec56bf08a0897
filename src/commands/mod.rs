//! The commands: each takes plain settings (never clap structs) and returns what to print.

pub mod apply;
mod clock;
pub mod demo;
pub mod diff;
pub mod doctor;
pub mod hint;
pub mod lease;
mod log_place;
pub mod notify;
pub mod plan;
pub mod plan_findings;
pub mod plan_runs;
pub mod reuse;
pub mod run;
mod run_costs;
mod run_table;
pub mod sources;
mod turns;
pub mod undo;
