//! What history reads of an earlier snapshot.json: its head with the clock offset, and each
//! report's token, view count and carried `first_seen`, streamed one at a time by the snapshot
//! reader (`snapshot::stream`), never the whole `reports` array.

use std::path::Path;

use serde::Deserialize;

pub use crate::snapshot::stream::Head;
use crate::snapshot::stream::{self, Reading, Wanted};

/// What history needs of one report.
#[derive(Deserialize)]
pub struct SlimReport {
    pub token: String,
    #[serde(default)]
    pub view_count: Option<u64>,
    #[serde(default)]
    history: Option<SlimHistory>,
}

#[derive(Deserialize)]
struct SlimHistory {
    #[serde(default)]
    first_seen: Option<String>,
}

impl SlimReport {
    /// The `first_seen` the snapshot carried forward, if any.
    pub fn first_seen(&self) -> Option<&str> {
        self.history.as_ref()?.first_seen.as_deref()
    }
}

/// Reads `path` to its end, calling `each` for every report in file order; the head (with the
/// clock offset of its stats) comes back once the whole file has been read. An error
/// (unreadable, not JSON, truncated, wrong shape) may come after some reports were handed over:
/// the caller must then discard them.
pub fn read(path: &Path, each: &mut dyn FnMut(SlimReport)) -> Result<Head, String> {
    let reading = Reading {
        wanted: Wanted {
            stats: true,
            failures: false,
        },
        check: &|_| Ok(()),
        each,
    };
    stream::read(path, reading)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_come_one_at_a_time_and_the_head_in_any_field_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot.json");
        std::fs::write(
            &path,
            r#"{"reports":[{"token":"a","view_count":3,"history":{"first_seen":"2026-01-01T00:00:00Z"},"x":[1]},
                {"token":"b","view_count":null}],
               "stats":{"requests":9},"started_at":"2026-11-28T03:00:00.000Z","workspace":"acme","schema_version":1}"#,
        )
        .unwrap();
        let mut seen = Vec::new();
        let head = read(&path, &mut |r| {
            seen.push((r.token.clone(), r.view_count, r.first_seen().map(str::to_string)))
        })
        .unwrap();
        assert_eq!(
            seen,
            vec![
                ("a".into(), Some(3), Some("2026-01-01T00:00:00Z".into())),
                ("b".into(), None, None)
            ]
        );
        assert_eq!(head.started_at.as_deref(), Some("2026-11-28T03:00:00.000Z"));
        assert_eq!((head.workspace.as_str(), head.schema_version), ("acme", 1));
    }

    #[test]
    fn a_truncated_file_is_an_error_after_the_reports_before_the_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot.json");
        std::fs::write(
            &path,
            r#"{"started_at":"2026-11-28T03:00:00Z","reports":[{"token":"a"},{"tok"#,
        )
        .unwrap();
        let mut n = 0;
        assert!(read(&path, &mut |_| n += 1).is_err());
        assert_eq!(n, 1);
        std::fs::write(&path, r#"{"reports":[]} trailing"#).unwrap();
        assert!(read(&path, &mut |_| {}).is_err());
    }
}
