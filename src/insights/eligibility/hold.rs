//! Hold: why a report with an unused finding is not planned, in words the plan and the digests
//! print.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::insights::standing::MIN_SNAPSHOTS;
use crate::snapshot::clock::ClockDoubt;

/// Why a candidate is not planned.
#[derive(Debug, Clone, PartialEq)]
pub enum Hold {
    /// On the keep list, with its reason.
    Kept(String),
    /// `undo` recreated its schedules: someone wanted them back.
    Restored,
    /// A schedule has subscribers.
    Subscribed { schedule: String, subscribers: u64 },
    /// A schedule's subscriber count is unknown.
    SubscribersUnknown { schedule: String },
    /// The report's schedules were not read.
    SchedulesUnknown,
    /// The report is younger than the minimum age.
    TooNew { created_at: String, eligible_from: String },
    /// The report's creation time is unknown.
    AgeUnknown,
    /// The finding has not held for the minimum age yet.
    TooRecent { since: String, eligible_from: String },
    /// The finding has held in fewer complete snapshots than [`MIN_SNAPSHOTS`].
    FewSnapshots { seen: usize },
    /// An earlier snapshot in the finding's run was not counted, for its clock (and `more` others).
    NotCounted {
        started_at: String,
        doubt: ClockDoubt,
        more: usize,
    },
    /// The snapshot's own start time cannot be read: no age is known.
    SnapshotTimeUnknown,
    /// The report gained views since the finding's run began.
    ViewsGained { since: String, then: u64, now: u64 },
    /// Its view count then or now is unknown.
    ViewsUnknown { since: String },
    /// Its view count went down after the snapshot of `since`: not normal history, so its views
    /// are unknown.
    ViewsFell { since: String, then: u64, now: u64 },
    /// Mode's Discovery API says someone opened it less than the minimum age ago.
    ViewedRecently {
        last_viewed_at: String,
        eligible_from: String,
    },
    /// Eligible, but `max_actions` reports with more runtime come first.
    OverLimit { max_actions: usize },
}

impl Hold {
    /// Holds that time (or a later run) lifts by itself: the report will be unscheduled unless kept.
    pub fn waits(&self) -> bool {
        matches!(
            self,
            Hold::TooNew { .. }
                | Hold::TooRecent { .. }
                | Hold::FewSnapshots { .. }
                | Hold::NotCounted { .. }
                | Hold::ViewedRecently { .. }
                | Hold::OverLimit { .. }
        )
    }
}

impl fmt::Display for Hold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hold::Kept(reason) => write!(f, "on the keep list ({reason})"),
            Hold::Restored => f.write_str("its schedules were recreated by `mode-audit undo`"),
            Hold::Subscribed { schedule, subscribers } => {
                write!(f, "schedule {schedule} has {subscribers} subscribers")
            }
            Hold::SubscribersUnknown { schedule } => write!(f, "schedule {schedule}'s subscribers are unknown"),
            Hold::SchedulesUnknown => f.write_str("its schedules were not read"),
            Hold::TooNew {
                created_at,
                eligible_from,
            } => write!(f, "created {created_at}, too new until {eligible_from}"),
            Hold::AgeUnknown => f.write_str("its creation time is unknown"),
            Hold::TooRecent { since, eligible_from } => {
                write!(
                    f,
                    "unused only since the snapshot of {since}, not long enough until {eligible_from}"
                )
            }
            Hold::FewSnapshots { seen } => write!(
                f,
                "unused in {seen} complete snapshot(s) only; {MIN_SNAPSHOTS} spanning --min-age are needed"
            ),
            Hold::NotCounted {
                started_at,
                doubt,
                more,
            } => {
                write!(f, "the snapshot of {started_at} was not counted: {doubt}")?;
                match more {
                    0 => Ok(()),
                    n => write!(f, " (and {n} earlier snapshot(s) not counted)"),
                }
            }
            Hold::SnapshotTimeUnknown => f.write_str("the snapshot's start time cannot be read, so no age is known"),
            Hold::ViewsGained { since, then, now } => {
                write!(f, "viewed since the snapshot of {since} ({then} → {now} views)")
            }
            Hold::ViewsUnknown { since } => {
                write!(f, "its views then (snapshot of {since}) or now are unknown")
            }
            Hold::ViewsFell { since, then, now } => write!(
                f,
                "its view count went down after the snapshot of {since} ({then} → {now}), which is not normal \
                 history: its views are unknown"
            ),
            Hold::ViewedRecently {
                last_viewed_at,
                eligible_from,
            } => write!(
                f,
                "last viewed {last_viewed_at} (Mode's Discovery API), too recent until {eligible_from}"
            ),
            Hold::OverLimit { max_actions } => write!(f, "over --max-actions {max_actions} this run"),
        }
    }
}

impl Serialize for Hold {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
