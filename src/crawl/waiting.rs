//! Waiting: reports whose schedules are still to be asked, kept in a temporary file until the
//! walk has room for them (a Discovery run starts with every scheduled report known), so that at
//! most [`MAX_PENDING`] of them are in memory at once.

use super::{MAX_PENDING, Walk, unfinished};
use crate::snapshot::store::{ReportStore, SortKey};
use crate::snapshot::{Failure, FetchStatus, ReportRecord};

/// Reports not yet handed to the walk, in the order they are to be asked.
#[derive(Debug, Default)]
pub struct Waiting {
    store: ReportStore,
    next: usize,
}

impl Waiting {
    /// `store` must have been checked (written without error): its records are read back.
    pub fn new(store: ReportStore) -> Waiting {
        Waiting { store, next: 0 }
    }

    /// The next report, read back from the file.
    fn pop(&mut self) -> Option<(SortKey, ReportRecord)> {
        let next = self.store.get_keyed(self.next)?;
        self.next += 1;
        Some(next)
    }

    /// Reports still waiting.
    pub fn left(&self) -> usize {
        self.store.len() - self.next
    }
}

impl Walk {
    /// Hands waiting reports to the walk while fewer than [`MAX_PENDING`] wait for schedules
    /// (reports whose schedules are reused settle at once and make no room for others).
    pub(super) fn take_waiting(&mut self) {
        while self.pending.len() < MAX_PENDING
            && let Some((key, record)) = self.waiting.pop()
        {
            self.schedules_for(key, record);
        }
    }

    /// On a stop: every report still waiting goes to the store as unfinished, with what its
    /// listing said, one at a time.
    pub(super) fn settle_waiting(&mut self, failures: &mut Vec<Failure>, why: &str) {
        while let Some((key, mut record)) = self.waiting.pop() {
            left_unfinished(&mut record, failures, why);
            self.store.push(key, &record);
        }
    }
}

/// A report whose schedules were not read: unfinished, scheduled as far as its count says.
pub(super) fn left_unfinished(record: &mut ReportRecord, failures: &mut Vec<Failure>, why: &str) {
    record.fetch_status = FetchStatus::SchedulesUnfinished;
    record.scheduled = record.schedules_count.map(|n| n > 0);
    record.schedules.clear();
    failures.push(unfinished("schedules", Some(record.token.clone()), why));
}
