//! What a run derives beyond the crawl: findings worth acting on, views over time from earlier
//! snapshots, the keep list, the changes between two snapshots, the schedule details an earlier
//! snapshot lets a run reuse, and which reports `apply` may unschedule.

pub mod changes;
pub mod costs;
pub mod eligibility;
mod enrich;
pub mod findings;
pub mod headline;
pub mod history;
pub mod keep;
pub mod reuse;
pub mod standing;

pub use enrich::{enrich, plan_unscheduling, redetect};
