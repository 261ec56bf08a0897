//! The `demo` and `sim` commands: the built-in Mode stand-in, audited end to end or served alone.

use std::fmt;
use std::path::Path;

use anyhow::{Context, Result};
use secrecy::SecretString;

use crate::cli::{DemoArgs, SimArgs};
use crate::config::{ConfigError, Destination, ResumePolicy, Settings};
use crate::crawl::CrawlOptions;
use crate::mode::{ClientSettings, Credentials, Rate, RetryPolicy};
use crate::output::Formats;
use crate::pager::MODE_PAGE_SIZE;
use crate::run::{RunReport, run};
use crate::sim::{PastEnd, RateWindow, SimConfig, SimServer, Workspace, WorkspaceSpec};
use crate::stop::Stop;

/// What the demo prints: the run's summary plus the stand-in's own count of requests.
pub struct DemoReport {
    pub run: RunReport,
    /// Reports the stand-in serves (the truth the snapshot must match).
    pub truth_reports: usize,
    /// Requests the stand-in received.
    pub server_requests: u64,
    /// Fewest requests any complete audit needs (see [`minimum_requests`]).
    pub minimum: u64,
}

/// The fewest requests a complete audit of `ws` can make when the server serves `page_size` items a
/// page: every page of the collections listing and of each collection's reports (a listing of n
/// items ends on page n/size+1, which is empty when n is a multiple of the size), plus one
/// schedules page per scheduled report.
pub fn minimum_requests(ws: &Workspace, page_size: usize) -> u64 {
    let pages = |n: usize| (n / page_size.max(1) + 1) as u64;
    pages(ws.collections.len())
        + ws.collections.iter().map(|c| pages(c.reports.len())).sum::<u64>()
        + ws.reports()
            .filter(|(_, r)| !r.schedules.is_empty())
            .map(|(_, r)| pages(r.schedules.len()))
            .sum::<u64>()
}

/// Extra pages a complete audit cannot avoid when it asks for `asked` a page and the server serves
/// `size`: a first page of 30 or more but fewer than asked may be the last or a capped page, so the
/// next page must be read, unless some listing of `size` or more items can prove the page size.
pub fn ambiguous_pages(ws: &Workspace, asked: usize, size: usize) -> u64 {
    let mode = MODE_PAGE_SIZE as usize;
    if asked <= mode {
        return 0;
    }
    let lengths = ws
        .collections
        .iter()
        .map(|c| c.reports.len())
        .chain([ws.collections.len()]);
    if lengths.clone().any(|n| n >= size) && size >= asked {
        return 0;
    }
    lengths.filter(|n| (mode..size).contains(n)).count() as u64
}

/// The page size a stand-in serves when asked for `asked`.
pub fn served_page_size(config: &SimConfig, asked: usize) -> usize {
    if config.ignore_per_page {
        config.per_page_default
    } else {
        asked.min(config.per_page_max)
    }
}

/// Settings that audit a running stand-in through the real client and limiter.
pub fn settings_for(sim: &SimServer, config: &SimConfig, out: &Path, formats: Formats) -> Result<Settings> {
    let rate = config.limit.as_ref().map(|w| Rate {
        requests: std::num::NonZeroU32::new(w.requests).unwrap_or(std::num::NonZeroU32::MIN),
        per: w.window,
    });
    Ok(Settings {
        workspace: config.workspace.clone(),
        destination: Destination::Dir(out.to_path_buf()),
        formats,
        cells: Default::default(),
        client: ClientSettings {
            base_url: sim.base_url().parse().context("stand-in URL")?,
            workspace: config.workspace.clone(),
            credentials: Credentials {
                token: SecretString::from(config.token.clone()),
                secret: SecretString::from(config.secret.clone()),
            },
            rate,
            retry: RetryPolicy::default(),
            timeout: std::time::Duration::from_secs(30),
        },
        crawl: CrawlOptions::default(),
        resume: ResumePolicy {
            enabled: false,
            max_age: std::time::Duration::ZERO,
        },
        max_duration: None,
        progress: true,
        log_format: None,
        insights: Default::default(),
    })
}

/// `mode-audit demo`: a realistic stand-in workspace, audited with the real client and limiter.
pub async fn demo(args: &DemoArgs) -> Result<DemoReport> {
    let mut config = SimConfig::demo();
    config.spec.seed = args.seed;
    let sim = SimServer::start(config.clone())
        .await
        .context("cannot start the stand-in on 127.0.0.1")?;
    if args.changed {
        sim.mutate(crate::drift::drift);
    }
    let mut settings = settings_for(&sim, &config, &args.out, args.format)?;
    settings.insights.digests = true;
    let truth = sim.workspace();
    let report = run(&settings, &Stop::default()).await?;
    let counters = sim.counters();
    sim.shutdown().await;
    Ok(DemoReport {
        run: report,
        truth_reports: truth.report_count(),
        server_requests: counters.total,
        minimum: {
            let asked = settings.crawl.per_page as usize;
            let size = served_page_size(&config, asked);
            minimum_requests(&truth, size) + ambiguous_pages(&truth, asked, size)
        },
    })
}

impl fmt::Display for DemoReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.run)?;
        let got = self.run.summary.reports;
        let verdict = if got as usize == self.truth_reports {
            "all of them"
        } else {
            "MISMATCH"
        };
        writeln!(
            f,
            "  stand-in served       {:>8}  reports ({verdict})",
            self.truth_reports
        )?;
        writeln!(
            f,
            "  request efficiency    {:>8}  sent for a minimum of {} ({:.3}x)",
            self.run.stats.requests.requests,
            self.minimum,
            self.run.stats.requests.requests as f64 / self.minimum.max(1) as f64
        )?;
        if let Some(dir) = &self.run.published {
            writeln!(f, "  findings              {}", dir.join("findings.csv").display())?;
            writeln!(
                f,
                "  by owner              {}",
                dir.join("owners").join("README.md").display()
            )?;
        }
        Ok(())
    }
}

/// `mode-audit sim`: serves the stand-in until Ctrl-C.
pub async fn serve(args: &SimArgs) -> Result<()> {
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
            return Err(ConfigError(format!("{name} must be between 0 and 1, got {share}")).into());
        }
    }
    let config = SimConfig {
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
        ..SimConfig::default()
    };
    let sim = SimServer::start_on(config.clone(), args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let truth = sim.workspace();
    println!(
        "Mode stand-in serving workspace '{}' at {}/api/{}",
        config.workspace,
        sim.base_url(),
        config.workspace
    );
    println!(
        "  {} collections, {} reports",
        truth.collections.len(),
        truth.report_count()
    );
    println!(
        "  credentials: MODE_API_TOKEN={} MODE_API_SECRET={}",
        config.token, config.secret
    );
    println!(
        "  try: mode-audit run --workspace {} --base-url {}",
        config.workspace,
        sim.base_url()
    );
    println!("Ctrl-C stops it.");
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    sim.shutdown().await;
    Ok(())
}
