//! Times as Mode writes them (RFC 3339, any offset), read into UTC; and the one clock every file
//! this program writes stamps its times with.

use chrono::{DateTime, SecondsFormat, Utc};

/// The time now, in UTC, as every file this program writes records it (RFC 3339, milliseconds, `Z`).
pub fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// An RFC 3339 time in UTC; `None` when the text is not one.
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_read_into_utc_and_junk_is_none() {
        let t = parse_time("2026-11-28T09:00:00.000+05:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-28T04:00:00+00:00");
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time(""), None);
    }
}
