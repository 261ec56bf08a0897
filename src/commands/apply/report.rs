//! The summary `apply` prints: the plan (report, owner, schedules, runs and runtime a month saved),
//! what was held back and why, and with `--execute` what became of each planned report.

use std::fmt;

use super::{ApplyReport, Outcome};
use crate::insights::eligibility::{Candidate, Hold};
use crate::insights::findings::short;
use crate::snapshot::RunStatus;

/// Planned reports listed one per line at most; the plan files hold them all.
const SHOWN: usize = 50;

fn hours(seconds: f64) -> String {
    if seconds >= 3600.0 {
        format!("{:.1} h", seconds / 3600.0)
    } else {
        format!("{:.0} min", seconds / 60.0)
    }
}

fn named(token: &str, name: Option<&str>) -> String {
    format!("{} ({token})", name.unwrap_or("(no name)"))
}

fn line(c: &Candidate) -> String {
    let frequencies: Vec<&str> = c.schedules.iter().filter_map(|s| s.frequency.as_deref()).collect();
    let runs = c
        .runs_per_month
        .map_or_else(|| "unknown".to_string(), |r| format!("{r}"));
    let runtime = c.runtime_per_month_seconds.map_or_else(|| "unknown".to_string(), hours);
    format!(
        "{}  owner {}  {} schedule(s) ({})  {runs} runs/month  {runtime}/month",
        named(&c.report_token, c.report_name.as_deref()),
        c.owner.as_deref().unwrap_or("(unknown)"),
        c.schedules.len(),
        frequencies.join(", ")
    )
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match (self.executed, self.status) {
            (false, _) => "DRY RUN: nothing in Mode was changed".to_string(),
            (true, _) if self.fatal.is_some() => "FATAL: stopped after the changes listed below".to_string(),
            (true, RunStatus::Complete) => "complete".to_string(),
            (true, RunStatus::Partial) => "PARTIAL: some reports could not be unscheduled".to_string(),
            (true, RunStatus::Stopped(reason)) => format!("STOPPED ({reason}): run again to continue"),
        };
        let plan = &self.plan;
        writeln!(f, "mode-audit apply: workspace {} — {status}", self.workspace)?;
        writeln!(
            f,
            "  snapshot              {} (started {})",
            self.snapshot.display(),
            plan.snapshot_started_at
        )?;
        let min_age = short(std::time::Duration::from_secs(plan.min_age_seconds));
        writeln!(
            f,
            "  rules                 unused for {min_age} and at least as old, no subscribers, at most {} reports a run",
            plan.max_actions
        )?;
        let planned: Vec<&Candidate> = plan.planned().collect();
        let schedules: usize = planned.iter().map(|c| c.schedules.len()).sum();
        let runs: f64 = planned.iter().filter_map(|c| c.runs_per_month).sum();
        let runtime: f64 = planned.iter().filter_map(|c| c.runtime_per_month_seconds).sum();
        writeln!(
            f,
            "  planned               {} reports, {schedules} schedules: about {runs:.0} runs and {} of runtime a month saved",
            planned.len(),
            hours(runtime)
        )?;
        for c in planned.iter().take(SHOWN) {
            writeln!(f, "    {}", line(c))?;
        }
        if planned.len() > SHOWN {
            writeln!(f, "    … {} more in apply-plan.csv", planned.len() - SHOWN)?;
        }
        let held: Vec<&Candidate> = plan.candidates.iter().filter(|c| !c.planned).collect();
        if !held.is_empty() {
            let count = |pick: fn(&Hold) -> bool| held.iter().filter(|c| c.held.iter().any(pick)).count();
            writeln!(
                f,
                "  held                  {} ({} kept or restored by undo, {} with subscribers or unread schedules, {} too new, {} over --max-actions): see apply-plan.csv",
                held.len(),
                count(|h| matches!(h, Hold::Kept(_) | Hold::Restored)),
                count(|h| matches!(
                    h,
                    Hold::Subscribed { .. } | Hold::SubscribersUnknown { .. } | Hold::SchedulesUnknown
                )),
                count(|h| matches!(h, Hold::TooNew { .. } | Hold::TooRecent { .. } | Hold::AgeUnknown)),
                count(|h| matches!(h, Hold::OverLimit { .. })),
            )?;
        }
        let files: Vec<String> = self.plan_files.iter().map(|p| p.display().to_string()).collect();
        writeln!(f, "  plan                  {}", files.join(", "))?;
        if !self.executed {
            if !planned.is_empty() {
                writeln!(
                    f,
                    "  add --execute to delete the planned schedules (each is written to the undo log first)"
                )?;
            }
            return Ok(());
        }
        for a in &self.acted {
            let what = match &a.outcome {
                Outcome::Deleted(tokens) => format!("deleted   {} schedule(s)", tokens.len()),
                Outcome::AlreadyDone => "done      by an earlier run".to_string(),
                Outcome::Skipped(why) => format!("skipped   {why}"),
                Outcome::Failed { error, deleted } => {
                    format!("FAILED    after {} deleted: {error}", deleted.len())
                }
                Outcome::Stopped { deleted } => format!("stopped   after {} deleted", deleted.len()),
                Outcome::NotReached => "stopped   not reached".to_string(),
            };
            writeln!(f, "    {}  {what}", named(&a.report_token, a.report_name.as_deref()))?;
        }
        if let Some(log) = &self.log {
            writeln!(
                f,
                "  undo log              {}  (`mode-audit undo {0} --execute` recreates them)",
                log.display()
            )?;
        }
        if let Some(error) = &self.fatal {
            writeln!(f, "  fatal                 {error}")?;
        }
        writeln!(
            f,
            "  requests              {}  ({} throttled, {} retried)",
            self.requests.requests, self.requests.throttled, self.requests.retries
        )
    }
}
