//! ReplayedActions, the undo log replayed: what became of each schedule an apply meant to delete (its deletion,
//! its recreation), each at its latest state, and where the log belongs.

use std::path::Path;

use anyhow::Result;

use super::{ActionLine, Confirmed};
use crate::mode::ScheduleDefinition;
use crate::snapshot::appended::Replay;

/// What became of one schedule's deletion.
#[derive(Debug, Clone, PartialEq)]
pub enum Deletion {
    /// Intended; no outcome written (the process stopped, or the answer was lost for good).
    Intended,
    Deleted(Confirmed),
    AlreadyGone,
    Failed(String),
}

/// What became of one schedule's recreation.
#[derive(Debug, Clone, PartialEq)]
pub enum Recreation {
    /// Intended, with the schedules listed just before; no outcome written.
    Intended {
        before: Vec<String>,
    },
    Done {
        new_token: String,
    },
    /// Failed, with the schedules listed before the attempt (Mode may have created it all the
    /// same), and whether Mode answered with success.
    Failed {
        error: String,
        before: Vec<String>,
        answered: bool,
    },
}

/// One schedule `apply` meant to delete, as the log tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct Logged {
    pub report_token: String,
    pub report_name: Option<String>,
    pub schedule_token: String,
    pub definition: ScheduleDefinition,
    pub deletion: Deletion,
    pub recreation: Option<Recreation>,
}

/// The undo log replayed: each schedule's latest state, in the order they were first intended.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplayedActions {
    pub workspace: Option<String>,
    /// Where the log belongs, as its first `apply_started` with one records it.
    pub home: Option<String>,
    pub schedules: Vec<Logged>,
    /// `(report, schedule)` of each `deleted` line with no intent before it: the log lost the
    /// definition (cut short, or edited), so undo cannot recreate that schedule.
    pub orphans: Vec<(String, String)>,
}

impl Replay for ReplayedActions {
    type Line = ActionLine;
    const WHAT: &'static str = "the undo log";
    const UPLOAD_FAILED: &'static str = "cannot upload the actions log; nothing more is done";

    fn replay(path: &Path, text: &str) -> Result<(ReplayedActions, usize)> {
        super::replay(path, text)
    }

    fn apply(&mut self, line: ActionLine) {
        if self.workspace.is_none() {
            self.workspace = Some(line.workspace().to_string());
        }
        match line {
            ActionLine::ApplyStarted { log, .. } => {
                if self.home.is_none() {
                    self.home = log;
                }
            }
            ActionLine::DeleteIntent {
                report_token,
                report_name,
                schedule_token,
                definition,
                ..
            } => self.intended(report_token, report_name, schedule_token, *definition),
            ActionLine::Deleted {
                report_token,
                schedule_token,
                confirmed,
                ..
            } => self.deleted(report_token, schedule_token, confirmed),
            outcome => settle(&mut self.schedules, outcome),
        }
    }
}

impl ReplayedActions {
    /// A `delete_intent`: a new schedule to follow, or one intended again (unless deleted already).
    fn intended(
        &mut self,
        report_token: String,
        report_name: Option<String>,
        schedule_token: String,
        definition: ScheduleDefinition,
    ) {
        let found = self
            .schedules
            .iter_mut()
            .find(|l| l.report_token == report_token && l.schedule_token == schedule_token);
        match found {
            Some(l) => {
                if !matches!(l.deletion, Deletion::Deleted(_)) {
                    l.deletion = Deletion::Intended;
                    l.definition = definition;
                }
            }
            None => self.schedules.push(Logged {
                report_token,
                report_name,
                schedule_token,
                definition,
                deletion: Deletion::Intended,
                recreation: None,
            }),
        }
    }

    /// A `deleted` line; one without its intent is an orphan.
    fn deleted(&mut self, report_token: String, schedule_token: String, confirmed: Confirmed) {
        let all = &mut self.schedules;
        if !all
            .iter()
            .any(|l| l.report_token == report_token && l.schedule_token == schedule_token)
        {
            self.orphans.push((report_token.clone(), schedule_token.clone()));
        }
        set(all, &report_token, &schedule_token, |l| {
            l.deletion = Deletion::Deleted(confirmed)
        })
    }

    /// The logged schedules of one report.
    pub fn of<'a>(&'a self, report: &'a str) -> impl Iterator<Item = &'a Logged> + 'a {
        self.schedules.iter().filter(move |l| l.report_token == report)
    }
}

/// An outcome line other than `deleted` (what came of a DELETE, or of a recreation): the change
/// it makes to its schedule.
fn settle(all: &mut [Logged], line: ActionLine) {
    match line {
        ActionLine::AlreadyGone {
            report_token,
            schedule_token,
            ..
        } => set(all, &report_token, &schedule_token, |l| {
            l.deletion = Deletion::AlreadyGone
        }),
        ActionLine::DeleteFailed {
            report_token,
            schedule_token,
            error,
            ..
        } => set(all, &report_token, &schedule_token, |l| {
            l.deletion = Deletion::Failed(error)
        }),
        ActionLine::RecreateIntent {
            report_token,
            schedule_token,
            before,
            ..
        } => set(all, &report_token, &schedule_token, |l| {
            l.recreation = Some(Recreation::Intended { before })
        }),
        ActionLine::Recreated {
            report_token,
            schedule_token,
            new_token,
            ..
        } => set(all, &report_token, &schedule_token, |l| {
            l.recreation = Some(Recreation::Done { new_token })
        }),
        ActionLine::FoundLive {
            report_token,
            schedule_token,
            live_token,
            ..
        } => set(all, &report_token, &schedule_token, |l| {
            l.recreation = Some(Recreation::Done { new_token: live_token })
        }),
        ActionLine::RecreateFailed {
            report_token,
            schedule_token,
            error,
            answered,
            ..
        } => set(all, &report_token, &schedule_token, |l| {
            recreate_failed(l, error, answered)
        }),
        ActionLine::ApplyStarted { .. } | ActionLine::DeleteIntent { .. } | ActionLine::Deleted { .. } => {}
    }
}

/// A failed recreation keeps the schedules listed before the first attempt, and stays answered
/// once Mode answered one attempt with success.
fn recreate_failed(l: &mut Logged, error: String, answered: bool) {
    let (before, earlier) = match l.recreation.take() {
        Some(Recreation::Intended { before }) => (before, false),
        Some(Recreation::Failed { before, answered, .. }) => (before, answered),
        _ => (Vec::new(), false),
    };
    let answered = answered || earlier;
    l.recreation = Some(Recreation::Failed {
        error,
        before,
        answered,
    })
}

/// Changes the logged schedule `(report, schedule)`; an outcome without its intent changes nothing.
/// A deletion once recorded stays recorded: a later line of another writer (`already_gone`, a
/// failed DELETE that raced it) does not make undo forget it.
fn set(all: &mut [Logged], report: &str, schedule: &str, change: impl FnOnce(&mut Logged)) {
    if let Some(l) = all
        .iter_mut()
        .find(|l| l.report_token == report && l.schedule_token == schedule)
    {
        let deleted = l.deletion.clone();
        change(l);
        if matches!(deleted, Deletion::Deleted(_)) {
            l.deletion = deleted;
        }
    }
}
