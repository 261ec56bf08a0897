//! A schedule's definition — what `POST /reports/{r}/schedules` needs to create it again — read from
//! a schedule as Mode lists it, and the request body built from it.
//!
//! Mode answers with human text (`"hour": "8:00 pm"`, `"minute": "the top of the hour"`) and takes a
//! `cron` object of numbers (`{freq, day_of_month, day_of_week, hour, minute, time_zone}`). Every
//! field is read first from the schedule's edit form (`_forms.edit.input.report_schedule`, where
//! Mode mirrors the `cron` values, `name`, `timeout` and `params`), then from the plain fields of
//! the answer, then (hour and minute) from the human text. Days are normalised to numbers (day of
//! the week 0 = Sunday to 6, day of the month 1 to 31). A definition that cannot be read whole is
//! an error: such a schedule could not be recreated. A field that is absent is unknown, not empty:
//! recreating the schedule without its parameters or timeout would make another schedule.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::models::Schedule;
use super::page::Listed;

/// The frequencies Mode documents for `cron.freq`.
pub const FREQUENCIES: [&str; 6] = [
    "every_15_minutes",
    "every_30_minutes",
    "hourly",
    "daily",
    "weekly",
    "monthly",
];

/// Mode's `cron` request object. Days are numbers once read (logs written before may hold them as
/// Mode sent them); absent fields are left out of the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cron {
    pub freq: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_of_month: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day_of_week: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hour: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minute: Option<u32>,
    pub time_zone: String,
}

/// Everything a schedule is created from: cron fields, time zone, name, timeout, parameters.
/// Recipients are not part of it: Mode's API cannot set them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleDefinition {
    pub name: Option<String>,
    pub cron: Cron,
    /// Seconds, as Mode sent it.
    pub timeout: Option<u64>,
    /// The report parameters the schedule runs with (`parameters` in answers, `params` in requests).
    #[serde(default)]
    pub params: Map<String, Value>,
}

/// Which body shape a create request uses: Mode's docs show the `report_schedule` wrapper, and
/// whether it is required is not known, so the bare object is the fallback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyShape {
    /// `{"report_schedule": {"cron": …, "name": …, "timeout": …, "params": …}}`
    Wrapped,
    /// `{"cron": …, "name": …, "timeout": …, "params": …}`
    Bare,
}

impl ScheduleDefinition {
    /// Reads the definition of one schedule as Mode listed it; the error says what is missing.
    pub fn read(raw: &Value) -> Result<ScheduleDefinition, String> {
        let fields = Fields {
            raw,
            form: &raw["_forms"]["edit"]["input"]["report_schedule"],
        };
        Ok(ScheduleDefinition {
            cron: fields.cron()?,
            name: fields.name()?,
            timeout: fields.timeout()?,
            params: fields.params()?,
        })
    }

    /// The create request's body in `shape`.
    pub fn body(&self, shape: BodyShape) -> Value {
        let mut object = Map::new();
        object.insert("cron".into(), serde_json::to_value(&self.cron).unwrap_or(Value::Null));
        if let Some(name) = &self.name {
            object.insert("name".into(), Value::String(name.clone()));
        }
        if let Some(timeout) = self.timeout {
            object.insert("timeout".into(), Value::from(timeout));
        }
        object.insert("params".into(), Value::Object(self.params.clone()));
        match shape {
            BodyShape::Wrapped => serde_json::json!({ "report_schedule": object }),
            BodyShape::Bare => Value::Object(object),
        }
    }

    /// Whether a schedule Mode lists now is this definition: the same cron, time zone, timeout and
    /// parameters, and the same name when this one has a name.
    pub fn matches(&self, listed: &ScheduleDefinition) -> bool {
        self.cron == listed.cron
            && self.params == listed.params
            && (self.timeout.is_none() || self.timeout == listed.timeout)
            && (self.name.is_none() || self.name == listed.name)
    }
}

impl ScheduleDefinition {
    /// What differs between this definition and `listed` (a schedule read back), in words; the
    /// name and timeout only when this one has them.
    pub fn differences(&self, listed: &ScheduleDefinition) -> Vec<String> {
        let text = |c: &Cron| serde_json::to_string(c).unwrap_or_default();
        let mut out = Vec::new();
        if self.cron != listed.cron {
            out.push(format!("cron {} → {}", text(&self.cron), text(&listed.cron)));
        }
        if self.name.is_some() && self.name != listed.name {
            out.push(format!("name {:?} → {:?}", self.name, listed.name));
        }
        if self.timeout.is_some() && self.timeout != listed.timeout {
            out.push(format!("timeout {:?} → {:?}", self.timeout, listed.timeout));
        }
        if self.params != listed.params {
            out.push(format!(
                "parameters {} → {}",
                Value::Object(self.params.clone()),
                Value::Object(listed.params.clone())
            ));
        }
        out
    }
}

/// `"8:00 pm"` → 20, `"12:00 am"` → 0, `20` or `"20"` → 20.
/// A schedule as Mode answers it: its edit form (`_forms.edit.input.report_schedule`), whose values
/// come first, and the plain answer beside it.
struct Fields<'a> {
    raw: &'a Value,
    form: &'a Value,
}

impl Fields<'_> {
    /// A cron field: `{"type": …, "value": v}` in the form, a plain value in the form, else the answer.
    fn cron_field(&self, name: &str) -> Option<&Value> {
        let in_form = match &self.form["cron"][name] {
            Value::Object(o) => o.get("value"),
            Value::Null => None,
            other => Some(other),
        };
        in_form
            .filter(|v| !v.is_null())
            .or_else(|| Some(&self.raw[name]).filter(|v| !v.is_null()))
    }

    /// `name`, `timeout` or `params` from the form, else the answer: absent from both is unknown.
    fn known(&self, in_form: &str, plain: &[&str]) -> Option<Value> {
        let from_form = match &self.form[in_form] {
            Value::Object(o) => o.get("value").cloned(),
            Value::Null => None,
            other => Some(other.clone()),
        };
        let from_answer = plain.iter().find_map(|k| self.raw.get(*k).cloned());
        match (from_form, from_answer) {
            (Some(v), _) if !v.is_null() => Some(v),
            (f, Some(a)) if !a.is_null() || f.is_none() => Some(a),
            (f, _) => f,
        }
    }

    /// One optional cron number, read by `read`; `what` names it in the error.
    fn cron_number(&self, name: &str, what: &str, read: fn(&Value) -> Option<u32>) -> Result<Option<u32>, String> {
        self.cron_field(name)
            .map(|v| read(v).ok_or_else(|| format!("{what} {v} is unreadable")))
            .transpose()
    }

    fn cron(&self) -> Result<Cron, String> {
        let freq = match self.cron_field("freq").or_else(|| self.cron_field("frequency")) {
            Some(Value::String(f)) if FREQUENCIES.contains(&f.as_str()) => f.clone(),
            Some(other) => return Err(format!("frequency {other} is not one Mode documents")),
            None => return Err("the frequency is missing".into()),
        };
        let time_zone = match self.cron_field("time_zone") {
            Some(Value::String(z)) if !z.trim().is_empty() => z.clone(),
            _ => return Err("the time zone is missing".into()),
        };
        let cron = Cron {
            hour: self.cron_number("hour", "hour", read_hour)?,
            minute: self.cron_number("minute", "minute", read_minute)?,
            day_of_week: self
                .cron_number("day_of_week", "day of the week", read_weekday)?
                .map(Value::from),
            day_of_month: self
                .cron_number("day_of_month", "day of the month", read_monthday)?
                .map(Value::from),
            freq,
            time_zone,
        };
        cron.require_its_fields()?;
        Ok(cron)
    }

    fn name(&self) -> Result<Option<String>, String> {
        match self.known("name", &["name"]) {
            None => Err("the name is missing".into()),
            Some(Value::Null) => Ok(None),
            Some(Value::String(n)) => Ok(Some(n)),
            Some(other) => Err(format!("name {other} is not text")),
        }
    }

    fn timeout(&self) -> Result<Option<u64>, String> {
        match self.known("timeout", &["timeout"]) {
            None | Some(Value::Null) => Err("the timeout is missing".into()),
            Some(Value::Number(n)) => Ok(Some(
                n.as_u64().ok_or_else(|| format!("timeout {n} is not whole seconds"))?,
            )),
            Some(Value::String(s)) => Ok(Some(
                s.trim()
                    .parse()
                    .map_err(|_| format!("timeout '{s}' is not whole seconds"))?,
            )),
            Some(other) => Err(format!("timeout {other} is unreadable")),
        }
    }

    fn params(&self) -> Result<Map<String, Value>, String> {
        match self.known("params", &["parameters", "params"]) {
            None | Some(Value::Null) => Err("the parameters are missing".into()),
            Some(Value::Object(p)) => Ok(p),
            Some(Value::String(text)) => match serde_json::from_str::<Value>(&text) {
                Ok(Value::Object(p)) => Ok(p),
                _ => Err(format!("parameters '{text}' are not an object")),
            },
            Some(other) => Err(format!("parameters {other} are not an object")),
        }
    }
}

impl Cron {
    /// The fields a schedule of this frequency cannot run without.
    fn require_its_fields(&self) -> Result<(), String> {
        let (hour, minute) = (self.hour.is_some(), self.minute.is_some());
        let (what, present) = match self.freq.as_str() {
            "hourly" => ("a minute", minute),
            "daily" => ("an hour and minute", hour && minute),
            "weekly" => (
                "a day of the week, hour and minute",
                self.day_of_week.is_some() && hour && minute,
            ),
            "monthly" => (
                "a day of the month, hour and minute",
                self.day_of_month.is_some() && hour && minute,
            ),
            _ => return Ok(()),
        };
        match present {
            true => Ok(()),
            false => Err(format!("a {} schedule without {what}", self.freq)),
        }
    }
}

fn read_hour(value: &Value) -> Option<u32> {
    let hour = match value {
        Value::Number(n) => n.as_u64().and_then(|h| u32::try_from(h).ok()),
        Value::String(s) => {
            let s = s.trim().to_ascii_lowercase();
            match s.parse::<u32>() {
                Ok(h) => Some(h),
                Err(_) => {
                    let (clock, half) = s.split_once(' ')?;
                    let h: u32 = clock.split(':').next()?.parse().ok()?;
                    match (half, h) {
                        (_, 0) | (_, 13..) => None,
                        ("am", 12) => Some(0),
                        ("am", h) => Some(h),
                        ("pm", 12) => Some(12),
                        ("pm", h) => Some(h + 12),
                        _ => None,
                    }
                }
            }
        }
        _ => None,
    };
    hour.filter(|h| *h < 24)
}

/// The days of the week as Mode's `cron.day_of_week` numbers them, from 0.
const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

/// `3`, `"3"`, `"Wednesday"` or `"wed"` → 3 (0 = Sunday to 6 = Saturday).
fn read_weekday(value: &Value) -> Option<u32> {
    let day = match value {
        Value::Number(n) => n.as_u64().and_then(|d| u32::try_from(d).ok()),
        Value::String(s) => {
            let s = s.trim().to_ascii_lowercase();
            match s.parse::<u32>() {
                Ok(d) => Some(d),
                Err(_) if s.len() >= 3 => WEEKDAYS
                    .iter()
                    .position(|w| w.starts_with(&s))
                    .and_then(|d| u32::try_from(d).ok()),
                Err(_) => None,
            }
        }
        _ => None,
    };
    day.filter(|d| *d < 7)
}

/// `15` or `"15"` → 15 (1 to 31).
fn read_monthday(value: &Value) -> Option<u32> {
    let day = match value {
        Value::Number(n) => n.as_u64().and_then(|d| u32::try_from(d).ok()),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    day.filter(|d| (1..=31).contains(d))
}

/// `"the top of the hour"` → 0, `"15 minutes past the hour"` → 15, `15` or `"15"` → 15.
fn read_minute(value: &Value) -> Option<u32> {
    let minute = match value {
        Value::Number(n) => n.as_u64().and_then(|m| u32::try_from(m).ok()),
        Value::String(s) => {
            let s = s.trim().to_ascii_lowercase();
            if s == "the top of the hour" {
                Some(0)
            } else {
                s.split_whitespace().next()?.parse().ok()
            }
        }
        _ => None,
    };
    minute.filter(|m| *m < 60)
}

/// A schedule as Mode lists it now: the fields the audit reads, its definition (or why it cannot
/// be read whole), and the answer itself, kept for the undo log.
#[derive(Debug, Clone)]
pub struct LiveSchedule {
    pub schedule: Schedule,
    pub definition: Result<ScheduleDefinition, String>,
    pub raw: Value,
}

impl<'de> Deserialize<'de> for LiveSchedule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Value::deserialize(deserializer)?;
        let schedule = Schedule::deserialize(&raw).map_err(serde::de::Error::custom)?;
        Ok(LiveSchedule {
            definition: ScheduleDefinition::read(&raw),
            schedule,
            raw,
        })
    }
}

impl Listed for LiveSchedule {
    const KEY: &'static str = "report_schedules";
    fn token(&self) -> &str {
        &self.schedule.token
    }
    fn enforce_bounds(&mut self) -> u32 {
        super::bounds::schedule(&mut self.schedule)
    }
}

#[cfg(test)]
mod tests;
