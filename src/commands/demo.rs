//! The `demo` and `sim` commands: the built-in Mode stand-in, audited end to end or served alone.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use secrecy::SecretString;

use crate::commands::run::{RunReport, run};
use crate::config::{Destination, ResumePolicy, Settings};
use crate::crawl::CrawlOptions;
use crate::mode::{ClientSettings, Credentials, Rate, RetryPolicy};
use crate::output::Formats;
use crate::sim::{SimConfig, SimServer, ambiguous_pages, minimum_requests, served_page_size};
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
        schedules_max_age: None,
        progress: true,
        log_format: None,
        insights: Default::default(),
        store: Default::default(),
        credential_group: crate::config::workspaces::ENV_GROUP.to_string(),
        break_lease: false,
        discovery: Default::default(),
        alerts: Default::default(),
    })
}

/// What `mode-audit demo` is asked for.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Output folder for the demo snapshot.
    pub out: PathBuf,
    pub formats: Formats,
    /// Seed of the generated workspace.
    pub seed: u64,
    /// Change the stand-in first, as if weeks had passed.
    pub changed: bool,
}

/// `mode-audit demo`: a realistic stand-in workspace, audited with the real client and limiter.
pub async fn demo(args: &DemoOptions) -> Result<DemoReport> {
    let mut config = SimConfig::demo();
    config.spec.seed = args.seed;
    // The schedules have run up to now, so a run's last 30 days hold runs to measure.
    config.runs_until_ms = chrono::Utc::now().timestamp_millis();
    let sim = SimServer::start(config.clone())
        .await
        .context("cannot start the stand-in on 127.0.0.1")?;
    if args.changed {
        sim.mutate(crate::sim::drift::drift);
    }
    let mut settings = settings_for(&sim, &config, &args.out, args.formats)?;
    settings.insights.digests = true;
    // As `run` does by default: the runs of the reports with findings, and the members.
    settings.insights.runs_max_pages = crate::config::insights::DEFAULT_RUNS_MAX_PAGES;
    settings.insights.departed_owners = true;
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
            // The walk's fewest, plus the runs and members listings the findings asked for.
            minimum_requests(&truth, size) + ambiguous_pages(&truth, asked, size) + counters.runs + counters.memberships
        },
    })
}

impl fmt::Display for DemoReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let got = self.run.summary.reports;
        let verdict = if got as usize == self.truth_reports {
            "all of them"
        } else {
            "MISMATCH"
        };
        let sent = self.run.stats.requests.requests;
        let extra = [
            (
                "stand-in served",
                format!("{:>8}  reports ({verdict})", self.truth_reports),
            ),
            (
                "request efficiency",
                format!(
                    "{sent:>8}  sent for a minimum of {} ({:.3}x)",
                    self.minimum,
                    sent as f64 / self.minimum.max(1) as f64
                ),
            ),
        ];
        let next = match &self.run.page {
            Some(page) => Some(format!("open {} in a browser", page.display())),
            None => self
                .run
                .owners_file
                .as_ref()
                .or(self.run.findings_file.as_ref())
                .map(|path| format!("open {}", path.display())),
        };
        let next = next.map(|open| {
            format!("{open}; with credentials, `mode-audit doctor --workspace YOURS` checks your own setup")
        });
        self.run.write_summary(f, &extra, next)
    }
}

/// `mode-audit sim`: serves the stand-in on `listen` until Ctrl-C.
pub async fn serve(config: SimConfig, listen: SocketAddr) -> Result<()> {
    let sim = SimServer::start_on(config.clone(), listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::run::RunStatus;

    fn demo_report(workbook: Option<PathBuf>) -> DemoReport {
        let at = PathBuf::from("d/acme/20261128T032200Z");
        DemoReport {
            run: RunReport {
                workspace: "acme".into(),
                status: RunStatus::Complete,
                published: Some(at.clone()),
                workbook,
                findings_file: Some(at.join("findings.csv")),
                owners_file: Some(at.join("owners/README.md")),
                page: None,
                checkpoint: None,
                resumed: false,
                summary: Default::default(),
                stats: Default::default(),
                failures: Vec::new(),
                findings: Vec::new(),
                headline: None,
                top_findings: Vec::new(),
                new_findings: None,
                notifications_failed: 0,
            },
            truth_reports: 0,
            server_requests: 0,
            minimum: 0,
        }
    }

    #[test]
    fn the_workbook_is_named_only_when_one_was_written() {
        let path = PathBuf::from("d/acme/20261128T032200Z/acme-20261128T032200Z.xlsx");
        let with = demo_report(Some(path.clone())).to_string();
        assert!(
            with.lines()
                .any(|l| l.trim_start().starts_with("workbook") && l.ends_with(&*path.to_string_lossy())),
            "{with}"
        );
        let without = demo_report(None).to_string();
        assert!(!without.contains("workbook"), "{without}");
    }
}
