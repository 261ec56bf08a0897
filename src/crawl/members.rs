//! The members step: one listing of the workspace's members per run (REST `/memberships`, or the
//! Discovery API's `members` when the run reads it), paged, into the set of active members
//! OWNER_DEPARTED is judged against.

use crate::mode::discovery::Discovery;
use crate::mode::pager::{Next, Pager};
use crate::mode::{Counted, Member, ModeClient, ModeError};
use crate::snapshot::run_figures::ActiveMembers;

/// Lists `/memberships` page by page, the pager deciding where it ends. A listing that may be
/// short (the page cap reached, fewer members read than `total_count` announced, a member that
/// could not be read) is an error, since a member left out would read as departed.
pub async fn read_members(client: &ModeClient, per_page: u32, max_pages: u32) -> Result<ActiveMembers, ModeError> {
    let mut members = ActiveMembers::new("memberships");
    let mut pager = Pager::new(per_page, max_pages);
    let mut unreadable = 0usize;
    let mut page = 1;
    loop {
        let listed = client.memberships_page(page, pager.per_page()).await?;
        unreadable += add_page(&mut members, &mut pager, &listed);
        match pager.finish_page(listed.listed()) {
            Next::Page(next) => page = next,
            Next::End(_) => break,
        }
    }
    let short = pager
        .incomplete()
        .or_else(|| (unreadable > 0).then(|| format!("{unreadable} members could not be read")));
    match short {
        Some(message) => Err(ModeError::Incomplete {
            url: format!("/api/{}/memberships", client.workspace()),
            message,
        }),
        None => Ok(members),
    }
}

/// Adds one page's members (each once); returns how many could not be read.
fn add_page(members: &mut ActiveMembers, pager: &mut Pager, page: &Counted<Member>) -> usize {
    let mut unreadable = page.rejected;
    for _ in 0..page.rejected {
        pager.unreadable();
    }
    pager.announce(page.total_count);
    for m in &page.items {
        match m.member_username.0.as_deref().filter(|n| !n.trim().is_empty()) {
            Some(name) if pager.admit(&name.to_ascii_lowercase()) => members.add(name, m.is_active()),
            Some(_) => {}
            None => {
                pager.unreadable();
                unreadable += 1;
            }
        }
    }
    unreadable
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
        return Err(ModeError::Incomplete {
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
