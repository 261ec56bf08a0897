//! The lease a command holds on its workspace's output while it writes (`run`, `apply --execute`,
//! `undo --execute`, and any other command that writes there): taken in one call, renewed in the
//! background, released at the end. Losing it (broken with `--break-lease` elsewhere) stops the
//! command as a SIGTERM would (exit 4).

use std::future::Future;

use anyhow::Result;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::{Destination, Settings};
use crate::stop::{Stop, StopReason};
use crate::storage::{Bucket, Holder, LEASE, LEASE_TTL, Lease, LeaseError, LeaseHome};

/// A lease taken and kept renewed; `Held::none()` for `--out -`, which writes nothing to keep.
pub struct Held {
    renewing: Option<(oneshot::Sender<()>, JoinHandle<Lease>)>,
}

impl Held {
    pub fn none() -> Held {
        Held { renewing: None }
    }

    /// Stops renewing and removes the lease.
    pub async fn release(mut self) {
        if let Some((quit, task)) = self.renewing.take() {
            let _ = quit.send(());
            if let Ok(lease) = task.await {
                lease.release().await;
            }
        }
    }
}

/// Where the lease on the output of the workspace `settings` names is kept; `None` for `--out -`.
fn home(settings: &Settings) -> Result<Option<LeaseHome>, LeaseError> {
    Ok(match &settings.destination {
        Destination::Dir(out) => Some(LeaseHome::Folder(out.clone())),
        Destination::Bucket(url) => Some(LeaseHome::Bucket(Bucket::open(url, &settings.store)?)),
        Destination::Stdout => None,
    })
}

/// Who holds the lease on the output of the workspace `settings` names, and where it is; `None`
/// for `--out -` (no lease) and when nobody holds it.
pub async fn holder(settings: &Settings) -> Result<Option<(String, Holder)>> {
    let Some(home) = home(settings)? else {
        return Ok(None);
    };
    let place = match &home {
        LeaseHome::Folder(out) => out.join(&settings.workspace).join(LEASE).display().to_string(),
        LeaseHome::Bucket(bucket) => bucket.show(&[&settings.workspace, LEASE]),
    };
    Ok(Lease::peek(&home, &settings.workspace).await?.map(|h| (place, h)))
}

/// Takes the lease on the output of the workspace `settings` names, for `command` (`--break-lease`
/// in the settings clears another's). A lease held by another is a [`LeaseError::Held`] (exit 2).
pub async fn take(settings: &Settings, command: &str, stop: &Stop) -> Result<Held> {
    let Some(home) = home(settings)? else {
        return Ok(Held::none());
    };
    let lease = Lease::acquire(&home, &settings.workspace, command, LEASE_TTL, settings.break_lease).await?;
    tracing::debug!(place = %lease.place(), "lease taken");
    let (quit, mut quitting) = oneshot::channel::<()>();
    let stop = stop.clone();
    let task = tokio::spawn(async move {
        let mut lease = lease;
        let every = lease.ttl() / 3;
        loop {
            tokio::select! {
                _ = &mut quitting => return lease,
                () = tokio::time::sleep(every) => {
                    if let Err(e) = lease.renew().await {
                        tracing::error!(error = %e, "the lease on this output was lost: stopping");
                        stop.trigger(StopReason::LeaseLost);
                        return lease;
                    }
                }
            }
        }
    });
    Ok(Held {
        renewing: Some((quit, task)),
    })
}

/// Runs `work` holding the lease, and releases it whatever `work` comes to.
pub async fn holding<T>(
    settings: &Settings,
    command: &str,
    stop: &Stop,
    work: impl Future<Output = Result<T>>,
) -> Result<T> {
    let held = take(settings, command, stop).await?;
    let result = work.await;
    held.release().await;
    result
}

/// Whether an error is another writer's lease, or `--break-lease` refused for a holder still
/// running here (exit 2: nothing was started).
pub fn is_held(error: &anyhow::Error) -> bool {
    matches!(
        error.downcast_ref::<LeaseError>(),
        Some(LeaseError::Held { .. } | LeaseError::Running { .. })
    )
}
