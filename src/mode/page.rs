//! A HAL list page, decoded item by item: one item of the wrong shape costs that item, not its page.
//!
//! A page is `{"_links": …, "_embedded": {"<key>": [ … ]}}`. The envelope is read first, keeping
//! each item as its raw JSON text; then each item is decoded on its own. An item that does not
//! decode is kept as a [`Rejected`] (its index, JSON path, token when readable), and the page's
//! other items are kept. Only a body that is not JSON at all (malformed, truncated, invalid UTF-8)
//! is worth asking again ([`PageError::Unreadable`]); JSON of the wrong shape will not change on a
//! retry ([`PageError::Shape`]).

use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::bounds;
use super::models::{Collection, Report, Schedule};

/// A resource that Mode lists under a fixed `_embedded` key.
pub trait Listed: DeserializeOwned + Send + 'static {
    const KEY: &'static str;
    fn token(&self) -> &str;
    /// Sets every value outside its bound to unknown (see `bounds.rs`); returns how many there were.
    fn enforce_bounds(&mut self) -> u32;
}

impl Listed for Collection {
    const KEY: &'static str = "spaces";
    fn token(&self) -> &str {
        &self.token
    }
    fn enforce_bounds(&mut self) -> u32 {
        0
    }
}

impl Listed for Report {
    const KEY: &'static str = "reports";
    fn token(&self) -> &str {
        &self.token
    }
    fn enforce_bounds(&mut self) -> u32 {
        bounds::report(self)
    }
}

impl Listed for Schedule {
    const KEY: &'static str = "report_schedules";
    fn token(&self) -> &str {
        &self.token
    }
    fn enforce_bounds(&mut self) -> u32 {
        bounds::schedule(self)
    }
}

/// One page of a listing.
#[derive(Debug)]
pub struct Page<T> {
    /// The items that decoded, in page order.
    pub items: Vec<T>,
    /// The items that did not, in page order.
    pub rejected: Vec<Rejected>,
    /// Values of the kept items that were outside their bounds and are recorded as unknown.
    pub out_of_range: u64,
}

impl<T> Page<T> {
    /// How many items the server put on the page, decoded or not: what tells a full page from the last.
    pub fn listed(&self) -> usize {
        self.items.len() + self.rejected.len()
    }
}

/// An item of a page that did not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Its position on the page, from 0.
    pub index: usize,
    /// Where decoding failed, from the page's root: `_embedded.reports[7].token`.
    pub path: String,
    /// Its `token`, when it has a readable one.
    pub token: Option<String>,
    pub message: String,
    /// A hash of the item's JSON text: tells a page served twice from a new item without a token.
    pub fingerprint: u64,
}

/// Why a page could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageError {
    /// Not JSON (malformed, truncated, invalid UTF-8): another attempt may get a whole body.
    Unreadable(String),
    /// JSON, but not a list page (e.g. `_embedded` a string): the same answer would come again.
    Shape(String),
}

impl PageError {
    /// A body that is not JSON is unreadable; JSON that serde could not map is of the wrong shape.
    fn of(e: serde_path_to_error::Error<serde_json::Error>) -> PageError {
        let message = format!("at path '{}': {}", e.path(), e.inner());
        match e.inner().classify() {
            serde_json::error::Category::Data => PageError::Shape(message),
            _ => PageError::Unreadable(message),
        }
    }
}

/// Decodes a whole body as `T` (not a list page), with the same split as [`Page::decode`].
pub fn decode_whole<T: DeserializeOwned>(body: &[u8]) -> Result<T, PageError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(PageError::of)
}

impl<T: Listed> Page<T> {
    /// Decodes a list page body.
    pub fn decode(body: &[u8]) -> Result<Page<T>, PageError> {
        let de = &mut serde_json::Deserializer::from_slice(body);
        let envelope: Envelope<T> = serde_path_to_error::deserialize(de).map_err(PageError::of)?;
        let raw = envelope.embedded.map(|e| e.items).unwrap_or_default();
        let mut page = Page {
            items: Vec::with_capacity(raw.len()),
            rejected: Vec::new(),
            out_of_range: 0,
        };
        for (index, item) in raw.into_iter().enumerate() {
            let de = &mut serde_json::Deserializer::from_str(item.get());
            match serde_path_to_error::deserialize::<_, T>(de) {
                Ok(mut decoded) => {
                    page.out_of_range += u64::from(decoded.enforce_bounds());
                    page.items.push(decoded);
                }
                Err(e) => page.rejected.push(reject::<T>(index, item, &e)),
            }
        }
        Ok(page)
    }
}

fn reject<T: Listed>(index: usize, item: &RawValue, error: &serde_path_to_error::Error<serde_json::Error>) -> Rejected {
    let inner = error.path().to_string();
    let mut path = format!("_embedded.{}[{index}]", T::KEY);
    if inner != "." {
        if !inner.starts_with('[') {
            path.push('.');
        }
        path.push_str(&inner);
    }
    let mut hasher = DefaultHasher::new();
    item.get().hash(&mut hasher);
    Rejected {
        index,
        path,
        token: readable_token(item),
        message: error.inner().to_string(),
        fingerprint: hasher.finish(),
    }
}

/// The item's `token` when it is a non-empty string, whatever the rest of the item holds.
fn readable_token(item: &RawValue) -> Option<String> {
    #[derive(Deserialize)]
    struct JustToken {
        #[serde(default)]
        token: Option<serde_json::Value>,
    }
    match serde_json::from_str::<JustToken>(item.get()).ok()?.token? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s),
        _ => None,
    }
}

/// The page as first read: `_embedded` reduced to the raw items under `T::KEY`, the rest skipped.
/// A missing `_embedded`, a missing key or a null list all read as an empty page (Mode's
/// past-the-end page is `"_embedded": {}`).
struct Envelope<'a, T> {
    embedded: Option<Embedded<'a, T>>,
}

struct Embedded<'a, T> {
    items: Vec<&'a RawValue>,
    kind: PhantomData<T>,
}

impl<'de: 'a, 'a, T: Listed> Deserialize<'de> for Envelope<'a, T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EnvelopeVisitor<'a, T>(PhantomData<(&'a (), T)>);
        impl<'de: 'a, 'a, T: Listed> Visitor<'de> for EnvelopeVisitor<'a, T> {
            type Value = Envelope<'a, T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "a list page (an object with _embedded.{})", T::KEY)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut embedded = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "_embedded" {
                        embedded = map.next_value::<Option<Embedded<'a, T>>>()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Envelope { embedded })
            }
        }
        deserializer.deserialize_map(EnvelopeVisitor(PhantomData))
    }
}

impl<'de: 'a, 'a, T: Listed> Deserialize<'de> for Embedded<'a, T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EmbeddedVisitor<'a, T>(PhantomData<(&'a (), T)>);
        impl<'de: 'a, 'a, T: Listed> Visitor<'de> for EmbeddedVisitor<'a, T> {
            type Value = Embedded<'a, T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "an _embedded object")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Embedded {
                    items: Vec::new(),
                    kind: PhantomData,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == T::KEY {
                        items = map.next_value::<Option<Vec<&'a RawValue>>>()?.unwrap_or_default();
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Embedded {
                    items,
                    kind: PhantomData,
                })
            }
        }
        deserializer.deserialize_any(EmbeddedVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests;
