//! HAL bodies of a report and its schedules, shaped like the captured payloads (reference
//! doc §3.2–3.3).

use base64::Engine as _;
use serde_json::{Value, json};

use super::render::{Hal, derived_token};
use super::vocab;
use super::workspace::{SimCollection, SimReport, SimSchedule};

impl Hal<'_> {
    /// A report as listed in `_embedded.reports` and returned by `GET /reports/{r}`.
    pub fn report(&self, c: &SimCollection, r: &SimReport) -> Value {
        let theme_id = [1, 2, 3, 3, 5][(r.id % 5) as usize];
        let mut body = self.report_settings(c, r, theme_id);
        let more = self.report_runs_counts_and_links(c, r, theme_id);
        if let (Some(body), Value::Object(more)) = (body.as_object_mut(), more) {
            body.extend(more);
        }
        body
    }

    /// The first properties of a report: its name, dates and display settings.
    fn report_settings(&self, c: &SimCollection, r: &SimReport, theme_id: u64) -> Value {
        json!({
            "token": r.token,
            "id": r.id,
            "name": r.name,
            "description": r.description,
            "created_at": r.created_at,
            "updated_at": r.updated_at,
            "published_at": null,
            "edited_at": r.edited_at,
            "theme_id": theme_id,
            "color_mappings": {},
            "type": r.report_type,
            "last_successful_sync_at": null,
            "last_saved_at": r.edited_at,
            "archived": r.archived,
            "space_token": c.token,
            "account_id": self.account_id(),
            "account_username": self.ws,
            "public": false,
            "full_width": false,
            "manual_run_disabled": false,
            "drill_anywhere_enabled": false,
            "run_privately": true,
            "drilldowns_enabled": true,
            "layout": "<div class=\"mode-grid container\"><div class=\"row\"></div></div>",
        })
    }

    /// The remaining properties of a report: its runs, counters, `_links` and `_forms`.
    fn report_runs_counts_and_links(&self, c: &SimCollection, r: &SimReport, theme_id: u64) -> Value {
        let api = self.api(&format!("/reports/{}", r.token));
        let runs = RunTokens::of(r);
        let preview = runs.ok.as_deref().map(|run| self.preview_url(r, run));
        json!({
            "is_embedded": false,
            "is_signed": false,
            "imported_datasets": [],
            "shared": false,
            "expected_runtime": r.expected_runtime,
            "last_successfully_run_at": r.last_successfully_run_at,
            "last_run_at": r.last_run_at,
            "web_preview_image": preview,
            "last_successful_run_token": runs.ok,
            "github_link": null,
            "flamingo_signature": self.flamingo_signature(r),
            "query_count": self.count(1 + r.id % 4),
            "max_query_count": self.count(160),
            "chart_count": self.count(r.id % 5),
            "runs_count": self.count(r.runs_count),
            "schedules_count": self.count(r.schedules.len() as u64),
            "query_preview": "SELECT date_trunc('week', created_at) AS week, count(*) FROM orders GROUP BY 1",
            "view_count": self.count(r.view_count),
            "thoughtspot_published_at": null,
            "_links": self.report_links(c, r, &api, &runs, theme_id),
            "_forms": self.report_forms(c, r, &api),
        })
    }

    /// The signed address of the preview image of the report's successful run `run`.
    fn preview_url(&self, r: &SimReport, run: &str) -> String {
        let ws = self.ws;
        format!(
            "https://s3.us-west-2.amazonaws.com/mode.production/report-run-previews/web/{ws}/{}/{run}/{}\
             ?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=119&X-Amz-SignedHeaders=host&X-Amz-Signature={}",
            r.token,
            derived_token(&[run, "preview"]),
            derived_token(&[run, "signature"]).repeat(5),
        )
    }

    fn flamingo_signature(&self, r: &SimReport) -> String {
        base64::engine::general_purpose::STANDARD.encode(format!(
            "signature={}&organization_token={}&report_token={}",
            derived_token(&[&r.token, "flamingo"]).repeat(5),
            self.workspace_token(),
            r.token
        ))
    }

    /// A report's `_links`; `last_run` and `last_successful_run` only when it has run.
    fn report_links(&self, c: &SimCollection, r: &SimReport, api: &str, runs: &RunTokens, theme_id: u64) -> Value {
        let ws = self.ws;
        let mut links = json!({
            "self": {"href": api},
            "web": {"href": format!("https://app.mode.com/{ws}/reports/{}", r.token)},
            "web_edit": {"href": format!("/editor/{ws}/reports/{}", r.token)},
            "csv_export": {"href": format!("{api}/results/content.csv")},
            "share": {"href": format!("/{ws}/reports/{}", r.token)},
            "web_report_runs": {"href": format!("/{ws}/reports/{}/runs", r.token)},
            "account": {"href": self.api("")},
            "report_run": {"templated": true, "href": format!("{api}/runs/{{id}}?embed[result]=1")},
            "space": {"href": self.api(&format!("/collections/{}", c.token))},
            "space_links": {"href": format!("{api}/space_links")},
            "queries": {"href": format!("{api}/queries")},
            "report_runs": {"href": format!("{api}/runs")},
            "report_pins": {"href": format!("{api}/pins")},
            "report_filters": {"href": format!("{api}/filters")},
            "report_schedules": {"href": format!("{api}/schedules")},
            "report_subscriptions": {"href": format!("{api}/subscriptions")},
            "python_visualizations": {"href": format!("{api}/layout_cells")},
            "perspective_email_subscription_memberships": {
                "href": format!("{api}/perspective_email_report_subscription_memberships")
            },
            "validate_email_subscriber": {
                "templated": true,
                "href": format!("{api}/email_report_subscribers/validate{{?subscriber[email]}}")
            },
            "creator": {"href": format!("/api/{}", r.creator)},
            "report_theme": {"href": format!("/api/modeanalytics/report_themes/{}", derived_token(&[&theme_id.to_string(), "theme"]))},
            "report_index_web": {"href": format!("/{ws}/spaces/{}/reports/{}", c.token, r.token)},
        });
        if let Some(run) = &runs.last {
            links["last_run"] = json!({"href": format!("{api}/runs/{run}")});
        }
        if let Some(run) = &runs.ok {
            links["last_successful_run"] = json!({"href": format!("{api}/runs/{run}")});
        }
        links
    }

    /// A report's `_forms`: edit, destroy, archive and unarchive.
    fn report_forms(&self, c: &SimCollection, r: &SimReport, api: &str) -> Value {
        json!({
            "edit": {
                "method": "patch",
                "action": api,
                "input": {"report": {
                    "name": {"type": "text", "value": r.name},
                    "description": {"type": "text", "value": r.description},
                    "account_id": {"type": "text", "value": self.account_id()},
                    "space_token": {"type": "text", "value": c.token},
                    "color_mappings": {"type": "text", "value": {}},
                    "published": {"type": "text", "value": false}
                }}
            },
            "destroy": {"method": "delete", "action": api},
            "archive": {"method": "patch", "action": format!("{api}/archive")},
            "unarchive": {"method": "patch", "action": format!("{api}/unarchive")},
        })
    }

    /// A schedule as listed in `_embedded.report_schedules`.
    pub fn schedule(&self, r: &SimReport, s: &SimSchedule) -> Value {
        let report = self.api(&format!("/reports/{}", r.token));
        let href = format!("{report}/schedules/{}", s.token);
        json!({
            "token": s.token,
            "name": s.name,
            "parameters": s.parameters,
            "created_at": s.created_at,
            "updated_at": updated_at(s),
            "retry_state": s.retry_state,
            "retry_count": retry_count(s),
            "retry_delay": 0,
            "timeout": s.timeout,
            "last_run_at": s.last_run_at,
            "last_succeeded_at": s.last_succeeded_at,
            "last_scheduled_run": s.last_scheduled_run,
            "next_scheduled_run": s.next_scheduled_run,
            "report_name": r.name,
            "delivery": null,
            "report_token": r.token,
            "report_type": r.report_type,
            "subscribed": false,
            "subscriber_count": self.count(s.subscriber_count),
            "frequency": s.frequency,
            "time_zone": s.time_zone,
            "hour": s.hour,
            "minute": s.minute,
            "_links": self.schedule_links(r, &report, &href),
            "_forms": {
                "edit": {
                    "method": "patch",
                    "action": href,
                    "content_type": "application/json",
                    "input": {"report_schedule": {
                        "cron": cron_form(s),
                        "name": field("text", json!(s.name)),
                        "timeout": field("text", json!(s.timeout)),
                        "params": field("text", json!(s.parameters)),
                    }}
                },
                "destroy": {"method": "delete", "action": href},
            }
        })
    }

    fn schedule_links(&self, r: &SimReport, report: &str, href: &str) -> Value {
        json!({
            "account": {"href": self.api("")},
            "creator": {"href": format!("/api/{}", r.creator)},
            "self": {"href": href},
            "report": {"href": report},
            "report_web": {"href": format!("https://app.mode.com/{}/reports/{}", self.ws, r.token)},
            "report_runs": {"href": format!("{href}/runs?embed[report_runs][executed_by]=1")},
            "report_subscriptions": {"href": format!("{href}/subscriptions")},
        })
    }
}

/// The tokens of a report's last run and last successful run, when it has them.
struct RunTokens {
    last: Option<String>,
    ok: Option<String>,
}

impl RunTokens {
    fn of(r: &SimReport) -> RunTokens {
        let run = |t: &str| derived_token(&[&r.token, "run", t]);
        RunTokens {
            last: r.last_run_at.as_deref().map(run),
            ok: r.last_successfully_run_at.as_deref().map(run),
        }
    }
}

/// A schedule's last change: its last run when later than its creation.
fn updated_at(s: &SimSchedule) -> &String {
    s.last_run_at
        .as_ref()
        .filter(|t| **t > s.created_at)
        .unwrap_or(&s.created_at)
}

fn retry_count(s: &SimSchedule) -> u64 {
    match s.retry_state.as_str() {
        "ok" => 0,
        _ => 1 + u64::from(s.token.as_bytes()[0] % 3),
    }
}

/// A form field: its input `type` and current `value`.
fn field(kind: &str, value: Value) -> Value {
    json!({"type": kind, "value": value})
}

/// The `cron` of a schedule's edit form; the hour and minute as numbers.
fn cron_form(s: &SimSchedule) -> Value {
    let mut cron = json!({
        "freq": field("select", json!(s.frequency)),
        "hour": field("select", json!(vocab::hour_of_label(&s.hour))),
        "minute": field("select", json!(vocab::minute_of_label(&s.minute))),
        "time_zone": field("select", json!(s.time_zone)),
    });
    if let Some(day) = s.day_of_week {
        cron["day_of_week"] = field("select", json!(day));
    }
    if let Some(day) = s.day_of_month {
        cron["day_of_month"] = field("select", json!(day));
    }
    cron
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Workspace, WorkspaceSpec};

    #[test]
    fn report_body_matches_the_capture_shape() {
        let spec = WorkspaceSpec {
            scheduled_share: 1.0,
            ..Default::default()
        };
        let ws = Workspace::generate("acme", &spec);
        let (c, r) = ws.reports().next().unwrap();
        let hal = Hal {
            ws: "acme",
            strings: false,
        };
        let body = hal.report(c, r);
        assert_eq!(body["token"], r.token.as_str());
        assert_eq!(body["space_token"], c.token.as_str());
        assert_eq!(body["type"], "Report");
        assert!(body["view_count"].is_u64() && body["schedules_count"] == r.schedules.len() as u64);
        assert_eq!(
            body["_links"]["web"]["href"],
            format!("https://app.mode.com/acme/reports/{}", r.token)
        );
        assert_eq!(body["_links"]["creator"]["href"], format!("/api/{}", r.creator));
        assert_eq!(
            body["_links"]["space"]["href"],
            format!("/api/acme/collections/{}", c.token)
        );
        assert!(body.get("creator").is_none() && body.get("schedules").is_none());
        assert!(body.as_object().unwrap().contains_key("published_at"));

        let s = &r.schedules[0];
        let sched = hal.schedule(r, s);
        assert_eq!(sched["report_token"], r.token.as_str());
        assert_eq!(sched["hour"], s.hour.as_str());
        assert!(sched.get("cron").is_none() && sched.get("timezone").is_none());
        let cron = &sched["_forms"]["edit"]["input"]["report_schedule"]["cron"];
        assert_eq!(cron["freq"]["value"], s.frequency.as_str());
        assert_eq!(
            cron["hour"]["value"],
            json!(vocab::hour_of_label(&s.hour).unwrap()),
            "the form mirrors the hour as a number"
        );
        assert_eq!(sched["timeout"], s.timeout);

        let strings = Hal {
            ws: "acme",
            strings: true,
        };
        assert!(strings.report(c, r)["view_count"].is_string());
    }
}
