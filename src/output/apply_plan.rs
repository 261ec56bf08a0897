//! apply-plan.csv and apply-plan.json: what `apply` plans for a snapshot, written atomically into
//! that snapshot's folder, one row per report with an unused finding (planned, or held and why).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde::Serialize;

use super::csv::{Cell, Cells};
use super::table::Table;
use crate::atomic;
use crate::insights::eligibility::UnschedulePlan;

/// apply-plan.csv's header, in order.
pub const PLAN_COLUMNS: [&str; 22] = [
    "workspace",
    "decision",
    "report_token",
    "report_name",
    "owner",
    "collection_token",
    "reasons",
    "schedule_tokens",
    "schedule_frequencies",
    "runs_per_month",
    "expected_runtime_seconds",
    "runtime_per_month_seconds",
    "view_count",
    "archived",
    "created_at",
    "unused_since",
    "eligible_from",
    "held_because",
    "url",
    "runs_30d",
    "run_seconds_30d",
    "run_seconds_basis",
];

#[derive(Serialize)]
struct PlanRow<'a> {
    workspace: Cell<'a>,
    decision: &'static str,
    report_token: Cell<'a>,
    report_name: Cell<'a>,
    owner: Cell<'a>,
    collection_token: Cell<'a>,
    reasons: String,
    schedule_tokens: String,
    schedule_frequencies: Cell<'a>,
    runs_per_month: Option<f64>,
    expected_runtime_seconds: Option<f64>,
    runtime_per_month_seconds: Option<f64>,
    view_count: Option<u64>,
    archived: bool,
    created_at: Option<&'a str>,
    unused_since: Option<&'a str>,
    eligible_from: Option<&'a str>,
    held_because: Cell<'a>,
    url: Cell<'a>,
    runs_30d: Option<u64>,
    run_seconds_30d: Option<f64>,
    run_seconds_basis: Option<&'static str>,
}

/// Writes the plan as CSV (the header even when nothing is planned).
pub fn write_plan_csv<W: Write>(plan: &UnschedulePlan, cells: Cells, out: W) -> csv::Result<W> {
    let mut w = Table::new(out, &PLAN_COLUMNS);
    for c in &plan.candidates {
        let frequencies: Vec<&str> = c.schedules.iter().filter_map(|s| s.frequency.as_deref()).collect();
        let frequencies = frequencies.join(";");
        let held: Vec<String> = c.held.iter().map(ToString::to_string).collect();
        let held = held.join("; ");
        w.row(PlanRow {
            workspace: cells.text(&plan.workspace),
            decision: if c.planned { "planned" } else { "held" },
            report_token: cells.text(&c.report_token),
            report_name: cells.opt(c.report_name.as_deref()),
            owner: cells.opt(c.owner.as_deref()),
            collection_token: cells.text(&c.collection_token),
            reasons: c.reasons.iter().map(|r| r.code()).collect::<Vec<_>>().join(";"),
            schedule_tokens: c
                .schedules
                .iter()
                .map(|s| s.token.as_str())
                .collect::<Vec<_>>()
                .join(";"),
            schedule_frequencies: cells.text(&frequencies),
            runs_per_month: c.runs_per_month,
            expected_runtime_seconds: c.expected_runtime_seconds,
            runtime_per_month_seconds: c.runtime_per_month_seconds,
            view_count: c.view_count,
            archived: c.archived,
            created_at: c.created_at.as_deref(),
            unused_since: c.unused_since.as_deref(),
            eligible_from: c.eligible_from.as_deref(),
            held_because: cells.text(&held),
            url: cells.opt(c.url.as_deref()),
            runs_30d: c.runs.runs_30d,
            run_seconds_30d: c.runs.run_seconds_30d,
            run_seconds_basis: c.runs.basis.map(|b| b.as_str()),
        })?;
    }
    w.finish()
}

/// Replaces `apply-plan.csv` and `apply-plan.json` in `folder`; returns their paths.
pub fn write_plan_files(plan: &UnschedulePlan, cells: Cells, folder: &Path) -> Result<[PathBuf; 2]> {
    let csv = folder.join("apply-plan.csv");
    atomic::replace(&csv, "apply-plan", None, |w| {
        write_plan_csv(plan, cells, w)?;
        Ok(())
    })?;
    let json = folder.join("apply-plan.json");
    atomic::replace(&json, "apply-plan", None, |w| {
        serde_json::to_writer_pretty(&mut *w, plan)?;
        Ok(w.write_all(b"\n")?)
    })?;
    Ok([csv, json])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::eligibility::{Candidate, Hold, PlannedSchedule};
    use crate::snapshot::Reason;

    #[test]
    fn both_files_hold_every_candidate_and_replace_the_last_plan() {
        let dir = tempfile::tempdir().unwrap();
        let candidate = |token: &str, planned: bool| Candidate {
            report_token: token.into(),
            report_name: Some("=SUM(A1)".into()),
            owner: Some("ana".into()),
            collection_token: "c1".into(),
            url: None,
            reasons: vec![Reason::ScheduledNeverViewed, Reason::ArchivedButScheduled],
            view_count: Some(0),
            archived: true,
            created_at: None,
            schedules: vec![PlannedSchedule {
                token: format!("{token}-s"),
                name: None,
                frequency: Some("daily".into()),
                subscriber_count: Some(0),
            }],
            runs_per_month: Some(30.0),
            expected_runtime_seconds: Some(2.0),
            runtime_per_month_seconds: Some(60.0),
            runs: Default::default(),
            unused_since: None,
            eligible_from: None,
            planned,
            held: if planned {
                vec![]
            } else {
                vec![Hold::OverLimit { max_actions: 1 }]
            },
        };
        let plan = UnschedulePlan {
            workspace: "acme".into(),
            snapshot_started_at: "2026-11-28T03:00:00.000Z".into(),
            min_age_seconds: 0,
            max_actions: 1,
            candidates: vec![candidate("a", true), candidate("b", false)],
        };
        std::fs::write(dir.path().join("apply-plan.csv"), "old").unwrap();
        write_plan_files(&plan, Cells::default(), dir.path()).unwrap();
        let csv = std::fs::read_to_string(dir.path().join("apply-plan.csv")).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], PLAN_COLUMNS.join(","));
        assert!(lines[1].starts_with("acme,planned,a,'=SUM(A1),ana,c1,SCHEDULED_NEVER_VIEWED;ARCHIVED_BUT_SCHEDULED,a-s,daily,30.0,2.0,60.0,0,true"), "{}", lines[1]);
        assert!(lines[2].contains(",held,b,") && lines[2].contains("over --max-actions 1 this run"));
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("apply-plan.json")).unwrap()).unwrap();
        assert_eq!(json["candidates"][1]["held"][0], "over --max-actions 1 this run");
        assert_eq!(
            json["candidates"][0]["report_name"], "=SUM(A1)",
            "JSON keeps the name as it is"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "no temporary file left"
        );
    }
}
