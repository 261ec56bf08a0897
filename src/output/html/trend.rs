//! The trend: each earlier snapshot's [`Totals`] (its `summary.json`), read one small file at a
//! time, newest [`POINTS`] kept. Snapshots made before the page existed have none and are counted.

use std::path::Path;

use super::cost::Totals;
use crate::snapshot::folder::{SNAPSHOT_FILE, folder_time};

/// The summary file beside each snapshot's page.
pub const SUMMARY_FILE: &str = "summary.json";
/// Snapshots in the trend at most (the newest).
pub const POINTS: usize = 60;

/// Earlier snapshots' totals, oldest first.
#[derive(Debug, Default)]
pub struct Trend {
    pub earlier: Vec<Totals>,
    /// Earlier snapshots without a readable summary (made before it existed, or damaged).
    pub without_summary: usize,
}

impl Trend {
    /// The summaries of the snapshots in `dir` (`OUT/<workspace>`, or for a bucket a local folder
    /// of their downloaded summaries) that started before `started_at`. A snapshot folder counts
    /// with its snapshot.json or its summary.json (one written without json has a page too).
    pub fn load(dir: &Path, started_at: &str) -> Trend {
        let mut trend = Trend::default();
        for folder in summary_folders(dir) {
            if trend.earlier.len() == POINTS {
                break;
            }
            let read = std::fs::read(folder.join(SUMMARY_FILE))
                .ok()
                .and_then(|bytes| serde_json::from_slice::<Totals>(&bytes).ok());
            match read {
                Some(t) if t.started_at.as_str() < started_at => trend.earlier.push(t),
                Some(_) => {}
                None => trend.without_summary += 1,
            }
        }
        trend.earlier.reverse();
        trend
    }

    /// The snapshot just before this one.
    pub fn previous(&self) -> Option<&Totals> {
        self.earlier.last()
    }
}

/// Folders of `dir` with a snapshot's name (its time) holding a snapshot.json or a summary.json,
/// newest first.
fn summary_folders(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<_> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| {
            let at = folder_time(&e.file_name().to_string_lossy())?;
            let path = e.path();
            (path.join(SUMMARY_FILE).is_file() || path.join(SNAPSHOT_FILE).is_file()).then_some((at, path))
        })
        .collect();
    found.sort_by(|a, b| b.cmp(a));
    found.into_iter().map(|(_, path)| path).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support;

    #[test]
    fn reads_earlier_summaries_oldest_first_and_counts_the_missing() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, started_at: &str, findings: Option<u64>| {
            let folder = dir.path().join(name);
            std::fs::create_dir(&folder).unwrap();
            std::fs::write(folder.join("snapshot.json"), "{}").unwrap();
            if let Some(n) = findings {
                let mut t = Totals::new(&test_support::snapshot(Vec::new()));
                t.started_at = started_at.into();
                t.findings = n;
                std::fs::write(folder.join(SUMMARY_FILE), serde_json::to_vec(&t).unwrap()).unwrap();
            }
        };
        write("20261101T030000Z", "2026-11-01T03:00:00.000Z", Some(10));
        write("20261108T030000Z", "2026-11-08T03:00:00.000Z", None);
        write("20261115T030000Z", "2026-11-15T03:00:00.000Z", Some(7));
        write("20261122T030000Z", "2026-11-22T03:00:00.000Z", Some(5));
        let trend = Trend::load(dir.path(), "2026-11-22T03:00:00.000Z");
        let findings: Vec<u64> = trend.earlier.iter().map(|t| t.findings).collect();
        assert_eq!(findings, [10, 7], "the snapshot itself is not its own history");
        assert_eq!(trend.without_summary, 1);
        assert_eq!(trend.previous().map(|t| t.findings), Some(7));
    }
}
