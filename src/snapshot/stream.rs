//! Reading a snapshot.json as a stream: the fields outside `reports` a reader asks for, and each
//! report handed over one at a time, decoded as the reader's own type, never the whole array.

use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::marker::PhantomData;
use std::path::Path;

use serde::Deserialize;
use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, Error, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Failure, SCHEMA_VERSION};

/// The fields of snapshot.json outside `reports`, as far as the reader asked for them.
#[derive(Debug, Default)]
pub struct Head {
    /// 0 when the file has none.
    pub schema_version: u32,
    /// Empty when the file has none.
    pub workspace: String,
    pub started_at: Option<String>,
    /// Its run's clock minus Mode's, in seconds (`stats.clock_offset_seconds`), when recorded and
    /// asked for ([`Wanted::stats`]).
    pub clock_offset_seconds: Option<i64>,
    /// What the run could not read, when asked for ([`Wanted::failures`]).
    pub failures: Vec<Failure>,
}

/// Which fields outside `reports` are decoded besides `schema_version`, `workspace` and
/// `started_at`; the rest are skipped unread.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wanted {
    pub stats: bool,
    pub failures: bool,
}

/// How one reader reads: what it wants, what it refuses, what it does with each report.
pub struct Reading<'a, R> {
    pub wanted: Wanted,
    /// Judges the head each time its `schema_version` or `workspace` has been read; an error stops
    /// the reading there.
    pub check: &'a dyn Fn(&Head) -> Result<(), String>,
    /// Called for every report, in file order, decoded as `R` (which keeps only what it names).
    pub each: &'a mut dyn FnMut(R),
}

/// `Err` when a reader of `workspace` cannot use a snapshot of layout `schema_version` taken of
/// workspace `of`: a newer layout, or another workspace's (a snapshot that names none is anyone's).
pub fn refuse(schema_version: u32, of: &str, workspace: &str) -> Result<(), String> {
    if schema_version > SCHEMA_VERSION {
        return Err(format!(
            "schema_version {schema_version} is newer than this program's {SCHEMA_VERSION}"
        ));
    }
    if !of.is_empty() && of != workspace {
        return Err(format!("it is a snapshot of workspace '{of}'"));
    }
    Ok(())
}

/// Reads `path` to its end, as `reading` says; the head comes back once the whole file has been
/// read. An error (unreadable, not JSON, truncated, wrong shape, refused) may come after some
/// reports were handed over: the caller must then discard them.
pub fn read<R: DeserializeOwned>(path: &Path, reading: Reading<R>) -> Result<Head, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut de = serde_json::Deserializer::from_reader(BufReader::new(file));
    let head = Top(reading).deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(head)
}

/// What a reader needs of the stats.
#[derive(Deserialize)]
struct SlimStats {
    #[serde(default)]
    clock_offset_seconds: Option<i64>,
}

/// The top-level object.
struct Top<'a, R>(Reading<'a, R>);

impl<'de, R: DeserializeOwned> DeserializeSeed<'de> for Top<'_, R> {
    type Value = Head;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Head, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, R: DeserializeOwned> Visitor<'de> for Top<'_, R> {
    type Value = Head;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mode-audit snapshot object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Head, A::Error> {
        let Reading { wanted, check, each } = self.0;
        let mut head = Head::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "schema_version" => head.schema_version = map.next_value()?,
                "workspace" => head.workspace = map.next_value()?,
                "started_at" => head.started_at = Some(map.next_value()?),
                "stats" if wanted.stats => {
                    head.clock_offset_seconds = map.next_value::<SlimStats>()?.clock_offset_seconds
                }
                "failures" if wanted.failures => head.failures = map.next_value()?,
                "reports" => map.next_value_seed(Reports(&mut *each, PhantomData))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if matches!(key.as_str(), "schema_version" | "workspace") {
                check(&head).map_err(A::Error::custom)?;
            }
        }
        Ok(head)
    }
}

/// The `reports` array, one report at a time.
struct Reports<'a, R>(&'a mut dyn FnMut(R), PhantomData<R>);

impl<'de, R: DeserializeOwned> DeserializeSeed<'de> for Reports<'_, R> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, R: DeserializeOwned> Visitor<'de> for Reports<'_, R> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of reports")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(report) = seq.next_element::<R>()? {
            (self.0)(report);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Token {
        token: String,
    }

    fn write(text: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("snapshot.json"), text).unwrap();
        dir
    }

    #[test]
    fn only_the_wanted_head_fields_are_decoded() {
        let dir = write(
            r#"{"stats":{"clock_offset_seconds":3},"failures":[{"scope":"schedules","token":"a","error":"cap"}],
                "reports":[{"token":"a"},{"token":"b"}],"workspace":"acme"}"#,
        );
        let path = dir.path().join("snapshot.json");
        for (stats, failures) in [(false, false), (true, true)] {
            let mut seen = Vec::new();
            let reading = Reading {
                wanted: Wanted { stats, failures },
                check: &|_| Ok(()),
                each: &mut |r: Token| seen.push(r.token),
            };
            let head = read(&path, reading).unwrap();
            assert_eq!(seen, ["a", "b"]);
            assert_eq!(head.workspace, "acme");
            assert_eq!(head.clock_offset_seconds, stats.then_some(3));
            assert_eq!(head.failures.len(), usize::from(failures));
        }
    }

    #[test]
    fn a_refused_head_stops_the_reading_before_the_reports_after_it() {
        let dir = write(r#"{"reports":[{"token":"a"}],"workspace":"other","schema_version":1}"#);
        let mut seen = Vec::new();
        let reading = Reading {
            wanted: Wanted::default(),
            check: &|head| refuse(head.schema_version, &head.workspace, "acme"),
            each: &mut |r: Token| seen.push(r.token),
        };
        let error = read(&dir.path().join("snapshot.json"), reading).unwrap_err();
        assert!(error.starts_with("it is a snapshot of workspace 'other'"), "{error}");
        assert_eq!(seen, ["a"], "the reports before the refused field were handed over");
        let newer = format!(
            r#"{{"schema_version":{},"reports":[{{"token":"a"}}]}}"#,
            SCHEMA_VERSION + 1
        );
        let dir = write(&newer);
        let mut seen = Vec::new();
        let reading = Reading {
            wanted: Wanted::default(),
            check: &|head| refuse(head.schema_version, &head.workspace, "acme"),
            each: &mut |r: Token| seen.push(r.token),
        };
        assert!(read(&dir.path().join("snapshot.json"), reading).is_err());
        assert!(seen.is_empty(), "nothing is read after a newer layout");
    }
}
