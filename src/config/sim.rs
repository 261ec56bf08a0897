//! The stand-in's settings for `mode-audit sim`, from its flags.

use super::ConfigError;
use crate::cli::SimArgs;
use crate::mode::Rate;
use crate::sim::{Drift, PastEnd, RateWindow, SimConfig, WorkspaceSpec};

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
        ("--drift", args.drift),
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
        drift: (args.drift > 0.0).then_some(Drift {
            share: args.drift,
            seed: args.drift_seed,
        }),
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
    use crate::sim::SimServer;

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

    /// Reports whose `updated_at` differs between the two stand-ins, of the reports served.
    async fn updated_between(a: SimConfig, b: SimConfig) -> (usize, usize) {
        let (a, b) = (SimServer::start(a).await.unwrap(), SimServer::start(b).await.unwrap());
        let (before, after) = (a.workspace(), b.workspace());
        let moved = before
            .reports()
            .zip(after.reports())
            .inspect(|((_, x), (_, y))| assert_eq!(x.token, y.token, "the same reports, in order"))
            .filter(|((_, x), (_, y))| x.updated_at != y.updated_at)
            .count();
        (moved, before.report_count())
    }

    #[tokio::test]
    async fn drift_serves_the_same_workspace_a_run_later_with_a_share_of_reports_changed() {
        let base = ["--reports", "2000", "--seed", "7"];
        let day1 = config(&base);
        assert_eq!(day1.drift, None);
        let day2 = config(&[&base[..], &["--drift", "0.05", "--drift-seed", "3"]].concat());
        assert_eq!(day2.drift, Some(Drift { share: 0.05, seed: 3 }));
        let (moved, n) = updated_between(day1.clone(), day2).await;
        // 5% picked, three in four of them run again (see `Drift`): about 3.75%.
        assert!((n * 2 / 100..=n * 6 / 100).contains(&moved), "{moved} of {n} moved");
        let (unmoved, _) = updated_between(day1.clone(), day1).await;
        assert_eq!(unmoved, 0, "without --drift the same seed serves the same workspace");
        let refused = Cli::try_parse_from(["mode-audit", "sim", "--drift", "1.5"]).unwrap();
        let Command::Sim(args) = refused.command else {
            panic!("the sim command")
        };
        assert!(sim_config(&args).is_err(), "a share above 1");
    }
}
