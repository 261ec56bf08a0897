//! Bodies of report runs and workspace memberships, as Mode's reference describes them.

use serde_json::{Value, json};

use super::render::{Hal, derived_token};
use super::run_history::{SimRun, at};
use super::workspace::{SimReport, SimUser};

impl Hal<'_> {
    /// One item of `_embedded.report_runs`.
    pub fn run(&self, r: &SimReport, run: &SimRun) -> Value {
        let base = self.api(&format!("/reports/{}/runs/{}", r.token, run.token));
        let mut links = json!({
            "self": {"href": base},
            "report": {"href": self.api(&format!("/reports/{}", r.token))},
            "executed_by": {"href": format!("/api/{}", r.creator)},
        });
        if let Some(schedule) = &run.schedule {
            links["report_schedule"] = json!({"href": self.api(&format!("/reports/{}/schedules/{schedule}", r.token))});
        }
        json!({
            "token": run.token,
            "state": run.state,
            "created_at": at(run.created_ms),
            "updated_at": at(run.updated_ms()),
            "completed_at": run.completed_ms.map(at),
            "parameters": {},
            "is_latest_report_run": false,
            "is_latest_successful_report_run": false,
            "report_has_failures_since_last_success": run.state == "failed",
            "_links": links,
        })
    }

    /// One item of `_embedded.memberships`; `state` is `active` or, for a member who left,
    /// `deactivated`.
    pub fn membership(&self, u: &SimUser, active: bool) -> Value {
        let token = derived_token(&[self.ws, "membership", &u.username]);
        json!({
            "admin": false,
            "invited": false,
            "state": if active { "active" } else { "deactivated" },
            "member_username": u.username,
            "member_token": u.token,
            "activated_at": "2024-01-02T03:04:05.000Z",
            "managed_by_scim": false,
            "_links": {
                "self": {"href": self.api(&format!("/memberships/{token}"))},
                "user": {"href": format!("/api/{}", u.username)},
            },
        })
    }
}
