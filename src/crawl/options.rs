//! How to walk: the options of a crawl, and which of them a checkpoint must share to be resumed.

use std::path::PathBuf;
use std::sync::Arc;

use crate::crawl::pager::DEFAULT_PER_PAGE;
use crate::crawl::progress::Progress;
use crate::crawl::reuse::Reuse;

/// Requests in flight at most, unless set (`--concurrency`).
pub const DEFAULT_CONCURRENCY: usize = 64;
/// Pages per listing at most, unless set (`--max-pages`).
pub const DEFAULT_MAX_PAGES: u32 = 10_000;

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
    /// List collections and reports only, never schedules (`mode-audit plan`).
    pub plan_only: bool,
    /// Where to show how the walk is going (off by default).
    pub progress: Progress,
    /// Folder for the temporary file finished report records go to (the system's when `None`).
    pub spill_dir: Option<PathBuf>,
    /// Schedule details that need no request this run (`--schedules-max-age`); `None` fetches all.
    pub reuse: Option<Arc<dyn Reuse>>,
    /// `fetched_at` stamped on every schedule read by this walk: the run's `started_at` (the time
    /// the walk starts when `None`).
    pub fetched_at: Option<String>,
    /// Where the listings come from (`rest`, `discovery`, `both`): a checkpoint is resumed only by
    /// a run reading the same.
    pub source: &'static str,
}

impl Default for CrawlOptions {
    fn default() -> Self {
        CrawlOptions {
            per_page: DEFAULT_PER_PAGE,
            concurrency: DEFAULT_CONCURRENCY,
            verify_schedules: false,
            exclude_archived: false,
            exclude_personal: false,
            max_pages: DEFAULT_MAX_PAGES,
            plan_only: false,
            progress: Progress::default(),
            spill_dir: None,
            reuse: None,
            fetched_at: None,
            source: "rest",
        }
    }
}

impl CrawlOptions {
    /// The options that change what a walk collects; a checkpoint is resumed only under the same.
    pub fn fingerprint(&self) -> String {
        let mut print = format!(
            "per_page={} verify_schedules={} exclude_archived={} exclude_personal={}",
            self.per_page, self.verify_schedules, self.exclude_archived, self.exclude_personal
        );
        // REST checkpoints written before sources existed keep matching.
        if self.source != "rest" {
            print.push_str(&format!(" source={}", self.source));
        }
        print
    }
}
