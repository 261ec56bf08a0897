//! The trail of each report's view count back through the snapshots read: every change between
//! two of them, for the rule that a count that rose, or fell, holds the report.

use std::collections::HashMap;
use std::rc::Rc;

use chrono::{DateTime, Utc};

use super::Run;

/// A report's view count differing between two snapshots read (the later one may be the one
/// planned from).
#[derive(Debug, Clone, PartialEq)]
pub struct ViewChange {
    /// The earlier snapshot's `started_at`, and the count in it.
    pub from: String,
    pub from_views: u64,
    /// When the later snapshot started, its `started_at`, and the count in it.
    pub to_at: DateTime<Utc>,
    pub to: String,
    pub to_views: u64,
}

impl ViewChange {
    /// More views later: someone opened the report in between.
    pub fn rose(&self) -> bool {
        self.to_views > self.from_views
    }
}

/// A report's count in the oldest snapshot read so far that knew it.
struct Seen {
    at: DateTime<Utc>,
    started_at: Rc<str>,
    views: u64,
}

/// Each report's last known count, newest first, as the snapshots are read back.
pub(super) struct Trail {
    last: HashMap<String, Seen>,
}

impl Trail {
    /// Starts from the counts in the snapshot planned from (the runs before any history).
    pub fn new(runs: &HashMap<String, Run>) -> Trail {
        let last = runs
            .iter()
            .filter_map(|(token, run)| {
                let seen = Seen {
                    at: run.at,
                    started_at: Rc::from(run.started_at.as_str()),
                    views: run.views?,
                };
                Some((token.clone(), seen))
            })
            .collect();
        Trail { last }
    }

    /// Takes in the counts of the next older snapshot (started at `at`), recording each change in
    /// its report's run. An unknown count, or a report absent from it, is passed over.
    pub fn observe(
        &mut self,
        at: DateTime<Utc>,
        started_at: &str,
        views: &HashMap<String, Option<u64>>,
        runs: &mut HashMap<String, Run>,
    ) {
        let here: Rc<str> = Rc::from(started_at);
        for (token, count) in views {
            let Some(count) = *count else { continue };
            let older = Seen {
                at,
                started_at: here.clone(),
                views: count,
            };
            let Some(newer) = self.last.insert(token.clone(), older) else {
                continue;
            };
            if let Some(run) = runs.get_mut(token).filter(|_| newer.views != count) {
                run.changes.push(ViewChange {
                    from: started_at.to_string(),
                    from_views: count,
                    to_at: newer.at,
                    to: newer.started_at.to_string(),
                    to_views: newer.views,
                });
            }
        }
    }
}
