//! Checkpoints of the walk: what to save when it stops, and how to pick it up again.

use std::collections::VecDeque;

use anyhow::{Context, bail};

use super::{CollectionWalk, Job, Listing, Walk};
use crate::crawl::CrawlOptions;
use crate::crawl::checkpoint::{Checkpoint, CollectionProgress};
use crate::crawl::pager::Pager;
use crate::mode::ModeClient;
use crate::snapshot::store::SortKey;
use crate::snapshot::{FetchStatus, LedgerStatus, ReportRecord};

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
        walk.resume_collections_listing(&checkpoint);
        for (c, progress) in checkpoint.collections.into_iter().enumerate() {
            walk.resume_collection(c, progress, &mut records)?;
        }
        if let Some(extra) = records.next() {
            extra?;
            bail!("the records file holds more records than its header lists");
        }
        walk.answered = false;
        Ok(walk)
    }

    /// The collections listing's pager, knowing the collections listed so far; its next page
    /// queued unless it had ended.
    fn resume_collections_listing(&mut self, checkpoint: &Checkpoint) {
        let options = &self.options;
        let tokens: Vec<String> = checkpoint.collections.iter().map(|c| c.record.token.clone()).collect();
        match checkpoint.collections_listing {
            Some(state) => {
                self.collections_pager = Pager::resume(options.per_page, options.max_pages, state, tokens);
                self.queue[0].push_back(Job::Collections { page: state.pages + 1 });
            }
            None => {
                self.collections_pager = Pager::resume(options.per_page, options.max_pages, Default::default(), tokens);
                self.collections_listing = Listing::Ended;
            }
        }
    }

    /// Collection `c` as the checkpoint left it: its reports read back from `records`, then its
    /// listing reopened from its next page when it had not ended.
    fn resume_collection(
        &mut self,
        c: usize,
        progress: CollectionProgress,
        records: &mut impl Iterator<Item = anyhow::Result<ReportRecord>>,
    ) -> anyhow::Result<()> {
        let mut record = progress.record;
        let listed = u32::try_from(progress.reports).context("a collection of over 4 billion reports")?;
        // Tokens the listing has shown, for its pager's de-duplication, while it is still open.
        let mut listing_tokens = Vec::new();
        for r in 0..listed {
            let report = match records.next() {
                Some(report) => report?,
                None => bail!("the records file ends before collection {}'s reports", record.token),
            };
            self.seen_reports.insert(report.token.as_str().into());
            if progress.listing.is_some() {
                listing_tokens.push(report.token.clone());
            }
            self.resume_report((c as u32, r), report);
        }
        let options = &self.options;
        let (pager, listing) = match progress.listing {
            Some(state) => {
                record.status = LedgerStatus::Unfinished;
                record.error = None;
                self.queue[1].push_back(Job::Reports {
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
        self.collections.push(CollectionWalk {
            record,
            pager,
            listing,
            listed,
        });
        Ok(())
    }

    /// A report read back: its schedules read again when they were not all read, else stored.
    fn resume_report(&mut self, key: SortKey, mut report: ReportRecord) {
        let pending = matches!(
            report.fetch_status,
            FetchStatus::SchedulesUnfinished | FetchStatus::SchedulesFailed
        );
        if pending {
            report.schedules.clear();
            report.fetch_status = FetchStatus::SchedulesUnfinished;
            self.schedules_for(key, report);
        } else {
            self.store.push(key, &report);
        }
    }
}
