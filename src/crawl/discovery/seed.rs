//! Discovery's listings as the snapshot's records: a collection ledger from `spaces`, a report
//! record per report joined with its `report_stats` by token, in listing order.

use std::collections::HashMap;
use std::io;

use super::DiscoveryRead;
use super::listed::{ListedReport, Stats};
use crate::crawl::CrawlOptions;
use crate::mode::discovery::BatchSpace;
use crate::snapshot::store::{ReportStore, SortKey};
use crate::snapshot::{CollectionRecord, Failure, FetchStatus, LedgerStatus, ReportRecord};

/// What the walk starts from; both stores hold their records in a temporary file.
pub struct Seeded {
    pub collections: Vec<CollectionRecord>,
    /// Reports with nothing left to ask, keyed by (collection, position).
    pub settled: ReportStore,
    /// Reports whose schedules are to be read, in listing order, keyed the same way.
    pub waiting: ReportStore,
    pub failures: Vec<Failure>,
}

/// Joins the reports (read back one at a time) to their statistics; `Err` when a temporary file
/// cannot be written.
pub fn seed(read: DiscoveryRead, options: &CrawlOptions) -> io::Result<Seeded> {
    let mut stats = read.stats();
    let DiscoveryRead { spaces, reports, .. } = read;
    let mut seeding = Seeding {
        collections: Vec::with_capacity(spaces.len()),
        index: HashMap::new(),
        failures: Vec::new(),
        settled: reports.sibling(),
        waiting: reports.sibling(),
        options,
    };
    for space in spaces {
        seeding.add_space(space);
    }
    for item in reports.iter() {
        let stat = stats.remove(item.token.as_str());
        seeding.add_report(item, stat);
    }
    seeding.add_orphans(stats);
    seeding.finish()
}

/// The records as they are joined: the collection ledger (with each token's row), the failures
/// and the two report stores.
struct Seeding<'a> {
    collections: Vec<CollectionRecord>,
    index: HashMap<String, usize>,
    failures: Vec<Failure>,
    settled: ReportStore,
    waiting: ReportStore,
    options: &'a CrawlOptions,
}

impl Seeding<'_> {
    /// A ledger row for a collection of the spaces listing.
    fn add_space(&mut self, space: BatchSpace) {
        self.index.insert(space.token.clone(), self.collections.len());
        self.collections.push(CollectionRecord {
            token: space.token,
            name: space.name.0,
            collection_type: space.space_type.0,
            reports: 0,
            pages: 0,
            status: LedgerStatus::Complete,
            error: None,
        });
    }

    /// A listed report with its statistics (a failure when it has none), next in its collection.
    fn add_report(&mut self, mut item: ListedReport, stat: Option<Stats>) {
        let space = item.space_token.take().unwrap_or_default();
        let c = self.collection_of(&space);
        if stat.is_none() {
            self.failures.push(unmatched(
                &item.token,
                "reports",
                "report_stats",
                "its schedules count and views are unknown",
            ));
        }
        let position = u32::try_from(self.collections[c].reports).unwrap_or(u32::MAX);
        self.collections[c].reports += 1;
        self.keep((c as u32, position), record(item, &space, stat));
    }

    /// The ledger row of collection `space`; a collection the spaces listing did not name is
    /// kept, so its reports have a ledger row.
    fn collection_of(&mut self, space: &str) -> usize {
        let collections = &mut self.collections;
        *self.index.entry(space.to_string()).or_insert_with(|| {
            collections.push(CollectionRecord {
                token: space.to_string(),
                name: None,
                collection_type: None,
                reports: 0,
                pages: 0,
                status: LedgerStatus::Complete,
                error: Some("listed by no Discovery spaces page; known from its reports only".to_string()),
            });
            collections.len() - 1
        })
    }

    /// Statistics of reports the reports listing did not name: kept, with what the statistics
    /// say, after every collection, in token order.
    fn add_orphans(&mut self, stats: HashMap<Box<str>, Stats>) {
        let mut orphans: Vec<(Box<str>, Stats)> = stats.into_iter().collect();
        orphans.sort_by(|a, b| a.0.cmp(&b.0));
        let last = self.collections.len() as u32;
        for (i, (token, stat)) in orphans.into_iter().enumerate() {
            self.failures.push(unmatched(
                &token,
                "report_stats",
                "reports",
                "its name, collection and last view are unknown",
            ));
            let item = ListedReport {
                token: token.into(),
                ..ListedReport::default()
            };
            self.keep((last, i as u32), record(item, "", Some(stat)));
        }
    }

    /// Stores a report among those waiting for their schedules, or those settled.
    fn keep(&mut self, key: SortKey, record: ReportRecord) {
        if should_fetch(&record, self.options) {
            self.waiting.push(key, &record);
        } else {
            self.settled.push(key, &record);
        }
    }

    fn finish(self) -> io::Result<Seeded> {
        self.settled.check()?;
        self.waiting.check()?;
        Ok(Seeded {
            collections: self.collections,
            settled: self.settled,
            waiting: self.waiting,
            failures: self.failures,
        })
    }
}

/// Read its schedules unless its count says 0 (unknown counts are read, as on a REST run).
fn should_fetch(record: &ReportRecord, options: &CrawlOptions) -> bool {
    !options.plan_only && (options.verify_schedules || record.schedules_count != Some(0))
}

fn unmatched(token: &str, listed: &str, missing: &str, what: &str) -> Failure {
    Failure {
        scope: format!("discovery {missing}"),
        token: Some(token.to_string()),
        error: format!("report listed by Discovery's {listed} but not by its {missing}: kept, {what}"),
        item: None,
    }
}

/// A report record from its Discovery item and statistics (either may be missing: without the
/// item, only its token is known).
fn record(mut item: ListedReport, collection: &str, stat: Option<Stats>) -> ReportRecord {
    let count = stat.and_then(|s| s.schedules);
    let (scheduled, fetch_status) = match count {
        Some(0) => (Some(false), FetchStatus::NotScheduled),
        _ => (None, FetchStatus::SchedulesUnfinished),
    };
    let discovered = item.discovered(stat);
    ReportRecord {
        token: item.token,
        name: item.name,
        collection_token: collection.to_string(),
        report_type: None,
        archived: false,
        creator: None,
        created_at: item.created_at,
        updated_at: item.updated_at,
        last_run_at: item.last_run_at,
        last_successfully_run_at: item.last_successfully_run_at,
        view_count: stat.and_then(|s| s.views),
        schedules_count: count,
        expected_runtime: None,
        scheduled,
        url: None,
        fetch_status,
        schedules: Vec::new(),
        history: Default::default(),
        runs: Default::default(),
        discovered,
    }
}
