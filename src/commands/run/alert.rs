//! The alert phase: the run alert (Slack, a signed webhook) told of what the run came to, a
//! failure included.

use anyhow::Result;

use crate::config::Settings;
use crate::notify::Alert;
use crate::snapshot::RunReport;

/// Sends the alert for `result` when targets are set, and hands the result on, with the alerts
/// that could not be delivered counted in the report.
pub(super) async fn alert(settings: &Settings, result: Result<RunReport>) -> Result<RunReport> {
    let fatal = result.as_ref().err().map(|e| format!("{e:#}"));
    let outcome = match (&result, &fatal) {
        (Ok(report), _) => Ok(report),
        (Err(_), error) => Err(error.as_deref().unwrap_or_default()),
    };
    let delivered = settings
        .alerts
        .send(&Alert {
            workspace: &settings.workspace,
            outcome,
        })
        .await;
    let mut report = result?;
    report.notifications_failed = delivered.failed;
    Ok(report)
}
