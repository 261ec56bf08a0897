//! The undo log replayed: what became of each schedule an apply meant to delete (its deletion,
//! its recreation), each at its latest state, and where the log belongs.

use super::{Confirmed, Entry};
use crate::mode::ScheduleDefinition;

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

/// The log replayed: each schedule's latest state, in the order they were first intended.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Replayed {
    pub workspace: Option<String>,
    /// Where the log belongs, as its first `apply_started` with one records it.
    pub home: Option<String>,
    pub schedules: Vec<Logged>,
    /// `(report, schedule)` of each `deleted` line with no intent before it: the log lost the
    /// definition (cut short, or edited), so undo cannot recreate that schedule.
    pub orphans: Vec<(String, String)>,
}

impl Replayed {
    pub(super) fn apply(&mut self, entry: Entry) {
        if self.workspace.is_none() {
            self.workspace = Some(entry.workspace().to_string());
        }
        let all = &mut self.schedules;
        match entry {
            Entry::ApplyStarted { log, .. } => {
                if self.home.is_none() {
                    self.home = log;
                }
            }
            Entry::DeleteIntent {
                report_token,
                report_name,
                schedule_token,
                definition,
                ..
            } => match all
                .iter_mut()
                .find(|l| l.report_token == report_token && l.schedule_token == schedule_token)
            {
                Some(l) => {
                    if !matches!(l.deletion, Deletion::Deleted(_)) {
                        l.deletion = Deletion::Intended;
                        l.definition = *definition;
                    }
                }
                None => all.push(Logged {
                    report_token,
                    report_name,
                    schedule_token,
                    definition: *definition,
                    deletion: Deletion::Intended,
                    recreation: None,
                }),
            },
            Entry::Deleted {
                report_token,
                schedule_token,
                confirmed,
                ..
            } => {
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
            Entry::AlreadyGone {
                report_token,
                schedule_token,
                ..
            } => set(all, &report_token, &schedule_token, |l| {
                l.deletion = Deletion::AlreadyGone
            }),
            Entry::DeleteFailed {
                report_token,
                schedule_token,
                error,
                ..
            } => set(all, &report_token, &schedule_token, |l| {
                l.deletion = Deletion::Failed(error)
            }),
            Entry::RecreateIntent {
                report_token,
                schedule_token,
                before,
                ..
            } => set(all, &report_token, &schedule_token, |l| {
                l.recreation = Some(Recreation::Intended { before })
            }),
            Entry::Recreated {
                report_token,
                schedule_token,
                new_token,
                ..
            } => set(all, &report_token, &schedule_token, |l| {
                l.recreation = Some(Recreation::Done { new_token })
            }),
            Entry::FoundLive {
                report_token,
                schedule_token,
                live_token,
                ..
            } => set(all, &report_token, &schedule_token, |l| {
                l.recreation = Some(Recreation::Done { new_token: live_token })
            }),
            Entry::RecreateFailed {
                report_token,
                schedule_token,
                error,
                answered,
                ..
            } => set(all, &report_token, &schedule_token, |l| {
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
            }),
        }
    }

    /// The logged schedules of one report.
    pub fn of<'a>(&'a self, report: &'a str) -> impl Iterator<Item = &'a Logged> + 'a {
        self.schedules.iter().filter(move |l| l.report_token == report)
    }
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
