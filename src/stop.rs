//! Stop: a request to end a run early (SIGTERM, SIGINT, or --max-duration), shared by all its tasks.

use std::fmt;
use std::time::Duration;

use tokio::sync::watch;

/// Why a run was asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// SIGTERM (Kubernetes eviction, CronJob deadline, `kill`).
    Terminated,
    /// SIGINT (Ctrl-C).
    Interrupted,
    /// `--max-duration` was reached.
    Deadline,
    /// The output's lease was taken by another process (`--break-lease`).
    LeaseLost,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::Terminated => "SIGTERM received",
            StopReason::Interrupted => "SIGINT received",
            StopReason::Deadline => "--max-duration reached",
            StopReason::LeaseLost => "the output's lease was broken by another mode-audit",
        })
    }
}

/// A cloneable stop flag: `trigger` once, every clone's `stopped` resolves.
#[derive(Debug, Clone)]
pub struct Stop {
    sender: watch::Sender<Option<StopReason>>,
}

impl Default for Stop {
    fn default() -> Self {
        Stop {
            sender: watch::Sender::new(None),
        }
    }
}

impl Stop {
    /// Asks the run to stop; the first reason given is kept.
    pub fn trigger(&self, reason: StopReason) {
        self.sender.send_if_modified(|current| {
            if current.is_none() {
                *current = Some(reason);
                true
            } else {
                false
            }
        });
    }

    pub fn reason(&self) -> Option<StopReason> {
        *self.sender.borrow()
    }

    /// Resolves once a stop has been asked for.
    pub async fn stopped(&self) -> StopReason {
        let mut rx = self.sender.subscribe();
        let reason = rx.wait_for(Option::is_some).await.expect("the sender lives in self");
        reason.expect("waited for Some")
    }

    /// Triggers on SIGTERM and SIGINT, and after `max_duration` when given.
    pub fn install(&self, max_duration: Option<Duration>) {
        let stop = self.clone();
        tokio::spawn(async move {
            let reason = wait_for_signal().await;
            tracing::warn!(%reason, "stopping: no new requests; saving a checkpoint");
            stop.trigger(reason);
        });
        if let Some(limit) = max_duration {
            let stop = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(limit).await;
                tracing::warn!(limit = %humantime::format_duration(limit), "stopping: --max-duration reached; saving a checkpoint");
                stop.trigger(StopReason::Deadline);
            });
        }
    }
}

#[cfg(unix)]
async fn wait_for_signal() -> StopReason {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => StopReason::Terminated,
        _ = int.recv() => StopReason::Interrupted,
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() -> StopReason {
    match tokio::signal::ctrl_c().await {
        Ok(()) => StopReason::Interrupted,
        Err(_) => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_reason_wins_and_every_clone_sees_it() {
        let stop = Stop::default();
        let other = stop.clone();
        assert_eq!(stop.reason(), None);
        let waiter = tokio::spawn(async move { other.stopped().await });
        stop.trigger(StopReason::Deadline);
        stop.trigger(StopReason::Terminated);
        assert_eq!(waiter.await.unwrap(), StopReason::Deadline);
        assert_eq!(stop.reason(), Some(StopReason::Deadline));
    }
}
