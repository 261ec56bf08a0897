//! The workspaces a run audits, each with the credentials it uses: `workspaces = ["a", "b"]` (the
//! credentials from MODE_API_TOKEN / MODE_API_SECRET), or tables naming a credential per
//! workspace, for organisations whose workspaces have tokens of their own:
//!
//! ```toml
//! [[workspaces]]
//! name = "a"
//! token_file = "/secrets/a/token"
//! secret_file = "/secrets/a/secret"
//! ```
//!
//! Workspaces that name the same token file form one credential group: they share Mode's per-user
//! budget, so they are audited in turn through one pacer and always land in the same shard.

use std::fmt;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::{ConfigError, FileConfig, bad};
use crate::cli::RunArgs;
use crate::mode::Credentials;

/// The group of workspaces whose credentials come from the environment.
pub const ENV_GROUP: &str = "environment";

/// One workspace of the list, and where its credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceEntry {
    pub name: String,
    /// Files holding this workspace's API token and secret; the environment's when `None`.
    pub files: Option<(PathBuf, PathBuf)>,
}

impl WorkspaceEntry {
    pub fn named(name: impl Into<String>) -> WorkspaceEntry {
        WorkspaceEntry {
            name: name.into(),
            files: None,
        }
    }

    /// The credential group: the token file, or [`ENV_GROUP`].
    pub fn group(&self) -> String {
        match &self.files {
            Some((token, _)) => token.display().to_string(),
            None => ENV_GROUP.to_string(),
        }
    }

    /// Reads this workspace's credentials from its files (`None`: it uses the environment's).
    pub fn credentials(&self) -> Result<Option<Credentials>, ConfigError> {
        let Some((token, secret)) = &self.files else {
            return Ok(None);
        };
        Ok(Some(Credentials {
            token: read_secret(&self.name, "token_file", token)?,
            secret: read_secret(&self.name, "secret_file", secret)?,
        }))
    }
}

fn read_secret(workspace: &str, key: &str, path: &Path) -> Result<SecretString, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        bad(format!(
            "cannot read the {key} of workspace '{workspace}' ({}): {e}; check the path in the config file and that this user may read it",
            path.display()
        ))
    })?;
    let value = text.trim();
    if value.is_empty() {
        return Err(bad(format!(
            "the {key} of workspace '{workspace}' ({}) is empty",
            path.display()
        )));
    }
    Ok(SecretString::from(value.to_string()))
}

/// The table form, every key checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    name: String,
    token_file: Option<PathBuf>,
    secret_file: Option<PathBuf>,
}

/// A name (`"a"`) or a table (`{ name = "a", token_file = "...", secret_file = "..." }`).
impl<'de> Deserialize<'de> for WorkspaceEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entry;
        impl<'de> Visitor<'de> for Entry {
            type Value = WorkspaceEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a workspace name, or a table with name, token_file and secret_file")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<WorkspaceEntry, E> {
                Ok(WorkspaceEntry::named(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<WorkspaceEntry, A::Error> {
                let t = Table::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let files = match (t.token_file, t.secret_file) {
                    (Some(token), Some(secret)) => Some((token, secret)),
                    (None, None) => None,
                    _ => {
                        return Err(de::Error::custom(format!(
                            "workspace '{}' names one of token_file and secret_file: give both, or neither to use MODE_API_TOKEN / MODE_API_SECRET",
                            t.name
                        )));
                    }
                };
                Ok(WorkspaceEntry { name: t.name, files })
            }
        }
        deserializer.deserialize_any(Entry)
    }
}

/// `workspaces`: a list of entries (a single name is taken as a list of one).
pub fn deserialize_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Vec<WorkspaceEntry>>, D::Error> {
    struct List;
    impl<'de> Visitor<'de> for List {
        type Value = Option<Vec<WorkspaceEntry>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of workspace names or [[workspaces]] tables")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(entry) = seq.next_element::<WorkspaceEntry>()? {
                out.push(entry);
            }
            Ok(Some(out))
        }
    }
    deserializer.deserialize_seq(List)
}

/// The workspaces to audit: flags/env first, else the file's `workspaces` or `workspace`; no repeats.
pub fn workspaces(args: &RunArgs, file: &FileConfig) -> Result<Vec<String>, ConfigError> {
    Ok(entries(args, file)?.into_iter().map(|e| e.name).collect())
}

/// The workspaces to audit with their credential files: names from the flags take the files the
/// config file's `workspaces` gives them, if any.
pub fn entries(args: &RunArgs, file: &FileConfig) -> Result<Vec<WorkspaceEntry>, ConfigError> {
    let listed = file.only.workspaces.clone().unwrap_or_default();
    if file.only.workspaces.is_some() && file.only.workspace.is_some() {
        return Err(bad("the config file has both 'workspace' and 'workspaces': keep one"));
    }
    let named: Vec<WorkspaceEntry> = if !args.workspace.is_empty() {
        args.workspace
            .iter()
            .map(|name| {
                let name = name.trim();
                listed
                    .iter()
                    .find(|e| e.name.trim() == name)
                    .cloned()
                    .unwrap_or_else(|| WorkspaceEntry::named(name))
            })
            .collect()
    } else if file.only.workspaces.is_some() {
        listed
    } else {
        file.only.workspace.iter().map(WorkspaceEntry::named).collect()
    };
    let mut out: Vec<WorkspaceEntry> = Vec::new();
    for mut entry in named {
        entry.name = entry.name.trim().to_string();
        if entry.name.is_empty() {
            continue;
        }
        check_workspace(&entry.name)?;
        if !out.iter().any(|e| e.name == entry.name) {
            out.push(entry);
        }
    }
    if out.is_empty() {
        return Err(bad(
            "no workspace given: pass --workspace NAME (the part after app.mode.com/ in your Mode URLs), set MODE_WORKSPACE, or put workspace = \"NAME\" in the config file",
        ));
    }
    Ok(out)
}

/// A workspace username holds only ASCII letters, digits, `_` and `-` (it is a path segment of
/// every API URL: app.mode.com/<workspace>).
fn check_workspace(workspace: &str) -> Result<(), ConfigError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if let Some(bad_char) = workspace.chars().find(|c| !allowed(*c)) {
        let shown = match bad_char {
            ' ' => "a space".to_string(),
            c => format!("'{c}'"),
        };
        return Err(bad(format!(
            "workspace '{workspace}' is not a Mode workspace username: it holds {shown}, and a username has only \
             letters, digits, '_' and '-'. Use the part after app.mode.com/ in your Mode URLs \
             (app.mode.com/acme_corp: --workspace acme_corp)"
        )));
    }
    Ok(())
}

/// Entries grouped by credential group, groups in the order they first appear.
pub fn groups(entries: Vec<WorkspaceEntry>) -> Vec<(String, Vec<WorkspaceEntry>)> {
    let mut out: Vec<(String, Vec<WorkspaceEntry>)> = Vec::new();
    for entry in entries {
        let key = entry.group();
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(entry),
            None => out.push((key, vec![entry])),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_tables_mix_and_tables_group_by_token_file() {
        let file = FileConfig::parse(
            r#"
workspaces = [
  "plain",
  { name = "a", token_file = "/s/team1/token", secret_file = "/s/team1/secret" },
  { name = "b", token_file = "/s/team2/token", secret_file = "/s/team2/secret" },
  { name = "c", token_file = "/s/team1/token", secret_file = "/s/team1/secret" },
]
"#,
        )
        .unwrap();
        let entries = file.only.workspaces.unwrap();
        assert_eq!(entries[0], WorkspaceEntry::named("plain"));
        let grouped: Vec<(String, Vec<String>)> = groups(entries)
            .into_iter()
            .map(|(k, list)| (k, list.into_iter().map(|e| e.name).collect()))
            .collect();
        assert_eq!(
            grouped,
            vec![
                (ENV_GROUP.to_string(), vec!["plain".to_string()]),
                ("/s/team1/token".to_string(), vec!["a".to_string(), "c".to_string()]),
                ("/s/team2/token".to_string(), vec!["b".to_string()]),
            ]
        );
    }

    #[test]
    fn the_array_of_tables_form_parses_and_half_a_credential_is_refused() {
        let file = FileConfig::parse(
            "[[workspaces]]\nname = \"a\"\ntoken_file = \"t\"\nsecret_file = \"s\"\n[[workspaces]]\nname = \"b\"\n",
        )
        .unwrap();
        let entries = file.only.workspaces.unwrap();
        assert_eq!(entries[0].files, Some((PathBuf::from("t"), PathBuf::from("s"))));
        assert_eq!(entries[1], WorkspaceEntry::named("b"));
        let err = FileConfig::parse("[[workspaces]]\nname = \"a\"\ntoken_file = \"t\"\n").unwrap_err();
        assert!(err.contains("give both"), "{err}");
        let err = FileConfig::parse("[[workspaces]]\nname = \"a\"\ntoken = \"inline\"\n").unwrap_err();
        assert!(
            err.contains("`token` is not read from the config file") && !err.contains("inline"),
            "{err}"
        );
        assert!(
            err.contains("a [[workspaces]] table names token_file and secret_file"),
            "{err}"
        );
    }

    #[test]
    fn credentials_come_from_the_named_files_and_a_missing_file_says_which() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token"), "tok-a\n").unwrap();
        std::fs::write(dir.path().join("secret"), "sec-a\n").unwrap();
        let entry = WorkspaceEntry {
            name: "a".into(),
            files: Some((dir.path().join("token"), dir.path().join("secret"))),
        };
        let creds = entry.credentials().unwrap().unwrap();
        use secrecy::ExposeSecret;
        assert_eq!(creds.token.expose_secret(), "tok-a");
        assert_eq!(creds.secret.expose_secret(), "sec-a");
        let missing = WorkspaceEntry {
            name: "b".into(),
            files: Some((dir.path().join("nope"), dir.path().join("secret"))),
        };
        let err = missing.credentials().unwrap_err().0;
        assert!(
            err.contains("token_file of workspace 'b'") && err.contains("nope"),
            "{err}"
        );
        assert_eq!(WorkspaceEntry::named("c").credentials().unwrap().map(|_| ()), None);
    }
}
