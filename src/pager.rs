//! Pager: decides when a Mode listing has ended, since Mode's pages carry no reliable next link.
//!
//! Mode serves 30 items a page by default and may or may not honour `per_page`. Past the end it may
//! answer an empty page or repeat the last one, and an unstable order can repeat items across pages.
//! The pager ends a listing on: an empty page; a page with nothing new (a repeated page); a page
//! shorter than the server's page size once that is known; or the page cap, which is reported as a
//! failure rather than passed off as the end. When more than 30 a page was asked, a first page of
//! 30 or more but fewer than asked is ambiguous (last page, or a server capping `per_page`), so the
//! next page is fetched: an ignored `per_page` can cost one request, never a truncated listing.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// Mode's default page size.
pub const MODE_PAGE_SIZE: u32 = 30;

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
        self.fresh += usize::from(new);
        new
    }

    /// Closes the current page, which held `items` entries, and says what comes next.
    pub fn finish_page(&mut self, items: usize) -> Next {
        self.pages += 1;
        let fresh = std::mem::take(&mut self.fresh);
        let items = u32::try_from(items).unwrap_or(u32::MAX);
        if items == 0 {
            return Next::End(End::Empty);
        }
        if fresh == 0 {
            return Next::End(End::Repeated);
        }
        if let Some(size) = self.candidate.take() {
            self.proven = Some(size);
        }
        // A page between 30 and what was asked is ambiguous until the server's page size is known:
        // either the last page, or the server caps per_page. Only the next page can tell, so ask it.
        if items < self.full && (self.confirmed || items < MODE_PAGE_SIZE) {
            return Next::End(End::Short);
        }
        if items >= self.per_page {
            self.proven = Some(items);
        } else if !self.confirmed {
            self.candidate = Some(items);
        }
        self.full = items;
        self.confirmed = true;
        if self.pages >= self.max_pages {
            return Next::End(End::PageCap);
        }
        Next::Page(self.pages + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds pages of tokens (as numbers) and returns each step's verdict.
    fn walk(per_page: u32, pages: &[Vec<u32>]) -> Vec<Next> {
        let mut pager = Pager::new(per_page, 1000);
        pages
            .iter()
            .map(|page| {
                for t in page {
                    pager.admit(&t.to_string());
                }
                pager.finish_page(page.len())
            })
            .collect()
    }

    fn range(a: u32, b: u32) -> Vec<u32> {
        (a..b).collect()
    }

    #[test]
    fn a_short_page_ends_the_listing_without_another_request() {
        assert_eq!(
            walk(30, &[range(0, 30), range(30, 45)]),
            vec![Next::Page(2), Next::End(End::Short)]
        );
    }

    #[test]
    fn an_exact_multiple_of_thirty_needs_one_empty_page() {
        assert_eq!(
            walk(30, &[range(0, 30), range(30, 60), vec![]]),
            vec![Next::Page(2), Next::Page(3), Next::End(End::Empty)]
        );
    }

    #[test]
    fn an_ambiguous_page_is_settled_by_a_size_proven_elsewhere() {
        let ambiguous = || {
            let mut pager = Pager::new(100, 1000);
            for t in 0..30 {
                pager.admit(&t.to_string());
            }
            assert_eq!(pager.finish_page(30), Next::Page(2));
            assert!(pager.is_ambiguous());
            pager
        };
        // The server honours per_page: 30 of 100 was the last page.
        let mut honoured = ambiguous();
        assert!(honoured.settle(100));
        // The server serves 30 a page whatever is asked: there may be more.
        let mut capped = ambiguous();
        assert!(!capped.settle(30));
        assert!(!capped.is_ambiguous());
        for t in 30..45 {
            capped.admit(&t.to_string());
        }
        assert_eq!(capped.finish_page(15), Next::End(End::Short));
        // A listing that was not ambiguous only takes the size for its next pages.
        let mut fresh = Pager::new(100, 1000);
        assert!(!fresh.settle(30));
        assert_eq!(fresh.finish_page(0), Next::End(End::Empty));
    }

    #[test]
    fn a_repeated_last_page_ends_the_listing() {
        assert_eq!(
            walk(30, &[range(0, 30), range(30, 60), range(30, 60)]),
            vec![Next::Page(2), Next::Page(3), Next::End(End::Repeated)]
        );
    }

    #[test]
    fn overlapping_pages_keep_going_and_drop_the_duplicates() {
        let mut pager = Pager::new(30, 10);
        let fresh: usize = range(0, 30).iter().filter(|t| pager.admit(&t.to_string())).count();
        assert_eq!((fresh, pager.finish_page(30)), (30, Next::Page(2)));
        let fresh: usize = range(29, 59).iter().filter(|t| pager.admit(&t.to_string())).count();
        assert_eq!((fresh, pager.finish_page(30)), (29, Next::Page(3)));
    }

    #[test]
    fn an_ignored_per_page_is_never_read_as_the_end() {
        // Asked for 100, the server sends 30 a page: 30 is ambiguous, so keep going.
        assert_eq!(
            walk(100, &[range(0, 30), range(30, 60), range(60, 70)]),
            vec![Next::Page(2), Next::Page(3), Next::End(End::Short)]
        );
        // Asked for 100, the server caps at 50.
        assert_eq!(
            walk(100, &[range(0, 50), range(50, 100), range(100, 120)]),
            vec![Next::Page(2), Next::Page(3), Next::End(End::Short)]
        );
        // Asked for 100 and honoured.
        assert_eq!(
            walk(100, &[range(0, 100), range(100, 130)]),
            vec![Next::Page(2), Next::End(End::Short)]
        );
    }

    #[test]
    fn a_proven_page_size_is_shared_with_the_next_listing() {
        // Asked 100, honoured: proven at once.
        let mut pager = Pager::new(100, 10);
        (0..100).for_each(|t| {
            pager.admit(&t.to_string());
        });
        pager.finish_page(100);
        assert_eq!(pager.proven(), Some(100));
        // With that hint, a 45-item first page is the end: no extra request.
        let mut next = Pager::with_hint(100, 10, pager.proven());
        (0..45).for_each(|t| {
            next.admit(&t.to_string());
        });
        assert_eq!(next.finish_page(45), Next::End(End::Short));

        // Asked 100, the server sends 30s: proven only once a second page shows more.
        let mut pager = Pager::new(100, 10);
        (0..30).for_each(|t| {
            pager.admit(&t.to_string());
        });
        pager.finish_page(30);
        assert_eq!(pager.proven(), None, "30 of 100 could have been the last page");
        (30..60).for_each(|t| {
            pager.admit(&t.to_string());
        });
        pager.finish_page(30);
        assert_eq!(pager.proven(), Some(30));
    }

    #[test]
    fn an_empty_listing_ends_on_the_first_page() {
        assert_eq!(walk(30, &[vec![]]), vec![Next::End(End::Empty)]);
    }

    /// A model server: `n` items, a real page size, items overlapping across pages, and a choice of
    /// what a page past the end returns.
    struct ModelServer {
        n: u32,
        size: u32,
        overlap: u32,
        repeat_last: bool,
    }

    impl ModelServer {
        fn page(&self, page: u32) -> Vec<u32> {
            let stride = self.size - self.overlap;
            let start = (page - 1) * stride;
            if start >= self.n || (page > 1 && start + self.overlap >= self.n) {
                if !self.repeat_last || self.n == 0 {
                    return vec![];
                }
                let last = (1..page).rev().find(|p| (p - 1) * stride < self.n).unwrap_or(1);
                return self.page(last);
            }
            (start..(start + self.size).min(self.n)).collect()
        }
    }

    proptest::proptest! {
        #[test]
        fn every_item_is_seen_exactly_once_and_the_walk_ends(
            n in 0u32..400,
            asked in proptest::sample::select(vec![10u32, 30, 50, 100]),
            cap in proptest::sample::select(vec![30u32, 40, 50, 100, 1000]),
            ignore in proptest::bool::ANY,
            overlap in 0u32..2,
            repeat_last in proptest::bool::ANY,
        ) {
            // What the server really serves: 30 when it ignores per_page, else per_page up to its cap.
            let size = if ignore { 30 } else { asked.min(cap) };
            let server = ModelServer { n, size, overlap, repeat_last };
            let mut pager = Pager::new(asked, 10_000);
            let mut seen = Vec::new();
            let mut page = 1;
            let end = loop {
                let items = server.page(page);
                for t in &items {
                    if pager.admit(&t.to_string()) {
                        seen.push(*t);
                    }
                }
                match pager.finish_page(items.len()) {
                    Next::Page(p) => page = p,
                    Next::End(end) => break end,
                }
                proptest::prop_assert!(page <= n / (size - overlap) + 3, "the walk must end");
            };
            proptest::prop_assert_ne!(end, End::PageCap);
            proptest::prop_assert_eq!(seen, (0..n).collect::<Vec<_>>());
            // At most two requests beyond the pages that hold items (an ambiguous page and the end).
            proptest::prop_assert!(pager.pages() <= n.div_ceil(size - overlap).max(1) + 2);
        }
    }

    #[test]
    fn a_server_that_never_ends_is_stopped_by_the_cap() {
        let mut pager = Pager::new(30, 3);
        let mut last = Next::Page(1);
        for p in 0..3 {
            for t in range(p * 30, p * 30 + 30) {
                pager.admit(&t.to_string());
            }
            last = pager.finish_page(30);
        }
        assert_eq!(last, Next::End(End::PageCap));
        assert_eq!(pager.pages(), 3);
    }
}
