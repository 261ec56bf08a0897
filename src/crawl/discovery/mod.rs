//! The walk through Mode's Discovery API: three whole-workspace listings (collections, reports,
//! report statistics) read side by side, joined by report token, then each scheduled report's
//! schedules from the REST API through the same walk as a REST run (reuse, retries, stop).
//!
//! `seed.rs` turns the listings into the snapshot's records; `join.rs` adds them to a REST walk's
//! records (`--source both`) and cross-checks the two sets of reports.

mod join;
mod listed;
mod seed;

pub use join::join;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::Context;

use self::listed::{ListedReport, ListedReports, ListedStats, ListedStatsStore, Stats};
use super::{CrawlError, CrawlOptions, CrawlOutcome, Walk, drive};
use crate::mode::ModeClient;
use crate::mode::discovery::{BatchReport, BatchReportStats, BatchSpace, Discovery, Listed};
use crate::snapshot::Failure;
use crate::stop::Stop;

/// The three listings as read: collections in memory (a few thousand at most), reports and their
/// statistics in temporary files in listing order, each token once. Nothing of a report stays in
/// memory but its file slot (24 bytes) until the listings are joined, which on a `both` run is
/// after the whole REST walk.
pub struct DiscoveryRead {
    pub spaces: Vec<BatchSpace>,
    reports: ListedReports,
    stats: ListedStatsStore,
    /// How each listing went: `spaces`, `reports`, `report_stats`.
    listed: [(&'static str, Listed); 3],
}

/// Reads the three listings side by side (each one page after another), reports and statistics
/// spilled to temporary files in `spill_dir` (the system's temporary folder when `None`). A
/// listing error is fatal for the run: without them there is nothing to walk (a 401, 403 or 404
/// says Discovery is not available); so is a temporary file that cannot be written.
pub async fn read(discovery: &Discovery, workspace: &str, spill_dir: Option<&Path>) -> anyhow::Result<DiscoveryRead> {
    let mut reports = ListedReports::in_dir(spill_dir);
    let mut stats = ListedStatsStore::in_dir(spill_dir);
    // Tokens seen, to keep each once; let go once the listings are read.
    let (mut seen_reports, mut seen_stats) = (HashSet::<Box<str>>::new(), HashSet::<Box<str>>::new());
    let keep_report = |item: BatchReport| {
        let new = seen_reports.insert(item.token.as_str().into());
        if new {
            reports.push_last(&ListedReport::from(item));
        }
        new
    };
    let keep_stats = |item: BatchReportStats| {
        let new = seen_stats.insert(item.report_token.as_str().into());
        if new {
            stats.push_last(&ListedStats::from(item));
        }
        new
    };
    let (spaces, listed_reports, listed_stats) = tokio::try_join!(
        discovery.spaces(),
        discovery.reports(keep_report),
        discovery.report_stats(keep_stats)
    )
    .map_err(|source| CrawlError {
        workspace: workspace.to_string(),
        source,
    })?;
    let context = "cannot keep the Discovery API's listings until they are joined";
    reports.check().context(context)?;
    stats.check().context(context)?;
    tracing::info!(
        collections = spaces.items.len(),
        reports = listed_reports.kept,
        report_stats = listed_stats.kept,
        pages = spaces.listed.pages + listed_reports.pages + listed_stats.pages,
        "Discovery listings read"
    );
    Ok(DiscoveryRead {
        spaces: spaces.items,
        reports,
        stats,
        listed: [
            ("spaces", spaces.listed),
            ("reports", listed_reports),
            ("report_stats", listed_stats),
        ],
    })
}

impl DiscoveryRead {
    /// The failures of the listings themselves: items that could not be read, and a listing that
    /// ended short of its `total_count` (or at the page cap).
    pub fn failures(&self) -> Vec<Failure> {
        let mut out = Vec::new();
        for (key, listed) in &self.listed {
            listing_failures(&mut out, key, listed);
        }
        out
    }

    /// Items listed more than once and dropped.
    pub fn duplicates(&self) -> u64 {
        self.listed.iter().map(|(_, l)| l.duplicates).sum()
    }

    /// Each report's position in `reports`, by token (read back from the file).
    fn positions(&self) -> HashMap<Box<str>, u32> {
        (self.reports.iter().enumerate())
            .map(|(i, r)| (r.token.into_boxed_str(), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect()
    }

    /// Each report's statistics, by token (read back from the file).
    fn stats(&self) -> HashMap<Box<str>, Stats> {
        self.stats
            .iter()
            .map(|s| (s.report_token.into_boxed_str(), s.stats))
            .collect()
    }
}

fn listing_failures(out: &mut Vec<Failure>, key: &str, listing: &Listed) {
    for message in &listing.unreadable {
        out.push(Failure {
            scope: format!("discovery {key}"),
            token: None,
            error: format!("an item of the Discovery {key} listing could not be read ({message}); the rest was kept"),
            item: None,
        });
    }
    if let Some(why) = listing.shortfall() {
        out.push(Failure {
            scope: format!("discovery {key}"),
            token: None,
            error: format!("the Discovery {key} listing may be incomplete: {why}"),
            item: None,
        });
    }
}

/// `--source discovery`: the records the listings give, then the schedules of every report whose
/// `active_schedules_count` is above 0 (or unknown), read (or reused) as a REST run reads them.
/// The records wait in temporary files; the walk takes the waiting ones in as it has room.
pub async fn crawl_discovery(
    client: &ModeClient,
    options: &CrawlOptions,
    stop: &Stop,
    read: DiscoveryRead,
) -> anyhow::Result<CrawlOutcome> {
    let mut failures = read.failures();
    let duplicates = read.duplicates();
    let seeded = seed::seed(read, options).context("cannot keep the reports the Discovery API listed")?;
    failures.extend(seeded.failures);
    let mut walk = Walk::new(client, options);
    walk.queue[0].clear();
    walk.collections_listing = super::Listing::Ended;
    walk.failures = failures;
    walk.duplicates = duplicates;
    for record in seeded.collections {
        walk.collections.push(super::CollectionWalk {
            record,
            pager: super::Pager::new(options.per_page, options.max_pages),
            listing: super::Listing::Ended,
            listed: 0,
        });
    }
    walk.store = seeded.settled;
    walk.waiting = super::waiting::Waiting::new(seeded.waiting);
    Ok(drive(walk, client, options, stop).await?)
}
