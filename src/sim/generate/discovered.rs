//! What only the Discovery API tells of a generated report (its last view, its explorations),
//! drawn from its token so that adding them changed no other generated value.

use crate::sim::render::derived_token;
use crate::sim::timestamp::{BASE_MS, DAY_MS, iso_z};

/// When a report was last viewed: never for a report without views, else at a time between its
/// creation and `BASE_MS` drawn from its token (not from the generator's stream, so adding this
/// changed no other generated value). About half of the viewed reports were seen in the last 60 days.
pub(super) fn last_viewed(token: &str, view_count: u64, created: i64) -> Option<String> {
    if view_count == 0 {
        return None;
    }
    let roll = u64::from_str_radix(&derived_token(&[token, "last_viewed_at"]), 16).unwrap_or(0);
    let span = (BASE_MS - created).max(1);
    let recent = (60 * DAY_MS).min(span);
    let back = if roll.is_multiple_of(2) {
        (roll / 2) as i64 % recent
    } else {
        (roll / 2) as i64 % span
    };
    Some(iso_z(BASE_MS - back))
}

/// Explorations made from a report, drawn from its token like [`last_viewed`].
pub(super) fn explorations(token: &str) -> u64 {
    let roll = u64::from_str_radix(&derived_token(&[token, "explorations"]), 16).unwrap_or(0);
    if roll.is_multiple_of(3) { 0 } else { roll % 40 }
}
