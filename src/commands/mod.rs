//! The commands: each takes plain settings (never clap structs) and returns what to print.

pub mod apply;
pub mod demo;
pub mod diff;
pub mod doctor;
pub mod notify;
pub mod plan;
pub mod run;
mod run_table;
mod turns;
pub mod undo;
