//! The run's metrics file (`--metrics-file`): found writable before the run, written after it.

use anyhow::Result;

use crate::config::Settings;
use crate::output::metrics;
use crate::snapshot::RunReport;

/// Whether the metrics file, when one is set, can be written: a run that could not record its
/// metrics does not start.
pub(super) fn check(settings: &Settings) -> Result<()> {
    match &settings.insights.metrics_file {
        Some(setting) => metrics::check_writable(setting, &settings.workspace),
        None => Ok(()),
    }
}

/// Writes the metrics file, when one is set. The snapshot is already published: a metrics file
/// that cannot be written is logged, and its staleness is what an alert on
/// mode_audit_last_run_timestamp_seconds notices.
pub(super) fn record(settings: &Settings, report: &RunReport) {
    let Some(setting) = &settings.insights.metrics_file else {
        return;
    };
    match metrics::record(setting, report) {
        Ok(path) => tracing::info!(path = %path.display(), "metrics written"),
        Err(error) => {
            let path = metrics::file_for(setting, &settings.workspace);
            tracing::error!(path = %path.display(), error = format!("{error:#}"), "cannot write the metrics file")
        }
    }
}
