//! Marker: the `_COMPLETE` object written last into a snapshot (or checkpoint) folder in a
//! bucket, listing its files and their sizes. Readers take a folder without it as unfinished.

use serde::{Deserialize, Serialize};

/// The marker's object name.
pub const MARKER: &str = "_COMPLETE";
/// The object naming the newest complete snapshot of a workspace.
pub const LATEST: &str = "latest";
pub const MARKER_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    pub version: u32,
    pub workspace: String,
    /// What the folder holds: `snapshot` or `checkpoint`.
    pub kind: String,
    /// The snapshot's `status` (`complete`, `partial`), or `stopped` for a checkpoint.
    pub status: String,
    pub started_at: String,
    /// When the last file was uploaded.
    pub written_at: String,
    pub files: Vec<MarkedFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkedFile {
    /// Relative to the folder, `/`-separated (`owners/ann.csv`).
    pub name: String,
    pub size: u64,
}

impl Marker {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("a marker serialises");
        bytes.push(b'\n');
        bytes
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Marker> {
        serde_json::from_slice(bytes).ok()
    }
}
