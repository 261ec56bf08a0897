//! The stand-in's settings for `mode-audit sim`, from its flags.

use super::ConfigError;
use crate::cli::SimArgs;
use crate::mode::Rate;
use crate::sim::{PastEnd, RateWindow, SimConfig, WorkspaceSpec};

/// The stand-in `mode-audit sim` serves, from its flags.
pub fn sim_config(args: &SimArgs) -> Result<SimConfig, ConfigError> {
    let limit = match args.limit.trim() {
        "off" | "none" => None,
        text => {
            let rate: Rate = text.parse().map_err(|e: String| ConfigError(format!("--limit: {e}")))?;
            Some(RateWindow {
                requests: rate.requests.get(),
                window: rate.per,
            })
        }
    };
    for (name, share) in [
        ("--scheduled-share", args.scheduled_share),
        ("--error-rate", args.error_rate),
    ] {
        if !(0.0..=1.0).contains(&share) {
            return Err(ConfigError(format!("{name} must be between 0 and 1, got {share}")));
        }
    }
    Ok(SimConfig {
        workspace: args.workspace.clone(),
        spec: WorkspaceSpec {
            seed: args.seed,
            collections: args.collections,
            reports: args.reports,
            scheduled_share: args.scheduled_share,
            ..WorkspaceSpec::default()
        },
        limit,
        latency: args.latency.into(),
        error_rate: args.error_rate,
        past_end: if args.repeat_last_page {
            PastEnd::RepeatLast
        } else {
            PastEnd::Empty
        },
        ignore_per_page: args.ignore_per_page,
        page_cap: args.page_cap,
        list_totals: !args.no_totals,
        // The schedules have run up to now, so a run's last 30 days hold runs to measure.
        runs_until_ms: chrono::Utc::now().timestamp_millis(),
        ..SimConfig::default()
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn config(args: &[&str]) -> SimConfig {
        let cli = Cli::try_parse_from([&["mode-audit", "sim"], args].concat()).unwrap();
        let Command::Sim(args) = cli.command else {
            panic!("the sim command")
        };
        sim_config(&args).unwrap()
    }

    #[test]
    fn every_listing_can_be_capped_and_its_totals_dropped_from_the_command_line() {
        let plain = config(&[]);
        assert_eq!((plain.page_cap, plain.list_totals), (None, true));
        let capped = config(&["--page-cap", "30", "--no-totals"]);
        assert_eq!((capped.page_cap, capped.list_totals), (Some(30), false));
    }
}
