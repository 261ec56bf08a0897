//! The publish phase: the findings told in the report, the snapshot written to its folder or
//! bucket (or reports.csv streamed to stdout), the checkpoint of an earlier stop dropped.

use std::path::Path;

use anyhow::{Context, Result};

use super::session::Session;
use super::walk::Assembled;
use crate::config::Settings;
use crate::crawl::checkpoint::Checkpoint;
use crate::insights;
use crate::insights::eligibility::{Rules, UnschedulePlan};
use crate::insights::findings::count_by_reason;
use crate::output;
use crate::output::Place;
use crate::snapshot::headline::Headline;
use crate::snapshot::{RunReport, RunStatus, Snapshot, Status};

/// Findings a run alert lists at most, the costliest first.
const TOP_FINDINGS: usize = 50;

/// Publishes the snapshot and returns the report that tells of it.
pub(super) async fn publish(settings: &Settings, session: &Session, run: Assembled) -> Result<RunReport> {
    let Assembled {
        snapshot,
        mut report,
        status,
        checkpoint_path,
        history_dir,
        ..
    } = run;
    let history_dir = history_dir.as_deref();
    tell_findings(settings, &mut report, &snapshot, history_dir);
    let upcoming = upcoming(settings, &snapshot, history_dir);
    match &session.place {
        Some(place) => write(settings, place, &snapshot, upcoming.as_ref(), &mut report).await?,
        None => output::stream_reports(&snapshot, settings.cells, std::io::stdout().lock())
            .context("could not write reports.csv to stdout")?,
    }
    if let (Some(place), Some(path)) = (&session.place, &checkpoint_path) {
        Checkpoint::remove(path);
        place.drop_checkpoint(&settings.workspace).await;
    }
    for failure in &snapshot.failures {
        tracing::warn!(scope = %failure.scope, token = failure.token.as_deref().unwrap_or(""), error = %failure.error, "not collected");
    }
    report.status = match status {
        Status::Complete => RunStatus::Complete,
        Status::Partial => RunStatus::Partial,
    };
    report.failures = snapshot.failures;
    Ok(report)
}

/// The findings in the report: counted by reason, the headline, and for an alert the costliest
/// and the new ones.
fn tell_findings(settings: &Settings, report: &mut RunReport, snapshot: &Snapshot, history_dir: Option<&Path>) {
    report.findings = count_by_reason(snapshot.findings.iter());
    report.headline = Some(Headline::of(snapshot.findings.iter()));
    if settings.alerts.any() {
        report.top_findings = insights::headline::top_by_cost(snapshot, TOP_FINDINGS);
        report.new_findings = insights::headline::new_findings(snapshot, history_dir);
    }
}

/// What `apply` will unschedule at its default rules, which the owner digests announce (with
/// `--owner-digests`); left out, with an error logged, when it cannot be known.
fn upcoming(settings: &Settings, snapshot: &Snapshot, history_dir: Option<&Path>) -> Option<UnschedulePlan> {
    let upcoming = settings
        .insights
        .digests
        .then(|| insights::plan_unscheduling(snapshot, history_dir, &settings.insights.keep, &Rules::default()));
    match upcoming.transpose() {
        Ok(plan) => plan,
        Err(error) => {
            tracing::error!(
                error = format!("{error:#}"),
                "owner digests left out: apply's plan cannot be known"
            );
            None
        }
    }
}

/// Writes the snapshot folder (or uploads it) and notes in the report where its files are.
async fn write(
    settings: &Settings,
    place: &Place,
    snapshot: &Snapshot,
    upcoming: Option<&UnschedulePlan>,
    report: &mut RunReport,
) -> Result<()> {
    let path = place
        .publish(snapshot, settings.formats, settings.cells, upcoming)
        .await
        .context("could not publish the snapshot; nothing was published")?;
    report.workbook = settings
        .formats
        .xlsx
        .then(|| path.join(output::workbook_name(snapshot)));
    report.findings_file = settings.formats.csv.then(|| path.join("findings.csv"));
    report.owners_file = upcoming.is_some().then(|| path.join("owners").join("README.md"));
    report.page = settings.formats.html.then(|| path.join(output::html::PAGE_FILE));
    report.published = Some(path);
    Ok(())
}
