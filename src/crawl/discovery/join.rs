//! `--source both`: a REST walk's records with Discovery's fields added by report token, and the
//! two sets of reports cross-checked. A report one source lists and the other does not is kept,
//! counted and logged; it does not make the run partial (Discovery's data can lag by a day).

use std::collections::HashMap;
use std::io;

use super::DiscoveryRead;
use crate::snapshot::store::ReportStore;
use crate::snapshot::{CrossCheck, Discovered};

/// The REST walk's `store` with every report's Discovery fields and `listed_by`.
pub fn join(store: &ReportStore, read: DiscoveryRead) -> io::Result<(ReportStore, CrossCheck)> {
    let mut stats: HashMap<String, _> = read
        .stats
        .items
        .into_iter()
        .map(|s| (s.report_token.clone(), s))
        .collect();
    let mut found: HashMap<String, Discovered> = HashMap::with_capacity(read.reports.items.len());
    for item in read.reports.items {
        let stat = stats.remove(&item.token);
        found.insert(
            item.token,
            Discovered {
                last_viewed_at: item.last_viewed_at.0,
                last_run_state: item.last_run_state.0,
                creator_email: item.creator_email.0,
                explorations_count: stat.and_then(|s| s.explorations_count.value()),
                listed_by: None,
            },
        );
    }
    // Statistics alone still say the report exists.
    for (token, stat) in stats {
        found.entry(token).or_insert_with(|| Discovered {
            explorations_count: stat.explorations_count.value(),
            ..Discovered::default()
        });
    }
    let mut check = CrossCheck::default();
    let joined = store.map(|record| {
        record.discovered = match found.remove(&record.token) {
            Some(mut d) => {
                d.listed_by = Some("both".to_string());
                d
            }
            None => {
                check.rest_only += 1;
                Discovered {
                    listed_by: Some("rest".to_string()),
                    ..Discovered::default()
                }
            }
        };
    })?;
    let mut left: Vec<String> = found.into_keys().collect();
    left.sort();
    check.discovery_only = left.len() as u64;
    left.truncate(CrossCheck::SHOWN);
    check.discovery_only_tokens = left;
    if check.rest_only > 0 || check.discovery_only > 0 {
        tracing::warn!(
            rest_only = check.rest_only,
            discovery_only = check.discovery_only,
            first_discovery_only = %check.discovery_only_tokens.iter().take(10).cloned().collect::<Vec<_>>().join(","),
            "the REST API and the Discovery API list different reports (Discovery's data can lag by a day); kept and counted, the run is not partial for it"
        );
    }
    Ok((joined, check))
}
