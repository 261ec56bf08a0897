//! What a run derives beyond the crawl: findings worth acting on, views over time from earlier
//! snapshots, the keep list, the changes between two snapshots, and the schedule details an
//! earlier snapshot lets a run reuse.

pub mod changes;
mod enrich;
pub mod findings;
pub mod history;
pub mod keep;
pub mod reuse;

pub use enrich::enrich;
