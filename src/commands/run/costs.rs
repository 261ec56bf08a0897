//! The phases of a run between the walk and publishing that cost requests beyond it: one listing
//! of the workspace's members (for OWNER_DEPARTED) and the runs of the selected reports.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::SecondsFormat;

use crate::config::Settings;
use crate::crawl::members::{read_discovery_members, read_members};
use crate::crawl::runs_step::{RunsOptions, read_runs};
use crate::insights;
use crate::insights::costs::{self, RunsChoice};
use crate::insights::findings::RecentViews;
use crate::insights::reuse::{EarlierRuns, RunsVerdicts};
use crate::mode::ModeClient;
use crate::mode::discovery::Discovery;
use crate::snapshot::Failure;
use crate::snapshot::Snapshot;
use crate::snapshot::run_figures::{ActiveMembers, RUN_DAYS, RunFigures};
use crate::snapshot::time::parse_time;
use crate::stop::Stop;

use super::session::Session;
use super::walk::Assembled;

/// Members a page asks for, and pages at most (a million members).
const MEMBERS_PER_PAGE: u32 = 100;
const MEMBER_PAGES: u32 = 10_000;
/// Runs a page asks for.
pub const RUNS_PER_PAGE: u32 = 100;

/// The members phase: with `--departed-owners`, the workspace's active members; a listing that
/// fails is recorded among the snapshot's failures (see [`list_members`]).
pub(super) async fn members(settings: &Settings, session: &Session, snapshot: &mut Snapshot) -> Option<ActiveMembers> {
    match settings.insights.departed_owners {
        true => list_members(&session.client, session.opened.discovery.as_ref())
            .await
            .map_err(|failure| snapshot.failures.push(failure))
            .ok(),
        false => None,
    }
}

/// The runs phase (see [`cost_runs`]), after which the requests of the members listing and the
/// runs are counted in the snapshot and the report too.
pub(super) async fn runs(
    settings: &Settings,
    stop: &Stop,
    session: &Session,
    run: &mut Assembled,
    recent: Option<&RecentViews>,
    members: Option<&ActiveMembers>,
) -> Result<()> {
    let context = RunsContext {
        recent,
        members,
        earlier: run.earlier_runs.as_ref(),
    };
    cost_runs(settings, &session.client, stop, &mut run.snapshot, context).await?;
    run.snapshot.stats.requests = run.prior + session.client.stats();
    run.report.stats.requests = run.snapshot.stats.requests;
    Ok(())
}

/// The workspace's active members, from the Discovery API when the run reads it, else from
/// `/memberships`. When they cannot be listed whole, a warning and the failure to record in the
/// snapshot: then no report is said to have a departed owner (a member left out of a short
/// listing would read as departed).
pub async fn list_members(client: &ModeClient, discovery: Option<&Discovery>) -> Result<ActiveMembers, Failure> {
    let listed = match discovery {
        Some(discovery) => read_discovery_members(discovery, client.workspace()).await,
        None => read_members(client, MEMBERS_PER_PAGE, MEMBER_PAGES).await,
    };
    match listed {
        Ok(members) => {
            tracing::info!(source = %members.source, active = members.len(), not_active = members.inactive, "members listed");
            Ok(members)
        }
        Err(error) => {
            tracing::warn!(error = %error, "could not list the workspace's members whole: OWNER_DEPARTED is not looked for this run");
            Err(Failure {
                scope: "members".to_string(),
                token: None,
                error: format!("{error}; OWNER_DEPARTED was not looked for"),
                item: None,
            })
        }
    }
}

/// What the runs step works from besides the snapshot.
pub struct RunsContext<'a> {
    pub recent: Option<&'a RecentViews>,
    pub members: Option<&'a ActiveMembers>,
    /// The earlier snapshot's tallies an incremental run may keep.
    pub earlier: Option<&'a EarlierRuns>,
}

/// Reads the runs of the reports `--runs` selects (keeping the earlier tallies that may be kept),
/// fills every report's run figures (the proxy where none were read) and, when runs were read or
/// kept, computes the findings again with them.
pub async fn cost_runs(
    settings: &Settings,
    client: &ModeClient,
    stop: &Stop,
    snapshot: &mut Snapshot,
    context: RunsContext<'_>,
) -> Result<()> {
    let selected = costs::select(snapshot, settings.insights.runs);
    let (kept, selected) = split_kept(snapshot, selected, context.earlier);
    let read = match (settings.insights.runs, selected.is_empty()) {
        (RunsChoice::Off, _) | (_, true) => Default::default(),
        _ => {
            let since = window_start(&snapshot.started_at);
            let options = RunsOptions {
                max_pages: settings.insights.runs_max_pages,
                per_page: RUNS_PER_PAGE,
                concurrency: client.in_flight_target(settings.crawl.concurrency),
            };
            tracing::info!(reports = selected.len(), since = %since, max_pages = options.max_pages, "reading runs");
            read_runs(client, selected, &since, options, stop).await
        }
    };
    let unread = read.values().filter(|r| r.is_err()).count();
    if unread > 0 {
        tracing::warn!(
            reports = unread,
            "runs not read for some reports: their cost stays the expected_runtime proxy (runs_error says why)"
        );
    }
    costs::attach_all(snapshot, &read, &kept).context("could not keep the run figures; nothing was published")?;
    if !read.is_empty() || !kept.is_empty() {
        let i = &settings.insights;
        insights::redetect(snapshot, context.recent, &i.findings, &i.keep, context.members)
            .context("could not compute the findings; nothing was published")?;
    }
    Ok(())
}

/// The selected reports whose earlier tally is kept (with it), and the rest, whose runs to read.
fn split_kept(
    snapshot: &Snapshot,
    selected: Vec<String>,
    earlier: Option<&EarlierRuns>,
) -> (HashMap<String, RunFigures>, Vec<String>) {
    let Some(earlier) = earlier else {
        return (HashMap::new(), selected);
    };
    let wanted: HashSet<&str> = selected.iter().map(String::as_str).collect();
    let mut tally = RunsVerdicts::default();
    let kept: HashMap<String, RunFigures> = snapshot
        .reports
        .iter()
        .filter(|r| wanted.contains(r.token.as_str()))
        .filter_map(|r| Some((r.token.clone(), earlier.keep(&r, &mut tally)?)))
        .collect();
    tracing::info!(
        reused = tally.reused,
        new = tally.new,
        schedules_fetched = tally.fetched,
        too_old = tally.aged,
        "runs tallies: reused, or read because new, because the schedules were fetched, or too old"
    );
    let read = selected.into_iter().filter(|t| !kept.contains_key(t)).collect();
    (kept, read)
}

/// `started_at` − 30 days, as sent in `filter=created_at.gt.…`.
fn window_start(started_at: &str) -> String {
    let start = parse_time(started_at).unwrap_or_else(chrono::Utc::now);
    let from = start - Duration::from_secs(RUN_DAYS * 86_400);
    from.to_rfc3339_opts(SecondsFormat::Millis, true)
}
