//! Checkpoint: what an interrupted run had collected, saved beside its snapshots for the next run.
//!
//! Saved atomically to `OUT/<workspace>/.checkpoint.json` when a run is stopped (SIGTERM, SIGINT,
//! `--max-duration`). The next run for the same workspace and output resumes from it when it is
//! younger than `--resume-max-age` and was made with the same walk options; `--fresh` ignores it.
//! It is removed once a snapshot is published.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::atomic;
use crate::crawl::pager::PagerState;
use crate::mode::RequestStats;
use crate::snapshot::{CollectionRecord, ReportRecord};

pub const CHECKPOINT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint {
    pub version: u32,
    pub workspace: String,
    /// When the first, interrupted run started; the resumed snapshot keeps this time and folder name.
    pub started_at: String,
    pub saved_at: String,
    /// The walk options that shape the result; a checkpoint made with others is not resumed.
    pub options: String,
    /// `None` once the collections listing has ended.
    pub collections_listing: Option<PagerState>,
    /// Tokens of every collection listed so far, in order.
    pub collections: Vec<CollectionProgress>,
    pub duplicates: u64,
    /// Requests made by the runs before this one.
    pub prior_requests: RequestStats,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CollectionProgress {
    pub record: CollectionRecord,
    /// Where its reports listing stands; `None` when it needs nothing more.
    pub listing: Option<PagerState>,
    pub reports: Vec<ReportRecord>,
}

impl Checkpoint {
    pub fn path(out: &Path, workspace: &str) -> PathBuf {
        out.join(workspace).join(".checkpoint.json")
    }

    /// Every file the checkpoint consists of, all in `OUT/<workspace>/` (what a bucket keeps).
    pub fn files(out: &Path, workspace: &str) -> Vec<PathBuf> {
        vec![Checkpoint::path(out, workspace)]
    }

    /// Reads a usable checkpoint: `Ok(None)` when there is none, or it is too old, from other
    /// options, or unreadable (each logged; a broken checkpoint never blocks a run).
    pub fn load(path: &Path, workspace: &str, options: &str, max_age: Duration) -> Result<Option<Checkpoint>> {
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read the checkpoint {}", path.display())),
        };
        let checkpoint: Checkpoint = match serde_json::from_reader(BufReader::new(file)) {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "ignoring an unreadable checkpoint; starting over");
                return Ok(None);
            }
        };
        let age = chrono::DateTime::parse_from_rfc3339(&checkpoint.saved_at)
            .map(|t| chrono::Utc::now().signed_duration_since(t))
            .ok()
            .and_then(|d| d.to_std().ok());
        let why_not = if checkpoint.version != CHECKPOINT_VERSION {
            Some("it was written by another version")
        } else if checkpoint.workspace != workspace {
            Some("it is for another workspace")
        } else if checkpoint.options != options {
            Some("it was made with other walk options")
        } else if age.is_none_or(|a| a > max_age) {
            Some("it is older than --resume-max-age")
        } else {
            None
        };
        if let Some(why) = why_not {
            tracing::info!(path = %path.display(), "not resuming from the checkpoint: {why}; starting over");
            return Ok(None);
        }
        Ok(Some(checkpoint))
    }

    /// Writes the checkpoint atomically (see [`crate::atomic::replace`]).
    pub fn save(&self, path: &Path) -> Result<()> {
        atomic::replace(path, "checkpoint", None, |w| Ok(serde_json::to_writer(w, self)?))
            .with_context(|| format!("cannot save the checkpoint {}", path.display()))
    }

    pub fn remove(path: &Path) {
        if let Err(e) = std::fs::remove_file(path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), error = %e, "could not remove the used checkpoint");
        }
    }

    /// Reports collected so far.
    pub fn reports(&self) -> usize {
        self.collections.iter().map(|c| c.reports.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint(saved_at: &str) -> Checkpoint {
        Checkpoint {
            version: CHECKPOINT_VERSION,
            workspace: "acme".into(),
            started_at: "2026-11-28T03:00:00.000Z".into(),
            saved_at: saved_at.into(),
            options: "opts".into(),
            collections_listing: None,
            collections: vec![],
            duplicates: 0,
            prior_requests: RequestStats::default(),
        }
    }

    #[test]
    fn only_a_young_checkpoint_of_the_same_workspace_and_options_is_resumed() {
        let dir = tempfile::tempdir().unwrap();
        let path = Checkpoint::path(dir.path(), "acme");
        let day = Duration::from_secs(24 * 3600);
        let now = chrono::Utc::now();
        let recent = (now - chrono::Duration::hours(2)).to_rfc3339();
        checkpoint(&recent).save(&path).unwrap();
        assert!(Checkpoint::load(&path, "acme", "opts", day).unwrap().is_some());
        assert!(Checkpoint::load(&path, "acme", "other opts", day).unwrap().is_none());
        assert!(Checkpoint::load(&path, "beta", "opts", day).unwrap().is_none());
        assert!(
            Checkpoint::load(&path, "acme", "opts", Duration::from_secs(3600))
                .unwrap()
                .is_none(),
            "too old"
        );
        let stale = (now - chrono::Duration::hours(30)).to_rfc3339();
        checkpoint(&stale).save(&path).unwrap();
        assert!(Checkpoint::load(&path, "acme", "opts", day).unwrap().is_none());
        std::fs::write(&path, "{ not json").unwrap();
        assert!(
            Checkpoint::load(&path, "acme", "opts", day).unwrap().is_none(),
            "a broken file never blocks a run"
        );
        Checkpoint::remove(&path);
        assert!(!path.exists());
        assert!(Checkpoint::load(&path, "acme", "opts", day).unwrap().is_none());
    }
}
