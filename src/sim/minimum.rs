//! The fewest requests a complete audit of a stand-in workspace can make: the yardstick of the
//! tests, the demo and the bench.

use super::config::SimConfig;
use super::workspace::Workspace;
use crate::mode::MODE_PAGE_SIZE;

/// The fewest requests by kind when the server serves `page_size` items a page: every page of the
/// collections listing and of each collection's reports (a listing of n items ends on page
/// n/size+1, which is empty when n is a multiple of the size), plus one schedules page per
/// scheduled report (more for a report with more schedules than a page holds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MinimumRequests {
    pub collections: u64,
    pub reports: u64,
    pub schedules: u64,
}

impl MinimumRequests {
    pub fn of(ws: &Workspace, page_size: usize) -> MinimumRequests {
        let pages = |n: usize| (n / page_size.max(1) + 1) as u64;
        MinimumRequests {
            collections: pages(ws.collections.len()),
            reports: ws.collections.iter().map(|c| pages(c.reports.len())).sum(),
            schedules: ws
                .reports()
                .filter(|(_, r)| !r.schedules.is_empty())
                .map(|(_, r)| pages(r.schedules.len()))
                .sum(),
        }
    }

    pub fn total(&self) -> u64 {
        self.collections + self.reports + self.schedules
    }
}

/// [`MinimumRequests::of`], in all.
pub fn minimum_requests(ws: &Workspace, page_size: usize) -> u64 {
    MinimumRequests::of(ws, page_size).total()
}

/// Extra pages a complete audit cannot avoid when it asks for `asked` a page and the server serves
/// `size`: a first page of 30 or more but fewer than asked may be the last or a capped page, so the
/// next page must be read, unless some listing of `size` or more items can prove the page size.
pub fn ambiguous_pages(ws: &Workspace, asked: usize, size: usize) -> u64 {
    let mode = MODE_PAGE_SIZE as usize;
    if asked <= mode {
        return 0;
    }
    let lengths = ws
        .collections
        .iter()
        .map(|c| c.reports.len())
        .chain([ws.collections.len()]);
    if lengths.clone().any(|n| n >= size) && size >= asked {
        return 0;
    }
    lengths.filter(|n| (mode..size).contains(n)).count() as u64
}

/// The page size a stand-in serves when asked for `asked`.
pub fn served_page_size(config: &SimConfig, asked: usize) -> usize {
    let served = if config.ignore_per_page {
        config.per_page_default
    } else {
        asked.min(config.per_page_max)
    };
    served.min(config.page_cap.unwrap_or(usize::MAX))
}
