//! The Slack message against Slack's limits, its escaping and its "…and N more".

use std::path::PathBuf;

use serde_json::Value;

use super::*;
use crate::snapshot::{Failure, Finding, Reason, RunReport, RunStatus};

fn finding(i: usize, name: &str) -> Finding {
    Finding {
        reason: Reason::ScheduledNeverViewed,
        report_token: format!("r{i}"),
        report_name: Some(name.into()),
        owner: Some("ada".into()),
        collection_token: "c1".into(),
        collection_name: None,
        schedule_frequencies: "daily".into(),
        runs_per_month: Some(30.0),
        expected_runtime_seconds: Some(60.0),
        runtime_per_month_seconds: Some(1800.0),
        view_count: Some(0),
        views_in_window: None,
        views_per_run: Some(0.0),
        views_per_run_basis: None,
        detail: "never viewed".into(),
        url: Some(format!("https://app.mode.com/acme/reports/r{i}")),
        runs: Default::default(),
        recency_basis: None,
    }
}

fn report(top: Vec<Finding>, total: u64, failures: usize) -> RunReport {
    RunReport {
        workspace: "acme".into(),
        status: if failures > 0 {
            RunStatus::Partial
        } else {
            RunStatus::Complete
        },
        published: Some(PathBuf::from("snapshots/acme/20261201T030000Z")),
        workbook: None,
        findings_file: None,
        owners_file: None,
        page: None,
        headline: None,
        checkpoint: None,
        resumed: false,
        summary: Default::default(),
        stats: Default::default(),
        failures: (0..failures)
            .map(|i| Failure {
                scope: "schedules".into(),
                token: Some(format!("r{i}")),
                error: "HTTP 500 after 5 retries ".repeat(20),
                item: None,
            })
            .collect(),
        findings: vec![(Reason::ScheduledNeverViewed, total)],
        top_findings: top,
        new_findings: Some(total),
        notifications_failed: 0,
    }
}

fn texts(message: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(t)) = map.get("text") {
                    out.push(t.clone());
                }
                map.values().for_each(|v| walk(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    message["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .for_each(|b| walk(b, &mut out));
    out
}

#[test]
fn a_large_run_stays_within_slacks_limits_and_says_how_many_more() {
    let long_name = "Quarterly revenue by region and product line ".repeat(8);
    let top: Vec<Finding> = (0..50).map(|i| finding(i, &long_name)).collect();
    let r = report(top, 5_000, 300);
    let alert = Alert {
        workspace: &"w".repeat(300),
        outcome: Ok(&r),
    };
    let message = message(&alert);
    let blocks = message["blocks"].as_array().unwrap();
    assert!(blocks.len() <= MAX_BLOCKS, "{} blocks", blocks.len());
    let header = blocks[0]["text"]["text"].as_str().unwrap();
    assert!(
        header.chars().count() <= MAX_HEADER,
        "header of {}",
        header.chars().count()
    );
    let all = texts(&message);
    let total: usize = all.iter().map(|t| t.chars().count()).sum();
    assert!(total <= MAX_CHARS, "{total} characters");
    for b in blocks.iter().filter(|b| b["type"] == "section") {
        assert!(b["text"]["text"].as_str().unwrap().chars().count() <= MAX_SECTION);
    }
    let last = blocks.last().unwrap()["elements"][0]["text"].as_str().unwrap();
    let shown = all
        .iter()
        .map(|t| t.matches("SCHEDULED_NEVER_VIEWED").count())
        .sum::<usize>() as u64;
    assert!(shown > 0);
    assert!(
        last.contains(&format!("…and {} more findings", 5_000 - shown)),
        "{last}"
    );
    assert!(last.contains("more failures"), "{last}");
    assert!(
        message.to_string().len() < 13_000 * 2,
        "the body Slack receives stays small"
    );
}

#[test]
fn report_names_are_escaped_for_mrkdwn() {
    let r = report(vec![finding(1, "P&L <@here> > plan")], 1, 0);
    let alert = Alert {
        workspace: "acme",
        outcome: Ok(&r),
    };
    let text = texts(&message(&alert)).join("\n");
    assert!(text.contains("P&amp;L &lt;@here&gt; &gt; plan"), "{text}");
    assert!(!text.contains("<@here>"), "a name must not mention the channel: {text}");
    assert!(
        text.contains("<https://app.mode.com/acme/reports/r1|P&amp;L"),
        "the link stays a link: {text}"
    );
}

#[test]
fn a_failed_run_states_its_status_and_error() {
    let alert = Alert {
        workspace: "acme",
        outcome: Err("the credentials were refused (HTTP 401) <check MODE_API_TOKEN>"),
    };
    let message = message(&alert);
    let text = texts(&message).join("\n");
    assert!(text.contains("FAILED") && text.contains("exit 3"), "{text}");
    assert!(text.contains("HTTP 401) &lt;check MODE_API_TOKEN&gt;"), "{text}");
    assert_eq!(message["text"], "mode-audit: acme — FAILED");
}
