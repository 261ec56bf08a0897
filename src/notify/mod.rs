//! Delivery to people: run alerts (a Slack incoming webhook, a signed generic webhook) and the
//! owner emails of `mode-audit notify` (composed, logged in `notify-log.jsonl`, sent over SMTP).
//!
//! Nothing here decides what is found: it tells what a run or a snapshot already says.

pub mod address;
pub mod alert;
pub mod email;
pub mod log;
pub mod owners;
pub mod post;
pub mod sign;
pub mod slack;
pub mod smtp;
pub mod smtp_failure;
pub mod targets;
pub mod webhook;

pub use alert::{Alert, NotifyOn};
pub use targets::{AlertTargets, Delivered};
