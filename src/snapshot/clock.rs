//! The clock offset a run records (its clock minus Mode's) and the one tolerance it is judged by:
//! the times of a snapshot whose run was further off count for no age rule.

use std::fmt;
use std::time::Duration;

/// How far a clock (this machine's, or a run's) may be from Mode's before its times are not trusted.
pub const CLOCK_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Why a snapshot's times cannot be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockDoubt {
    /// Its run's clock was this many seconds off Mode's (its clock minus Mode's).
    Off { seconds: i64 },
    /// It does not record its offset (an older version, or Mode sent no `Date`).
    Unrecorded,
}

/// `Ok` when a run that recorded `offset_seconds` had its clock within [`CLOCK_TOLERANCE`] of Mode's.
pub fn judge(offset_seconds: Option<i64>) -> Result<(), ClockDoubt> {
    match offset_seconds {
        None => Err(ClockDoubt::Unrecorded),
        Some(seconds) if seconds.unsigned_abs() > CLOCK_TOLERANCE.as_secs() => Err(ClockDoubt::Off { seconds }),
        Some(_) => Ok(()),
    }
}

impl fmt::Display for ClockDoubt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClockDoubt::Off { seconds } => {
                let way = if *seconds < 0 { "behind" } else { "ahead of" };
                let off = seconds.unsigned_abs();
                write!(f, "its run's clock was {off} s ({}) {way} Mode's", about(off))
            }
            ClockDoubt::Unrecorded => f.write_str("it does not record how far its run's clock was from Mode's"),
        }
    }
}

/// Seconds in the largest whole unit, rounded: "about 15 days", "about 2 hours", "6 minutes".
fn about(seconds: u64) -> String {
    match seconds {
        s if s >= 86_400 => format!("about {} days", (s + 43_200) / 86_400),
        s if s >= 3600 => format!("about {} hours", (s + 1800) / 3600),
        s => format!("{} minutes", s / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_minutes_either_way_is_trusted_and_nothing_recorded_is_not() {
        assert_eq!(judge(Some(-300)), Ok(()));
        assert_eq!(judge(Some(300)), Ok(()));
        assert_eq!(judge(Some(301)), Err(ClockDoubt::Off { seconds: 301 }));
        assert_eq!(judge(None), Err(ClockDoubt::Unrecorded));
        assert_eq!(
            judge(Some(400)).unwrap_err().to_string(),
            "its run's clock was 400 s (6 minutes) ahead of Mode's"
        );
        let said = judge(Some(-1_295_999)).unwrap_err().to_string();
        assert_eq!(said, "its run's clock was 1295999 s (about 15 days) behind Mode's");
    }
}
