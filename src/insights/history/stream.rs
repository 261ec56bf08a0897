//! Reading an earlier snapshot.json as a stream: its head fields, and each report's token, view
//! count and carried `first_seen` handed over one at a time, never the whole `reports` array.

use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The fields of snapshot.json outside `reports` that history needs.
#[derive(Debug, Default)]
pub struct Head {
    pub schema_version: u32,
    /// Empty when the file has none.
    pub workspace: String,
    pub started_at: Option<String>,
    /// Its run's clock minus Mode's, in seconds (`stats.clock_offset_seconds`), when recorded.
    pub clock_offset_seconds: Option<i64>,
}

/// What history needs of the stats.
#[derive(Deserialize)]
struct SlimStats {
    #[serde(default)]
    clock_offset_seconds: Option<i64>,
}

/// What history needs of one report.
#[derive(Deserialize)]
pub struct SlimReport {
    pub token: String,
    #[serde(default)]
    pub view_count: Option<u64>,
    #[serde(default)]
    history: Option<SlimHistory>,
}

#[derive(Deserialize)]
struct SlimHistory {
    #[serde(default)]
    first_seen: Option<String>,
}

impl SlimReport {
    /// The `first_seen` the snapshot carried forward, if any.
    pub fn first_seen(&self) -> Option<&str> {
        self.history.as_ref()?.first_seen.as_deref()
    }
}

/// Reads `path` to its end, calling `each` for every report in file order; the head comes back
/// once the whole file has been read. An error (unreadable, not JSON, truncated, wrong shape) may
/// come after some reports were handed over: the caller must then discard them.
pub fn read(path: &Path, each: &mut dyn FnMut(SlimReport)) -> Result<Head, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let mut de = serde_json::Deserializer::from_reader(BufReader::new(file));
    let head = Snapshot { each }.deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(head)
}

struct Snapshot<'a> {
    each: &'a mut dyn FnMut(SlimReport),
}

impl<'de> DeserializeSeed<'de> for Snapshot<'_> {
    type Value = Head;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Head, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Snapshot<'_> {
    type Value = Head;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mode-audit snapshot object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Head, A::Error> {
        let mut head = Head::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "schema_version" => head.schema_version = map.next_value()?,
                "workspace" => head.workspace = map.next_value()?,
                "started_at" => head.started_at = Some(map.next_value()?),
                "stats" => head.clock_offset_seconds = map.next_value::<SlimStats>()?.clock_offset_seconds,
                "reports" => map.next_value_seed(Reports { each: &mut *self.each })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(head)
    }
}

struct Reports<'a> {
    each: &'a mut dyn FnMut(SlimReport),
}

impl<'de> DeserializeSeed<'de> for Reports<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Reports<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of reports")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(report) = seq.next_element::<SlimReport>()? {
            (self.each)(report);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_come_one_at_a_time_and_the_head_in_any_field_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot.json");
        std::fs::write(
            &path,
            r#"{"reports":[{"token":"a","view_count":3,"history":{"first_seen":"2026-01-01T00:00:00Z"},"x":[1]},
                {"token":"b","view_count":null}],
               "stats":{"requests":9},"started_at":"2026-11-28T03:00:00.000Z","workspace":"acme","schema_version":1}"#,
        )
        .unwrap();
        let mut seen = Vec::new();
        let head = read(&path, &mut |r| {
            seen.push((r.token.clone(), r.view_count, r.first_seen().map(str::to_string)))
        })
        .unwrap();
        assert_eq!(
            seen,
            vec![
                ("a".into(), Some(3), Some("2026-01-01T00:00:00Z".into())),
                ("b".into(), None, None)
            ]
        );
        assert_eq!(head.started_at.as_deref(), Some("2026-11-28T03:00:00.000Z"));
        assert_eq!((head.workspace.as_str(), head.schema_version), ("acme", 1));
    }

    #[test]
    fn a_truncated_file_is_an_error_after_the_reports_before_the_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot.json");
        std::fs::write(
            &path,
            r#"{"started_at":"2026-11-28T03:00:00Z","reports":[{"token":"a"},{"tok"#,
        )
        .unwrap();
        let mut n = 0;
        assert!(read(&path, &mut |_| n += 1).is_err());
        assert_eq!(n, 1);
        std::fs::write(&path, r#"{"reports":[]} trailing"#).unwrap();
        assert!(read(&path, &mut |_| {}).is_err());
    }
}
