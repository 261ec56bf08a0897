//! The snapshot folder layout: `OUT/<workspace>/<UTC start time>/`, the time written as
//! `20261128T032200Z` (with `-2`, `-3`... when two runs start in the same second).

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};

/// The file that holds a snapshot, in its folder (the one a snapshot folder is known by).
pub const SNAPSHOT_FILE: &str = "snapshot.json";

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

/// The snapshot folders of `dir` (`OUT/<workspace>`) named by their start time and holding a
/// snapshot.json, newest first; hidden folders (unfinished publications) and `latest` left out.
pub fn snapshot_folders(dir: &Path) -> Vec<(DateTime<Utc>, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(DateTime<Utc>, PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| {
            let at = folder_time(&e.file_name().to_string_lossy())?;
            let path = e.path();
            path.join(SNAPSHOT_FILE).is_file().then_some((at, path))
        })
        .collect();
    found.sort_by(|a, b| b.cmp(a));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_folders_are_listed_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "20261101T030000Z",
            "20261103T030000Z",
            "20261103T030000Z-2",
            ".20261104T030000Z.partial-x",
            "latest",
            "notes",
        ] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
            std::fs::write(dir.path().join(name).join("snapshot.json"), "{}").unwrap();
        }
        std::fs::create_dir(dir.path().join("20261105T030000Z")).unwrap();
        let names: Vec<String> = snapshot_folders(dir.path())
            .into_iter()
            .map(|(_, p)| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["20261103T030000Z-2", "20261103T030000Z", "20261101T030000Z"]);
    }
}
