//! Page arithmetic of the list endpoints: 1-based `page`, `per_page` default and cap, what
//! lies past the last page, and the optional one-item overlap between consecutive pages.

use std::ops::Range;

/// What a page number beyond the last page returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PastEnd {
    /// An empty list (`_embedded.<key>: []`).
    #[default]
    Empty,
    /// The last page again (an out-of-range page is clamped).
    RepeatLast,
}

/// The paging behaviour the server is configured with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PagingRules {
    pub per_page_default: usize,
    pub per_page_max: usize,
    pub ignore_per_page: bool,
    /// At most this many items a page, whatever `per_page` asks or defaults to.
    pub cap: Option<usize>,
    pub past_end: PastEnd,
    /// Page p > 1 starts with the last item of page p - 1.
    pub duplicates: bool,
}

/// One served page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageSlice {
    /// Indices of the items served.
    pub range: Range<usize>,
    /// The page number asked for (after defaulting), 1-based.
    pub page: usize,
    pub per_page: usize,
    /// Number of non-empty pages (0 for an empty list).
    pub total_pages: usize,
}

impl PagingRules {
    /// The effective page size for a raw `per_page` query value.
    pub fn per_page(&self, raw: Option<&str>) -> usize {
        let asked = match raw.and_then(|v| v.trim().parse::<usize>().ok()) {
            _ if self.ignore_per_page => self.per_page_default,
            Some(n) if n > 0 => n.min(self.per_page_max),
            _ => self.per_page_default,
        };
        asked.min(self.cap.unwrap_or(usize::MAX)).max(1)
    }

    /// Which items of a `total`-long list a request with these raw `page`/`per_page` gets.
    pub fn page(&self, total: usize, raw_page: Option<&str>, raw_per_page: Option<&str>) -> PageSlice {
        let per_page = self.per_page(raw_per_page);
        let page = match raw_page.and_then(|v| v.trim().parse::<usize>().ok()) {
            Some(n) if n > 0 => n,
            _ => 1,
        };
        let stride = if self.duplicates && per_page > 1 {
            per_page - 1
        } else {
            per_page
        };
        let last = if total <= per_page {
            1
        } else {
            1 + (total - per_page).div_ceil(stride)
        };
        let served = match self.past_end {
            PastEnd::RepeatLast => page.min(last),
            PastEnd::Empty => page,
        };
        let range = if served > last {
            total..total
        } else {
            let start = (served - 1).saturating_mul(stride).min(total);
            start..(start + per_page).min(total)
        };
        PageSlice {
            range,
            page,
            per_page,
            total_pages: if total == 0 { 0 } else { last },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(past_end: PastEnd, duplicates: bool) -> PagingRules {
        PagingRules {
            per_page_default: 30,
            per_page_max: 100,
            ignore_per_page: false,
            cap: None,
            past_end,
            duplicates,
        }
    }

    fn pages(r: PagingRules, total: usize, per_page: &str, n: usize) -> Vec<Range<usize>> {
        (1..=n)
            .map(|p| r.page(total, Some(&p.to_string()), Some(per_page)).range)
            .collect()
    }

    #[test]
    fn plain_pages_of_thirty() {
        let r = rules(PastEnd::Empty, false);
        assert_eq!(pages(r, 61, "30", 4), vec![0..30, 30..60, 60..61, 61..61]);
        assert_eq!(pages(r, 60, "30", 3), vec![0..30, 30..60, 60..60]);
        assert_eq!(pages(r, 0, "30", 2), vec![0..0, 0..0]);
        assert_eq!(r.page(61, None, None).range, 0..30);
        assert_eq!(r.page(61, Some("2"), None).total_pages, 3);
        assert_eq!(r.page(0, None, None).total_pages, 0);
    }

    #[test]
    fn per_page_is_capped_defaulted_or_ignored() {
        let r = rules(PastEnd::Empty, false);
        assert_eq!(r.per_page(Some("50")), 50);
        assert_eq!(r.per_page(Some("500")), 100);
        assert_eq!(r.per_page(Some("0")), 30);
        assert_eq!(r.per_page(Some("abc")), 30);
        assert_eq!(r.per_page(None), 30);
        let ignoring = PagingRules {
            ignore_per_page: true,
            ..r
        };
        assert_eq!(ignoring.per_page(Some("100")), 30);
        assert_eq!(ignoring.page(45, Some("2"), Some("100")).range, 30..45);
        let capped = PagingRules { cap: Some(30), ..r };
        assert_eq!((capped.per_page(Some("100")), capped.per_page(Some("10"))), (30, 10));
    }

    #[test]
    fn bad_page_numbers_mean_first_page() {
        let r = rules(PastEnd::Empty, false);
        assert_eq!(r.page(50, Some("0"), None).range, 0..30);
        assert_eq!(r.page(50, Some("x"), None).range, 0..30);
        assert_eq!(r.page(50, Some("99999999999999999999"), None).range, 0..30);
        assert_eq!(r.page(50, Some(&usize::MAX.to_string()), None).range, 50..50);
    }

    #[test]
    fn repeat_last_clamps_out_of_range_pages() {
        let r = rules(PastEnd::RepeatLast, false);
        assert_eq!(pages(r, 61, "30", 5), vec![0..30, 30..60, 60..61, 60..61, 60..61]);
        assert_eq!(pages(r, 0, "30", 2), vec![0..0, 0..0]);
        assert_eq!(pages(r, 30, "30", 2), vec![0..30, 0..30]);
    }

    #[test]
    fn duplicates_overlap_by_one_and_keep_pages_full() {
        let r = rules(PastEnd::Empty, true);
        assert_eq!(pages(r, 60, "30", 4), vec![0..30, 29..59, 58..60, 60..60]);
        assert_eq!(pages(r, 30, "30", 2), vec![0..30, 30..30]);
        assert_eq!(pages(r, 59, "30", 3), vec![0..30, 29..59, 59..59]);
        assert_eq!(r.page(60, Some("1"), Some("30")).total_pages, 3);
        // per_page 1 cannot overlap without looping forever: no overlap then.
        assert_eq!(pages(r, 2, "1", 3), vec![0..1, 1..2, 2..2]);
        let both = rules(PastEnd::RepeatLast, true);
        assert_eq!(pages(both, 60, "30", 4), vec![0..30, 29..59, 58..60, 58..60]);
    }
}
