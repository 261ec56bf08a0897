//! The walk: collections → each collection's reports → each scheduled report's schedules, with
//! bounded concurrency. The only code that knows the order of the walk; it returns plain records.
//!
//! Pages of one listing are fetched one after another (the end is only known from the previous
//! page), while different listings run side by side, up to `concurrency` requests in flight, all
//! paced by the client's limiter. A branch that fails is recorded and its siblings go on.

use std::collections::{HashSet, VecDeque};

use tokio::task::JoinSet;

use crate::mode::{Collection, Counter, ModeClient, ModeError, Page, Report, Schedule};
use crate::pager::{End, MODE_PAGE_SIZE, Next, Pager};
use crate::snapshot::{CollectionRecord, Failure, FetchStatus, LedgerStatus, ReportRecord, ScheduleRecord};

/// How to walk.
#[derive(Debug, Clone)]
pub struct CrawlOptions {
    /// `per_page` sent on every listing.
    pub per_page: u32,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Fetch schedules of every report, even those whose schedules_count is 0.
    pub verify_schedules: bool,
    pub exclude_archived: bool,
    pub exclude_personal: bool,
    /// Pages per listing at most; reaching it is reported as a failure.
    pub max_pages: u32,
}

impl Default for CrawlOptions {
    fn default() -> Self {
        CrawlOptions {
            per_page: MODE_PAGE_SIZE,
            concurrency: 8,
            verify_schedules: false,
            exclude_archived: false,
            exclude_personal: false,
            max_pages: 10_000,
        }
    }
}

/// What the walk collected; `failures` empty means complete.
#[derive(Debug, Default)]
pub struct CrawlOutcome {
    pub collections: Vec<CollectionRecord>,
    pub reports: Vec<ReportRecord>,
    pub failures: Vec<Failure>,
    /// Items listed more than once and dropped.
    pub duplicates: u64,
}

/// A failure that leaves nothing worth publishing: the collections listing itself is unreadable.
#[derive(Debug, thiserror::Error)]
#[error("cannot list the collections of workspace '{workspace}': {source}")]
pub struct CrawlError {
    pub workspace: String,
    #[source]
    pub source: ModeError,
}

enum Job {
    Collections {
        page: u32,
    },
    Reports {
        collection: usize,
        page: u32,
    },
    Schedules {
        collection: usize,
        report: usize,
        page: u32,
    },
}

enum Fetched {
    Collections(Result<Page<Collection>, ModeError>),
    Reports(usize, Result<Page<Report>, ModeError>),
    Schedules(usize, usize, Result<Page<Schedule>, ModeError>),
}

struct CollectionWalk {
    record: CollectionRecord,
    pager: Option<Pager>,
    reports: Vec<ReportWalk>,
}

struct ReportWalk {
    record: ReportRecord,
    pager: Option<Pager>,
}

/// Walks the workspace the client points at.
pub async fn crawl(client: &ModeClient, options: &CrawlOptions) -> Result<CrawlOutcome, CrawlError> {
    let mut walk = Walk {
        client: client.clone(),
        options: options.clone(),
        collections_pager: Some(Pager::new(options.per_page, options.max_pages)),
        collections: Vec::new(),
        seen_reports: HashSet::new(),
        failures: Vec::new(),
        duplicates: 0,
        queue: [VecDeque::new(), VecDeque::new(), VecDeque::new()],
        stopped: false,
    };
    walk.queue[0].push_back(Job::Collections { page: 1 });
    let mut running: JoinSet<Fetched> = JoinSet::new();
    let limit = options.concurrency.max(1);
    loop {
        while !walk.stopped && running.len() < limit {
            let Some(job) = walk.queue.iter_mut().find_map(VecDeque::pop_front) else {
                break;
            };
            running.spawn(walk.fetch(job));
        }
        let Some(done) = running.join_next().await else {
            break;
        };
        let done = done.expect("crawl tasks do not panic");
        walk.absorb(done)?;
        if walk.stopped {
            running.abort_all();
            break;
        }
    }
    Ok(walk.finish())
}

struct Walk {
    client: ModeClient,
    options: CrawlOptions,
    collections_pager: Option<Pager>,
    collections: Vec<CollectionWalk>,
    seen_reports: HashSet<String>,
    failures: Vec<Failure>,
    duplicates: u64,
    /// Collections pages first, then report pages, then schedules.
    queue: [VecDeque<Job>; 3],
    /// Set when the credentials stop working mid-run: nothing more can be read.
    stopped: bool,
}

impl Walk {
    fn fetch(&self, job: Job) -> impl Future<Output = Fetched> + Send + 'static {
        let client = self.client.clone();
        let per_page = self.options.per_page;
        let url = match &job {
            Job::Collections { page } => client.collections_url(*page, per_page),
            Job::Reports { collection, page } => {
                client.reports_url(&self.collections[*collection].record.token, *page, per_page)
            }
            Job::Schedules {
                collection,
                report,
                page,
            } => client.schedules_url(
                &self.collections[*collection].reports[*report].record.token,
                *page,
                per_page,
            ),
        };
        async move {
            match job {
                Job::Collections { .. } => Fetched::Collections(client.page(url).await),
                Job::Reports { collection, .. } => Fetched::Reports(collection, client.page(url).await),
                Job::Schedules { collection, report, .. } => {
                    Fetched::Schedules(collection, report, client.page(url).await)
                }
            }
        }
    }

    fn absorb(&mut self, done: Fetched) -> Result<(), CrawlError> {
        match done {
            Fetched::Collections(result) => self.absorb_collections(result),
            Fetched::Reports(c, result) => {
                self.absorb_reports(c, result);
                Ok(())
            }
            Fetched::Schedules(c, r, result) => {
                self.absorb_schedules(c, r, result);
                Ok(())
            }
        }
    }

    fn absorb_collections(&mut self, result: Result<Page<Collection>, ModeError>) -> Result<(), CrawlError> {
        let page = match result {
            Ok(page) => page,
            Err(error) => {
                let first = self.collections_pager.as_ref().is_some_and(|p| p.pages() == 0);
                self.collections_pager = None;
                if first {
                    return Err(CrawlError {
                        workspace: self.client.workspace().to_string(),
                        source: error,
                    });
                }
                self.fail("collections", None, &error);
                return Ok(());
            }
        };
        let pager = self.collections_pager.as_mut().expect("a collections page was pending");
        let items = page.items.len();
        for item in page.items {
            if !pager.admit(&item.token) {
                self.duplicates += 1;
                continue;
            }
            let personal = item.space_type.0.as_deref() == Some("private");
            let excluded = personal && self.options.exclude_personal;
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
                pager: (!excluded).then(|| Pager::new(self.options.per_page, self.options.max_pages)),
                reports: Vec::new(),
            });
            if !excluded {
                self.queue[1].push_back(Job::Reports {
                    collection: index,
                    page: 1,
                });
            }
        }
        match pager.finish_page(items) {
            Next::Page(page) => self.queue[0].push_back(Job::Collections { page }),
            Next::End(End::PageCap) => {
                self.collections_pager = None;
                self.failures
                    .push(page_cap_failure("collections", None, self.options.max_pages));
            }
            Next::End(_) => self.collections_pager = None,
        }
        Ok(())
    }

    fn absorb_reports(&mut self, c: usize, result: Result<Page<Report>, ModeError>) {
        let page = match result {
            Ok(page) => page,
            Err(error) => {
                let walk = &mut self.collections[c];
                walk.pager = None;
                walk.record.pages += 1;
                walk.record.status = if error.is_inaccessible() {
                    LedgerStatus::Inaccessible
                } else {
                    LedgerStatus::Failed
                };
                walk.record.error = Some(error.to_string());
                let token = walk.record.token.clone();
                self.fail("collection", Some(token), &error);
                return;
            }
        };
        let items = page.items.len();
        let walk = &mut self.collections[c];
        let pager = walk.pager.as_mut().expect("a reports page was pending");
        for item in page.items {
            if !pager.admit(&item.token) || !self.seen_reports.insert(item.token.clone()) {
                self.duplicates += 1;
                continue;
            }
            let archived = item.archived.0.unwrap_or(false);
            if archived && self.options.exclude_archived {
                continue;
            }
            let fetch = self.options.verify_schedules || item.schedules_count != Counter::Value(0);
            let index = walk.reports.len();
            walk.reports.push(ReportWalk {
                record: report_record(item, &walk.record.token, archived),
                pager: fetch.then(|| Pager::new(self.options.per_page, self.options.max_pages)),
            });
            walk.record.reports += 1;
            if fetch {
                self.queue[2].push_back(Job::Schedules {
                    collection: c,
                    report: index,
                    page: 1,
                });
            }
        }
        let next = pager.finish_page(items);
        walk.record.pages = pager.pages();
        match next {
            Next::Page(page) => self.queue[1].push_back(Job::Reports { collection: c, page }),
            Next::End(end) => {
                walk.pager = None;
                if end == End::PageCap {
                    walk.record.status = LedgerStatus::Failed;
                    let failure =
                        page_cap_failure("collection", Some(walk.record.token.clone()), self.options.max_pages);
                    walk.record.error = Some(failure.error.clone());
                    self.failures.push(failure);
                } else {
                    walk.record.status = LedgerStatus::Complete;
                }
            }
        }
    }

    fn absorb_schedules(&mut self, c: usize, r: usize, result: Result<Page<Schedule>, ModeError>) {
        let report = &mut self.collections[c].reports[r];
        let page = match result {
            Ok(page) => page,
            Err(error) => {
                report.pager = None;
                report.record.fetch_status = FetchStatus::SchedulesFailed;
                report.record.scheduled = report.record.schedules_count.map(|n| n > 0);
                let token = report.record.token.clone();
                if error.is_credentials() {
                    self.stopped = true;
                }
                self.fail("schedules", Some(token), &error);
                return;
            }
        };
        let pager = report.pager.as_mut().expect("a schedules page was pending");
        let items = page.items.len();
        for item in page.items {
            if pager.admit(&item.token) {
                report.record.schedules.push(schedule_record(item));
            }
        }
        match pager.finish_page(items) {
            Next::Page(page) => self.queue[2].push_back(Job::Schedules {
                collection: c,
                report: r,
                page,
            }),
            Next::End(end) => {
                report.pager = None;
                report.record.fetch_status = FetchStatus::Fetched;
                report.record.scheduled = Some(!report.record.schedules.is_empty());
                if end == End::PageCap {
                    let token = report.record.token.clone();
                    self.failures
                        .push(page_cap_failure("schedules", Some(token), self.options.max_pages));
                }
            }
        }
    }

    fn fail(&mut self, scope: &str, token: Option<String>, error: &ModeError) {
        if error.is_credentials() {
            self.stopped = true;
        }
        tracing::warn!(scope, token = token.as_deref().unwrap_or(""), error = %error, "branch failed");
        self.failures.push(Failure {
            scope: scope.to_string(),
            token,
            error: error.to_string(),
        });
    }

    fn finish(self) -> CrawlOutcome {
        let mut outcome = CrawlOutcome {
            failures: self.failures,
            duplicates: self.duplicates,
            ..CrawlOutcome::default()
        };
        if self.collections_pager.is_some() {
            outcome.failures.push(Failure {
                scope: "collections".into(),
                token: None,
                error: "the run stopped before the collections listing ended".into(),
            });
        }
        for walk in self.collections {
            let mut record = walk.record;
            if walk.pager.is_some() {
                record.status = LedgerStatus::Unfinished;
                outcome.failures.push(Failure {
                    scope: "collection".into(),
                    token: Some(record.token.clone()),
                    error: "the run stopped before this collection's reports were all listed".into(),
                });
            }
            for report in walk.reports {
                let mut r = report.record;
                if report.pager.is_some() {
                    r.fetch_status = FetchStatus::SchedulesUnfinished;
                    r.scheduled = r.schedules_count.map(|n| n > 0);
                    outcome.failures.push(Failure {
                        scope: "schedules".into(),
                        token: Some(r.token.clone()),
                        error: "the run stopped before this report's schedules were read".into(),
                    });
                }
                outcome.reports.push(r);
            }
            outcome.collections.push(record);
        }
        outcome
    }
}

fn page_cap_failure(scope: &str, token: Option<String>, max_pages: u32) -> Failure {
    Failure {
        scope: scope.to_string(),
        token,
        error: format!(
            "the listing was still going after {max_pages} pages (a server repeating pages?); stopped there, later items may be missing (raise --max-pages if the listing is really this long)"
        ),
    }
}

fn report_record(item: Report, collection: &str, archived: bool) -> ReportRecord {
    let creator = item.creator();
    let url = item.web_url();
    let schedules_count = item.schedules_count.value();
    let (scheduled, fetch_status) = match item.schedules_count {
        Counter::Value(0) => (Some(false), FetchStatus::NotScheduled),
        _ => (None, FetchStatus::SchedulesUnfinished),
    };
    if item.view_count == Counter::Invalid || item.schedules_count == Counter::Invalid {
        tracing::warn!(report = %item.token, "report has an unreadable view_count or schedules_count; left empty");
    }
    ReportRecord {
        token: item.token,
        name: item.name.0,
        collection_token: collection.to_string(),
        report_type: item.report_type.0,
        archived,
        creator,
        created_at: item.created_at.0,
        updated_at: item.updated_at.0,
        last_run_at: item.last_run_at.0,
        last_successfully_run_at: item.last_successfully_run_at.0,
        view_count: item.view_count.value(),
        schedules_count,
        scheduled,
        url,
        fetch_status,
        schedules: Vec::new(),
    }
}

fn schedule_record(item: Schedule) -> ScheduleRecord {
    ScheduleRecord {
        token: item.token,
        name: item.name.0,
        frequency: item.frequency.0,
        time_zone: item.time_zone.0,
        hour: item.hour.0,
        minute: item.minute.0,
        next_scheduled_run: item.next_scheduled_run.0,
        last_scheduled_run: item.last_scheduled_run.0,
        last_run_at: item.last_run_at.0,
        last_succeeded_at: item.last_succeeded_at.0,
        retry_state: item.retry_state.0,
        subscriber_count: item.subscriber_count.value(),
    }
}
