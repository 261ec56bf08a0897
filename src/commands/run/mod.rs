//! `mode-audit run` as its pipeline: resume, walk (through the opened sources), the members
//! listing, derive (history and findings), the runs of the selected reports, publish, alert. Each
//! phase is one function in a file of its own, handing plain data to the next.

mod alert;
mod costs;
mod derive;
mod metrics;
mod publish;
mod resume;
mod session;
mod summary;
mod walk;

use std::sync::Arc;

use anyhow::Result;
use chrono::{DateTime, SecondsFormat, Utc};

use self::session::Session;
use self::walk::Walked;
use super::turns::in_turn;
use crate::config::Settings;
use crate::mode::Pacer;
use crate::snapshot::time::now;
pub use crate::snapshot::{RunReport, RunStatus};
use crate::stop::Stop;

/// Audits each workspace in turn (see [`in_turn`]: one pacer per credential group).
pub async fn run_each(all: &[Settings], stop: &Stop) -> Vec<(String, Option<Result<RunReport>>)> {
    in_turn(all, stop, async |settings, pacer| {
        run_paced(settings, stop, pacer).await
    })
    .await
}

/// Audits the workspace the settings name, with a pacer of its own; see [`run_paced`].
pub async fn run(settings: &Settings, stop: &Stop) -> Result<RunReport> {
    run_paced(settings, stop, &Arc::new(Pacer::new(settings.client.rate))).await
}

/// Audits the workspace the settings name through `pacer` (shared by the workspaces of one
/// credential group). An `Err` is fatal: nothing was published (exit 3).
pub async fn run_paced(settings: &Settings, stop: &Stop, pacer: &Arc<Pacer>) -> Result<RunReport> {
    pipeline(settings, stop, pacer, None).await
}

/// [`run`] as if it started at `started_at`: the snapshot's time, its folder's name and the "now"
/// that earlier snapshots and schedule ages are measured from (a series of runs, simulated).
pub async fn run_at(settings: &Settings, stop: &Stop, started_at: DateTime<Utc>) -> Result<RunReport> {
    let pacer = Arc::new(Pacer::new(settings.client.rate));
    let started_at = started_at.to_rfc3339_opts(SecondsFormat::Millis, true);
    pipeline(settings, stop, &pacer, Some(started_at)).await
}

/// One workspace's run through `pacer`, phase by phase. Between checking the output and the alert,
/// the phases run in a [`Session`]: the output's lease held, the run's sources open. A run that
/// fails removes the folders it created; the alert tells of it either way; the metrics file, when
/// set, is written last.
async fn pipeline(
    settings: &Settings,
    stop: &Stop,
    pacer: &Arc<Pacer>,
    started_at: Option<String>,
) -> Result<RunReport> {
    metrics::check(settings)?;
    let created = session::new_folders(settings);
    let audited = Session::within(
        settings,
        stop,
        pacer,
        async move |session: &Session| -> Result<RunReport> {
            let start = resume::start(settings, session, started_at).await?;
            let mut run = match walk::walk(settings, stop, session, start).await? {
                Walked::Stopped(stopped) => return resume::keep(settings, session, *stopped).await,
                Walked::Whole(run) => *run,
            };
            let members = costs::members(settings, session, &mut run.snapshot).await;
            let recent = derive::derive(settings, &mut run, members.as_ref())?;
            costs::runs(settings, stop, session, &mut run, recent.as_ref(), members.as_ref()).await?;
            publish::publish(settings, session, run).await
        },
    )
    .await
    .inspect_err(|_| created.remove_empty());
    let report = alert::alert(settings, audited).await?;
    metrics::record(settings, &report);
    Ok(report)
}

/// Peak resident set size of this process (`VmHWM` in /proc/self/status), where the OS tells it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
