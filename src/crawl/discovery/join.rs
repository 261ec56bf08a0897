//! `--source both`: a REST walk's records with Discovery's fields added by report token, and the
//! two sets of reports cross-checked. A report one source lists and the other does not is kept,
//! counted and logged; it does not make the run partial (Discovery's data can lag by a day).

use std::io;

use super::DiscoveryRead;
use crate::snapshot::store::ReportStore;
use crate::snapshot::{CrossCheck, Discovered};

/// The REST walk's `store` with every report's Discovery fields and `listed_by`.
pub fn join(store: &ReportStore, read: DiscoveryRead) -> io::Result<(ReportStore, CrossCheck)> {
    let (mut positions, mut stats) = (read.positions(), read.stats());
    let DiscoveryRead { reports, .. } = read;
    let mut check = CrossCheck::default();
    let joined = store.map(|record| {
        let token = record.token.as_str();
        let found = match positions.remove(token) {
            Some(i) => {
                let mut item = reports.get(i as usize).expect("every position indexed was listed");
                Some(item.discovered(stats.remove(token)))
            }
            // Statistics alone still say the report exists.
            None => stats.remove(token).map(|s| Discovered {
                explorations_count: s.explorations,
                ..Discovered::default()
            }),
        };
        record.discovered = match found {
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
    // Listed by Discovery only: reports left unmatched, and statistics of no listed report.
    let unlisted: Vec<Box<str>> = stats.into_keys().filter(|t| !positions.contains_key(t)).collect();
    let mut left: Vec<String> = positions.into_keys().chain(unlisted).map(String::from).collect();
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
