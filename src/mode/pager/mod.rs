//! Pager: decides when a Mode listing has ended, since Mode's pages carry no reliable next link.
//! Every paged listing goes through it: the reports walk, schedules, runs, memberships and the
//! Discovery listings.
//!
//! Mode serves 30 items a page by default and may or may not honour `per_page`. Past the end it may
//! answer an empty page or repeat the last one, and an unstable order can repeat items across pages.
//! A listing ends only on evidence: as many items read as `pagination.total_count` announced; an
//! empty page; a page with nothing new (a repeated page); a page shorter than the server's page
//! size once that is known. The page cap also stops it, and is reported as a failure rather than
//! passed off as the end. A page shorter than asked is not the end when the server may cap
//! `per_page`: when more than 30 a page was asked, a first page of 30 or more but fewer than asked
//! is ambiguous (last page, or a server capping `per_page`), so the next page is fetched: an
//! ignored `per_page` can cost one request, never a truncated listing. While a `total_count` not
//! yet reached says more items exist, a short page does not end the listing either; a listing that
//! ends (empty, repeated, capped) short of its `total_count` is [`Pager::incomplete`].

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

pub use super::MODE_PAGE_SIZE;

/// What the audit asks for: more than Mode's default, which costs nothing when the server ignores it
/// (a full page of 30 needs the next page either way) and saves requests when it honours it.
pub const DEFAULT_PER_PAGE: u32 = 100;

/// Why a listing ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The page was empty.
    Empty,
    /// The page was shorter than a full one: the last page.
    Short,
    /// Every item on the page had been seen already (the server clamps past-the-end pages).
    Repeated,
    /// The page cap was reached: the listing may go on, which the caller must report.
    PageCap,
    /// As many items were read as `pagination.total_count` announced.
    Total,
}

/// What to do after a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Page(u32),
    End(End),
}

/// Where a listing stands, as saved in a checkpoint (the tokens seen are saved with the records).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PagerState {
    pub pages: u32,
    pub full: u32,
    pub confirmed: bool,
}

/// State of one listing (one collection's reports, the collections list, one report's schedules).
#[derive(Debug)]
pub struct Pager {
    per_page: u32,
    /// How many items a full page holds, as far as this listing has shown.
    full: u32,
    /// Whether `full` is known to be the server's page size (not just what was asked).
    confirmed: bool,
    /// A page size shown to be the server's: a page as long as asked, or an ambiguous page that
    /// the next page proved was not the last. Shared with later listings of the same kind.
    proven: Option<u32>,
    /// The length of an ambiguous page waiting for the next page to prove it.
    candidate: Option<u32>,
    pages: u32,
    max_pages: u32,
    fresh: usize,
    seen: HashSet<String>,
    /// The last `total_count` the server announced, if any.
    total: Option<u64>,
    /// Items read so far, each once (unreadable ones included: they exist).
    counted: u64,
    ended: Option<End>,
}

impl Pager {
    /// `per_page` is what each request asks for; `max_pages` bounds a server that never ends.
    pub fn new(per_page: u32, max_pages: u32) -> Pager {
        Pager {
            per_page: per_page.max(1),
            full: per_page.max(1),
            // Up to Mode's default, a server that honours per_page at all honours it exactly.
            confirmed: per_page <= MODE_PAGE_SIZE,
            proven: None,
            candidate: None,
            pages: 0,
            max_pages: max_pages.max(1),
            fresh: 0,
            seen: HashSet::new(),
            total: None,
            counted: 0,
            ended: None,
        }
    }

    /// A pager that starts from a page size another listing of the same kind proved.
    pub fn with_hint(per_page: u32, max_pages: u32, hint: Option<u32>) -> Pager {
        let mut pager = Pager::new(per_page, max_pages);
        if let Some(size) = hint.filter(|s| *s > 0) {
            pager.full = size;
            pager.confirmed = true;
        }
        pager
    }

    /// Takes a page size another listing proved, unless this listing already knows its own.
    pub fn adopt(&mut self, size: u32) {
        if !self.confirmed && size > 0 {
            self.full = size;
            self.confirmed = true;
        }
    }

    /// Whether the last page was ambiguous (between 30 and `per_page` items, the server's page size
    /// unknown): the last page, or a full page of a server that caps `per_page`.
    pub fn is_ambiguous(&self) -> bool {
        self.candidate.is_some()
    }

    /// Takes the page size another listing of the same kind proved. A last page left ambiguous is
    /// then settled: `true` when it was shorter than `size`, i.e. the listing has ended.
    pub fn settle(&mut self, size: u32) -> bool {
        let Some(items) = self.candidate.take() else {
            self.adopt(size);
            return false;
        };
        self.full = size.max(1);
        self.confirmed = true;
        items < size
    }

    /// The server's page size, once this listing has proved it.
    pub fn proven(&self) -> Option<u32> {
        self.proven
    }

    /// Drops the tokens kept for de-duplication once the listing has ended (memory on big workspaces).
    pub fn forget(&mut self) {
        self.seen = HashSet::new();
    }

    /// Picks a listing up where a checkpoint left it: the next page is `state.pages + 1`.
    pub fn resume(per_page: u32, max_pages: u32, state: PagerState, seen: impl IntoIterator<Item = String>) -> Pager {
        let mut pager = Pager::new(per_page, max_pages);
        pager.pages = state.pages;
        pager.full = state.full.max(1);
        pager.confirmed = state.confirmed;
        pager.seen = seen.into_iter().collect();
        pager.counted = pager.seen.len() as u64;
        pager
    }

    pub fn state(&self) -> PagerState {
        PagerState {
            pages: self.pages,
            full: self.full,
            confirmed: self.confirmed,
        }
    }

    /// The `per_page` to send (constant for a listing so page numbers keep their meaning).
    pub fn per_page(&self) -> u32 {
        self.per_page
    }

    /// Pages recorded so far.
    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// Registers one item of the current page; `false` when this listing already had it.
    pub fn admit(&mut self, token: &str) -> bool {
        let new = !self.seen.contains(token) && self.seen.insert(token.to_string());
        self.note(new);
        new
    }

    /// Registers one item whose novelty the caller judged with its own set of tokens.
    pub fn note(&mut self, new: bool) {
        self.fresh += usize::from(new);
        self.counted += u64::from(new);
    }

    /// Registers one item that could not be read: it exists (it counts toward `total_count`) and,
    /// as it cannot be told from a repeat, it keeps its page from reading as repeated.
    pub fn unreadable(&mut self) {
        self.note(true);
    }

    /// Takes the page's `pagination.total_count`, when it sent one (the latest one counts).
    pub fn announce(&mut self, total: Option<u64>) {
        if total.is_some() {
            self.total = total;
        }
    }

    /// Items read so far, each once.
    pub fn counted(&self) -> u64 {
        self.counted
    }

    /// Why the listing, now ended, may miss items: the page cap cut it, or it read fewer items than
    /// its `total_count` announced. `None` when it is whole as far as the server told.
    pub fn incomplete(&self) -> Option<String> {
        if self.ended == Some(End::PageCap) {
            return Some(format!(
                "still going after {} pages (the page cap); later items may be missing",
                self.pages
            ));
        }
        match self.total {
            Some(total) if total > self.counted => Some(format!(
                "the listing announced {total} items (pagination.total_count) but {} were read",
                self.counted
            )),
            _ => None,
        }
    }

    /// Closes the current page, which held `items` entries (readable or not), and says what comes next.
    pub fn finish_page(&mut self, items: usize) -> Next {
        self.pages += 1;
        let fresh = std::mem::take(&mut self.fresh);
        let next = self.judge(u32::try_from(items).unwrap_or(u32::MAX), fresh);
        if let Next::End(end) = next {
            self.ended = Some(end);
        }
        next
    }

    fn judge(&mut self, items: u32, fresh: usize) -> Next {
        if items == 0 {
            return Next::End(End::Empty);
        }
        if fresh == 0 {
            return Next::End(End::Repeated);
        }
        if let Some(size) = self.candidate.take() {
            self.proven = Some(size);
        }
        if self.total.is_some_and(|total| self.counted >= total) {
            return Next::End(End::Total);
        }
        // A page between 30 and what was asked is ambiguous until the server's page size is known:
        // either the last page, or the server caps per_page. Only the next page can tell, so ask it.
        let short = items < self.full && (self.confirmed || items < MODE_PAGE_SIZE);
        if short && self.total.is_none() {
            return Next::End(End::Short);
        }
        if !short {
            self.learn(items);
        }
        if self.pages >= self.max_pages {
            return Next::End(End::PageCap);
        }
        Next::Page(self.pages + 1)
    }

    /// What a page that did not end the listing shows of the server's page size.
    fn learn(&mut self, items: u32) {
        if items >= self.per_page {
            self.proven = Some(items);
        } else if !self.confirmed {
            self.candidate = Some(items);
        }
        self.full = items;
        self.confirmed = true;
    }
}

#[cfg(test)]
mod tests;
