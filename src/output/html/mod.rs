//! The page: `report.html`, one self-contained HTML file per snapshot for people to open, and
//! `summary.json`, its headline totals, which later pages read for their trend.
//!
//! The page shows, in order: the headline (status, workspace, time, the unviewed schedules' cost
//! and the change since the previous snapshot), SVG charts drawn at write time, the findings table
//! (one row per report, costliest first, at most [`ROW_CAP`] rows; the columns a reader came for
//! first, those unknown for every row left out), owners, completeness, and the
//! apply plan when there is one. Templates are checked when the crate is built (askama); every
//! text from Mode is escaped in the HTML and in the JSON the script reads; links go only to the
//! workspace's pages on app.mode.com; a Content-Security-Policy allows nothing from the network,
//! and the inline script and style only by their hashes. The page is written straight to its file.

mod chart;
mod columns;
mod cost;
mod data;
mod names;
mod page;
mod trend;

use std::io::Write;

use anyhow::{Context, Result};

pub use self::cost::{BASIS, Basis, Totals};
pub use self::data::{ROW_CAP, mode_link};
pub use self::trend::{POINTS, SUMMARY_FILE, Trend};
use crate::insights::eligibility::UnschedulePlan;
use crate::snapshot::Snapshot;

/// The page's file name in the snapshot folder.
pub const PAGE_FILE: &str = "report.html";

/// Writes the page of `snapshot` to `out`, with the apply plan when there is one and the trend
/// over earlier snapshots; returns the totals to keep as `summary.json`.
pub fn write_page<W: Write>(
    snapshot: &Snapshot,
    plan: Option<&UnschedulePlan>,
    trend: &Trend,
    out: &mut W,
) -> Result<Totals> {
    let gathered = data::gather(snapshot, plan);
    let page = page::Page::new(snapshot, &gathered, plan, trend);
    askama::Template::write_into(&page, out).context("cannot write the page")?;
    Ok(gathered.totals)
}
