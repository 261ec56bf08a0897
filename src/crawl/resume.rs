//! Checkpoints of the walk: what to save when it stops, and how to pick it up again.

use std::collections::{HashSet, VecDeque};

use super::{CollectionWalk, Job, Listing, Walk};
use crate::crawl::CrawlOptions;
use crate::crawl::checkpoint::{CHECKPOINT_VERSION, Checkpoint, CollectionProgress};
use crate::crawl::pager::Pager;
use crate::mode::ModeClient;
use crate::snapshot::{FetchStatus, LedgerStatus};

impl Walk {
    /// The state to resume from: finished branches as records, open or failed ones with their pager.
    /// Called by `finish` once every report is in the (sorted) store, those still waiting for
    /// schedules marked unfinished.
    pub(super) fn checkpoint(&self) -> Checkpoint {
        let resumable = |listing: Listing| matches!(listing, Listing::Open | Listing::Failed);
        let mut collections: Vec<CollectionProgress> = self
            .collections
            .iter()
            .map(|walk| CollectionProgress {
                record: walk.record.clone(),
                listing: resumable(walk.listing).then(|| walk.pager.state()),
                reports: Vec::with_capacity(walk.listed as usize),
            })
            .collect();
        for ((c, _), record) in self.store.iter_keyed() {
            collections[c as usize].reports.push(record);
        }
        Checkpoint {
            version: CHECKPOINT_VERSION,
            workspace: self.client.workspace().to_string(),
            started_at: self.started_at.clone().unwrap_or_default(),
            saved_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            options: self.options.fingerprint(),
            collections_listing: resumable(self.collections_listing).then(|| self.collections_pager.state()),
            collections,
            duplicates: self.duplicates,
            prior_requests: self.prior,
        }
    }

    /// Rebuilds the walk from a checkpoint and queues only what it had not finished: the rest of
    /// the collections listing, unfinished or failed collections from their next page, and the
    /// schedules of reports whose schedules were not read.
    pub(super) fn resume(client: &ModeClient, options: &CrawlOptions, checkpoint: Checkpoint) -> Walk {
        let mut walk = Walk::new(client, options);
        walk.queue = [VecDeque::new(), VecDeque::new(), VecDeque::new()];
        walk.started_at = Some(checkpoint.started_at);
        walk.prior = checkpoint.prior_requests;
        walk.duplicates = checkpoint.duplicates;
        let tokens: Vec<String> = checkpoint.collections.iter().map(|c| c.record.token.clone()).collect();
        match checkpoint.collections_listing {
            Some(state) => {
                walk.collections_pager = Pager::resume(options.per_page, options.max_pages, state, tokens);
                walk.queue[0].push_back(Job::Collections { page: state.pages + 1 });
            }
            None => {
                walk.collections_pager = Pager::resume(options.per_page, options.max_pages, Default::default(), tokens);
                walk.collections_listing = Listing::Ended;
            }
        }
        let mut seen = HashSet::new();
        for (c, progress) in checkpoint.collections.into_iter().enumerate() {
            let mut record = progress.record;
            let report_tokens: Vec<String> = progress.reports.iter().map(|r| r.token.clone()).collect();
            seen.extend(report_tokens.iter().map(|t| Box::<str>::from(t.as_str())));
            let (pager, listing) = match progress.listing {
                Some(state) => {
                    record.status = LedgerStatus::Unfinished;
                    record.error = None;
                    walk.queue[1].push_back(Job::Reports {
                        collection: c,
                        page: state.pages + 1,
                    });
                    (
                        Pager::resume(options.per_page, options.max_pages, state, report_tokens),
                        Listing::Open,
                    )
                }
                None => (Pager::new(options.per_page, options.max_pages), Listing::Ended),
            };
            let listed = progress.reports.len() as u32;
            for (r, mut report) in progress.reports.into_iter().enumerate() {
                let key = (c as u32, r as u32);
                let pending = matches!(
                    report.fetch_status,
                    FetchStatus::SchedulesUnfinished | FetchStatus::SchedulesFailed
                );
                if pending {
                    report.schedules.clear();
                    report.fetch_status = FetchStatus::SchedulesUnfinished;
                    walk.schedules_for(key, report);
                } else {
                    walk.store.push(key, &report);
                }
            }
            walk.collections.push(CollectionWalk {
                record,
                pager,
                listing,
                listed,
            });
        }
        walk.seen_reports = seen;
        walk.answered = false;
        walk
    }
}
