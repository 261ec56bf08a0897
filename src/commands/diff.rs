//! `mode-audit diff`: load two snapshots (from folders or buckets), print the table of what changed, write the files if asked.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::insights::changes::{Change, Diff, Kind, NotASnapshot, diff, load};
use crate::output::write_diff_files;
use crate::snapshot::Snapshot;
use crate::storage::{BucketUrl, SnapshotUrlError, StoreError, StoreSettings, fetch_snapshot_url};

/// Rows shown per kind in the table; the files hold them all.
const SHOWN: usize = 15;

/// How `mode-audit diff` ended.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// An argument is not a snapshot (exit 2).
    #[error(transparent)]
    NotASnapshot(#[from] NotASnapshot),
    /// The files could not be written (exit 3).
    #[error("{0:#}")]
    Write(anyhow::Error),
    /// A bucket holding a snapshot could not be read (exit 3).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `mode-audit diff OLD NEW [--out DIR]`: the table to print, after writing the files into `out` if given.
/// OLD and NEW are snapshot folders or snapshot URLs (`s3://BUCKET/PREFIX/<workspace>/<time>` or `.../latest`).
pub async fn diff_command(old: &Path, new: &Path, out: Option<&Path>) -> Result<String, DiffError> {
    let downloads = tempfile::Builder::new()
        .prefix("mode-audit-diff-")
        .tempdir()
        .map_err(|e| DiffError::Write(anyhow::Error::new(e).context("cannot create a temporary folder")))?;
    let (old_path, old) = open(old, &downloads.path().join("old")).await?;
    let (new_path, new) = open(new, &downloads.path().join("new")).await?;
    let d = diff(old_path, &old, new_path, &new);
    drop((old, new));
    let mut text = d.to_string();
    if let Some(dir) = out {
        let written = write_diff_files(&d, dir).map_err(DiffError::Write)?;
        text += &format!(
            "written: {}\n",
            written
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(text)
}

/// Loads a snapshot from a folder, or downloads it from a bucket first (shown by its URL).
async fn open(arg: &Path, into: &Path) -> Result<(PathBuf, Snapshot), DiffError> {
    let Some(text) = arg.to_str().filter(|t| BucketUrl::looks_like_url(t)) else {
        return Ok(load(arg)?);
    };
    let local = fetch_snapshot_url(text, &StoreSettings::default(), into)
        .await
        .map_err(|e| match e {
            SnapshotUrlError::NotASnapshot(message) => DiffError::NotASnapshot(NotASnapshot(message)),
            SnapshotUrlError::Store(e) => DiffError::Store(e),
        })?;
    let (_, snapshot) = load(&local)?;
    Ok((PathBuf::from(text), snapshot))
}

fn title(kind: Kind) -> &'static str {
    match kind {
        Kind::ReportAdded => "reports added",
        Kind::ReportRemoved => "reports removed",
        Kind::ReportMoved => "reports moved",
        Kind::ScheduleAdded => "schedules added",
        Kind::ScheduleRemoved => "schedules removed",
        Kind::ScheduleChanged => "schedules changed",
        Kind::ViewsChanged => "view counts changed",
    }
}

fn row(c: &Change) -> String {
    let name = c.report_name.as_deref().unwrap_or("(no name)");
    let what = match (c.change, &c.old, &c.new) {
        (Kind::ViewsChanged, Some(o), Some(n)) => format!("{:+}  ({o} → {n})", c.delta.unwrap_or(0)),
        (Kind::ReportAdded, _, Some(n)) => format!("in {n}"),
        (Kind::ReportRemoved, Some(o), _) => format!("was in {o}"),
        (Kind::ScheduleAdded, _, Some(n)) => format!("{}: {n}", c.schedule_token.as_deref().unwrap_or("")),
        (Kind::ScheduleRemoved, Some(o), _) => format!("{}: {o}", c.schedule_token.as_deref().unwrap_or("")),
        (Kind::ScheduleChanged, o, n) => format!(
            "{} {}: {} → {}",
            c.schedule_token.as_deref().unwrap_or(""),
            c.field,
            o.as_deref().unwrap_or("?"),
            n.as_deref().unwrap_or("?")
        ),
        (_, o, n) => format!("{} → {}", o.as_deref().unwrap_or("?"), n.as_deref().unwrap_or("?")),
    };
    format!("{}  {}  {what}", c.report_token, clip(name, 40))
}

fn clip(text: &str, max: usize) -> String {
    let one_line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if one_line.chars().count() <= max {
        one_line
    } else {
        one_line.chars().take(max - 1).collect::<String>() + "…"
    }
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "mode-audit diff: workspace {}", self.new.workspace)?;
        for (label, s) in [("old", &self.old), ("new", &self.new)] {
            writeln!(
                f,
                "  {label}  {}  ({}, {}, {} reports)",
                s.path.display(),
                s.started_at,
                match s.status {
                    crate::snapshot::Status::Complete => "complete",
                    crate::snapshot::Status::Partial => "partial",
                },
                s.reports
            )?;
        }
        if self.old.workspace != self.new.workspace {
            writeln!(
                f,
                "  note: the snapshots are of different workspaces ({} and {})",
                self.old.workspace, self.new.workspace
            )?;
        }
        let order = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
        if order(&self.old.started_at) > order(&self.new.started_at) {
            writeln!(f, "  note: OLD is newer than NEW; the changes read from OLD to NEW")?;
        }
        for kind in Kind::ALL {
            let n = self.count(kind);
            if kind == Kind::ViewsChanged {
                let total: i64 = self.changes.iter().filter_map(|c| c.delta).sum();
                writeln!(f, "  {:<22}{n:>8}  ({total:+} views in total)", title(kind))?;
            } else {
                writeln!(f, "  {:<22}{n:>8}", title(kind))?;
            }
        }
        for kind in Kind::ALL {
            let rows: Vec<&Change> = self.changes.iter().filter(|c| c.change == kind).collect();
            if rows.is_empty() {
                continue;
            }
            writeln!(f, "\n{}:", title(kind))?;
            for c in rows.iter().take(SHOWN) {
                writeln!(f, "  {}", row(c))?;
            }
            if rows.len() > SHOWN {
                writeln!(
                    f,
                    "  … {} more (--out DIR writes them all to diff.csv and diff.json)",
                    rows.len() - SHOWN
                )?;
            }
        }
        Ok(())
    }
}
