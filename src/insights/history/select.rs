//! Which earlier snapshots [`History::load`](super::History::load) reads: for each window the
//! newest one at least that old, and the newest and the oldest. A reader that must fetch
//! snapshots from elsewhere (a bucket) fetches just these.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{SLACK, WINDOWS, age};
use crate::snapshot::time::parse_time;

/// Indexes into `times` (the start times of earlier snapshots, in any order) of those a run that
/// started at `started_at` reads, measuring the fixed windows plus `extra`; each index once.
pub fn wanted(times: &[DateTime<Utc>], started_at: &str, extra: Duration) -> Vec<usize> {
    let Some(now) = parse_time(started_at) else {
        return Vec::new();
    };
    let mut order: Vec<usize> = (0..times.len()).filter(|&i| times[i] < now).collect();
    order.sort_by(|&a, &b| times[b].cmp(&times[a]).then(b.cmp(&a)));
    let mut windows: Vec<Duration> = WINDOWS.to_vec();
    if !windows.contains(&extra) {
        windows.push(extra);
    }
    let mut picked: Vec<usize> = Vec::new();
    let mut pick = |i: usize| {
        if !picked.contains(&i) {
            picked.push(i);
        }
    };
    for window in windows {
        if let Some(&i) = order.iter().find(|&&i| age(now, times[i]) + SLACK >= window) {
            pick(i);
        }
    }
    if let Some(&newest) = order.first() {
        pick(newest);
    }
    if let Some(&oldest) = order.last() {
        pick(oldest);
    }
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        parse_time(text).unwrap()
    }

    #[test]
    fn one_per_window_plus_the_newest_and_the_oldest() {
        let times = [
            at("2026-11-27T03:00:00Z"), // 0: newest, 1 day old
            at("2026-11-20T03:30:00Z"), // 1: 6 d 23.5 h: within the hour's slack of 7 days
            at("2026-11-19T03:00:00Z"), // 2: 8 days, but 1 is newer and covers 7 days
            at("2026-10-28T03:00:00Z"), // 3: 30 days
            at("2026-10-01T03:00:00Z"), // 4: 57 days, short of 90
            at("2026-06-01T03:00:00Z"), // 5: oldest, and the newest that covers 90 days
            at("2026-11-29T03:00:00Z"), // 6: after this run started: never
        ];
        let mut got = wanted(&times, "2026-11-28T03:00:00Z", Duration::from_secs(30 * 86_400));
        got.sort();
        assert_eq!(got, vec![0, 1, 3, 5]);
    }

    #[test]
    fn the_findings_window_adds_its_own_baseline() {
        let times = [
            at("2026-11-27T03:00:00Z"),
            at("2026-11-14T03:00:00Z"),
            at("2026-11-01T03:00:00Z"),
        ];
        let mut got = wanted(&times, "2026-11-28T03:00:00Z", Duration::from_secs(14 * 86_400));
        got.sort();
        assert_eq!(got, vec![0, 1, 2]);
        assert!(wanted(&[], "2026-11-28T03:00:00Z", Duration::ZERO).is_empty());
    }
}
