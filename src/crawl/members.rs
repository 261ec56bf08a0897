//! The members step: one listing of the workspace's members per run (REST `/memberships`, or the
//! Discovery API's `members` when the run reads it), paged, into the set of active members
//! OWNER_DEPARTED is judged against.

use crate::mode::discovery::Discovery;
use crate::mode::{ModeClient, ModeError};
use crate::snapshot::runs::ActiveMembers;

/// Lists `/memberships` page by page: the end is the first of a short (or empty) page, as many
/// members seen as `total_count` says, or `max_pages` (then the listing is incomplete: an error,
/// since a member left unlisted would read as departed).
pub async fn read_members(client: &ModeClient, per_page: u32, max_pages: u32) -> Result<ActiveMembers, ModeError> {
    let mut members = ActiveMembers::new("memberships");
    let mut seen = 0u64;
    for page in 1..=max_pages.max(1) {
        let listed = client.memberships_page(page, per_page).await?;
        seen += listed.listed() as u64;
        for m in &listed.items {
            if let Some(name) = m.member_username.0.as_deref() {
                members.add(name, m.is_active());
            }
        }
        if listed.listed() < per_page as usize || listed.total_count.is_some_and(|t| seen >= t) {
            return Ok(members);
        }
    }
    Err(ModeError::Shape {
        url: format!("/api/{}/memberships", client.workspace()),
        message: format!("more than {max_pages} pages of members: the listing did not end"),
    })
}

/// Lists the Discovery API's `members` (a set `banned_at` marks a former member). Active members
/// count by username and by email: a `--source discovery` run knows creators by email only. A
/// listing that may be short (capped, fewer read than announced, an unreadable member) is an
/// error, since a member left out would read as departed.
pub async fn read_discovery_members(discovery: &Discovery, workspace: &str) -> Result<ActiveMembers, ModeError> {
    let listing = discovery.members().await?;
    let listed = &listing.listed;
    let short = listed.shortfall().or_else(|| {
        (!listed.unreadable.is_empty()).then(|| format!("{} members could not be read", listed.unreadable.len()))
    });
    if let Some(message) = short {
        return Err(ModeError::Shape {
            url: format!("/batch/{workspace}/members"),
            message,
        });
    }
    let mut members = ActiveMembers::new("discovery");
    for m in &listing.items {
        let active = m.is_active();
        let names = [m.member_username.0.as_deref(), m.member_email.0.as_deref()];
        let mut named = names.into_iter().flatten().filter(|n| !n.trim().is_empty()).peekable();
        if named.peek().is_none() {
            continue;
        }
        members.add_member(named, active);
    }
    Ok(members)
}
