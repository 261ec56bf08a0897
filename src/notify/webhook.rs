//! The generic webhook's document (schema `mode-audit.run/1`, see docs/notifications.md): one
//! JSON object per workspace and run.

use serde_json::{Value, json};

use super::alert::Alert;

/// The schema's name and version; a change that removes or renames a field gets a new version.
pub const SCHEMA: &str = "mode-audit.run/1";
/// Top findings and failures listed at most (the totals are always given).
const LISTED: usize = 20;

/// The document for one workspace's run.
pub fn document(alert: &Alert, id: &str, sent_at: &str) -> Value {
    let mut doc = json!({
        "schema": SCHEMA,
        "id": id,
        "sent_at": sent_at,
        "workspace": alert.workspace,
        "status": alert.status(),
        "exit_code": alert.exit_code(),
        "error": alert.outcome.err(),
        "problem": alert.problem(),
        "snapshot": alert.location(),
    });
    let Ok(r) = alert.outcome else {
        return doc;
    };
    let s = &r.summary;
    doc["counts"] = json!({
        "collections": s.collections,
        "reports": s.reports,
        "scheduled": s.scheduled,
        "scheduled_zero_views": s.scheduled_zero_views,
        "archived": s.archived,
    });
    if let Some(total) = alert.findings_total() {
        let by_reason: serde_json::Map<String, Value> = r
            .findings
            .iter()
            .map(|(reason, n)| (reason.code().to_string(), json!(n)))
            .collect();
        doc["findings"] = json!({"total": total, "new": r.new_findings, "by_reason": by_reason});
    }
    doc["top_findings"] = r
        .top_findings
        .iter()
        .take(LISTED)
        .map(|f| {
            json!({
                "report_token": f.report_token,
                "report_name": f.report_name,
                "reason": f.reason.code(),
                "owner": f.owner,
                "cost_seconds_per_month": f.cost_seconds(),
                "url": f.url,
            })
        })
        .collect();
    doc["failures"] = json!({
        "total": r.failures.len(),
        "first": r.failures.iter().take(LISTED).map(|f| json!({"scope": f.scope, "token": f.token, "error": f.error})).collect::<Vec<_>>(),
    });
    doc
}
