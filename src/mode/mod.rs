//! Mode's REST API: the only code that knows HTTP and Mode's JSON.
//!
//! Mode's resource tree as the audit walks it: a workspace (`/api/{ws}`) has collections
//! (`/spaces`, personal ones only with `filter=all`), each collection lists reports 30 to a page
//! (`/spaces/{c}/reports?page=N`) with no reliable next link, and each report lists its schedules
//! (`/reports/{r}/schedules`). Auth is HTTP Basic with an API token and secret; the budget is about
//! 40 requests per 10 s per user, answered with 429 beyond it.

mod adapt;
pub mod bounds;
mod client;
mod clock;
mod definition;
pub mod discovery;
mod error;
mod exchange;
mod get;
mod lenient;
mod listed_runs;
mod models;
mod pacer;
mod page;
pub mod pager;
mod rate;
mod recheck;
mod retry;
mod retrying;
mod spacer;
mod stats;
mod writes;

pub use adapt::{in_flight_target, shared_budget};
pub(crate) use client::is_loopback;
pub use client::{ClientSettings, ModeClient};
pub use definition::{BodyShape, Cron, FREQUENCIES, LiveSchedule, ScheduleDefinition};
pub use error::ModeError;
pub use exchange::{Credentials, MAX_BODY_BYTES};
pub use models::{Collection, Counter, Flag, Link, Links, Report, Schedule, Seconds, Text, Verification};
pub use page::{Listed, Page, PageError, Rejected};

/// Mode's default page size: a listing serves 30 items a page unless it honours `per_page`.
pub const MODE_PAGE_SIZE: u32 = 30;
pub use listed_runs::{Counted, Member, Run};
pub use pacer::Pacer;
pub use rate::{Budget, Rate};
pub use retry::{RetryPolicy, Verdict, classify};
pub use stats::{RequestStats, Stats};
pub use writes::{Created, FoundBy, Removal};
