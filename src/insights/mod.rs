//! What a run derives beyond the crawl: findings worth acting on, views over time from earlier
//! snapshots, the keep list, and the changes between two snapshots.

pub mod changes;
mod enrich;
pub mod findings;
pub mod history;
pub mod keep;

pub use enrich::enrich;
