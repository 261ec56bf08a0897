//! Reading one Discovery listing to its end, which Mode does not document: the first of
//! page ≥ `total_pages`, a short page, an empty list, or `_links` without `next_page` ends it;
//! a hard page cap bounds it; items are kept once by token; `total_count` is checked at the end.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::Value;

use super::models::BatchItem;
use crate::mode::PageError;

/// Items a page is asked for (Discovery's largest page).
pub const PER_PAGE: u32 = 1000;

/// A whole listing as read.
#[derive(Debug)]
pub struct Listing<T> {
    pub items: Vec<T>,
    /// Pages requested.
    pub pages: u32,
    /// The `pagination.total_count` of the last page that had one.
    pub total_count: Option<u64>,
    /// Items listed again and dropped.
    pub duplicates: u64,
    /// Items that could not be read, each with why.
    pub unreadable: Vec<String>,
    /// The page cap was reached before any end signal.
    pub capped: bool,
}

impl<T> Listing<T> {
    /// Why the listing cannot be trusted to be whole, if it cannot: `total_count` says more items
    /// than were read (readable or not), or the page cap cut it.
    pub fn shortfall(&self) -> Option<String> {
        if self.capped {
            return Some(format!(
                "still going after {} pages; stopped there, later items may be missing",
                self.pages
            ));
        }
        let read = self.items.len() as u64 + self.unreadable.len() as u64;
        match self.total_count {
            Some(total) if total > read => Some(format!(
                "the listing announced {total} items (pagination.total_count) but {read} were read"
            )),
            _ => None,
        }
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

/// Walks a listing page by page; `fetch(page)` reads one page.
pub struct Walker<T> {
    listing: Listing<T>,
    seen: HashSet<String>,
    max_pages: u32,
    per_page: u32,
}

impl<T: BatchItem> Walker<T> {
    pub fn new(per_page: u32, max_pages: u32) -> Walker<T> {
        Walker {
            listing: Listing {
                items: Vec::new(),
                pages: 0,
                total_count: None,
                duplicates: 0,
                unreadable: Vec::new(),
                capped: false,
            },
            seen: HashSet::new(),
            max_pages: max_pages.max(1),
            per_page,
        }
    }

    /// Takes one page in; `Some(next page)` while the listing goes on, `None` at its end.
    pub fn take(&mut self, page: RawPage) -> Option<u32> {
        let number = self.listing.pages + 1;
        self.listing.pages = number;
        let listed = page.items.len();
        for (index, raw) in page.items.into_iter().enumerate() {
            match T::deserialize(raw) {
                Ok(item) => match item.token().map(str::to_string) {
                    Some(token) => {
                        if self.seen.insert(token) {
                            self.listing.items.push(item);
                        } else {
                            self.listing.duplicates += 1;
                        }
                    }
                    None => self
                        .listing
                        .unreadable
                        .push(format!("{}[{index}] on page {number}: no token", T::KEY)),
                },
                Err(e) => self
                    .listing
                    .unreadable
                    .push(format!("{}[{index}] on page {number}: {e}", T::KEY)),
            }
        }
        let pagination = page.pagination.unwrap_or_default();
        if let Some(total) = pagination.total_count.value() {
            self.listing.total_count = Some(total);
        }
        let past_last = pagination.total_pages.value().is_some_and(|t| u64::from(number) >= t);
        let ended = listed == 0 || listed < self.per_page as usize || past_last || page.next == Some(false);
        if ended {
            return None;
        }
        if number >= self.max_pages {
            self.listing.capped = true;
            return None;
        }
        Some(number + 1)
    }

    pub fn finish(self) -> Listing<T> {
        self.listing
    }
}

#[cfg(test)]
mod tests;
