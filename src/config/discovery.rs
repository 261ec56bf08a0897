//! The Discovery API settings: which source to read (`--source`), and a signature token from the
//! environment or secret files only (MODE_DISCOVERY_TOKEN, MODE_DISCOVERY_ACCESS_KEY,
//! MODE_DISCOVERY_ACCESS_SECRET, or their `_FILE` variants), never from flags or the config file.

use super::credentials::optional_secret;
use super::{ConfigError, bad};
use crate::cli::Source;
use crate::mode::discovery::SignatureToken;

/// The three variables of a signature token.
pub const TOKEN_VARS: [&str; 3] = [
    "MODE_DISCOVERY_TOKEN",
    "MODE_DISCOVERY_ACCESS_KEY",
    "MODE_DISCOVERY_ACCESS_SECRET",
];

/// Where listings come from, and the signature token when one is configured.
#[derive(Debug, Clone, Default)]
pub struct DiscoverySettings {
    /// As asked for (`auto` not yet resolved: see [`DiscoverySettings::effective`]).
    pub source: Source,
    pub token: Option<SignatureToken>,
}

/// The source a run uses once `auto` is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effective {
    Rest,
    Discovery,
    Both,
}

impl Effective {
    pub fn as_str(self) -> &'static str {
        match self {
            Effective::Rest => "rest",
            Effective::Discovery => "discovery",
            Effective::Both => "both",
        }
    }

    /// Whether the run reads the Discovery API.
    pub fn uses_discovery(self) -> bool {
        self != Effective::Rest
    }
}

impl DiscoverySettings {
    /// `auto` is `both` with a configured token and `rest` without one (it never mints).
    pub fn effective(&self) -> Effective {
        match self.source {
            Source::Rest => Effective::Rest,
            Source::Discovery => Effective::Discovery,
            Source::Both => Effective::Both,
            Source::Auto if self.token.is_some() => Effective::Both,
            Source::Auto => Effective::Rest,
        }
    }

    /// The run mints a token of its own: Discovery asked for, none configured.
    pub fn mints(&self) -> bool {
        self.token.is_none() && self.effective().uses_discovery()
    }
}

/// A signature token from the environment: all three values, or none of them.
pub fn signature_token(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<SignatureToken>, ConfigError> {
    let mut values = Vec::with_capacity(3);
    for name in TOKEN_VARS {
        values.push(optional_secret(env, name)?);
    }
    let set: Vec<&str> = TOKEN_VARS
        .iter()
        .zip(&values)
        .filter_map(|(name, v)| v.as_ref().map(|_| *name))
        .collect();
    if set.is_empty() {
        return Ok(None);
    }
    let mut values = values.into_iter().flatten();
    match (values.next(), values.next(), values.next()) {
        (Some(token), Some(access_key), Some(access_secret)) => Ok(Some(SignatureToken {
            token,
            access_key,
            access_secret,
        })),
        _ => Err(bad(format!(
            "a Discovery signature token needs all of {} (or their _FILE variants); only {} is set",
            TOKEN_VARS.join(", "),
            set.join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn all_three_or_none_and_auto_follows_the_token() {
        assert!(signature_token(&env_of(&[])).unwrap().is_none());
        let err = signature_token(&env_of(&[("MODE_DISCOVERY_TOKEN", "MARKER-tok")])).unwrap_err();
        assert!(
            err.0.contains("MODE_DISCOVERY_ACCESS_SECRET") && !err.0.contains("MARKER"),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        std::fs::write(&file, "MARKER-secret\n").unwrap();
        let env = env_of(&[
            ("MODE_DISCOVERY_TOKEN", "t"),
            ("MODE_DISCOVERY_ACCESS_KEY", "k"),
            ("MODE_DISCOVERY_ACCESS_SECRET_FILE", file.to_str().unwrap()),
        ]);
        let token = signature_token(&env).unwrap().unwrap();
        assert_eq!(token.access_secret.expose_secret(), "MARKER-secret");
        assert!(!format!("{token:?}").contains("MARKER"));
        let mut settings = DiscoverySettings::default();
        assert_eq!((settings.effective(), settings.mints()), (Effective::Rest, false));
        settings.source = Source::Discovery;
        assert!(settings.mints());
        settings.token = Some(token);
        settings.source = Source::Auto;
        assert_eq!((settings.effective(), settings.mints()), (Effective::Both, false));
    }
}
