//! The walk: collections → each collection's reports → each scheduled report's schedules, with
//! bounded concurrency. The only code that knows the order of the walk; it returns plain records.
//!
//! Pages of one listing are fetched one after another (the end is only known from the previous
//! page), while different listings run side by side, up to `concurrency` requests in flight, all
//! paced by the client's limiter. A branch that fails is recorded and its siblings go on. A stop
//! (signal or deadline) ends the walk at once and hands back a checkpoint to resume from.

mod absorb;
pub mod checkpoint;
pub mod discovery;
mod error;
mod failures;
pub mod members;
mod options;
/// The pager lives with Mode's client, which every paged listing (Discovery's too) goes through.
pub use crate::mode::pager;
pub mod progress;
mod records;
mod resume;
mod reuse;
pub mod runs_step;
mod tasks;
mod waiting;

pub use error::CrawlError;
use failures::{page_cap_failure, unfinished};
pub use options::{CrawlOptions, DEFAULT_CONCURRENCY, DEFAULT_MAX_PAGES};
pub use reuse::Reuse;

use std::collections::{HashMap, HashSet, VecDeque};

use crate::crawl::checkpoint::Checkpoint;
use crate::crawl::pager::Pager;
use crate::crawl::progress::ProgressCounts;
use crate::crawl::tasks::{InFlight, Slot};
use crate::mode::{Collection, ModeClient, ModeError, Page, Report, Schedule};
use crate::snapshot::store::{ReportStore, SortKey};
use crate::snapshot::{CollectionRecord, Failure, LedgerStatus, ReportRecord};
use crate::stop::{Stop, StopReason};

/// Reports waiting for their schedules beyond which schedules go before further report pages,
/// so that memory stays bounded on workspaces where most reports are scheduled.
const MAX_PENDING: usize = 1_000;

/// Report pages in flight at most. A page of 100 reports is a few hundred KB of body, then of
/// decoded reports; without a limit (`--rate off`, or before any latency is known) as many pages as
/// `concurrency` would be held at once. At Mode's pace the latency never asks for this many.
const MAX_REPORT_PAGES: usize = 16;

/// What the walk collected; `failures` empty and `stopped` `None` means complete.
#[derive(Debug, Default)]
pub struct CrawlOutcome {
    pub collections: Vec<CollectionRecord>,
    /// In collection order, then listing order; call [`ReportStore::check`] before reading.
    pub reports: ReportStore,
    pub failures: Vec<Failure>,
    /// Items listed more than once and dropped.
    pub duplicates: u64,
    /// Set when the walk was stopped early; `checkpoint` then holds what to resume from (its
    /// records are `reports`, saved by [`Checkpoint::save`]).
    pub stopped: Option<StopReason>,
    pub checkpoint: Option<Checkpoint>,
    /// Whether the walk went on from the checkpoint it was given (`false` when it had none, or
    /// its records could not be read and the walk started over).
    pub resumed: bool,
}

enum Job {
    Collections { page: u32 },
    Reports { collection: usize, page: u32 },
    Schedules { report: SortKey, page: u32 },
}

enum Fetched {
    Collections(Result<Page<Collection>, ModeError>),
    Reports(usize, Result<Page<Report>, ModeError>),
    Schedules(SortKey, Result<Page<Schedule>, ModeError>),
}

/// Where a listing stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listing {
    Open,
    Ended,
    Failed,
    /// The page cap was reached; not resumed.
    Capped,
}

struct CollectionWalk {
    record: CollectionRecord,
    pager: Pager,
    listing: Listing,
    /// Reports listed so far: the next one's position.
    listed: u32,
}

/// A report whose schedules are still to be read; finished reports go to the store.
struct ReportWalk {
    record: ReportRecord,
    schedules: Pager,
}

/// Walks the workspace the client points at, from the start or from `resume`, until done or `stop`.
pub async fn crawl(
    client: &ModeClient,
    options: &CrawlOptions,
    stop: &Stop,
    resume: Option<Checkpoint>,
) -> Result<CrawlOutcome, CrawlError> {
    let (walk, resumed) = match resume.map(|checkpoint| Walk::resume(client, options, checkpoint)) {
        Some(Ok(walk)) => (walk, true),
        Some(Err(error)) => {
            tracing::warn!(
                error = format!("{error:#}"),
                "cannot read the checkpoint's records; starting over"
            );
            (Walk::new(client, options), false)
        }
        None => (Walk::new(client, options), false),
    };
    let mut outcome = drive(walk, client, options, stop).await?;
    outcome.resumed = resumed;
    Ok(outcome)
}

/// Runs a walk until it has nothing left to ask, or `stop`.
async fn drive(
    mut walk: Walk,
    client: &ModeClient,
    options: &CrawlOptions,
    stop: &Stop,
) -> Result<CrawlOutcome, CrawlError> {
    let mut running = InFlight::default();
    loop {
        // As many in flight as the latency seen needs to keep the budget full, at most `concurrency`.
        let limit = client.in_flight_target(options.concurrency.max(1));
        while !walk.halted && running.len() < limit {
            let Some(job) = walk.next_job() else {
                break;
            };
            let (slot, url, task) = walk.fetch(job);
            running.spawn(slot, url, task);
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            biased;
            reason = stop.stopped() => {
                walk.stopped = Some(reason);
                break;
            }
            done = running.join_next() => {
                // The set is not empty; a task that panicked comes back as a failed fetch.
                let Some(done) = done else { continue };
                walk.absorb(done)?;
                if options.progress.is_drawing() {
                    options.progress.update(&walk.tally(running.len()));
                }
            }
        }
    }
    // Requests still in flight are dropped; their pages are asked again on resume.
    running.abort_all();
    options.progress.finish();
    Ok(walk.finish())
}

struct Walk {
    client: ModeClient,
    options: CrawlOptions,
    collections_pager: Pager,
    collections_listing: Listing,
    collections: Vec<CollectionWalk>,
    /// Finished reports, keyed by (collection, position in its listing).
    store: ReportStore,
    /// Reports waiting for their schedules, by the same key.
    pending: HashMap<SortKey, ReportWalk>,
    /// Reports whose schedules are to be asked, not yet in `pending` (a Discovery run's).
    waiting: waiting::Waiting,
    seen_reports: HashSet<Box<str>>,
    failures: Vec<Failure>,
    duplicates: u64,
    /// Collections pages first, then report pages, then schedules.
    queue: [VecDeque<Job>; 3],
    /// Whether any request of this run has succeeded (a 401 before that is fatal).
    answered: bool,
    /// Set when the credentials stop working mid-run: nothing more can be read.
    halted: bool,
    stopped: Option<StopReason>,
    /// Page sizes proven by earlier listings of each kind (collections, reports, schedules).
    hints: [Option<u32>; 3],
    /// Report pages in flight.
    reports_in_flight: usize,
    /// Report listings whose last page was ambiguous, with the page that would follow: held until
    /// another listing proves the server's page size (which usually shows the page was the last),
    /// or until no report page is left in flight to prove it.
    deferred: Vec<(usize, u32)>,
    started_at: Option<String>,
    prior: crate::mode::RequestStats,
    /// Stamped on every schedule read (`fetched_at`).
    fetched_at: String,
}

impl Walk {
    fn new(client: &ModeClient, options: &CrawlOptions) -> Walk {
        let mut walk = Walk {
            client: client.clone(),
            options: options.clone(),
            collections_pager: Pager::new(options.per_page, options.max_pages),
            collections_listing: Listing::Open,
            collections: Vec::new(),
            store: ReportStore::in_dir(options.spill_dir.as_deref()),
            pending: HashMap::new(),
            waiting: Default::default(),
            seen_reports: HashSet::new(),
            failures: Vec::new(),
            duplicates: 0,
            queue: [VecDeque::new(), VecDeque::new(), VecDeque::new()],
            answered: false,
            halted: false,
            stopped: None,
            hints: [None; 3],
            reports_in_flight: 0,
            deferred: Vec::new(),
            started_at: None,
            prior: Default::default(),
            fetched_at: options
                .fetched_at
                .clone()
                .unwrap_or_else(|| chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
        };
        walk.queue[0].push_back(Job::Collections { page: 1 });
        walk
    }

    /// The next job: collections pages first, then report pages, then schedules (schedules first
    /// while [`MAX_PENDING`] reports wait for them). Every collection's first page goes out at
    /// once; a listing whose page was ambiguous waits in `deferred` for the page size to be proven
    /// by another, so an ignored or honoured `per_page` costs no extra page and no extra round trip.
    fn next_job(&mut self) -> Option<Job> {
        self.take_waiting();
        if let Some(job) = self.queue[0].pop_front() {
            return Some(job);
        }
        // Reports waiting for schedules are held in memory: past a bound, drain them first.
        if self.pending.len() >= MAX_PENDING
            && let Some(job) = self.queue[2].pop_front()
        {
            return Some(job);
        }
        if self.queue[1].is_empty() && self.reports_in_flight == 0 {
            // Nothing left that could prove the page size: ask the held pages.
            for (collection, page) in self.deferred.drain(..) {
                self.queue[1].push_back(Job::Reports { collection, page });
            }
        }
        if self.reports_in_flight < MAX_REPORT_PAGES
            && let Some(job) = self.queue[1].pop_front()
        {
            self.reports_in_flight += 1;
            return Some(job);
        }
        self.queue[2].pop_front()
    }

    /// The request a job makes: which listing it reads, its URL, and the task that reads it.
    fn fetch(&self, job: Job) -> (Slot, String, impl Future<Output = Fetched> + Send + 'static) {
        let client = self.client.clone();
        let per_page = self.options.per_page;
        let (slot, url) = match &job {
            Job::Collections { page } => (Slot::Collections, client.collections_url(*page, per_page)),
            Job::Reports { collection, page } => (
                Slot::Reports(*collection),
                client.reports_url(&self.collections[*collection].record.token, *page, per_page),
            ),
            Job::Schedules { report, page } => (
                Slot::Schedules(*report),
                client.schedules_url(&self.pending[report].record.token, *page, per_page),
            ),
        };
        let shown = url.to_string();
        let task = async move {
            match slot {
                Slot::Collections => Fetched::Collections(client.page(url).await),
                Slot::Reports(collection) => Fetched::Reports(collection, client.page(url).await),
                Slot::Schedules(report) => Fetched::Schedules(report, client.page(url).await),
            }
        };
        (slot, shown, task)
    }

    fn absorb(&mut self, done: Fetched) -> Result<(), CrawlError> {
        let error = match &done {
            Fetched::Collections(Err(e)) | Fetched::Reports(_, Err(e)) | Fetched::Schedules(_, Err(e)) => Some(e),
            _ => None,
        };
        match error {
            None => self.answered = true,
            Some(e) if e.is_credentials() => self.halted = true,
            Some(_) => {}
        }
        match done {
            Fetched::Collections(result) => return self.absorb_collections(result),
            Fetched::Reports(c, result) => {
                self.reports_in_flight -= 1;
                self.absorb_reports(c, result);
            }
            Fetched::Schedules(key, result) => self.absorb_schedules(key, result),
        }
        Ok(())
    }

    /// A report whose schedules are to be read: settled from the earlier snapshot when the
    /// [`Reuse`] allows, otherwise queued for its schedules request.
    fn schedules_for(&mut self, key: SortKey, mut record: ReportRecord) {
        if let Some(schedules) = self.options.reuse.as_ref().and_then(|r| r.schedules(&record)) {
            records::reuse_schedules(&mut record, schedules);
            self.store.push(key, &record);
            return;
        }
        let schedules = Pager::with_hint(self.options.per_page, self.options.max_pages, self.hints[2]);
        self.pending.insert(key, ReportWalk { record, schedules });
        self.queue[2].push_back(Job::Schedules { report: key, page: 1 });
    }

    fn tally(&self, in_flight: usize) -> ProgressCounts {
        let stats = self.client.stats();
        ProgressCounts {
            collections: self.collections.len(),
            collections_done: self.collections.iter().filter(|c| c.listing != Listing::Open).count(),
            reports: self.collections.iter().map(|c| c.listed as usize).sum(),
            requests: stats.requests,
            throttled: stats.throttled,
            known_left: self.queue.iter().map(VecDeque::len).sum::<usize>() + self.waiting.left() + in_flight,
            per_second: self.client.current_rate().map(|r| r.paced_per_second()),
        }
    }

    fn fail(&mut self, scope: &str, token: Option<String>, error: &ModeError) {
        tracing::warn!(scope, token = token.as_deref().unwrap_or(""), error = %error, "branch failed");
        self.failures.push(Failure {
            scope: scope.to_string(),
            token,
            error: error.to_string(),
            item: None,
        });
    }

    fn finish(mut self) -> CrawlOutcome {
        let why = match self.stopped {
            Some(reason) => format!("the run stopped ({reason})"),
            None => "the run stopped because the credentials were rejected".to_string(),
        };
        // Kept in `self` too: the checkpoint carries the unreadable items of pages already read.
        let mut failures = self.failures.clone();
        if self.collections_listing == Listing::Open {
            failures.push(unfinished("collections", None, &why));
        }
        // Reports still waiting for schedules are kept with what their listing said.
        let mut pending: Vec<(SortKey, ReportWalk)> = std::mem::take(&mut self.pending).into_iter().collect();
        pending.sort_by_key(|(key, _)| *key);
        let mut pending = pending.into_iter().peekable();
        for (c, walk) in self.collections.iter_mut().enumerate() {
            if walk.listing == Listing::Open {
                walk.record.status = LedgerStatus::Unfinished;
                failures.push(unfinished("collection", Some(walk.record.token.clone()), &why));
            }
            while let Some((key, mut report)) = pending.next_if(|(key, _)| key.0 as usize == c) {
                waiting::left_unfinished(&mut report.record, &mut failures, &why);
                self.store.push(key, &report.record);
            }
        }
        // Then those of no collection (a Discovery run's statistics without a report), and those
        // not yet taken in.
        for (key, mut report) in pending {
            waiting::left_unfinished(&mut report.record, &mut failures, &why);
            self.store.push(key, &report.record);
        }
        self.settle_waiting(&mut failures, &why);
        self.store.sort();
        // A store that could not be written is reported by the caller; it makes no checkpoint.
        let writable = self.store.check().is_ok();
        let checkpoint = self.stopped.filter(|_| writable).map(|_| self.checkpoint());
        CrawlOutcome {
            collections: self.collections.into_iter().map(|w| w.record).collect(),
            reports: self.store,
            failures,
            duplicates: self.duplicates,
            stopped: self.stopped,
            checkpoint,
            resumed: false,
        }
    }
}
