//! The snapshot folder layout: `OUT/<workspace>/<UTC start time>/`, the time written as
//! `20261128T032200Z` (with `-2`, `-3`... when two runs start in the same second).

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};

/// The folder snapshots of `workspace` go into.
pub fn workspace_dir(out: &Path, workspace: &str) -> PathBuf {
    out.join(workspace)
}

/// `20261128T032200Z` from an RFC 3339 time.
pub fn folder_stamp(started_at: &str) -> String {
    DateTime::parse_from_rfc3339(started_at)
        .map(|t| t.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_else(|_| started_at.replace([':', '-'], ""))
}

/// The time in a snapshot folder's name: `20261128T032200Z`, optionally with a `-2` suffix.
pub fn folder_time(name: &str) -> Option<DateTime<Utc>> {
    let stamp = name.split_once('-').map_or(name, |(stamp, n)| {
        if n.chars().all(|c| c.is_ascii_digit()) {
            stamp
        } else {
            ""
        }
    });
    NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|t| t.and_utc())
}
