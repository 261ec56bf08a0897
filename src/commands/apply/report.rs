//! The summary `apply` prints: the plan (report, owner, schedules, runs and runtime saved per 30 days),
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
    let runs = c.runs_30d().map_or_else(|| "unknown".to_string(), |r| format!("{r}"));
    let runtime = c.cost_seconds().map_or_else(|| "unknown".to_string(), hours);
    format!(
        "{}  owner {}  {} schedule(s) ({})  {runs} runs/30 days  {runtime}/30 days",
        named(&c.report_token, c.report_name.as_deref()),
        c.owner.as_deref().unwrap_or("(unknown)"),
        c.schedules.len(),
        frequencies.join(", ")
    )
}

/// The planned total: reports, schedules, runs and runtime saved per 30 days (sums start at +0, so an
/// empty plan never shows "-0").
fn planned_line(planned: &[&Candidate]) -> String {
    let schedules: usize = planned.iter().map(|c| c.schedules.len()).sum();
    let runs = planned.iter().filter_map(|c| c.runs_30d()).fold(0.0, |a, b| a + b);
    let runtime = planned.iter().filter_map(|c| c.cost_seconds()).fold(0.0, |a, b| a + b);
    format!(
        "  planned               {} reports, {schedules} schedules: about {runs:.0} runs and {} of runtime saved every 30 days",
        planned.len(),
        hours(runtime)
    )
}

/// A kind of hold on the summary: its words, and which holds are of it.
type HeldKind = (&'static str, fn(&Hold) -> bool);

/// What held each report back, each counted once, under its first reason in this order.
const HELD_KINDS: [HeldKind; 6] = [
    ("kept or restored by undo", |h| {
        matches!(h, Hold::Kept(_) | Hold::Restored)
    }),
    ("with subscribers or unread schedules", |h| {
        matches!(
            h,
            Hold::Subscribed { .. } | Hold::SubscribersUnknown { .. } | Hold::SchedulesUnknown
        )
    }),
    ("viewed since, or views unknown", |h| {
        matches!(
            h,
            Hold::ViewsGained { .. } | Hold::ViewsUnknown { .. } | Hold::ViewsFell { .. }
        )
    }),
    ("too new, or age unknown", |h| {
        matches!(
            h,
            Hold::TooNew { .. } | Hold::TooRecent { .. } | Hold::AgeUnknown | Hold::SnapshotTimeUnknown
        )
    }),
    ("in too few snapshots", |h| {
        matches!(h, Hold::FewSnapshots { .. } | Hold::NotCounted { .. })
    }),
    ("over --max-actions", |h| matches!(h, Hold::OverLimit { .. })),
];

/// The held total and its parts, which add up to it.
fn held_line(held: &[&Candidate]) -> String {
    let mut counts = [0usize; HELD_KINDS.len()];
    let mut other = 0;
    for c in held {
        match HELD_KINDS.iter().position(|(_, is)| c.held.iter().any(is)) {
            Some(kind) => counts[kind] += 1,
            None => other += 1,
        }
    }
    let mut parts: Vec<String> = HELD_KINDS
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|((what, _), n)| format!("{n} {what}"))
        .collect();
    if other > 0 {
        parts.push(format!("{other} other"));
    }
    format!(
        "  held                  {} ({}): see apply-plan.csv",
        held.len(),
        parts.join(", ")
    )
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_head(f)?;
        let planned: Vec<&Candidate> = self.plan.planned().collect();
        self.write_plan(f, &planned)?;
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
            writeln!(
                f,
                "    {}  {}",
                named(&a.report_token, a.report_name.as_deref()),
                done(&a.outcome)
            )?;
        }
        if let Some(log) = &self.log {
            self.log_line(f, log)?;
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

/// What became of a planned report, in words.
fn done(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Deleted(tokens) => format!("deleted   {} schedule(s)", tokens.len()),
        Outcome::DeletedWithAnother { deleted, by_another } => format!(
            "deleted   {} schedule(s) here, and {} more that the undo log records as deleted by another mode-audit at the same time",
            deleted.len(),
            by_another.len()
        ),
        Outcome::AlreadyDone => {
            "done      the undo log records its schedules as deleted (by an earlier or another run)".to_string()
        }
        Outcome::Skipped(why) => format!("skipped   {why}"),
        Outcome::Failed { error, deleted } => {
            format!("FAILED    after {} deleted: {error}", deleted.len())
        }
        Outcome::Stopped { deleted } => format!("stopped   after {} deleted", deleted.len()),
        Outcome::NotReached => "stopped   not reached".to_string(),
    }
}

impl ApplyReport {
    /// The status line, the snapshot planned from and the rules.
    fn write_head(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
            "  rules                 unused for {min_age} in 3 snapshots and at least as old, no views since, no subscribers, at most {} reports (with all their schedules) a run",
            plan.max_actions
        )
    }

    /// The planned reports (the first [`SHOWN`]), those held back, and the plan files.
    fn write_plan(&self, f: &mut fmt::Formatter<'_>, planned: &[&Candidate]) -> fmt::Result {
        writeln!(f, "{}", planned_line(planned))?;
        for c in planned.iter().take(SHOWN) {
            writeln!(f, "    {}", line(c))?;
        }
        if planned.len() > SHOWN {
            writeln!(f, "    … {} more in apply-plan.csv", planned.len() - SHOWN)?;
        }
        let held: Vec<&Candidate> = self.plan.candidates.iter().filter(|c| !c.planned).collect();
        if !held.is_empty() {
            writeln!(f, "{}", held_line(&held))?;
        }
        let files: Vec<String> = self.plan_files.iter().map(|p| p.display().to_string()).collect();
        writeln!(f, "  plan                  {}", files.join(", "))
    }

    /// Where the undo log is and what recreates the deleted schedules; when the log was lost
    /// while written, that it may not, and where else their definitions are.
    fn log_line(&self, f: &mut fmt::Formatter<'_>, log: &std::path::Path) -> fmt::Result {
        if !self.log_lost {
            return writeln!(
                f,
                "  undo log              {}  (`mode-audit undo {0} --execute` recreates them)",
                log.display()
            );
        }
        writeln!(
            f,
            "  undo log              {}  DAMAGED while apply wrote it (see fatal): the definitions of schedules \
             deleted here may be lost from it, and undo cannot recreate those. Restore the log from a copy if \
             there is one; `mode-audit undo {0}` lists what it can still recreate (and warns of deletions \
             whose definition is lost); recreate the others by hand from the snapshot planned from ({}: each \
             schedule's name, frequency, time and time zone)",
            log.display(),
            self.snapshot.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::eligibility::PlannedSchedule;

    fn candidate(token: &str, held: Vec<Hold>) -> Candidate {
        Candidate {
            report_token: token.into(),
            report_name: None,
            owner: None,
            collection_token: "c".into(),
            url: None,
            reasons: Vec::new(),
            view_count: Some(0),
            archived: false,
            created_at: None,
            schedules: vec![PlannedSchedule {
                token: format!("{token}-s"),
                name: None,
                frequency: Some("daily".into()),
                subscriber_count: Some(0),
            }],
            runs_per_month: None,
            expected_runtime_seconds: None,
            runtime_per_month_seconds: None,
            runs: Default::default(),
            unused_since: None,
            eligible_from: None,
            planned: held.is_empty(),
            held,
        }
    }

    #[test]
    fn an_empty_plan_saves_zero_not_minus_zero() {
        let line = planned_line(&[]);
        assert!(
            line.contains("0 reports, 0 schedules: about 0 runs and 0 min"),
            "{line}"
        );
        assert!(!line.contains("-0"), "{line}");
    }

    #[test]
    fn held_parts_add_up_to_the_total() {
        let too_new = Hold::TooNew {
            created_at: "x".into(),
            eligible_from: "y".into(),
        };
        let a = candidate("a", vec![Hold::Kept("deck".into()), too_new.clone(), Hold::AgeUnknown]);
        let b = candidate("b", vec![too_new, Hold::FewSnapshots { seen: 1 }]);
        let c = candidate("c", vec![Hold::OverLimit { max_actions: 1 }]);
        let line = held_line(&[&a, &b, &c]);
        assert_eq!(
            line,
            "  held                  3 (1 kept or restored by undo, 1 too new, or age unknown, 1 over --max-actions): see apply-plan.csv"
        );
    }
}
