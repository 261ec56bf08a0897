//! The clock check: this machine's clock against Mode's (the `Date` of its answers), which the age
//! rules of `apply` depend on.

use chrono::Utc;

use crate::mode::ModeClient;

pub use crate::snapshot::clock::CLOCK_TOLERANCE;

/// This machine's clock minus Mode's (its last answer's `Date`), in seconds; a warning when they
/// are more than [`CLOCK_TOLERANCE`] apart (the snapshot's times, and apply's age rules, would be
/// off). `None` when Mode sent no `Date`.
pub fn offset(client: &ModeClient) -> Option<i64> {
    let offset = (Utc::now() - client.server_date()?).num_seconds();
    if offset.unsigned_abs() > CLOCK_TOLERANCE.as_secs() {
        tracing::warn!(
            offset_seconds = offset,
            "this machine's clock is more than 5 minutes off Mode's: the snapshot's times are off too: apply will neither plan from it nor count it as history; set the clock right (e.g. enable NTP)"
        );
    }
    Some(offset)
}
