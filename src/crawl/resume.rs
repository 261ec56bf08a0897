//! Checkpoints of the walk: what to save when it stops, and how to pick it up again.

use std::collections::VecDeque;

use anyhow::{Context, bail};

use super::{CollectionWalk, Job, Listing, Walk};
use crate::crawl::CrawlOptions;
use crate::crawl::checkpoint::{Checkpoint, CollectionProgress};
use crate::crawl::pager::Pager;
use crate::mode::ModeClient;
use crate::snapshot::{FetchStatus, LedgerStatus};

impl Walk {
    /// The header of the checkpoint to resume from: finished branches as ledger rows, open or
    /// failed ones with their pager. Its records are the store's, written by
    /// [`Checkpoint::save`]; called by `finish` once every report is in the (sorted) store, those
    /// still waiting for schedules marked unfinished.
    pub(super) fn checkpoint(&self) -> Checkpoint {
        let resumable = |listing: Listing| matches!(listing, Listing::Open | Listing::Failed);
        let collections: Vec<CollectionProgress> = self
            .collections
            .iter()
            .map(|walk| CollectionProgress {
                record: walk.record.clone(),
                listing: resumable(walk.listing).then(|| walk.pager.state()),
                reports: u64::from(walk.listed),
            })
            .collect();
        Checkpoint::new(
            self.client.workspace(),
            self.started_at.clone().unwrap_or_default(),
            self.options.fingerprint(),
            resumable(self.collections_listing).then(|| self.collections_pager.state()),
            collections,
            self.duplicates,
            self.prior,
        )
        // A report's schedules are read again on resume, with their unreadable items.
        .with_item_failures(
            self.failures
                .iter()
                .filter(|f| f.item.is_some() && f.scope != "schedule")
                .cloned()
                .collect(),
        )
    }

    /// Rebuilds the walk from a checkpoint and queues only what it had not finished: the rest of
    /// the collections listing, unfinished or failed collections from their next page, and the
    /// schedules of reports whose schedules were not read. The records stream from the
    /// checkpoint's file into the report store (and the de-duplication sets), one at a time; an
    /// error means the records file cannot be used, and the walk must start over.
    pub(super) fn resume(
        client: &ModeClient,
        options: &CrawlOptions,
        mut checkpoint: Checkpoint,
    ) -> anyhow::Result<Walk> {
        let mut walk = Walk::new(client, options);
        walk.queue = [VecDeque::new(), VecDeque::new(), VecDeque::new()];
        walk.started_at = Some(checkpoint.started_at.clone());
        walk.prior = checkpoint.prior_requests;
        walk.duplicates = checkpoint.duplicates;
        walk.failures = std::mem::take(&mut checkpoint.item_failures);
        let mut records = checkpoint.records()?;
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
        for (c, progress) in checkpoint.collections.into_iter().enumerate() {
            let mut record = progress.record;
            let listed = u32::try_from(progress.reports).context("a collection of over 4 billion reports")?;
            // Tokens the listing has shown, for its pager's de-duplication, while it is still open.
            let mut listing_tokens = Vec::new();
            for r in 0..listed {
                let mut report = match records.next() {
                    Some(report) => report?,
                    None => bail!("the records file ends before collection {}'s reports", record.token),
                };
                walk.seen_reports.insert(report.token.as_str().into());
                if progress.listing.is_some() {
                    listing_tokens.push(report.token.clone());
                }
                let key = (c as u32, r);
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
            let (pager, listing) = match progress.listing {
                Some(state) => {
                    record.status = LedgerStatus::Unfinished;
                    record.error = None;
                    walk.queue[1].push_back(Job::Reports {
                        collection: c,
                        page: state.pages + 1,
                    });
                    (
                        Pager::resume(options.per_page, options.max_pages, state, listing_tokens),
                        Listing::Open,
                    )
                }
                None => (Pager::new(options.per_page, options.max_pages), Listing::Ended),
            };
            walk.collections.push(CollectionWalk {
                record,
                pager,
                listing,
                listed,
            });
        }
        if let Some(extra) = records.next() {
            extra?;
            bail!("the records file holds more records than its header lists");
        }
        walk.answered = false;
        Ok(walk)
    }
}
