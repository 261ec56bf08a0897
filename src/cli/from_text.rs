//! `FromText<T>`: a setting written as text (a duration, a rate, a list of formats), read the same way
//! from a flag and from the config file.

use std::str::FromStr;

use serde::{Deserialize, Deserializer};

/// A setting written as text. Clap reads a flag's value with `T::from_str` and refuses a bad one
/// with its own message; the config file's value is kept as written and read with the same
/// `from_str` when the settings are merged, so a flag overrides even a bad value in the file, and
/// the message names the key (see `config::merge`).
#[derive(Debug, Clone, PartialEq)]
pub enum FromText<T> {
    /// From the command line or the environment: already read.
    Parsed(T),
    /// From the config file: as written.
    Written(String),
}

impl<T: FromStr> FromText<T> {
    /// The value, or what was written and why it does not read.
    pub fn value(self) -> Result<T, (String, T::Err)> {
        match self {
            FromText::Parsed(value) => Ok(value),
            FromText::Written(text) => text.parse().map_err(|e| (text, e)),
        }
    }
}

impl<T: FromStr> FromStr for FromText<T> {
    type Err = T::Err;
    fn from_str(s: &str) -> Result<Self, T::Err> {
        s.parse().map(FromText::Parsed)
    }
}

/// A string, whatever it says: it is read when merged.
impl<'de, T> Deserialize<'de> for FromText<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(FromText::Written)
    }
}
