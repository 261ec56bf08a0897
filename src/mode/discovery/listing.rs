//! Reading one Discovery listing to its end, which Mode does not document: the first of
//! page ≥ `total_pages`, a short page, an empty list, or `_links` without `next_page` ends it;
//! a hard page cap bounds it; items are handed on page by page to a sink that keeps each token
//! once; `total_count` is checked at the end.

use std::collections::HashSet;
use std::marker::PhantomData;

use serde::Deserialize;
use serde_json::Value;

use super::models::BatchItem;
use crate::mode::PageError;

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
}

impl Listed {
    /// Why the listing cannot be trusted to be whole, if it cannot: `total_count` says more items
    /// than were read (readable or not), or the page cap cut it.
    pub fn shortfall(&self) -> Option<String> {
        if self.capped {
            return Some(format!(
                "still going after {} pages; stopped there, later items may be missing",
                self.pages
            ));
        }
        let read = self.kept + self.unreadable.len() as u64;
        match self.total_count {
            Some(total) if total > read => Some(format!(
                "the listing announced {total} items (pagination.total_count) but {read} were read"
            )),
            _ => None,
        }
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
    total_pages: crate::mode::Counter,
    #[serde(default)]
    total_count: crate::mode::Counter,
}

/// One page, its items still undecoded.
pub struct RawPage {
    pagination: Option<Pagination>,
    items: Vec<Value>,
    /// `Some(has_next)` when `_links` is an object; `None` when it is absent.
    next: Option<bool>,
}

/// Decodes a page's envelope: `pagination`, the list under `key`, `_links`.
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
    let next = match map.get("_links") {
        Some(Value::Object(links)) => Some(links.get("next_page").is_some_and(|n| !n.is_null())),
        _ => None,
    };
    Ok(RawPage {
        pagination,
        items,
        next,
    })
}

/// Walks a listing page by page; `fetch(page)` reads one page. Each readable item goes to the
/// sink given to [`Walker::take`], which answers whether it kept it (`false`: its token was seen).
pub struct Walker<T> {
    listed: Listed,
    max_pages: u32,
    per_page: u32,
    items: PhantomData<fn(T)>,
}

impl<T: BatchItem> Walker<T> {
    pub fn new(per_page: u32, max_pages: u32) -> Walker<T> {
        Walker {
            listed: Listed::default(),
            max_pages: max_pages.max(1),
            per_page,
            items: PhantomData,
        }
    }

    /// Takes one page in; `Some(next page)` while the listing goes on, `None` at its end.
    pub fn take(&mut self, page: RawPage, keep: &mut impl FnMut(T) -> bool) -> Option<u32> {
        let number = self.listed.pages + 1;
        self.listed.pages = number;
        let listed = page.items.len();
        for (index, raw) in page.items.into_iter().enumerate() {
            match T::deserialize(raw) {
                Ok(item) if item.token().is_none() => self
                    .listed
                    .unreadable
                    .push(format!("{}[{index}] on page {number}: no token", T::KEY)),
                Ok(item) => {
                    if keep(item) {
                        self.listed.kept += 1;
                    } else {
                        self.listed.duplicates += 1;
                    }
                }
                Err(e) => self
                    .listed
                    .unreadable
                    .push(format!("{}[{index}] on page {number}: {e}", T::KEY)),
            }
        }
        let pagination = page.pagination.unwrap_or_default();
        if let Some(total) = pagination.total_count.value() {
            self.listed.total_count = Some(total);
        }
        let past_last = pagination.total_pages.value().is_some_and(|t| u64::from(number) >= t);
        let ended = listed == 0 || listed < self.per_page as usize || past_last || page.next == Some(false);
        if ended {
            return None;
        }
        if number >= self.max_pages {
            self.listed.capped = true;
            return None;
        }
        Some(number + 1)
    }

    pub fn finish(self) -> Listed {
        self.listed
    }
}

#[cfg(test)]
mod tests;
