//! `mode-audit plan`: walks only the collections and report pages, then says how many requests a
//! full run would make and how long it would take at the configured pace; each workspace named in
//! turn.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::config::Settings;
use crate::crawl::crawl;
use crate::mode::{ModeClient, Pacer, Rate};
use crate::snapshot::FetchStatus;
use crate::stop::Stop;

/// What a full run of the same settings would cost.
#[derive(Debug, Clone)]
pub struct Plan {
    pub workspace: String,
    pub collections: u64,
    pub reports: u64,
    /// Requests the plan made: every collections and report page, which a full run makes too.
    pub page_requests: u64,
    /// Reports whose schedules a full run would fetch (schedules_count above 0 or unreadable).
    pub schedule_requests: u64,
    pub rate: Option<Rate>,
    /// The plan walk's own wall time.
    pub elapsed: Duration,
    /// Whether every listing was read (otherwise the counts are a lower bound).
    pub complete: bool,
}

impl Plan {
    pub fn full_run_requests(&self) -> u64 {
        self.page_requests + self.schedule_requests
    }

    /// The full run's duration at the pace: requests ÷ paced rate (the budget, not latency, bounds it).
    pub fn estimated_duration(&self) -> Option<Duration> {
        self.rate
            .map(|r| r.interval() * u32::try_from(self.full_run_requests()).unwrap_or(u32::MAX))
    }
}

/// Plans each workspace in turn, all through one pacer (Mode's budget is per user, as for `run`).
/// After a stop the rest are not started (`None`).
pub async fn plan_each(all: &[Settings], stop: &Stop) -> Vec<(String, Option<Result<Plan>>)> {
    let pacer = Arc::new(Pacer::new(all.first().and_then(|s| s.client.rate)));
    let mut plans = Vec::with_capacity(all.len());
    for settings in all {
        let outcome = if stop.reason().is_some() {
            None
        } else {
            Some(plan_paced(settings, stop, &pacer).await)
        };
        plans.push((settings.workspace.clone(), outcome));
    }
    plans
}

/// Walks pages only (no schedules) and counts, with a pacer of its own.
pub async fn plan(settings: &Settings, stop: &Stop) -> Result<Plan> {
    plan_paced(settings, stop, &Arc::new(Pacer::new(settings.client.rate))).await
}

/// Walks pages only (no schedules) and counts, through `pacer`.
pub async fn plan_paced(settings: &Settings, stop: &Stop, pacer: &Arc<Pacer>) -> Result<Plan> {
    let client = ModeClient::with_pacer(settings.client.clone(), Arc::clone(pacer))?;
    let mut options = settings.crawl.clone();
    options.plan_only = true;
    let started = Instant::now();
    let outcome = crawl(&client, &options, stop, None).await?;
    outcome.reports.check().context("could not keep the listed reports")?;
    let schedule_requests = outcome
        .reports
        .iter()
        .filter(|r| settings.crawl.verify_schedules || r.fetch_status != FetchStatus::NotScheduled)
        .count() as u64;
    Ok(Plan {
        workspace: settings.workspace.clone(),
        collections: outcome.collections.len() as u64,
        reports: outcome.reports.len() as u64,
        page_requests: client.stats().requests - client.stats().retries - client.stats().throttled,
        schedule_requests,
        rate: settings.client.rate,
        elapsed: started.elapsed(),
        complete: outcome.failures.is_empty() && outcome.stopped.is_none(),
    })
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bound = if self.complete {
            ""
        } else {
            " (some listings failed: counts are a lower bound)"
        };
        writeln!(f, "mode-audit plan: workspace {}{bound}", self.workspace)?;
        writeln!(f, "  collections                {:>8}", self.collections)?;
        writeln!(f, "  reports                    {:>8}", self.reports)?;
        writeln!(
            f,
            "  page requests              {:>8}  (made by this plan, made again by a run)",
            self.page_requests
        )?;
        writeln!(
            f,
            "  schedule requests          {:>8}  (one per report with schedules_count > 0)",
            self.schedule_requests
        )?;
        writeln!(
            f,
            "  full run                   {:>8}  requests",
            self.full_run_requests()
        )?;
        match (self.rate, self.estimated_duration()) {
            (Some(rate), Some(d)) => {
                let secs = d.as_secs();
                writeln!(
                    f,
                    "  at {rate} ({:.2}/s paced)  {:>8}  ({}m {:02}s)",
                    rate.paced_per_second(),
                    format!("{secs}s"),
                    secs / 60,
                    secs % 60
                )?;
                // Headroom for 429 pauses and retries, plus start-up.
                let deadline = secs + secs / 2 + 60;
                writeln!(f, "  suggested CronJob activeDeadlineSeconds: {deadline}")?;
                writeln!(
                    f,
                    "  (or run with --max-duration {}s to stop cleanly and resume next time)",
                    secs + secs / 4 + 30
                )?;
            }
            _ => writeln!(f, "  pace: unlimited (--rate off)")?,
        }
        writeln!(f, "  this plan took {:.1}s", self.elapsed.as_secs_f64())
    }
}
