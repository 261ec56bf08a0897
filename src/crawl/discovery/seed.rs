//! Discovery's listings as the snapshot's records: a collection ledger from `spaces`, a report
//! record per report joined with its `report_stats` by token, in listing order.

use std::collections::HashMap;

use super::DiscoveryRead;
use crate::crawl::CrawlOptions;
use crate::mode::Counter;
use crate::mode::discovery::{BatchReport, BatchReportStats};
use crate::snapshot::store::SortKey;
use crate::snapshot::{CollectionRecord, Discovered, Failure, FetchStatus, LedgerStatus, ReportRecord};

/// What the walk starts from.
pub struct Seeded {
    pub collections: Vec<CollectionRecord>,
    /// Each report with its key and whether its schedules are to be read.
    pub reports: Vec<(SortKey, ReportRecord, bool)>,
    pub failures: Vec<Failure>,
}

pub fn seed(read: DiscoveryRead, options: &CrawlOptions) -> Seeded {
    let mut collections: Vec<CollectionRecord> = Vec::with_capacity(read.spaces.items.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    for space in read.spaces.items {
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
    let mut stats: HashMap<String, BatchReportStats> = read
        .stats
        .items
        .into_iter()
        .map(|s| (s.report_token.clone(), s))
        .collect();
    let mut failures = Vec::new();
    let mut reports = Vec::with_capacity(read.reports.items.len());
    for item in read.reports.items {
        let space = item.space_token.0.clone().unwrap_or_default();
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
        let stat = stats.remove(&item.token);
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
        let record = record(Some(item), &space, stat.as_ref(), "");
        let fetch = should_fetch(&record, options);
        reports.push(((c as u32, position), record, fetch));
    }
    // Statistics of reports the reports listing did not name: kept, with what the statistics say.
    let mut orphans: Vec<BatchReportStats> = stats.into_values().collect();
    orphans.sort_by(|a, b| a.report_token.cmp(&b.report_token));
    let last = collections.len() as u32;
    for (i, stat) in orphans.into_iter().enumerate() {
        failures.push(unmatched(
            &stat.report_token,
            "report_stats",
            "reports",
            "its name, collection and last view are unknown",
        ));
        let record = record(None, "", Some(&stat), &stat.report_token);
        let fetch = should_fetch(&record, options);
        reports.push(((last, i as u32), record, fetch));
    }
    Seeded {
        collections,
        reports,
        failures,
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

/// A report record from its Discovery item and statistics (either may be missing; without the
/// item, `token` names the report).
fn record(item: Option<BatchReport>, collection: &str, stat: Option<&BatchReportStats>, token: &str) -> ReportRecord {
    let count = stat.map_or(Counter::Missing, |s| s.active_schedules_count);
    let (scheduled, fetch_status) = match count {
        Counter::Value(0) => (Some(false), FetchStatus::NotScheduled),
        _ => (None, FetchStatus::SchedulesUnfinished),
    };
    let item = item.unwrap_or_else(|| BatchReport {
        token: token.to_string(),
        ..BatchReport::default()
    });
    ReportRecord {
        token: item.token,
        name: item.name.0,
        collection_token: collection.to_string(),
        report_type: None,
        archived: false,
        creator: None,
        created_at: item.created_at.0,
        updated_at: item.updated_at.0,
        last_run_at: item.last_run_at.0,
        last_successfully_run_at: item.last_successfully_run_at.0,
        view_count: stat.and_then(|s| s.views().value()),
        schedules_count: count.value(),
        expected_runtime: None,
        scheduled,
        url: None,
        fetch_status,
        schedules: Vec::new(),
        history: Default::default(),
        runs: Default::default(),
        discovered: Discovered {
            last_viewed_at: item.last_viewed_at.0,
            last_run_state: item.last_run_state.0,
            creator_email: item.creator_email.0,
            explorations_count: stat.and_then(|s| s.explorations_count.value()),
            listed_by: None,
        },
    }
}
