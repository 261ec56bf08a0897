//! Why a lease was not taken: held by another writer, held by a process that still runs here
//! (`--break-lease` refused), or a folder or bucket that could not be read or written.

use std::fmt;

use super::Holder;
use crate::storage::error::StoreError;

/// Why a lease was not taken.
#[derive(Debug)]
pub enum LeaseError {
    /// Another writer holds it, unexpired.
    Held {
        place: String,
        holder: Box<Holder>,
    },
    /// `--break-lease` given, but the holder's process runs on this host (same PID namespace and
    /// boot): it is not gone.
    Running {
        place: String,
        holder: Box<Holder>,
    },
    /// The folder or bucket could not be read or written.
    Store(StoreError),
    Folder(String),
}

impl fmt::Display for LeaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeaseError::Held { place, holder } => write!(
                f,
                "another mode-audit is writing to this output: {holder} holds {place}; wait for it to finish \
                 (a lease left by a process that died expires on its own), or if you are sure it is gone, \
                 run again with --break-lease"
            ),
            LeaseError::Running { place, holder } => write!(
                f,
                "--break-lease refused: {holder} holds {place} and its process (pid {}) still runs on this host; \
                 stop that process first (or wait for it to finish), then run again",
                holder.pid
            ),
            LeaseError::Store(e) => write!(f, "cannot take the lease: {e}"),
            LeaseError::Folder(e) => write!(f, "cannot take the lease: {e}"),
        }
    }
}

impl std::error::Error for LeaseError {}

impl From<StoreError> for LeaseError {
    fn from(e: StoreError) -> Self {
        LeaseError::Store(e)
    }
}
