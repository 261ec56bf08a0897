//! The commands: each takes plain settings (never clap structs) and returns what to print.

pub mod apply;
mod clock;
pub mod demo;
pub mod diff;
pub mod doctor;
pub mod hint;
pub mod lease;
mod named_log;
pub mod notify;
mod place;
pub mod plan;
pub mod plan_findings;
pub mod plan_runs;
pub mod reuse;
pub mod run;
pub mod sources;
pub mod turns;
pub mod undo;
