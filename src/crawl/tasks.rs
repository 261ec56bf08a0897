//! The walk's requests in flight: a set of tasks in which one that panics comes back as a failed
//! fetch of the page it was reading (recorded like any other failure), never as a panic of the walk.

use std::collections::HashMap;
use std::future::Future;

use tokio::task::{Id, JoinError, JoinSet};

use super::Fetched;
use crate::mode::ModeError;
use crate::snapshot::store::SortKey;

/// Which listing a task reads: what its failure is recorded against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    Collections,
    Reports(usize),
    Schedules(SortKey),
}

impl Slot {
    /// The answer a task of this slot gives when it ends with `error`.
    fn failed(self, error: ModeError) -> Fetched {
        match self {
            Slot::Collections => Fetched::Collections(Err(error)),
            Slot::Reports(c) => Fetched::Reports(c, Err(error)),
            Slot::Schedules(key) => Fetched::Schedules(key, Err(error)),
        }
    }
}

/// Tasks in flight, each with the slot and URL it reads.
#[derive(Default)]
pub(super) struct InFlight {
    set: JoinSet<Fetched>,
    slots: HashMap<Id, (Slot, String)>,
}

impl InFlight {
    pub fn spawn(&mut self, slot: Slot, url: String, task: impl Future<Output = Fetched> + Send + 'static) {
        let handle = self.set.spawn(task);
        self.slots.insert(handle.id(), (slot, url));
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// The next task to end, as its answer; a task that panicked or was cancelled gives a failed
    /// fetch of its slot ([`ModeError::Internal`]). `None` when nothing is in flight.
    pub async fn join_next(&mut self) -> Option<Fetched> {
        loop {
            match self.set.join_next_with_id().await? {
                Ok((id, fetched)) => {
                    self.slots.remove(&id);
                    return Some(fetched);
                }
                Err(error) => {
                    // Every task is spawned with its slot; one without is skipped rather than guessed.
                    let Some((slot, url)) = self.slots.remove(&error.id()) else {
                        continue;
                    };
                    let message = why(error);
                    tracing::error!(url = %url, message = %message, "a request task failed inside mode-audit; recorded as a failure, the walk goes on");
                    return Some(slot.failed(ModeError::Internal { url, message }));
                }
            }
        }
    }

    /// Drops every task still in flight (their pages are asked again on resume).
    pub fn abort_all(&mut self) {
        self.set.abort_all();
        self.slots.clear();
    }
}

/// What a task that did not return was doing: its panic message, or that it was cancelled.
fn why(error: JoinError) -> String {
    if error.is_cancelled() {
        return "the request task was cancelled".to_string();
    }
    match error.try_into_panic() {
        Ok(payload) => match payload.downcast::<String>() {
            Ok(message) => *message,
            Err(payload) => payload
                .downcast_ref::<&str>()
                .map_or_else(|| "a panic without a message".to_string(), |m| (*m).to_string()),
        },
        Err(_) => "the request task ended without an answer".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mode::Page;

    #[tokio::test]
    async fn a_task_that_panics_comes_back_as_a_failure_of_its_slot() {
        let mut in_flight = InFlight::default();
        in_flight.spawn(
            Slot::Reports(3),
            "https://x/api/acme/spaces/c/reports?page=2".into(),
            async { panic!("overflow when adding duration to instant") },
        );
        in_flight.spawn(Slot::Schedules((1, 4)), "https://x/schedules".into(), async {
            Fetched::Schedules(
                (1, 4),
                Ok(Page {
                    items: vec![],
                    rejected: vec![],
                    out_of_range: 0,
                }),
            )
        });
        let mut answers = Vec::new();
        while let Some(fetched) = in_flight.join_next().await {
            answers.push(fetched);
        }
        assert_eq!(answers.len(), 2, "both tasks answer; the panic did not end the set");
        let failed = answers
            .iter()
            .find_map(|f| match f {
                Fetched::Reports(c, Err(e)) => Some((*c, e.to_string())),
                _ => None,
            })
            .expect("the panicked task is a failed reports fetch");
        assert_eq!(failed.0, 3);
        assert!(
            failed.1.contains("overflow when adding duration to instant"),
            "{}",
            failed.1
        );
        assert!(
            failed.1.contains("spaces/c/reports?page=2"),
            "names the page: {}",
            failed.1
        );
        assert!(in_flight.is_empty() && in_flight.slots.is_empty());
    }
}
