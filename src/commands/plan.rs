//! `mode-audit plan`: walks only the collections and report pages, then says how many requests a
//! full run would make and how long it would take at the configured pace, and, with
//! `--schedules-max-age`, what an incremental run from the last snapshot would make; each
//! workspace named in turn.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{DateTime, SecondsFormat, Utc};

use super::plan_runs::{RunsForecast, count};
use crate::commands::reuse::{earlier_schedules, earlier_snapshot};
use crate::config::Settings;
use crate::config::discovery::Effective;
use crate::crawl::crawl;
use crate::insights::costs::RunsChoice;
use crate::insights::reuse::{EarlierSchedules, ScheduleVerdicts};
use crate::mode::{ModeClient, Pacer, Rate};
use crate::output::Place;
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
    /// What reusing the last snapshot's schedule details would save (`--schedules-max-age`).
    pub incremental: Incremental,
    /// Requests the runs step adds at most (`--runs`): the selected scheduled reports × pages, and
    /// the one memberships listing (`None` with `--runs off` and `--departed-owners=false`).
    pub runs_requests: Option<RunsRequests>,
    /// What the next run's runs step and members listing are predicted to request, from the last
    /// snapshot's tallies; `None` without an earlier snapshot (then `runs_requests` bounds it).
    pub runs_forecast: Option<RunsForecast>,
    /// Where the run's listings come from (`plan` itself walks the REST ones).
    pub source: Effective,
    /// The run mints a Discovery signature token (one request).
    pub mints: bool,
}

/// The requests of the steps after the walk: runs of the selected reports, the members listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunsRequests {
    pub choice: RunsChoice,
    /// Scheduled reports (with `findings`, those with a finding are among them).
    pub scheduled: u64,
    pub max_pages: u32,
    /// Pages of the memberships listing (one of 100 members unless the workspace is larger).
    pub members: u64,
}

impl RunsRequests {
    /// Runs requests at most: every candidate report × `max_pages`.
    pub fn runs_at_most(&self) -> u64 {
        match self.choice {
            RunsChoice::Off => 0,
            _ => self.scheduled * u64::from(self.max_pages),
        }
    }
}

/// The incremental run's side of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incremental {
    /// `--schedules-max-age` is not set.
    Off,
    /// It is, but the output folder holds no earlier snapshot to reuse from.
    NoSnapshot,
    /// From the snapshot that started at `since`: the schedules requests still needed, and why.
    From { since: String, tally: ScheduleVerdicts },
}

impl Plan {
    pub fn full_run_requests(&self) -> u64 {
        self.page_requests + self.schedule_requests
    }

    /// Requests of an incremental run from the last snapshot, when one can be made.
    pub fn incremental_run_requests(&self) -> Option<u64> {
        match &self.incremental {
            Incremental::From { tally, .. } => Some(self.listing_requests() + tally.fetched()),
            _ => None,
        }
    }

    /// The listing requests of the run's source: the REST pages this plan walked, Discovery's
    /// pages of 1,000 (and the token the run mints), or both.
    pub fn listing_requests(&self) -> u64 {
        let discovery = self.discovery_page_requests() + u64::from(self.mints);
        match self.source {
            Effective::Rest => self.page_requests,
            Effective::Discovery => discovery,
            Effective::Both => self.page_requests + discovery,
        }
    }

    /// Every request the next run is predicted to make: its listings, the schedules it fetches
    /// (all of them, or an incremental run's), and its runs step and members listing (predicted
    /// from the last snapshot; without one, at most every candidate report's pages).
    pub fn next_run_requests(&self) -> u64 {
        let schedules = self
            .incremental_run_requests()
            .unwrap_or_else(|| self.listing_requests() + self.schedule_requests);
        let runs = match (&self.runs_forecast, &self.runs_requests) {
            (Some(forecast), _) => forecast.requests(),
            (None, Some(bound)) => bound.runs_at_most() + bound.members,
            (None, None) => 0,
        };
        schedules + runs
    }

    /// The full run's duration at the pace: requests ÷ paced rate (the budget, not latency, bounds it).
    /// Listing requests of a Discovery run: spaces, reports and report_stats at 1,000 a page (each
    /// at least one page).
    pub fn discovery_page_requests(&self) -> u64 {
        let pages = |n: u64| n.div_ceil(u64::from(crate::mode::discovery::PER_PAGE)).max(1);
        pages(self.collections) + 2 * pages(self.reports)
    }

    /// Requests of a full `--source discovery` run: its listings, then the same schedule requests.
    pub fn discovery_run_requests(&self) -> u64 {
        self.discovery_page_requests() + self.schedule_requests
    }

    pub fn estimated_duration(&self) -> Option<Duration> {
        self.duration_of(self.full_run_requests())
    }

    fn duration_of(&self, requests: u64) -> Option<Duration> {
        self.rate
            .map(|r| r.interval() * u32::try_from(requests).unwrap_or(u32::MAX))
    }
}

/// Walks pages only (no schedules) and counts, with a pacer of its own.
pub async fn plan(settings: &Settings, stop: &Stop) -> Result<Plan> {
    plan_at(settings, stop, Utc::now()).await
}

/// [`plan`] for a run that would start at `at` (the clock earlier snapshots are aged by).
pub async fn plan_at(settings: &Settings, stop: &Stop, at: DateTime<Utc>) -> Result<Plan> {
    counted(settings, stop, &Arc::new(Pacer::new(settings.client.rate)), at).await
}

/// Walks pages only (no schedules) and counts, through `pacer` (shared by the workspaces of one
/// credential group: Mode's budget is per user, as for `run`), for a run starting now.
pub async fn plan_paced(settings: &Settings, stop: &Stop, pacer: &Arc<Pacer>) -> Result<Plan> {
    counted(settings, stop, pacer, Utc::now()).await
}

/// The plan of a run starting at `at`.
async fn counted(settings: &Settings, stop: &Stop, pacer: &Arc<Pacer>, at: DateTime<Utc>) -> Result<Plan> {
    let now = at.to_rfc3339_opts(SecondsFormat::Millis, true);
    let client = ModeClient::with_pacer(settings.client.clone(), Arc::clone(pacer))?;
    let mut options = settings.crawl.clone();
    options.plan_only = true;
    let started = Instant::now();
    let outcome = crawl(&client, &options, stop, None).await?;
    outcome.reports.check().context("could not keep the listed reports")?;
    // The place is kept while the index is read: a bucket's mirror goes with it.
    let last = last_snapshots(settings, &now).await?;
    let history_dir = last.as_ref().map(|(_, dir)| dir.as_path());
    let reuse = settings
        .schedules_max_age
        .map(|_| earlier_schedules(settings, history_dir, &now));
    // Without reuse, the last snapshot still tells what the runs step will cost.
    let earlier = match &reuse {
        Some(index) => index.clone(),
        None => earlier_snapshot(settings, history_dir, &now),
    };
    let counted = count(settings, &outcome.reports, reuse.as_ref(), earlier.as_deref(), &now);
    let discovery = &settings.discovery;
    Ok(Plan {
        workspace: settings.workspace.clone(),
        collections: outcome.collections.len() as u64,
        reports: outcome.reports.len() as u64,
        page_requests: client.stats().requests - client.stats().retries - client.stats().throttled,
        schedule_requests: counted.schedule_requests,
        rate: settings.client.rate,
        elapsed: started.elapsed(),
        complete: outcome.failures.is_empty() && outcome.stopped.is_none(),
        incremental: Incremental::of(reuse.as_ref()),
        runs_forecast: counted.forecast,
        runs_requests: (settings.insights.runs != RunsChoice::Off || settings.insights.departed_owners).then(|| {
            RunsRequests {
                choice: settings.insights.runs,
                scheduled: counted.scheduled,
                max_pages: settings.insights.runs_max_pages,
                members: u64::from(settings.insights.departed_owners),
            }
        }),
        source: discovery.effective(),
        mints: discovery.mints(),
    })
}

/// The folder the last snapshots are in: the output folder, or for a bucket a local mirror of them
/// (which lasts as long as the place returned beside it).
async fn last_snapshots(settings: &Settings, now: &str) -> Result<Option<(Place, PathBuf)>> {
    let Some(place) = super::place::open(&settings.destination, &settings.store)? else {
        return Ok(None);
    };
    let window = settings.insights.findings.window;
    let dir = place.history_dir(&settings.workspace, now, window).await;
    Ok(Some((place, dir)))
}

impl Incremental {
    /// From what loading the reuse index gave (`None`: reuse off; `Some(None)`: no snapshot).
    fn of(reuse: Option<&Option<Arc<EarlierSchedules>>>) -> Incremental {
        match reuse {
            None => Incremental::Off,
            Some(None) => Incremental::NoSnapshot,
            Some(Some(index)) => Incremental::From {
                since: index.source_started_at.clone(),
                tally: index.tally(),
            },
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_counts(f)?;
        self.write_runs(f)?;
        self.write_pace(f)?;
        self.write_discovery(f)?;
        self.write_incremental(f)?;
        self.write_next(f)?;
        writeln!(f, "  this plan took {:.1}s", self.elapsed.as_secs_f64())
    }
}

impl Plan {
    /// What was listed, and the requests of a full run.
    fn write_counts(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
        Ok(())
    }

    /// The requests of the runs step and the members listing: at most, and as predicted.
    fn write_runs(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(r) = &self.runs_requests {
            let which = match r.choice {
                RunsChoice::Findings => "scheduled reports with a finding, among",
                RunsChoice::All => "every one of",
                RunsChoice::Off => "--runs off: none of",
            };
            writeln!(
                f,
                "  runs requests          ≤ {:>8}  ({which} {} scheduled reports × up to {} pages), plus {} members listing",
                r.runs_at_most(),
                r.scheduled,
                r.max_pages,
                r.members
            )?;
        }
        if let Some(r) = &self.runs_forecast {
            writeln!(
                f,
                "  runs step, predicted       {:>8}  requests  (runs of {} reports, {} tallies kept from the last snapshot; {} members listing)",
                r.requests(),
                r.read,
                r.kept,
                r.members_requests
            )?;
        }
        Ok(())
    }

    /// How long a full run takes at the pace, and the deadline to give it.
    fn write_pace(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
        Ok(())
    }

    /// What a `--source discovery` run would request.
    fn write_discovery(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let discovery = self.discovery_run_requests();
        writeln!(
            f,
            "  --source discovery run     {discovery:>8}  requests{}  ({} listing pages of 1,000, then the same schedule requests; Enterprise plan)",
            self.duration_of(discovery)
                .map_or(String::new(), |d| format!("  ({} at the pace)", minutes(d))),
            self.discovery_page_requests()
        )?;
        Ok(())
    }

    /// What an incremental run from the last snapshot would request, or why there is none.
    fn write_incremental(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.incremental, self.incremental_run_requests()) {
            (Incremental::From { since, tally }, Some(requests)) => {
                writeln!(
                    f,
                    "  incremental run            {requests:>8}  requests{}",
                    self.duration_of(requests)
                        .map_or(String::new(), |d| format!("  ({} at the pace)", minutes(d)))
                )?;
                writeln!(
                    f,
                    "    from the snapshot of {since}: {} schedule details reused; fetched: {} new, {} changed, {} too old, {} oldest refreshed",
                    tally.reused, tally.new, tally.changed, tally.aged, tally.rolled
                )?;
            }
            (Incremental::NoSnapshot, _) => writeln!(
                f,
                "  incremental run            {:>8}  (no earlier snapshot in the output folder yet: the next run is a full one)",
                "—"
            )?,
            _ => writeln!(
                f,
                "  incremental run            {:>8}  (set --schedules-max-age, e.g. 7d, to reuse unchanged schedule details)",
                "—"
            )?,
        }
        Ok(())
    }
}

impl Plan {
    /// The whole next run with these settings, as predicted: listings, schedules, runs, members.
    fn write_next(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let requests = self.next_run_requests();
        // Without an earlier snapshot the runs step is only bounded.
        let bound = if self.runs_forecast.is_none() && self.runs_requests.is_some() {
            "≤"
        } else {
            " "
        };
        writeln!(
            f,
            "  next run, these settings {bound} {requests:>8}  requests, {}  (its source's listings, schedules, runs step and members listing)",
            self.duration_of(requests)
                .map_or("unpaced".to_string(), |d| format!("{} at the pace", minutes(d)))
        )
    }
}

/// `12m 05s`.
fn minutes(d: Duration) -> String {
    let secs = d.as_secs();
    format!("{}m {:02}s", secs / 60, secs % 60)
}
