//! The schedule details an incremental run (or `plan`) may reuse from the last snapshot.

use std::path::Path;
use std::sync::Arc;

use crate::config::{Destination, Settings};
use crate::insights::reuse::EarlierSchedules;

/// The schedule details of the last snapshot this run may reuse (`--schedules-max-age`), for a
/// run that started at `started_at`; `None` when reuse is off or there is no earlier snapshot.
pub fn earlier_schedules(
    settings: &Settings,
    history_dir: Option<&Path>,
    started_at: &str,
) -> Option<Arc<EarlierSchedules>> {
    let max_age = settings.schedules_max_age?;
    let Some(dir) = history_dir else {
        tracing::warn!(
            "--schedules-max-age needs an output folder or bucket to find the last snapshot in; with --out - every schedule is fetched"
        );
        return None;
    };
    // The index's own temporary file goes beside the snapshots of a folder, else in the system's.
    let spill = matches!(settings.destination, Destination::Dir(_)).then_some(dir);
    let index = EarlierSchedules::load(dir, &settings.workspace, started_at, max_age, spill);
    if index.is_none() {
        tracing::info!(dir = %dir.display(), "no earlier snapshot to reuse schedule details from: every schedule is fetched");
    }
    index.map(Arc::new)
}

/// The last snapshot, indexed, whether or not reuse is on (for `plan` to predict the runs step
/// from): with reuse off nothing in it is young enough to keep.
pub fn earlier_snapshot(
    settings: &Settings,
    history_dir: Option<&Path>,
    started_at: &str,
) -> Option<Arc<EarlierSchedules>> {
    let dir = history_dir?;
    let spill = matches!(settings.destination, Destination::Dir(_)).then_some(dir);
    let max_age = settings.schedules_max_age.unwrap_or_default();
    EarlierSchedules::load(dir, &settings.workspace, started_at, max_age, spill).map(Arc::new)
}
