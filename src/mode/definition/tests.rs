//! Reading a schedule's definition: the edit form first, unknown fields, days, differences.

use super::*;
use serde_json::json;

#[test]
fn the_edit_form_wins_over_the_human_text() {
    let raw = json!({
        "token": "s1", "name": "Daily", "timeout": 86100, "parameters": {"region": "EU"},
        "frequency": "weekly", "time_zone": "UTC", "hour": "8:00 pm", "minute": "the top of the hour",
        "_forms": {"edit": {"input": {"report_schedule": {"cron": {
            "freq": {"type": "select", "value": "weekly"},
            "day_of_week": {"type": "select", "value": 3},
            "hour": {"type": "select", "value": 21},
            "minute": {"type": "select", "value": 15},
            "time_zone": {"type": "select", "value": "Pacific Time (US & Canada)"}
        }}}}}
    });
    let d = ScheduleDefinition::read(&raw).unwrap();
    assert_eq!(
        d.cron,
        Cron {
            freq: "weekly".into(),
            day_of_month: None,
            day_of_week: Some(json!(3)),
            hour: Some(21),
            minute: Some(15),
            time_zone: "Pacific Time (US & Canada)".into(),
        }
    );
    assert_eq!((d.name.as_deref(), d.timeout), (Some("Daily"), Some(86100)));
    assert_eq!(d.params["region"], "EU");
    let body = d.body(BodyShape::Wrapped);
    assert_eq!(body["report_schedule"]["cron"]["hour"], 21);
    assert_eq!(body["report_schedule"]["params"]["region"], "EU");
    assert!(body["report_schedule"]["cron"].get("day_of_month").is_none());
    assert_eq!(d.body(BodyShape::Bare)["cron"]["freq"], "weekly");
}

#[test]
fn human_text_is_read_when_there_is_no_form() {
    let raw = json!({"token": "s", "name": null, "frequency": "daily", "time_zone": "UTC", "parameters": {},
                     "hour": "12:00 am", "minute": "45 minutes past the hour", "timeout": "600"});
    let d = ScheduleDefinition::read(&raw).unwrap();
    assert_eq!((d.cron.hour, d.cron.minute, d.timeout), (Some(0), Some(45), Some(600)));
    assert!(
        d.name.is_none() && d.params.is_empty(),
        "a null name and empty parameters, as Mode sent them"
    );
    for (text, hour) in [
        ("8:00 pm", Some(20)),
        ("12:00 pm", Some(12)),
        ("9:00 am", Some(9)),
        ("13:00 pm", None),
        ("soon", None),
    ] {
        assert_eq!(read_hour(&json!(text)), hour, "{text}");
    }
}

#[test]
fn an_incomplete_definition_says_what_is_missing() {
    let weekly = json!({"frequency": "weekly", "time_zone": "UTC", "hour": "8:00 pm", "minute": "the top of the hour"});
    assert!(
        ScheduleDefinition::read(&weekly)
            .unwrap_err()
            .contains("day of the week")
    );
    let odd = json!({"frequency": "fortnightly", "time_zone": "UTC"});
    assert!(
        ScheduleDefinition::read(&odd)
            .unwrap_err()
            .contains("not one Mode documents")
    );
    let no_zone = json!({"frequency": "every_15_minutes"});
    assert!(ScheduleDefinition::read(&no_zone).unwrap_err().contains("time zone"));
    let bad_hour = json!({"frequency": "daily", "time_zone": "UTC", "hour": "teatime", "minute": 0});
    assert!(ScheduleDefinition::read(&bad_hour).unwrap_err().contains("hour"));
}

#[test]
fn a_missing_name_timeout_or_parameters_is_unknown_not_empty() {
    let whole = json!({"name": "n", "frequency": "hourly", "time_zone": "UTC", "minute": 15, "timeout": 60,
                       "parameters": {"region": "EU"}});
    assert!(ScheduleDefinition::read(&whole).is_ok());
    for (field, says) in [
        ("parameters", "parameters are missing"),
        ("timeout", "timeout is missing"),
        ("name", "name is missing"),
    ] {
        let mut raw = whole.clone();
        raw.as_object_mut().unwrap().remove(field);
        let err = ScheduleDefinition::read(&raw).unwrap_err();
        assert!(err.contains(says), "{field}: {err}");
    }
    let mut null_params = whole.clone();
    null_params["parameters"] = Value::Null;
    assert!(
        ScheduleDefinition::read(&null_params).is_err(),
        "null parameters are not no parameters"
    );
    // The form's values come first, the answer's fill what the form leaves out.
    let mut form = whole.clone();
    form.as_object_mut().unwrap().remove("parameters");
    form["_forms"] = json!({"edit": {"input": {"report_schedule": {
        "name": {"type": "text", "value": "from the form"},
        "timeout": {"type": "text", "value": "90"},
        "params": {"type": "text", "value": {"region": "US"}}}}}});
    let d = ScheduleDefinition::read(&form).unwrap();
    assert_eq!((d.name.as_deref(), d.timeout), (Some("from the form"), Some(90)));
    assert_eq!(d.params["region"], "US");
}

#[test]
fn days_are_normalised_to_numbers() {
    let weekly = |day: Value| {
        json!({"name": null, "frequency": "weekly", "time_zone": "UTC", "hour": 8,
                                      "minute": 0, "timeout": 60, "parameters": {}, "day_of_week": day})
    };
    for (day, want) in [
        (json!(3), 3),
        (json!("3"), 3),
        (json!("Wednesday"), 3),
        (json!("sun"), 0),
    ] {
        let d = ScheduleDefinition::read(&weekly(day.clone())).unwrap();
        assert_eq!(d.cron.day_of_week, Some(json!(want)), "{day}");
    }
    for bad in [json!(7), json!("someday"), json!(-1), json!([1])] {
        let err = ScheduleDefinition::read(&weekly(bad.clone())).unwrap_err();
        assert!(err.contains("day of the week"), "{bad}: {err}");
    }
    let monthly = |day: Value| {
        json!({"name": null, "frequency": "monthly", "time_zone": "UTC", "hour": 8,
                                       "minute": 0, "timeout": 60, "parameters": {}, "day_of_month": day})
    };
    assert_eq!(
        ScheduleDefinition::read(&monthly(json!("15")))
            .unwrap()
            .cron
            .day_of_month,
        Some(json!(15))
    );
    for bad in [json!(0), json!(32), json!("the 1st")] {
        assert!(ScheduleDefinition::read(&monthly(bad.clone())).is_err(), "{bad}");
    }
}

#[test]
fn differences_are_named() {
    let raw = json!({"name": "n", "frequency": "hourly", "time_zone": "UTC", "minute": 15, "timeout": 60,
                     "parameters": {"region": "EU"}});
    let logged = ScheduleDefinition::read(&raw).unwrap();
    let mut back = logged.clone();
    assert!(logged.differences(&back).is_empty());
    back.cron.minute = Some(30);
    back.params.clear();
    let d = logged.differences(&back);
    assert_eq!(d.len(), 2, "{d:?}");
    assert!(d[0].starts_with("cron") && d[1].starts_with("parameters"), "{d:?}");
}

#[test]
fn matching_ignores_what_the_request_left_unsaid() {
    let raw = json!({"name": "n", "frequency": "hourly", "time_zone": "UTC", "minute": 15, "timeout": 60,
                     "parameters": {}});
    let listed = ScheduleDefinition::read(&raw).unwrap();
    let mut asked = listed.clone();
    assert!(asked.matches(&listed));
    asked.name = None;
    asked.timeout = None;
    assert!(asked.matches(&listed));
    asked.cron.minute = Some(30);
    assert!(!asked.matches(&listed));
}
