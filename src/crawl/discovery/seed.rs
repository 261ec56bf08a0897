//! Discovery's listings as the snapshot's records: a collection ledger from `spaces`, a report
//! record per report joined with its `report_stats` by token, in listing order.

use std::collections::HashMap;
use std::io;

use super::DiscoveryRead;
use super::listed::{ListedReport, Stats};
use crate::crawl::CrawlOptions;
use crate::snapshot::store::ReportStore;
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
    let mut collections: Vec<CollectionRecord> = Vec::with_capacity(spaces.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    for space in spaces {
        index.insert(space.token.clone(), collections.len());
        collections.push(CollectionRecord {
            token: space.token,
            name: space.name.0,
            collection_type: space.space_type.0,
            reports: 0,
            pages: 0,
            status: LedgerStatus::Complete,
            error: None,
        });
    }
    let mut failures = Vec::new();
    let mut settled: ReportStore = reports.sibling();
    let mut waiting: ReportStore = reports.sibling();
    let mut keep = |key, record: ReportRecord| {
        if should_fetch(&record, options) {
            waiting.push(key, &record);
        } else {
            settled.push(key, &record);
        }
    };
    for mut item in reports.iter() {
        let space = item.space_token.take().unwrap_or_default();
        let c = *index.entry(space.clone()).or_insert_with(|| {
            // A collection the spaces listing did not name: kept, so its reports have a ledger row.
            collections.push(CollectionRecord {
                token: space.clone(),
                name: None,
                collection_type: None,
                reports: 0,
                pages: 0,
                status: LedgerStatus::Complete,
                error: Some("listed by no Discovery spaces page; known from its reports only".to_string()),
            });
            collections.len() - 1
        });
        let stat = stats.remove(item.token.as_str());
        if stat.is_none() {
            failures.push(unmatched(
                &item.token,
                "reports",
                "report_stats",
                "its schedules count and views are unknown",
            ));
        }
        let position = u32::try_from(collections[c].reports).unwrap_or(u32::MAX);
        collections[c].reports += 1;
        keep((c as u32, position), record(item, &space, stat));
    }
    // Statistics of reports the reports listing did not name: kept, with what the statistics say.
    let mut orphans: Vec<(Box<str>, Stats)> = stats.into_iter().collect();
    orphans.sort_by(|a, b| a.0.cmp(&b.0));
    let last = collections.len() as u32;
    for (i, (token, stat)) in orphans.into_iter().enumerate() {
        failures.push(unmatched(
            &token,
            "report_stats",
            "reports",
            "its name, collection and last view are unknown",
        ));
        let item = ListedReport {
            token: token.into(),
            ..ListedReport::default()
        };
        keep((last, i as u32), record(item, "", Some(stat)));
    }
    settled.check()?;
    waiting.check()?;
    Ok(Seeded {
        collections,
        settled,
        waiting,
        failures,
    })
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
