//! Request counters shared by every task of a run: what was sent, throttled and retried, and how
//! many values of the answers were out of bounds.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Live counters; cheap to update from any task.
#[derive(Debug, Default)]
pub struct Stats {
    requests: AtomicU64,
    throttled: AtomicU64,
    retries: AtomicU64,
    bytes: AtomicU64,
    out_of_range: AtomicU64,
    /// Last `X-RateLimit-Limit` / `-Remaining` seen, plus one (0 = never seen).
    last_limit: AtomicU64,
    last_remaining: AtomicU64,
    /// The last answer's `Date` header, in Unix seconds plus one (0 = never seen).
    server_date: AtomicU64,
}

/// A copy of the counters at one moment, as written into snapshot.json.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct RequestStats {
    /// HTTP requests sent, every attempt counted.
    pub requests: u64,
    /// Answers that were 429 Too Many Requests.
    pub throttled: u64,
    /// Attempts repeated after a transient failure (5xx, timeout, dropped connection, bad body).
    pub retries: u64,
    /// Response body bytes read.
    pub bytes: u64,
    /// Values in the answers outside their bounds (`mode::bounds`), recorded as unknown.
    #[serde(default)]
    pub out_of_range_values: u64,
}

impl std::ops::Add for RequestStats {
    type Output = RequestStats;
    fn add(self, o: RequestStats) -> RequestStats {
        RequestStats {
            requests: self.requests + o.requests,
            throttled: self.throttled + o.throttled,
            retries: self.retries + o.retries,
            bytes: self.bytes + o.bytes,
            out_of_range_values: self.out_of_range_values + o.out_of_range_values,
        }
    }
}

impl Stats {
    pub fn sent(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }
    pub fn throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }
    pub fn retried(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }
    pub fn read(&self, bytes: usize) {
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }
    pub fn out_of_range(&self, values: u64) {
        self.out_of_range.fetch_add(values, Ordering::Relaxed);
    }
    pub fn rate_limit_headers(&self, limit: Option<u32>, remaining: Option<u32>) {
        if let Some(l) = limit {
            self.last_limit.store(u64::from(l) + 1, Ordering::Relaxed);
        }
        if let Some(r) = remaining {
            self.last_remaining.store(u64::from(r) + 1, Ordering::Relaxed);
        }
    }
    /// Records the `Date` header of an answer.
    pub fn server_date(&self, date: Option<&str>) {
        let at = date.and_then(|d| chrono::DateTime::parse_from_rfc2822(d.trim()).ok());
        if let Some(secs) = at.and_then(|a| u64::try_from(a.timestamp()).ok()) {
            self.server_date.store(secs + 1, Ordering::Relaxed);
        }
    }
    /// The server's clock as the last answer's `Date` header gave it.
    pub fn last_server_date(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let secs = self.server_date.load(Ordering::Relaxed).checked_sub(1)?;
        chrono::DateTime::from_timestamp(i64::try_from(secs).ok()?, 0)
    }
    pub fn last_rate_limit_headers(&self) -> (Option<u32>, Option<u32>) {
        let read = |a: &AtomicU64| a.load(Ordering::Relaxed).checked_sub(1).map(|v| v as u32);
        (read(&self.last_limit), read(&self.last_remaining))
    }
    pub fn snapshot(&self) -> RequestStats {
        RequestStats {
            requests: self.requests.load(Ordering::Relaxed),
            throttled: self.throttled.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            out_of_range_values: self.out_of_range.load(Ordering::Relaxed),
        }
    }
}
