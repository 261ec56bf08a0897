//! Storage: snapshots, `latest` and the checkpoint in an object store (S3, GCS, Azure) instead of
//! a local folder, laid out the same way. Publication uploads a folder written locally and marks
//! it complete last; readers download only what they need into a local mirror of the folder
//! layout and hand it to the same code that reads a local `--out` folder. Append-only logs there
//! are synced line by line ([`SyncedLog`]).

mod bucket;
mod conditional;
mod error;
mod folder;
mod lease;
mod marker;
mod snapshots;
mod synced_log;
mod url;

pub use bucket::{Bucket, PART_SIZE, StoreSettings};
pub use conditional::Written;
pub use error::{Cause, StoreError};
pub use folder::MarkerInfo;
pub use lease::{Holder, LEASE, LEASE_TTL, Lease, LeaseError, LeaseHome, Takeover};
pub use marker::{LATEST, MARKER, MarkedFile, Marker};
pub use snapshots::{CHECKPOINT, SnapshotUrlError, fetch_snapshot_url};
pub use synced_log::{SyncedLog, fetch_if_there};
pub use url::{BucketUrl, Provider};

#[cfg(test)]
mod tests;
