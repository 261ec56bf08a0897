//! What a config file error means and how to fix it: a credential key (never read from the file),
//! a misspelt key (the nearest known one), a value of the wrong type (the example's line for it).

/// The documented example: every key with a sample value.
const EXAMPLE: &str = include_str!("../../config/example.toml");

/// The first key of the file's top level that is no setting, as an error with its line (a
/// table's own keys, such as those of `[[workspaces]]`, are checked by the table's reader).
pub fn known_keys_only(text: &str, known: &[&str]) -> Result<(), String> {
    let table = toml::de::DeTable::parse(text).map_err(|e| explain(&e, text))?;
    let unknown = table
        .get_ref()
        .iter()
        .map(|(key, _)| key)
        .filter(|key| !known.contains(&key.get_ref().as_ref()))
        .min_by_key(|key| key.span().start);
    match unknown {
        Some(key) => Err(format!(
            "line {}: {}",
            line_of(text, key.span().start),
            unknown_key(key.get_ref(), known)
        )),
        None => Ok(()),
    }
}

/// The message for a config file that does not parse, with its line.
pub fn explain(error: &toml::de::Error, text: &str) -> String {
    let message = error.message();
    let line = error.span().map(|span| line_of(text, span.start));
    let at = line.map_or(String::new(), |n| format!("line {n}: "));
    if let Some(key) = quoted_after(message, "unknown field `") {
        return format!("{at}{}", unknown_key(key, &expected(message)));
    }
    if message.starts_with("invalid type") || message.starts_with("invalid value") {
        let written = line.and_then(|n| text.lines().nth(n - 1)).map(str::trim);
        if let Some((key, example)) = written.and_then(|w| example_of(w).map(|e| (w, e))) {
            return format!("{at}`{key}`: {message}; write it as config/example.toml does: {example}");
        }
    }
    error.to_string()
}

/// Keys that would hold a credential: the file never does.
fn is_credential(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["token", "secret", "password", "api_key"]
        .iter()
        .any(|word| key.contains(word))
}

/// The line `at` (a byte offset) is on, counted from 1.
fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// The keys serde's message for an unknown field lists as expected.
fn expected(message: &str) -> Vec<&str> {
    message
        .split_once("expected one of ")
        .map(|(_, list)| list.split(", ").filter_map(|k| quoted_after(k, "`")).collect())
        .unwrap_or_default()
}

fn unknown_key(key: &str, known: &[&str]) -> String {
    if is_credential(key) {
        return format!(
            "`{key}` is not read from the config file: credentials come only from MODE_API_TOKEN / \
             MODE_API_SECRET, or from files named by MODE_API_TOKEN_FILE / MODE_API_SECRET_FILE \
             (docs/configuration.md#credentials), and a [[workspaces]] table names token_file and secret_file; \
             remove the key and keep the secret out of the file"
        );
    }
    let nearest = known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(key, k), *k))
        .filter(|(distance, k)| *distance <= 2.max(k.len() / 4))
        .min();
    match nearest {
        Some((_, k)) => format!("unknown key `{key}`: did you mean `{k}`? (config/example.toml lists every key)"),
        None => format!("unknown key `{key}`: config/example.toml lists every key"),
    }
}

/// The text between `open` and the next backtick.
fn quoted_after<'a>(text: &'a str, open: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find('`')?;
    Some(&text[start..start + len])
}

/// The example's line for the key `written` sets (`rate = 40` gives `rate = "40/10s"`).
fn example_of(written: &str) -> Option<&'static str> {
    let key = written.split('=').next()?.trim();
    if key.is_empty() {
        return None;
    }
    EXAMPLE
        .lines()
        .map(|l| l.trim_start_matches('#').trim())
        .find(|l| l.split_once('=').is_some_and(|(k, _)| k.trim() == key))
}

#[cfg(test)]
mod tests {
    use super::super::FileConfig;

    fn error_of(text: &str) -> String {
        FileConfig::parse(text).unwrap_err()
    }

    #[test]
    fn a_credential_key_says_where_credentials_come_from() {
        let err = error_of("workspace = \"acme\"\napi_token = \"abc\"\n");
        assert!(
            err.starts_with("line 2: `api_token` is not read from the config file"),
            "{err}"
        );
        assert!(err.contains("MODE_API_TOKEN / MODE_API_SECRET"), "{err}");
        assert!(!err.contains("abc") && !err.contains("expected one of"), "{err}");
    }

    #[test]
    fn a_misspelt_key_gets_the_nearest_one() {
        let err = error_of("formats = \"csv\"\n");
        assert!(err.contains("unknown key `formats`: did you mean `format`?"), "{err}");
        let err = error_of("colour = \"red\"\n");
        assert!(
            err.contains("unknown key `colour`: config/example.toml lists every key"),
            "{err}"
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_shows_the_example() {
        let err = error_of("workspace = \"acme\"\nrate = 40\n");
        assert!(err.starts_with("line 2: `rate = 40`: invalid type"), "{err}");
        assert!(
            err.ends_with("write it as config/example.toml does: rate = \"40/10s\""),
            "{err}"
        );
    }
}
