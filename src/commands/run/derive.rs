//! The derive phase: what the snapshot says beyond what was read, its history (views over the
//! findings window, from the earlier snapshots) and its findings.

use anyhow::{Context, Result};

use super::walk::Assembled;
use crate::config::Settings;
use crate::insights;
use crate::insights::findings::RecentViews;
use crate::snapshot::run_figures::ActiveMembers;

/// Adds history and findings to the assembled snapshot; the recent views it read are handed on
/// to the runs phase, which computes the findings again with the runs read.
pub(super) fn derive(
    settings: &Settings,
    run: &mut Assembled,
    members: Option<&ActiveMembers>,
) -> Result<Option<RecentViews>> {
    insights::enrich(
        &mut run.snapshot,
        run.history_dir.as_deref(),
        &settings.insights.findings,
        &settings.insights.keep,
        members,
    )
    .context("could not add history and findings; nothing was published")
}
