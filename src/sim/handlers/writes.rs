//! The two writes the stand-in serves — `DELETE /reports/{r}/schedules/{s}` and
//! `POST /reports/{r}/schedules` with a `cron` body — applied to the workspace they are given.
//!
//! The create body follows Mode's docs: `{"report_schedule": {"cron": {freq, day_of_month,
//! day_of_week, hour, minute, time_zone}, "name", "timeout", "params"}}`, `cron` required, `freq`
//! one of the documented six. Which wrapper is accepted and how both answer are `SimConfig` knobs,
//! since the docs leave them open.

use serde_json::{Map, Value, json};

use super::Reply;
use crate::sim::config::{CreateBody, CreateReply, DeleteReply, SimConfig};
use crate::sim::counters::WriteEvent;
use crate::sim::render::{Hal, derived_token, error_body};
use crate::sim::timestamp::{BASE_MS, iso_z};
use crate::sim::vocab;
use crate::sim::workspace::{DEFAULT_TIMEOUT, SimReport, SimSchedule, Workspace};

const FREQUENCIES: [&str; 6] = [
    "every_15_minutes",
    "every_30_minutes",
    "hourly",
    "daily",
    "weekly",
    "monthly",
];

fn reply(status: u16, body: Value) -> Reply {
    Reply {
        status,
        body,
        location: None,
    }
}

fn refused(status: u16, id: &str, message: &str) -> Reply {
    reply(status, json!({"id": id, "message": message}))
}

fn report_mut<'a>(ws: &'a mut Workspace, token: &str) -> Option<&'a mut SimReport> {
    ws.collections
        .iter_mut()
        .flat_map(|c| c.reports.iter_mut())
        .find(|r| r.token == token)
}

/// `DELETE /api/{ws}/reports/{report}/schedules/{schedule}`: removes the schedule.
pub fn delete(cfg: &SimConfig, ws: &mut Workspace, report: &str, schedule: &str) -> (Reply, WriteEvent) {
    let hal = Hal {
        ws: &cfg.workspace,
        strings: cfg.counters_as_strings,
    };
    let event = |status| WriteEvent {
        method: "DELETE".into(),
        report: report.into(),
        schedule: Some(schedule.into()),
        status,
    };
    let Some(r) = report_mut(ws, report) else {
        return (reply(404, error_body(404, Some("report not found"))), event(404));
    };
    let Some(at) = r.schedules.iter().position(|s| s.token == schedule) else {
        return (
            reply(404, error_body(404, Some("report schedule not found"))),
            event(404),
        );
    };
    let gone = r.schedules.remove(at);
    let answer = match cfg.delete_reply {
        DeleteReply::NoContent => reply(204, Value::Null),
        DeleteReply::Body => reply(200, hal.schedule(r, &gone)),
    };
    let status = answer.status;
    (answer, event(status))
}

/// `POST /api/{ws}/reports/{report}/schedules`: creates a schedule from a `cron` body.
pub fn create(cfg: &SimConfig, ws: &mut Workspace, report: &str, body: &[u8]) -> (Reply, WriteEvent) {
    let hal = Hal {
        ws: &cfg.workspace,
        strings: cfg.counters_as_strings,
    };
    let event = |status, schedule: Option<&str>| WriteEvent {
        method: "POST".into(),
        report: report.into(),
        schedule: schedule.map(str::to_string),
        status,
    };
    let taken: Vec<String> = ws
        .reports()
        .flat_map(|(_, r)| r.schedules.iter().map(|s| s.token.clone()))
        .collect();
    let Some(r) = report_mut(ws, report) else {
        return (reply(404, error_body(404, Some("report not found"))), event(404, None));
    };
    let fields = match unwrap_body(cfg.create_body, body) {
        Ok(fields) => fields,
        Err(refusal) => {
            let status = refusal.status;
            return (refusal, event(status, None));
        }
    };
    let mut schedule = match schedule_from(&fields) {
        Ok(s) => s,
        Err(message) => return (refused(400, "bad_request", &message), event(400, None)),
    };
    let mut n = 0u32;
    schedule.token = loop {
        let token = derived_token(&[report, "created", &taken.len().to_string(), &n.to_string()]);
        if !taken.contains(&token) {
            break token;
        }
        n += 1;
    };
    let href = hal.api(&format!("/reports/{report}/schedules/{}", schedule.token));
    let token = schedule.token.clone();
    let rendered = hal.schedule(r, &schedule);
    r.schedules.push(schedule);
    let answer = match cfg.create_reply {
        CreateReply::Created => Reply {
            status: 201,
            body: rendered,
            location: Some(href),
        },
        CreateReply::Wrapped => reply(200, json!({ "report_schedule": rendered })),
        CreateReply::LocationOnly => Reply {
            status: 202,
            body: Value::Null,
            location: Some(href),
        },
        CreateReply::NoContent => reply(204, Value::Null),
    };
    let status = answer.status;
    (answer, event(status, Some(&token)))
}

/// The schedule fields of a create body, wrapped or bare as `accepted` allows.
fn unwrap_body(accepted: CreateBody, body: &[u8]) -> Result<Map<String, Value>, Reply> {
    let Ok(Value::Object(mut top)) = serde_json::from_slice::<Value>(body) else {
        return Err(refused(400, "bad_request", "the body is not a JSON object"));
    };
    let wrapped = top.remove("report_schedule");
    match (accepted, wrapped) {
        (CreateBody::Bare, Some(_)) => Err(refused(
            400,
            "bad_request",
            "found unpermitted parameter: report_schedule",
        )),
        (CreateBody::Wrapped | CreateBody::Either, Some(Value::Object(fields))) => Ok(fields),
        (CreateBody::Wrapped, _) => Err(refused(
            400,
            "param_missing",
            "param is missing or the value is empty: report_schedule",
        )),
        (_, _) => Ok(top),
    }
}

/// A new schedule (token left empty) from the fields of a create body.
fn schedule_from(fields: &Map<String, Value>) -> Result<SimSchedule, String> {
    let cron = Cron::parse(fields)?;
    let name = match fields.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(n)) => Some(n.clone()),
        Some(_) => return Err("name must be text".into()),
    };
    let timeout = match fields.get("timeout") {
        None | Some(Value::Null) => DEFAULT_TIMEOUT,
        Some(v) => v.as_u64().ok_or("timeout must be whole seconds")?,
    };
    let parameters = match fields.get("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(_) => return Err("params must be an object".into()),
    };
    Ok(SimSchedule {
        token: String::new(),
        name,
        frequency: cron.freq.clone(),
        time_zone: cron.time_zone,
        hour: vocab::hour_label(cron.hour),
        minute: vocab::minute_label(cron.minute),
        day_of_week: cron.day_of_week.filter(|_| cron.freq == "weekly"),
        day_of_month: cron.day_of_month.filter(|_| cron.freq == "monthly"),
        timeout,
        parameters,
        created_at: iso_z(BASE_MS),
        next_scheduled_run: None,
        last_scheduled_run: None,
        last_run_at: None,
        last_succeeded_at: None,
        retry_state: "ok".into(),
        subscriber_count: 0,
    })
}

/// The `cron` of a create body, checked: a known frequency, the day it needs, numbers in range.
struct Cron {
    freq: String,
    hour: u32,
    minute: u32,
    day_of_week: Option<u32>,
    day_of_month: Option<u32>,
    time_zone: String,
}

impl Cron {
    fn parse(fields: &Map<String, Value>) -> Result<Cron, String> {
        let Some(Value::Object(cron)) = fields.get("cron") else {
            return Err("param is missing or the value is empty: cron".into());
        };
        let freq = match cron.get("freq").and_then(Value::as_str) {
            Some(f) if FREQUENCIES.contains(&f) => f.to_string(),
            _ => return Err(format!("cron.freq must be one of {}", FREQUENCIES.join(", "))),
        };
        let hour = cron_number(cron, "hour", 0..=23)?.unwrap_or(0);
        let minute = cron_number(cron, "minute", 0..=59)?.unwrap_or(0);
        let day_of_week = cron_number(cron, "day_of_week", 0..=6)?;
        let day_of_month = cron_number(cron, "day_of_month", 1..=31)?;
        if freq == "weekly" && day_of_week.is_none() {
            return Err("cron.day_of_week is required for a weekly schedule".into());
        }
        if freq == "monthly" && day_of_month.is_none() {
            return Err("cron.day_of_month is required for a monthly schedule".into());
        }
        let time_zone = match cron.get("time_zone") {
            None | Some(Value::Null) => "UTC".to_string(),
            Some(Value::String(z)) if !z.trim().is_empty() => z.clone(),
            Some(_) => return Err("cron.time_zone must be a time zone name".into()),
        };
        Ok(Cron {
            freq,
            hour,
            minute,
            day_of_week,
            day_of_month,
            time_zone,
        })
    }
}

/// Field `name` of a cron as a number in `range` (a number or a numeric string); `None` when absent.
fn cron_number(
    cron: &Map<String, Value>,
    name: &str,
    range: std::ops::RangeInclusive<u32>,
) -> Result<Option<u32>, String> {
    match cron.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| range.contains(n))
            .map(Some)
            .ok_or_else(|| format!("cron.{name} must be a number from {} to {}", range.start(), range.end())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::WorkspaceSpec;

    fn workspace() -> Workspace {
        let spec = WorkspaceSpec {
            scheduled_share: 1.0,
            reports: 20,
            ..WorkspaceSpec::default()
        };
        Workspace::generate("acme", &spec)
    }

    fn body(value: Value) -> Vec<u8> {
        serde_json::to_vec(&value).unwrap()
    }

    #[test]
    fn delete_removes_the_schedule_once() {
        let cfg = SimConfig::default();
        let mut ws = workspace();
        let (_, r) = ws.reports().next().unwrap();
        let (report, schedule) = (r.token.clone(), r.schedules[0].token.clone());
        let before = ws.schedule_count();
        let (reply, event) = delete(&cfg, &mut ws, &report, &schedule);
        assert_eq!((reply.status, event.status), (204, 204));
        assert_eq!(ws.schedule_count(), before - 1);
        let (again, _) = delete(&cfg, &mut ws, &report, &schedule);
        assert_eq!(again.status, 404);
        assert_eq!(again.body["message"], "report schedule not found");
        assert_eq!(delete(&cfg, &mut ws, "nope", &schedule).0.status, 404);
    }

    #[test]
    fn create_reads_the_documented_body_and_renders_it_back() {
        let cfg = SimConfig {
            create_body: CreateBody::Either,
            ..SimConfig::default()
        };
        let mut ws = workspace();
        let report = ws.reports().next().unwrap().1.token.clone();
        let fields = json!({"cron": {"freq": "weekly", "day_of_week": 2, "hour": 20, "minute": 15,
                                     "time_zone": "London"},
                            "name": "Weekly", "timeout": 600, "params": {"region": "EU"}});
        let (reply, event) = create(&cfg, &mut ws, &report, &body(json!({"report_schedule": fields})));
        assert_eq!(reply.status, 201, "{}", reply.body);
        let token = event.schedule.unwrap();
        assert_eq!(
            reply.location.unwrap(),
            format!("/api/acme/reports/{report}/schedules/{token}")
        );
        let s = ws.report(&report).unwrap().1.schedules.last().unwrap().clone();
        assert_eq!(
            (s.hour.as_str(), s.minute.as_str()),
            ("8:00 pm", "15 minutes past the hour")
        );
        assert_eq!(
            (s.day_of_week, s.timeout, s.parameters["region"].as_str()),
            (Some(2), 600, Some("EU"))
        );
        assert_eq!(
            reply.body["_forms"]["edit"]["input"]["report_schedule"]["cron"]["day_of_week"]["value"],
            2
        );
        let (bare, _) = create(&cfg, &mut ws, &report, &body(fields));
        assert_eq!(bare.status, 201, "Either takes the bare body too");
    }

    #[test]
    fn create_refuses_what_the_docs_do_not_allow() {
        let mut ws = workspace();
        let report = ws.reports().next().unwrap().1.token.clone();
        let count = ws.schedule_count();
        let wrapped_only = SimConfig::default();
        let bare = body(json!({"cron": {"freq": "daily"}}));
        let (reply, _) = create(&wrapped_only, &mut ws, &report, &bare);
        assert_eq!((reply.status, reply.body["id"].as_str()), (400, Some("param_missing")));
        let bare_only = SimConfig {
            create_body: CreateBody::Bare,
            ..SimConfig::default()
        };
        let wrapped = body(json!({"report_schedule": {"cron": {"freq": "daily"}}}));
        assert_eq!(create(&bare_only, &mut ws, &report, &wrapped).0.status, 400);
        for bad in [
            json!({"report_schedule": {"name": "no cron"}}),
            json!({"report_schedule": {"cron": {"freq": "fortnightly"}}}),
            json!({"report_schedule": {"cron": {"freq": "weekly", "hour": 3}}}),
            json!({"report_schedule": {"cron": {"freq": "daily", "hour": 24}}}),
        ] {
            let (reply, event) = create(&wrapped_only, &mut ws, &report, &body(bad.clone()));
            assert_eq!((reply.status, event.schedule), (400, None), "{bad}");
        }
        assert_eq!(ws.schedule_count(), count, "nothing refused was created");
    }
}
