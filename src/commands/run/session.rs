//! The session a run's phases work in: the output (a folder, a bucket, or none for `--out -`)
//! checked writable and its lease held, a client, and the run's sources opened; all closed after.

use std::sync::Arc;

use anyhow::Result;

use crate::commands::{lease, sources};
use crate::config::{Destination, Settings};
use crate::mode::{ModeClient, Pacer};
use crate::output::{NewFolders, Place};
use crate::stop::Stop;

/// What the phases between the lease and its release share.
pub(super) struct Session {
    /// The folder, or a bucket with a local work folder standing in for it; `None` for `--out -`.
    pub place: Option<Place>,
    pub client: ModeClient,
    pub opened: sources::Opened,
}

impl Session {
    /// Checks the output, takes its lease, opens the sources (a Discovery token is minted only
    /// once the lease is held) and runs `phases`; then deletes a minted token and releases the
    /// lease, whatever the phases came to.
    pub async fn within<T>(
        settings: &Settings,
        stop: &Stop,
        pacer: &Arc<Pacer>,
        phases: impl AsyncFnOnce(&Session) -> Result<T>,
    ) -> Result<T> {
        let place = checked_place(settings).await?;
        let lease = lease::take(settings, "run", stop).await?;
        let result = match Session::open(settings, pacer, place).await {
            Ok(session) => {
                let result = phases(&session).await;
                // On success, failure and a stop alike: the token minted for the run goes with it.
                sources::close(&session.client, session.opened.minted.clone()).await;
                result
            }
            Err(error) => Err(error),
        };
        lease.release().await;
        result
    }

    async fn open(settings: &Settings, pacer: &Arc<Pacer>, place: Option<Place>) -> Result<Session> {
        let client = ModeClient::with_pacer(settings.client.clone(), Arc::clone(pacer))?;
        let opened = sources::open(settings, &client).await?;
        Ok(Session { place, client, opened })
    }
}

/// The output place, found writable; `None` for `--out -`.
async fn checked_place(settings: &Settings) -> Result<Option<Place>> {
    let place = super::super::place::open(&settings.destination, &settings.store)?;
    if let Some(place) = &place {
        place.check(&settings.workspace).await?;
    }
    Ok(place)
}

/// The output folders this run creates, removed should it fail (none for a bucket or stdout).
pub(super) fn new_folders(settings: &Settings) -> NewFolders {
    match &settings.destination {
        Destination::Dir(out) => NewFolders::missing(out, &settings.workspace),
        _ => NewFolders::default(),
    }
}
