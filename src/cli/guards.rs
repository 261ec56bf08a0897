//! The guards only the command line may set or widen: `--break-lease`, and the flags of `apply`
//! and `notify` that delete schedules or write to people. They have no config key on purpose (no
//! serde side, unlike the groups of `settings.rs`): a file or an environment left behind must never
//! widen them. `config::apply` and `config::mail` read the environment variables that may only
//! tighten the defaults.

use clap::Args;

/// The lease of an output, taken from a live holder only when asked for on the command line.
#[derive(Debug, Default, Clone, Args)]
pub struct LeaseFlags {
    /// Clear the lease another mode-audit holds on this output (OUT/<workspace>/lease.json) and take it: only when that process is gone (refused when it runs on this host, PID namespace and boot). Command line only.
    #[arg(long)]
    pub break_lease: bool,
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
