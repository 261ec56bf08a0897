//! Fixed-format ISO 8601 UTC timestamps (`2026-03-04T05:06:07.123Z`, or `+00:00` for
//! schedule run times) built from epoch milliseconds without touching the wall clock.

/// The simulated "now": 2026-11-01T00:00:00.000Z. Every generated timestamp derives from it.
pub const BASE_MS: i64 = 1_793_491_200_000;

pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// `2026-03-04T05:06:07.123Z` — the format of `created_at`, `updated_at`, `last_run_at`, ...
pub fn iso_z(ms: i64) -> String {
    let mut s = iso_body(ms);
    s.push('Z');
    s
}

/// `2026-03-04T05:06:00.000+00:00` — the format of `last_scheduled_run` / `next_scheduled_run`.
pub fn iso_offset(ms: i64) -> String {
    let mut s = iso_body(ms);
    s.push_str("+00:00");
    s
}

/// Parses an ISO 8601 value as sent in a `filter=created_at.gt.<ts>` query: RFC 3339
/// (`2019-10-23T06:23:01Z`, offsets allowed), a naive `2019-10-23T06:23:01` (read as UTC)
/// or a bare date. Returns epoch milliseconds.
pub fn parse_iso(s: &str) -> Option<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc().timestamp_millis());
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

fn iso_body(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    let in_day = ms.rem_euclid(DAY_MS);
    let (y, m, d) = civil_from_days(days);
    let mut s = String::with_capacity(29);
    push_digits(&mut s, y.clamp(0, 9999) as u64, 4);
    s.push('-');
    push_digits(&mut s, u64::from(m), 2);
    s.push('-');
    push_digits(&mut s, u64::from(d), 2);
    s.push('T');
    push_digits(&mut s, (in_day / HOUR_MS) as u64, 2);
    s.push(':');
    push_digits(&mut s, (in_day % HOUR_MS / MINUTE_MS) as u64, 2);
    s.push(':');
    push_digits(&mut s, (in_day % MINUTE_MS / 1000) as u64, 2);
    s.push('.');
    push_digits(&mut s, (in_day % 1000) as u64, 3);
    s
}

fn push_digits(s: &mut String, mut v: u64, width: usize) {
    let mut buf = [b'0'; 20];
    for slot in buf[..width].iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
    for &b in &buf[..width] {
        s.push(char::from(b));
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_is_first_of_november_2026() {
        assert_eq!(iso_z(BASE_MS), "2026-11-01T00:00:00.000Z");
        assert_eq!(
            iso_offset(BASE_MS + DAY_MS + 20 * HOUR_MS),
            "2026-11-02T20:00:00.000+00:00"
        );
    }

    #[test]
    fn matches_chrono_over_a_wide_range() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..5_000 {
            let ms = rng.i64(0..4_102_444_800_000); // 1970 .. 2100
            let ours = iso_z(ms);
            let theirs = chrono::DateTime::from_timestamp_millis(ms)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string();
            assert_eq!(ours, theirs);
            assert_eq!(parse_iso(&ours), Some(ms));
        }
    }

    #[test]
    fn parses_filter_values() {
        assert_eq!(parse_iso("2019-10-23T06:23:01Z"), Some(1_571_811_781_000));
        assert_eq!(parse_iso("2019-10-23T06:23:01"), Some(1_571_811_781_000));
        assert_eq!(parse_iso("2019-10-23T08:23:01+02:00"), Some(1_571_811_781_000));
        assert_eq!(parse_iso("2019-10-23"), Some(1_571_788_800_000));
        assert_eq!(parse_iso("yesterday"), None);
    }
}
