//! The workspace output `--out` names, opened as a [`Place`] (a folder, or a bucket with a local
//! work folder), and the newest complete snapshot in it that `apply` and `notify` work from.

use std::time::Duration;

use anyhow::{Result, bail};

use crate::config::{Destination, Settings};
use crate::output::{Newest, Place};
use crate::storage::StoreSettings;

/// The output `out` names (a bucket opened with the provider's credential chain); `None` for
/// `--out -`, which writes nothing to keep.
pub fn open(out: &Destination, store: &StoreSettings) -> Result<Option<Place>> {
    Ok(match out {
        Destination::Dir(dir) => Some(Place::folder(dir.clone())),
        Destination::Bucket(url) => Some(Place::bucket(url, store)?),
        Destination::Stdout => None,
    })
}

/// The newest complete snapshot of the workspace in `--out` (from a bucket, downloaded with the
/// earlier snapshots back to `min_age` before it and the actions logs).
pub async fn newest(settings: &Settings, min_age: Duration) -> Result<Newest> {
    let Some(place) = open(&settings.destination, &settings.store)? else {
        bail!("apply reads the snapshots in --out: name the output folder of your runs");
    };
    Newest::find(place, &settings.workspace, min_age).await
}
