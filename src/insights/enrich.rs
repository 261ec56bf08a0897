//! The step that adds what earlier snapshots know (history) and the findings to a snapshot.

use std::collections::HashSet;
use std::path::Path;

use super::eligibility::{Rules, UnschedulePlan, plan};
use super::findings::{FindingsOptions, RecentViews, detect_with, short};
use super::history::{History, WINDOWS};
use super::keep::KeepList;
use super::standing::{Standing, UNUSED};
use crate::snapshot::Snapshot;
use crate::snapshot::actions::restored_reports;
use crate::snapshot::run_figures::ActiveMembers;

/// Reads the earlier snapshots in `history_dir` (`OUT/<workspace>`; `None` for `--out -`), fills
/// each report's history, and computes the findings (OWNER_DEPARTED when `members` were listed).
/// Returns the views gained over the window, for [`redetect`].
pub fn enrich(
    snapshot: &mut Snapshot,
    history_dir: Option<&Path>,
    options: &FindingsOptions,
    keep: &KeepList,
    members: Option<&ActiveMembers>,
) -> std::io::Result<Option<RecentViews>> {
    let window = options.window;
    let history = match history_dir {
        Some(dir) => History::load(dir, &snapshot.workspace, &snapshot.started_at, window),
        None => History::default(),
    };
    let started_at = snapshot.started_at.clone();
    snapshot.reports = snapshot.reports.map(|r| history.fill(r, &started_at))?;
    // Findings look at scheduled reports only: the others' gains need not be held.
    let recent = history.recent(window, snapshot.reports.iter().filter(|r| r.scheduled == Some(true)));
    tracing::info!(
        earlier_snapshots = history.found,
        read = history.read,
        views_7d_since = history.since(WINDOWS[0]).unwrap_or("none"),
        views_30d_since = history.since(WINDOWS[1]).unwrap_or("none"),
        views_90d_since = history.since(WINDOWS[2]).unwrap_or("none"),
        "history"
    );
    if recent.is_none() {
        tracing::info!(
            window = %short(window),
            "no earlier snapshot is that old yet: SCHEDULED_NOT_VIEWED_RECENTLY needs one"
        );
    }
    let present: Vec<String> = snapshot
        .reports
        .iter()
        .map(|r| r.token)
        .filter(|t| keep.contains(t))
        .collect();
    for token in keep.unmatched(present.iter().map(String::as_str)) {
        tracing::warn!(
            token,
            "keep-list token not in this snapshot (deleted report, or a typo)"
        );
    }
    redetect(snapshot, recent.as_ref(), options, keep, members)?;
    Ok(recent)
}

/// Computes the findings again (after the reports' run figures changed their costs).
pub fn redetect(
    snapshot: &mut Snapshot,
    recent: Option<&RecentViews>,
    options: &FindingsOptions,
    keep: &KeepList,
    members: Option<&ActiveMembers>,
) -> std::io::Result<()> {
    snapshot.findings = detect_with(snapshot, recent, options, keep, members);
    snapshot.findings_window_seconds = Some(options.window.as_secs());
    snapshot.findings.check()
}

/// What `apply` would unschedule for `snapshot` (with its findings computed), with the history in
/// `history_dir` (`OUT/<workspace>`; `None`: none) saying since when each unused finding holds, and
/// its undo logs which reports an undo restored. An undo log that cannot be read is an error
/// naming its file and line (the holds it carries would be lost).
pub fn plan_unscheduling(
    snapshot: &Snapshot,
    history_dir: Option<&Path>,
    keep: &KeepList,
    rules: &Rules,
) -> anyhow::Result<UnschedulePlan> {
    let unused: HashSet<String> = snapshot
        .findings
        .iter()
        .filter(|f| UNUSED.contains(&f.reason))
        .map(|f| f.report_token.clone())
        .collect();
    let current = snapshot
        .reports
        .iter()
        .filter(|r| unused.contains(&r.token))
        .map(|r| (r.token.clone(), r.view_count));
    let standing = match history_dir {
        Some(dir) => Standing::load(dir, &snapshot.workspace, &snapshot.started_at, current, rules.min_age),
        None => Standing::new(&snapshot.started_at, current),
    };
    tracing::debug!(earlier_snapshots_read = standing.read, "standing of unused findings");
    let restored = history_dir.map(restored_reports).transpose()?.unwrap_or_default();
    Ok(plan(snapshot, &standing, keep, &restored, rules))
}
