//! Mode's JSON shapes as the audit reads them: collections, reports, schedules (pages: `page.rs`).
//!
//! Every field Mode may omit is an `Option`; unknown fields are ignored; counters are accepted as
//! numbers or numeric strings (Mode's docs type them as strings, real payloads send numbers).
//! Only `token` is required: an item without one cannot be told apart from any other.

use serde::{Deserialize, Deserializer};

use super::lenient::{FromMap, Scalar, object_or_default};

/// A counter as Mode sent it: absent/null, a readable non-negative integer, or something else.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Counter {
    #[default]
    Missing,
    Value(u64),
    /// Present but not a non-negative integer below [`Counter::ABSURD`] (negative, fractional, text, huge).
    Invalid,
}

impl Counter {
    /// Counters above this are treated as corrupt rather than real (a trillion views is not a report).
    pub const ABSURD: u64 = 1_000_000_000_000;

    pub fn value(self) -> Option<u64> {
        match self {
            Counter::Value(v) => Some(v),
            _ => None,
        }
    }

    fn from_scalar(value: Scalar) -> Counter {
        let parsed = match value {
            Scalar::Null => return Counter::Missing,
            Scalar::Unsigned(n) => Some(n),
            Scalar::Str(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        match parsed {
            Some(v) if v < Counter::ABSURD => Counter::Value(v),
            _ => Counter::Invalid,
        }
    }
}

impl<'de> Deserialize<'de> for Counter {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Scalar::deserialize(deserializer).map(Counter::from_scalar)
    }
}

/// Text that Mode may send as a string or a number (e.g. `hour`); anything else reads as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Text(match Scalar::deserialize(deserializer)? {
            Scalar::Str(s) => Some(s),
            Scalar::Unsigned(n) => Some(n.to_string()),
            Scalar::Signed(n) => Some(n.to_string()),
            // As serde_json writes numbers (`8.0`, not `8`).
            Scalar::Float(f) => serde_json::Number::from_f64(f).map(|n| n.to_string()),
            Scalar::Bool(b) => Some(b.to_string()),
            Scalar::Null | Scalar::Other => None,
        }))
    }
}

/// A boolean that may arrive as `true`, `"true"` or null.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flag(pub Option<bool>);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Flag(match Scalar::deserialize(deserializer)? {
            Scalar::Bool(b) => Some(b),
            Scalar::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Scalar::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }))
    }
}

/// A duration in seconds sent as a number or numeric string: absent/null, a finite non-negative
/// value, or something else (negative, infinite, text, an object).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub enum Seconds {
    #[default]
    Missing,
    Value(f64),
    Invalid,
}

impl Seconds {
    pub fn value(self) -> Option<f64> {
        match self {
            Seconds::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = match Scalar::deserialize(deserializer)? {
            Scalar::Null => return Ok(Seconds::Missing),
            Scalar::Unsigned(n) => Some(n as f64),
            Scalar::Signed(n) => Some(n as f64),
            Scalar::Float(f) => Some(f),
            Scalar::Str(s) => s.trim().parse::<f64>().ok(),
            Scalar::Bool(_) | Scalar::Other => None,
        };
        Ok(match value {
            Some(v) if v.is_finite() && v >= 0.0 => Seconds::Value(v),
            _ => Seconds::Invalid,
        })
    }
}

/// A HAL link; anything but an object reads as no link.
#[derive(Debug, Clone, Default)]
pub struct Link {
    pub href: Text,
}

impl Link {
    pub fn href(&self) -> Option<&str> {
        self.href.0.as_deref()
    }
}

impl FromMap for Link {
    fn from_map<'de, A: serde::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut link = Link::default();
        while let Some(key) = map.next_key::<String>()? {
            if key == "href" {
                link.href = map.next_value()?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(link)
    }
}

/// The `_links` an item's fields are read from; anything but an object reads as no links.
#[derive(Debug, Clone, Default)]
pub struct Links {
    pub web: Link,
    pub creator: Link,
}

impl FromMap for Links {
    fn from_map<'de, A: serde::de::MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        #[derive(Deserialize)]
        struct Field(#[serde(deserialize_with = "object_or_default")] Link);
        let mut links = Links::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "web" => links.web = map.next_value::<Field>()?.0,
                "creator" => links.creator = map.next_value::<Field>()?.0,
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(links)
    }
}

/// One entry of `_embedded.spaces`.
#[derive(Debug, Clone, Deserialize)]
pub struct Collection {
    pub token: String,
    #[serde(default)]
    pub name: Text,
    #[serde(default)]
    pub space_type: Text,
    #[serde(default)]
    pub state: Text,
    #[serde(default, rename = "_links", deserialize_with = "object_or_default")]
    pub links: Links,
}

impl Collection {
    /// A member's Personal collection (Mode's `space_type` `private`), listed only with `filter=all`
    /// and only to an admin's token.
    pub fn is_personal(&self) -> bool {
        self.space_type.0.as_deref() == Some("private")
    }
}

/// `GET /api/verify`: whose credentials these are.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Verification {
    /// The workspace the token belongs to, when Mode says.
    #[serde(default)]
    pub workspace: Text,
}

/// One entry of `_embedded.reports`.
#[derive(Debug, Clone, Deserialize)]
pub struct Report {
    pub token: String,
    #[serde(default)]
    pub name: Text,
    #[serde(default, rename = "type")]
    pub report_type: Text,
    #[serde(default)]
    pub archived: Flag,
    #[serde(default)]
    pub space_token: Text,
    #[serde(default)]
    pub created_at: Text,
    #[serde(default)]
    pub updated_at: Text,
    #[serde(default)]
    pub last_run_at: Text,
    #[serde(default)]
    pub last_successfully_run_at: Text,
    #[serde(default)]
    pub view_count: Counter,
    #[serde(default)]
    pub schedules_count: Counter,
    /// Mode's estimate of one run's duration, in seconds.
    #[serde(default)]
    pub expected_runtime: Seconds,
    #[serde(default, rename = "_links", deserialize_with = "object_or_default")]
    pub links: Links,
}

impl Report {
    /// The creator's username: the last segment of `_links.creator.href` (`/api/<username>`).
    pub fn creator(&self) -> Option<String> {
        let href = self.links.creator.href()?;
        let name = href.trim_end_matches('/').rsplit('/').next()?;
        (!name.is_empty()).then(|| name.to_string())
    }

    pub fn web_url(&self) -> Option<String> {
        self.links.web.href().map(str::to_string)
    }
}

/// One entry of `_embedded.report_schedules`.
#[derive(Debug, Clone, Deserialize)]
pub struct Schedule {
    pub token: String,
    #[serde(default)]
    pub name: Text,
    #[serde(default)]
    pub frequency: Text,
    #[serde(default)]
    pub time_zone: Text,
    #[serde(default)]
    pub hour: Text,
    #[serde(default)]
    pub minute: Text,
    #[serde(default)]
    pub next_scheduled_run: Text,
    #[serde(default)]
    pub last_scheduled_run: Text,
    #[serde(default)]
    pub last_run_at: Text,
    #[serde(default)]
    pub last_succeeded_at: Text,
    #[serde(default)]
    pub retry_state: Text,
    #[serde(default)]
    pub subscriber_count: Counter,
}
