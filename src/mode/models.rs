//! Mode's JSON shapes as the audit reads them: HAL list pages, collections, reports, schedules.
//!
//! Every field Mode may omit is an `Option`; unknown fields are ignored; counters are accepted as
//! numbers or numeric strings (Mode's docs type them as strings, real payloads send numbers).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

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

    fn from_json(value: serde_json::Value) -> Counter {
        use serde_json::Value;
        let parsed = match value {
            Value::Null => return Counter::Missing,
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse::<u64>().ok(),
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
        serde_json::Value::deserialize(deserializer).map(Counter::from_json)
    }
}

/// Text that Mode may send as a string or a number (e.g. `hour`); anything else reads as absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde_json::Value;
        Ok(Text(match Value::deserialize(deserializer)? {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }))
    }
}

/// A boolean that may arrive as `true`, `"true"` or null.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flag(pub Option<bool>);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde_json::Value;
        Ok(Flag(match Value::deserialize(deserializer)? {
            Value::Bool(b) => Some(b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }))
    }
}

/// A non-negative duration in seconds sent as a number or numeric string; anything else is absent.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Seconds(pub Option<f64>);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde_json::Value;
        let value = match Value::deserialize(deserializer)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        Ok(Seconds(value.filter(|v| v.is_finite() && *v >= 0.0)))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Link {
    #[serde(default)]
    pub href: Text,
}

impl Link {
    pub fn href(link: &Option<Link>) -> Option<&str> {
        link.as_ref().and_then(|l| l.href.0.as_deref())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Links {
    #[serde(default)]
    pub web: Option<Link>,
    #[serde(default)]
    pub creator: Option<Link>,
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
    #[serde(default, rename = "_links")]
    pub links: Option<Links>,
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
    #[serde(default, rename = "_links")]
    pub links: Option<Links>,
}

impl Report {
    /// The creator's username: the last segment of `_links.creator.href` (`/api/<username>`).
    pub fn creator(&self) -> Option<String> {
        let href = Link::href(&self.links.as_ref()?.creator)?;
        let name = href.trim_end_matches('/').rsplit('/').next()?;
        (!name.is_empty()).then(|| name.to_string())
    }

    pub fn web_url(&self) -> Option<String> {
        Link::href(&self.links.as_ref()?.web).map(str::to_string)
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

/// A resource that Mode lists under a fixed `_embedded` key.
pub trait Listed: DeserializeOwned + Send + 'static {
    const KEY: &'static str;
    fn token(&self) -> &str;
}

impl Listed for Collection {
    const KEY: &'static str = "spaces";
    fn token(&self) -> &str {
        &self.token
    }
}

impl Listed for Report {
    const KEY: &'static str = "reports";
    fn token(&self) -> &str {
        &self.token
    }
}

impl Listed for Schedule {
    const KEY: &'static str = "report_schedules";
    fn token(&self) -> &str {
        &self.token
    }
}

/// A HAL list page: `{"_links": …, "_embedded": {"<key>": [ … ]}}`. A missing `_embedded`, a missing
/// key or a null list all read as an empty page (Mode's past-the-end page is `"_embedded": {}`).
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
}

impl<'de, T: Listed> Deserialize<'de> for Page<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(bound = "T: Listed")]
        struct Envelope<T: Listed> {
            #[serde(default, rename = "_embedded")]
            embedded: Option<Embedded<T>>,
        }
        let envelope = Envelope::<T>::deserialize(deserializer)?;
        Ok(Page {
            items: envelope.embedded.map(|e| e.0).unwrap_or_default(),
        })
    }
}

/// `_embedded` reduced to the one list we asked for; other keys are skipped without being kept.
struct Embedded<T>(Vec<T>);

impl<'de, T: Listed> Deserialize<'de> for Embedded<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EmbeddedVisitor<T>(PhantomData<T>);
        impl<'de, T: Listed> Visitor<'de> for EmbeddedVisitor<T> {
            type Value = Embedded<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "an _embedded object")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Embedded(Vec::new()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == T::KEY {
                        items = map.next_value::<Option<Vec<T>>>()?.unwrap_or_default();
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Embedded(items))
            }
        }
        deserializer.deserialize_any(EmbeddedVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page<T: Listed>(json: &str) -> Page<T> {
        serde_json::from_str(json).expect("page parses")
    }

    #[test]
    fn counters_accept_numbers_and_numeric_strings_and_flag_garbage() {
        let p: Page<Report> = page(
            r#"{"_embedded":{"reports":[
                {"token":"a","view_count":6,"schedules_count":"2"},
                {"token":"b","view_count":null},
                {"token":"c","view_count":-3,"schedules_count":"many"},
                {"token":"d","view_count":1.5,"schedules_count":10000000000000}
            ]}}"#,
        );
        let counts: Vec<_> = p.items.iter().map(|r| (r.view_count, r.schedules_count)).collect();
        assert_eq!(
            counts,
            vec![
                (Counter::Value(6), Counter::Value(2)),
                (Counter::Missing, Counter::Missing),
                (Counter::Invalid, Counter::Invalid),
                (Counter::Invalid, Counter::Invalid),
            ]
        );
    }

    #[test]
    fn empty_missing_and_null_embedded_are_empty_pages() {
        for body in [
            r#"{"_links":{"self":{"href":""}},"_embedded":{}}"#,
            r#"{"_links":{}}"#,
            r#"{"_embedded":null}"#,
            r#"{"_embedded":{"reports":null}}"#,
            r#"{"_embedded":{"reports":[]}}"#,
        ] {
            assert!(page::<Report>(body).items.is_empty(), "{body}");
        }
    }

    #[test]
    fn other_embedded_keys_are_ignored() {
        let p: Page<Schedule> = page(
            r#"{"_embedded":{"reports":[{"x":1}],"report_schedules":[{"token":"s1","hour":8,"frequency":"daily","subscriber_count":"3"}]}}"#,
        );
        assert_eq!(p.items.len(), 1);
        assert_eq!(p.items[0].hour.0.as_deref(), Some("8"));
        assert_eq!(p.items[0].subscriber_count, Counter::Value(3));
    }

    #[test]
    fn creator_comes_from_the_creator_link_and_names_may_be_null() {
        let p: Page<Report> = page(
            r#"{"_embedded":{"reports":[{"token":"r","name":null,"archived":"true","unknown":{"deep":[1]},
                "_links":{"creator":{"href":"/api/ana_lima"},"web":{"href":"https://app.mode.com/acme/reports/r"}}}]}}"#,
        );
        let r = &p.items[0];
        assert_eq!(r.name.0, None);
        assert_eq!(r.archived.0, Some(true));
        assert_eq!(r.creator().as_deref(), Some("ana_lima"));
        assert_eq!(r.web_url().as_deref(), Some("https://app.mode.com/acme/reports/r"));
    }

    #[test]
    fn decode_errors_name_the_json_path() {
        let body = r#"{"_embedded":{"reports":[{"token":"a"},{"name":"no token"}]}}"#;
        let de = &mut serde_json::Deserializer::from_str(body);
        let err = serde_path_to_error::deserialize::<_, Page<Report>>(de).unwrap_err();
        assert_eq!(err.path().to_string(), "_embedded.reports[1]");
    }
}
