//! Reading one Discovery listing to its end, which Mode does not document: the [`Pager`] decides
//! it as for every listing (`total_count` reached, an empty page, a repeated page, a page shorter
//! than the page size the server has shown), a hard page cap bounds it; items are handed on page
//! by page to a sink that keeps each token once; `total_count` is checked at the end. Neither
//! `total_pages` nor a missing `_links.next_page` ends a listing: a server may compute them for
//! another page size, or leave links out.

use std::collections::HashSet;
use std::marker::PhantomData;

use serde::Deserialize;
use serde_json::Value;

use super::models::BatchItem;
use crate::mode::PageError;
use crate::mode::pager::{End, Next, Pager};

/// Items a page is asked for (Discovery's largest page).
pub const PER_PAGE: u32 = 1000;

/// A whole listing as read, its items in memory (short listings: collections, members).
#[derive(Debug)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub listed: Listed,
}

/// How a listing went, whatever became of its items.
#[derive(Debug, Default)]
pub struct Listed {
    /// Pages requested.
    pub pages: u32,
    /// The `pagination.total_count` of the last page that had one.
    pub total_count: Option<u64>,
    /// Items kept (each token once).
    pub kept: u64,
    /// Items listed again and dropped.
    pub duplicates: u64,
    /// Items that could not be read, each with why.
    pub unreadable: Vec<String>,
    /// The page cap was reached before any end signal.
    pub capped: bool,
    /// Why the listing may miss items, as the pager judged at its end.
    short: Option<String>,
}

impl Listed {
    /// Why the listing cannot be trusted to be whole, if it cannot: `total_count` says more items
    /// than were read (readable or not), or the page cap cut it.
    pub fn shortfall(&self) -> Option<String> {
        self.short.clone()
    }
}

/// A sink that keeps items in memory, each token once.
pub fn collect<T: BatchItem>(items: &mut Vec<T>) -> impl FnMut(T) -> bool + '_ {
    let mut seen: HashSet<Box<str>> = HashSet::new();
    move |item: T| {
        let new = item.token().is_some_and(|t| seen.insert(t.into()));
        if new {
            items.push(item);
        }
        new
    }
}

#[derive(Deserialize, Default)]
struct Pagination {
    #[serde(default)]
    total_count: crate::mode::Counter,
}

/// One page, its items still undecoded.
pub struct RawPage {
    pagination: Option<Pagination>,
    items: Vec<Value>,
}

/// Decodes a page's envelope: `pagination` and the list under `key`.
pub fn decode_page(body: &[u8], key: &str) -> Result<RawPage, PageError> {
    let mut map = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(PageError::Shape("the answer is not a JSON object".to_string())),
        Err(e) => return Err(PageError::Unreadable(e.to_string())),
    };
    let items = match map.remove(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(PageError::Shape(format!("'{key}' is not a list"))),
    };
    let pagination = map
        .remove("pagination")
        .and_then(|p| serde_json::from_value::<Pagination>(p).ok());
    Ok(RawPage { pagination, items })
}

/// Walks a listing page by page; `fetch(page)` reads one page. Each readable item goes to the
/// sink given to [`Walker::take`], which answers whether it kept it (`false`: its token was seen).
pub struct Walker<T> {
    listed: Listed,
    pager: Pager,
    items: PhantomData<fn(T)>,
}

impl<T: BatchItem> Walker<T> {
    pub fn new(per_page: u32, max_pages: u32) -> Walker<T> {
        Walker {
            listed: Listed::default(),
            pager: Pager::new(per_page, max_pages),
            items: PhantomData,
        }
    }

    /// The `per_page` to ask for.
    pub fn per_page(&self) -> u32 {
        self.pager.per_page()
    }

    /// Takes one page in; `Some(next page)` while the listing goes on, `None` at its end.
    pub fn take(&mut self, page: RawPage, keep: &mut impl FnMut(T) -> bool) -> Option<u32> {
        let number = self.listed.pages + 1;
        self.listed.pages = number;
        let listed = page.items.len();
        for (index, raw) in page.items.into_iter().enumerate() {
            self.item(number, index, raw, keep);
        }
        let total = page.pagination.unwrap_or_default().total_count.value();
        if total.is_some() {
            self.listed.total_count = total;
        }
        self.pager.announce(total);
        match self.pager.finish_page(listed) {
            Next::Page(next) => Some(next),
            Next::End(end) => {
                self.listed.capped = end == End::PageCap;
                None
            }
        }
    }

    fn item(&mut self, number: u32, index: usize, raw: Value, keep: &mut impl FnMut(T) -> bool) {
        let why = match T::deserialize(raw) {
            Ok(item) if item.token().is_none() => "no token".to_string(),
            Ok(item) => {
                let kept = keep(item);
                self.pager.note(kept);
                match kept {
                    true => self.listed.kept += 1,
                    false => self.listed.duplicates += 1,
                }
                return;
            }
            Err(e) => e.to_string(),
        };
        self.pager.unreadable();
        self.listed
            .unreadable
            .push(format!("{}[{index}] on page {number}: {why}", T::KEY));
    }

    pub fn finish(mut self) -> Listed {
        self.listed.short = self.pager.incomplete();
        self.listed
    }
}

#[cfg(test)]
mod tests;
