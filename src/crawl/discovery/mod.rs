//! The walk through Mode's Discovery API: three whole-workspace listings (collections, reports,
//! report statistics) read side by side, joined by report token, then each scheduled report's
//! schedules from the REST API through the same walk as a REST run (reuse, retries, stop).
//!
//! `seed.rs` turns the listings into the snapshot's records; `join.rs` adds them to a REST walk's
//! records (`--source both`) and cross-checks the two sets of reports.

mod join;
mod seed;

pub use join::join;

use super::{CrawlError, CrawlOptions, CrawlOutcome, Walk, drive};
use crate::mode::ModeClient;
use crate::mode::discovery::{BatchReport, BatchReportStats, BatchSpace, Discovery, Listing};
use crate::snapshot::Failure;
use crate::stop::Stop;

/// The three listings as read.
pub struct DiscoveryRead {
    pub spaces: Listing<BatchSpace>,
    pub reports: Listing<BatchReport>,
    pub stats: Listing<BatchReportStats>,
}

/// Reads the three listings side by side (each one page after another). An error is fatal for
/// the run: without them there is nothing to walk (a 401, 403 or 404 says Discovery is not available).
pub async fn read(discovery: &Discovery, workspace: &str) -> Result<DiscoveryRead, CrawlError> {
    let (spaces, reports, stats) = tokio::try_join!(discovery.spaces(), discovery.reports(), discovery.report_stats())
        .map_err(|source| CrawlError {
            workspace: workspace.to_string(),
            source,
        })?;
    tracing::info!(
        collections = spaces.items.len(),
        reports = reports.items.len(),
        report_stats = stats.items.len(),
        pages = spaces.pages + reports.pages + stats.pages,
        "Discovery listings read"
    );
    Ok(DiscoveryRead { spaces, reports, stats })
}

impl DiscoveryRead {
    /// The failures of the listings themselves: items that could not be read, and a listing that
    /// ended short of its `total_count` (or at the page cap).
    pub fn failures(&self) -> Vec<Failure> {
        let mut out = Vec::new();
        listing_failures(&mut out, "spaces", &self.spaces);
        listing_failures(&mut out, "reports", &self.reports);
        listing_failures(&mut out, "report_stats", &self.stats);
        out
    }

    /// Items listed more than once and dropped.
    pub fn duplicates(&self) -> u64 {
        self.spaces.duplicates + self.reports.duplicates + self.stats.duplicates
    }
}

fn listing_failures<T>(out: &mut Vec<Failure>, key: &str, listing: &Listing<T>) {
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
pub async fn crawl_discovery(
    client: &ModeClient,
    options: &CrawlOptions,
    stop: &Stop,
    read: DiscoveryRead,
) -> Result<CrawlOutcome, CrawlError> {
    let mut failures = read.failures();
    let duplicates = read.duplicates();
    let seeded = seed::seed(read, options);
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
    for (key, record, fetch) in seeded.reports {
        if fetch {
            walk.schedules_for(key, record);
        } else {
            walk.store.push(key, &record);
        }
    }
    drive(walk, client, options, stop).await
}
