//! Taking in one answer of the walk: new collections, a page of reports, a report's schedules.

use super::records::{report_record, schedule_record};
use super::{CollectionWalk, CrawlError, Job, Listing, ReportWalk, Walk, page_cap_failure};
use crate::crawl::pager::{End, Next, Pager};
use crate::mode::{Collection, Counter, Listed, ModeError, Page, Rejected, Report, Schedule};
use crate::snapshot::store::SortKey;
use crate::snapshot::{CollectionRecord, Failure, FetchStatus, ItemLocation, LedgerStatus};

/// The failure of one item of a listing that could not be read, or `None` when the same item was
/// seen already (a page served twice). `what` names the item kind, `listed_in` the collection or
/// report whose listing held it (`None`: the collections listing), `page` counts from 1.
fn item_failure<T: Listed>(
    pager: &mut Pager,
    what: &str,
    listed_in: Option<&str>,
    page: u32,
    rejected: Rejected,
) -> Option<Failure> {
    // Keyed apart from good items' tokens: a later readable item of the same token is still kept.
    let key = match &rejected.token {
        Some(token) => format!("\0unreadable:{token}"),
        None => format!("\0unreadable#{:016x}", rejected.fingerprint),
    };
    if !pager.admit(&key) {
        return None;
    }
    let listing = match (T::KEY, listed_in) {
        ("reports", Some(token)) => format!("collection {token}'s reports"),
        ("report_schedules", Some(token)) => format!("report {token}'s schedules"),
        (key, _) => format!("the {key} listing"),
    };
    Some(Failure {
        scope: what.to_string(),
        error: format!(
            "a {what} on page {page} of {listing} could not be read (at {}: {}); the rest of the listing was kept",
            rejected.path, rejected.message
        ),
        token: rejected.token,
        item: Some(ItemLocation {
            listed_in: listed_in.map(str::to_string),
            page,
            index: u32::try_from(rejected.index).unwrap_or(u32::MAX),
            path: rejected.path,
        }),
    })
}

impl Walk {
    pub(super) fn absorb_collections(&mut self, result: Result<Page<Collection>, ModeError>) -> Result<(), CrawlError> {
        let page = match result {
            Ok(page) => page,
            Err(source) => return self.collections_failed(source),
        };
        let items = page.listed();
        let number = self.collections_pager.pages() + 1;
        for rejected in page.rejected {
            match item_failure::<Collection>(&mut self.collections_pager, "collection", None, number, rejected) {
                Some(failure) => {
                    tracing::warn!(error = %failure.error, "item not collected");
                    self.failures.push(failure);
                }
                None => self.duplicates += 1,
            }
        }
        for item in page.items {
            if self.collections_pager.admit(&item.token) {
                self.add_collection(item);
            } else {
                self.duplicates += 1;
            }
        }
        let next = self.collections_pager.finish_page(items);
        if let Some(size) = self.collections_pager.proven() {
            self.hints[0].get_or_insert(size);
        }
        match next {
            Next::Page(page) => self.queue[0].push_back(Job::Collections { page }),
            Next::End(End::PageCap) => {
                self.collections_listing = Listing::Capped;
                self.failures
                    .push(page_cap_failure("collections", None, self.options.max_pages));
            }
            Next::End(_) => self.collections_listing = Listing::Ended,
        }
        Ok(())
    }

    /// A collections page that could not be read: fatal when nothing was listed yet or the
    /// credentials were refused before any answer, else a failure of the listing.
    fn collections_failed(&mut self, source: ModeError) -> Result<(), CrawlError> {
        let nothing_yet = self.collections_pager.pages() == 0 && self.collections.is_empty();
        if nothing_yet || (source.is_credentials() && !self.answered) {
            return Err(CrawlError {
                workspace: self.client.workspace().to_string(),
                source,
            });
        }
        self.collections_listing = Listing::Failed;
        self.fail("collections", None, &source);
        Ok(())
    }

    /// A newly listed collection: walked, and its reports queued, unless it is an excluded
    /// personal one.
    fn add_collection(&mut self, item: Collection) {
        let excluded = item.is_personal() && self.options.exclude_personal;
        let index = self.collections.len();
        self.collections.push(CollectionWalk {
            record: CollectionRecord {
                token: item.token,
                name: item.name.0,
                collection_type: item.space_type.0,
                reports: 0,
                pages: 0,
                status: if excluded {
                    LedgerStatus::Excluded
                } else {
                    LedgerStatus::Unfinished
                },
                error: None,
            },
            pager: Pager::with_hint(self.options.per_page, self.options.max_pages, self.hints[1]),
            listing: if excluded { Listing::Ended } else { Listing::Open },
            listed: 0,
        });
        if !excluded {
            self.queue[1].push_back(Job::Reports {
                collection: index,
                page: 1,
            });
        }
    }

    pub(super) fn absorb_reports(&mut self, c: usize, result: Result<Page<Report>, ModeError>) {
        let page = match result {
            Ok(page) => page,
            Err(error) => return self.reports_failed(c, &error),
        };
        let items = page.listed();
        let walk = &mut self.collections[c];
        let number = walk.pager.pages() + 1;
        for rejected in page.rejected {
            let token = walk.record.token.as_str();
            match item_failure::<Report>(&mut walk.pager, "report", Some(token), number, rejected) {
                Some(failure) => {
                    walk.record.error = Some("one or more listed reports could not be read (see failures)".to_string());
                    tracing::warn!(collection = %token, error = %failure.error, "item not collected");
                    self.failures.push(failure);
                }
                None => self.duplicates += 1,
            }
        }
        for item in page.items {
            self.add_report(c, item);
        }
        let newly_proven = self.end_reports_page(c, items);
        if let Some(size) = newly_proven {
            self.adopt_page_size(size);
        }
    }

    /// A reports page of collection `c` that could not be read: the collection's listing failed.
    fn reports_failed(&mut self, c: usize, error: &ModeError) {
        let walk = &mut self.collections[c];
        walk.listing = Listing::Failed;
        walk.record.pages = walk.pager.pages() + 1;
        walk.record.status = if error.is_inaccessible() {
            LedgerStatus::Inaccessible
        } else {
            LedgerStatus::Failed
        };
        walk.record.error = Some(error.to_string());
        let token = walk.record.token.clone();
        self.fail("collection", Some(token), error);
    }

    /// A report listed in collection `c`: counted once, skipped when archived ones are excluded,
    /// then stored, or held while its schedules are fetched.
    fn add_report(&mut self, c: usize, item: Report) {
        let walk = &mut self.collections[c];
        if !walk.pager.admit(&item.token) || !self.seen_reports.insert(item.token.as_str().into()) {
            self.duplicates += 1;
            return;
        }
        let archived = item.archived.0.unwrap_or(false);
        if archived && self.options.exclude_archived {
            return;
        }
        let fetch =
            !self.options.plan_only && (self.options.verify_schedules || item.schedules_count != Counter::Value(0));
        let key = (c as u32, walk.listed);
        walk.listed += 1;
        walk.record.reports += 1;
        let record = report_record(item, &walk.record.token, archived);
        if fetch {
            self.schedules_for(key, record);
        } else {
            self.store.push(key, &record);
        }
    }

    /// Closes a reports page of collection `c` of `items` listed: queues, defers or ends the
    /// listing. Returns the reports page size when this page was the first to prove it.
    fn end_reports_page(&mut self, c: usize, items: usize) -> Option<u32> {
        let walk = &mut self.collections[c];
        let next = walk.pager.finish_page(items);
        walk.record.pages = walk.pager.pages();
        let newly_proven = walk.pager.proven().filter(|_| self.hints[1].is_none());
        if let Some(size) = newly_proven {
            self.hints[1] = Some(size);
        }
        if matches!(next, Next::End(_)) {
            walk.pager.forget();
        }
        match next {
            Next::Page(page) if walk.pager.is_ambiguous() && self.hints[1].is_none() => self.deferred.push((c, page)),
            Next::Page(page) => self.queue[1].push_back(Job::Reports { collection: c, page }),
            Next::End(End::PageCap) => {
                walk.listing = Listing::Capped;
                walk.record.status = LedgerStatus::Failed;
                let failure = page_cap_failure("collection", Some(walk.record.token.clone()), self.options.max_pages);
                walk.record.error = Some(failure.error.clone());
                self.failures.push(failure);
            }
            Next::End(_) => {
                walk.listing = Listing::Ended;
                walk.record.status = LedgerStatus::Complete;
            }
        }
        newly_proven
    }

    /// Listings created before the proof of the reports page size take it now: their first short
    /// page is then the end, and a held ambiguous page shorter than the proven size was the last.
    fn adopt_page_size(&mut self, size: u32) {
        for (d, page) in std::mem::take(&mut self.deferred) {
            let held = &mut self.collections[d];
            if held.pager.settle(size) {
                held.pager.forget();
                held.listing = Listing::Ended;
                held.record.status = LedgerStatus::Complete;
            } else {
                self.queue[1].push_back(Job::Reports { collection: d, page });
            }
        }
        for other in self.collections.iter_mut().filter(|w| w.listing == Listing::Open) {
            other.pager.adopt(size);
        }
    }

    pub(super) fn absorb_schedules(&mut self, key: SortKey, result: Result<Page<Schedule>, ModeError>) {
        let page = match result {
            Ok(page) => page,
            Err(error) => return self.schedules_failed(key, &error),
        };
        let Some(report) = self.pending.get_mut(&key) else {
            return;
        };
        let items = page.listed();
        let number = report.schedules.pages() + 1;
        for rejected in page.rejected {
            let token = report.record.token.as_str();
            match item_failure::<Schedule>(&mut report.schedules, "schedule", Some(token), number, rejected) {
                Some(failure) => {
                    // Its schedules are known to be incomplete: subscribers unknown, read again on resume.
                    report.record.fetch_status = FetchStatus::SchedulesFailed;
                    tracing::warn!(report = %token, error = %failure.error, "item not collected");
                    self.failures.push(failure);
                }
                None => self.duplicates += 1,
            }
        }
        for item in page.items {
            if report.schedules.admit(&item.token) {
                report.record.schedules.push(schedule_record(item, &self.fetched_at));
            }
        }
        let next = report.schedules.finish_page(items);
        if let Some(size) = report.schedules.proven() {
            self.hints[2].get_or_insert(size);
        }
        match next {
            Next::Page(page) => self.queue[2].push_back(Job::Schedules { report: key, page }),
            Next::End(end) => self.schedules_ended(key, end),
        }
    }

    /// A schedules page of the held report `key` that could not be read: the report is stored
    /// with its schedules failed.
    fn schedules_failed(&mut self, key: SortKey, error: &ModeError) {
        let Some(ReportWalk { record: mut report, .. }) = self.pending.remove(&key) else {
            return;
        };
        report.fetch_status = FetchStatus::SchedulesFailed;
        report.scheduled = report.schedules_count.map(|n| n > 0);
        self.fail("schedules", Some(report.token.clone()), error);
        self.store.push(key, &report);
    }

    /// The schedules listing of the held report `key` ended: the report is stored, scheduled or
    /// not, with a failure when the page cap cut the listing.
    fn schedules_ended(&mut self, key: SortKey, end: End) {
        let Some(ReportWalk { record: mut report, .. }) = self.pending.remove(&key) else {
            return;
        };
        if report.fetch_status == FetchStatus::SchedulesFailed {
            // Some schedules were listed but unreadable: scheduled, with what could be read.
            report.scheduled = Some(true);
        } else {
            report.fetch_status = FetchStatus::Fetched;
            report.scheduled = Some(!report.schedules.is_empty());
        }
        if end == End::PageCap {
            self.failures.push(page_cap_failure(
                "schedules",
                Some(report.token.clone()),
                self.options.max_pages,
            ));
        }
        self.store.push(key, &report);
    }
}
