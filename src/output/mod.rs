//! Output: which files a run writes and how they are published (all at once, or not at all), into
//! a workspace's output, a folder or a bucket ([`Place`]); the newest complete snapshot there
//! ([`Newest`]) and the actions logs beside it.
//!
//! A run's files are written into a hidden temporary folder beside the final one, each file flushed
//! and synced, then the folder is renamed to `OUT/<workspace>/<UTC start time>/` in one step and
//! `OUT/<workspace>/latest` is switched to it. An existing snapshot is never overwritten; a failed
//! write removes the temporary folder.

pub mod actions;
mod apply_plan;
mod bucket;
mod changes;
mod csv;
mod digests;
mod findings;
pub mod html;
mod json;
pub mod metrics;
mod new_folders;
mod newest;
mod place;
mod rows;
mod table;
mod xlsx;

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, Result, bail};

use crate::atomic::{self, Body, sync_dir};
use crate::insights::eligibility::UnschedulePlan;
use crate::snapshot::Snapshot;
use crate::snapshot::folder::SNAPSHOT_FILE;
pub use crate::snapshot::folder::{folder_stamp, workspace_dir};

pub use self::apply_plan::{PLAN_COLUMNS, write_plan_csv, write_plan_files};
pub use self::bucket::unpublished_root;
pub use self::changes::{CHANGE_COLUMNS, write_changes, write_diff_files, write_diff_json};
pub use self::csv::{Cells, is_formula, write_collections, write_reports, write_schedules};
pub use self::digests::{OwnerDigest, digests, owner_stem};
pub use self::findings::write_findings;
pub use self::json::{write_reports_jsonl, write_snapshot};
pub use self::new_folders::NewFolders;
pub use self::newest::Newest;
pub use self::place::Place;
pub use self::rows::{COLLECTION_COLUMNS, FINDING_COLUMNS, REPORT_COLUMNS, SCHEDULE_COLUMNS};
pub use self::xlsx::{CUT_MARKER, EXCEL_ROWS, MAX_CELL_TEXT, SUMMARY, XlsxOptions, workbook_name, write_workbook};

/// The file formats a run can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    pub csv: bool,
    pub json: bool,
    pub jsonl: bool,
    /// One workbook with typed cells, `<workspace>-<time>.xlsx` (see `xlsx/`).
    pub xlsx: bool,
    /// `report.html`, a page for people, and `summary.json`, its totals (see `html/`).
    pub html: bool,
}

impl Default for Formats {
    fn default() -> Self {
        Formats {
            csv: true,
            json: true,
            jsonl: false,
            xlsx: false,
            html: true,
        }
    }
}

/// Every format's name, in the order they are listed.
const FORMAT_NAMES: &str = "csv, json, jsonl, xlsx, html";

/// Parses a comma-separated list such as `csv,json,xlsx`.
impl FromStr for Formats {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut f = Formats {
            csv: false,
            json: false,
            jsonl: false,
            xlsx: false,
            html: false,
        };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.to_ascii_lowercase().as_str() {
                "csv" => f.csv = true,
                "json" => f.json = true,
                "jsonl" => f.jsonl = true,
                "xlsx" => f.xlsx = true,
                "html" => f.html = true,
                other => {
                    return Err(format!(
                        "unknown format '{other}': choose from {FORMAT_NAMES} (comma-separated)"
                    ));
                }
            }
        }
        if !(f.csv || f.json || f.jsonl || f.xlsx || f.html) {
            return Err(format!("no format given: choose from {FORMAT_NAMES} (comma-separated)"));
        }
        Ok(f)
    }
}

impl fmt::Display for Formats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = [
            (self.csv, "csv"),
            (self.json, "json"),
            (self.jsonl, "jsonl"),
            (self.xlsx, "xlsx"),
            (self.html, "html"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        write!(f, "{}", names.join(","))
    }
}

/// Fails early, before any request, when the output folder cannot be written.
pub fn check_writable(out: &Path, workspace: &str) -> Result<()> {
    let dir = workspace_dir(out, workspace);
    let fix = "point --out at a folder this user can write, or at one this user may create";
    fs::create_dir_all(&dir).with_context(|| format!("cannot create the output folder {}; {fix}", dir.display()))?;
    tempfile::Builder::new()
        .prefix(".write-check-")
        .tempfile_in(&dir)
        .with_context(|| format!("the output folder {} is not writable; {fix}", dir.display()))?;
    Ok(())
}

/// Writes every requested file (and the owner digests, `owners/`, when `owner_digests` gives the
/// unscheduling they announce) and publishes the snapshot folder; returns its final path.
pub fn publish(
    out: &Path,
    snapshot: &Snapshot,
    formats: Formats,
    cells: Cells,
    owner_digests: Option<&UnschedulePlan>,
    trend_from: Option<&Path>,
) -> Result<PathBuf> {
    let dir = workspace_dir(out, &snapshot.workspace);
    fs::create_dir_all(&dir).with_context(|| format!("cannot create the output folder {}", dir.display()))?;
    let stamp = folder_stamp(&snapshot.started_at);
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{stamp}.partial-"))
        .tempdir_in(&dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let at = staging.path();
    if formats.csv {
        write_csv_files(at, snapshot, cells)?;
    }
    if let Some(plan) = owner_digests {
        write_digests(at, snapshot, plan, cells)?;
    }
    if formats.json {
        write_file(at, SNAPSHOT_FILE, |w| {
            write_snapshot(snapshot, w)?;
            Ok(())
        })?;
    }
    if formats.jsonl {
        write_file(at, "reports.jsonl", |w| {
            write_reports_jsonl(snapshot, w)?;
            Ok(())
        })?;
    }
    if formats.xlsx {
        let options = XlsxOptions {
            owners: owner_digests.is_some(),
            // Beside the snapshots, like the report store: a folder known to be writable and on disk.
            temp_dir: Some(dir.clone()),
            ..XlsxOptions::default()
        };
        write_file(at, &workbook_name(snapshot), |w| write_workbook(snapshot, &options, w))?;
    }
    if formats.html {
        write_page_files(at, trend_from.unwrap_or(&dir), snapshot, owner_digests)?;
    }
    sync_dir(at)?;
    let target = free_name(&dir, &stamp)?;
    fs::rename(at, &target).with_context(|| format!("cannot publish {}", target.display()))?;
    // The folder now lives at its final name; nothing is left for the guard to remove.
    let _ = staging.keep();
    sync_dir(&dir)?;
    point_latest(&dir, &target)?;
    Ok(target)
}

/// reports.csv, schedules.csv, collections.csv and findings.csv.
fn write_csv_files(at: &Path, snapshot: &Snapshot, cells: Cells) -> Result<()> {
    write_file(at, "reports.csv", |w| {
        write_reports(snapshot, cells, w)?;
        Ok(())
    })?;
    write_file(at, "schedules.csv", |w| {
        write_schedules(snapshot, cells, w)?;
        Ok(())
    })?;
    write_file(at, "collections.csv", |w| {
        write_collections(snapshot, cells, w)?;
        Ok(())
    })?;
    write_file(at, "findings.csv", |w| {
        write_findings(&snapshot.workspace, snapshot.findings.iter(), cells, w)?;
        Ok(())
    })
}

/// report.html, with the trend over the earlier snapshots in `dir` (the workspace's folder, or the
/// summaries downloaded from a bucket), and summary.json, its totals.
fn write_page_files(at: &Path, dir: &Path, snapshot: &Snapshot, plan: Option<&UnschedulePlan>) -> Result<()> {
    let trend = html::Trend::load(dir, &snapshot.started_at);
    let mut totals = None;
    write_file(at, html::PAGE_FILE, |w| {
        totals = Some(html::write_page(snapshot, plan, &trend, w)?);
        Ok(())
    })?;
    write_file(at, html::SUMMARY_FILE, |w| {
        serde_json::to_writer_pretty(&mut *w, &totals)?;
        Ok(w.write_all(b"\n")?)
    })
}

/// owners/<username>.csv for every owner with findings, and owners/README.md.
fn write_digests(at: &Path, snapshot: &Snapshot, plan: &UnschedulePlan, cells: Cells) -> Result<()> {
    let owners = at.join("owners");
    fs::create_dir(&owners).with_context(|| format!("cannot create {}", owners.display()))?;
    let list = digests(snapshot);
    for digest in &list {
        write_file(&owners, &digest.file, |w| {
            digests::write_owner(snapshot, digest, cells, w)?;
            Ok(())
        })?;
    }
    write_file(&owners, "README.md", |w| {
        Ok(w.write_all(digests::readme(snapshot, &list, plan).as_bytes())?)
    })?;
    sync_dir(&owners)
}

/// Streams reports.csv to `out` (for `--out -`).
pub fn stream_reports<W: Write>(snapshot: &Snapshot, cells: Cells, out: W) -> Result<()> {
    let mut w = write_reports(snapshot, cells, out)?;
    w.flush()?;
    Ok(())
}

fn write_file(dir: &Path, name: &str, body: impl FnOnce(&mut Body) -> Result<()>) -> Result<()> {
    atomic::write_synced(&dir.join(name), body)
}

fn free_name(dir: &Path, stamp: &str) -> Result<PathBuf> {
    let first = dir.join(stamp);
    if !first.exists() {
        return Ok(first);
    }
    for n in 2..1000 {
        let candidate = dir.join(format!("{stamp}-{n}"));
        if !candidate.exists() {
            return Ok(candidate);
        }
    }
    bail!("too many snapshots named {stamp} in {}", dir.display())
}

/// Switches `latest` to the new snapshot atomically (a symlink renamed into place).
#[cfg(unix)]
fn point_latest(dir: &Path, target: &Path) -> Result<()> {
    let name = target.file_name().expect("snapshot folders have names");
    let temp = dir.join(format!(".latest-{}", std::process::id()));
    let _ = fs::remove_file(&temp);
    std::os::unix::fs::symlink(name, &temp).with_context(|| format!("cannot create {}", temp.display()))?;
    fs::rename(&temp, dir.join("latest")).with_context(|| format!("cannot update {}", dir.join("latest").display()))
}

/// Without symlinks, `latest` is a file holding the newest snapshot's folder name.
#[cfg(not(unix))]
fn point_latest(dir: &Path, target: &Path) -> Result<()> {
    let name = target
        .file_name()
        .expect("snapshot folders have names")
        .to_string_lossy();
    let mut f = tempfile::NamedTempFile::new_in(dir)?;
    writeln!(f, "{name}")?;
    f.persist(dir.join("latest"))?;
    Ok(())
}
