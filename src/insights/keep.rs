//! The keep list: reports exempt from findings, each with the reason it is kept (`--keep-list FILE`).
//!
//! ```toml
//! [[keep]]
//! token = "a1b2c3d4e5f6"
//! reason = "board deck, opened from the PDF export"
//! ```

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

/// Report tokens exempt from findings, with why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeepList {
    reasons: HashMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeepFile {
    #[serde(default)]
    keep: Vec<KeepEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeepEntry {
    token: String,
    reason: String,
}

impl KeepList {
    /// Reads and checks a keep-list file; the error says what to fix.
    pub fn read(path: &Path) -> Result<KeepList, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read the keep list {}: {e}", path.display()))?;
        KeepList::parse(&text).map_err(|e| format!("keep list {}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<KeepList, String> {
        let file: KeepFile = toml::from_str(text).map_err(|e| {
            format!("{e}\n(expected entries like: [[keep]] token = \"<report token>\" reason = \"why it stays\")")
        })?;
        let mut reasons = HashMap::new();
        for (i, entry) in file.keep.into_iter().enumerate() {
            let token = entry.token.trim().to_string();
            if token.is_empty() || token.contains(['/', ' ']) {
                return Err(format!(
                    "entry {} has token '{}': use the report token, the last part of its URL (…/reports/<token>)",
                    i + 1,
                    entry.token
                ));
            }
            if entry.reason.trim().is_empty() {
                return Err(format!(
                    "entry {} ({token}) has an empty reason: say why the report stays",
                    i + 1
                ));
            }
            reasons.insert(token, entry.reason.trim().to_string());
        }
        Ok(KeepList { reasons })
    }

    pub fn contains(&self, token: &str) -> bool {
        self.reasons.contains_key(token)
    }

    /// Why `token` is kept.
    pub fn reason(&self, token: &str) -> Option<&str> {
        self.reasons.get(token).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.reasons.len()
    }

    pub fn is_empty(&self) -> bool {
        self.reasons.is_empty()
    }

    /// Kept tokens that are not among `present` (deleted reports, or typos), sorted.
    pub fn unmatched<'a>(&'a self, present: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        let present: std::collections::HashSet<&str> = present.into_iter().collect();
        let mut missing: Vec<&str> = self
            .reasons
            .keys()
            .map(String::as_str)
            .filter(|t| !present.contains(t))
            .collect();
        missing.sort_unstable();
        missing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_read_with_their_reasons() {
        let keep = KeepList::parse(
            "[[keep]]\ntoken = \"abc123\"\nreason = \"board deck\"\n\n[[keep]]\ntoken = \" def456 \"\nreason = \"SLA\"\n",
        )
        .unwrap();
        assert_eq!(keep.len(), 2);
        assert!(keep.contains("abc123") && keep.contains("def456") && !keep.contains("zzz"));
        assert_eq!(keep.reason("abc123"), Some("board deck"));
        assert_eq!(keep.unmatched(["abc123", "other"]), vec!["def456"]);
        assert!(KeepList::parse("").unwrap().is_empty());
    }

    #[test]
    fn mistakes_say_what_to_fix() {
        let missing_reason = KeepList::parse("[[keep]]\ntoken = \"abc\"\n").unwrap_err();
        assert!(missing_reason.contains("reason"), "{missing_reason}");
        let empty_reason = KeepList::parse("[[keep]]\ntoken = \"abc\"\nreason = \" \"\n").unwrap_err();
        assert!(empty_reason.contains("empty reason"), "{empty_reason}");
        let typo = KeepList::parse("[[keep]]\ntoken = \"abc\"\nreasons = \"x\"\n").unwrap_err();
        assert!(typo.contains("reasons"), "{typo}");
        let url = KeepList::parse("[[keep]]\ntoken = \"https://app.mode.com/acme/reports/abc\"\nreason = \"x\"\n")
            .unwrap_err();
        assert!(url.contains("report token"), "{url}");
    }
}
