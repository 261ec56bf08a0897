//! Holder: who holds a lease (host, pid, command, since, until), as the lease file or object
//! holds it.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// Who holds a lease, as written in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub host: String,
    pub pid: u32,
    /// `run`, `apply`, `undo`, ...
    pub command: String,
    pub started_at: String,
    /// Past this, the lease is stale (its holder stopped renewing it).
    pub expires_at: String,
    /// Unique to one taking of the lease: only its holder renews or removes it.
    pub id: String,
}

impl Holder {
    pub(super) fn new(command: &str, started_at: DateTime<Utc>, ttl: Duration) -> Holder {
        let host = host();
        let pid = std::process::id();
        let id = format!("{host}-{pid}-{}", started_at.timestamp_nanos_opt().unwrap_or_default());
        Holder {
            host,
            pid,
            command: command.to_string(),
            started_at: stamp(started_at),
            expires_at: stamp(started_at + ttl),
            id,
        }
    }

    /// Whether the lease is past its expiry at `now`; one whose expiry cannot be read is.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        DateTime::parse_from_rfc3339(&self.expires_at).map_or(true, |at| at.with_timezone(&Utc) <= now)
    }

    /// Whether the lease is stale at `now`: expired, or held by a process of this host that is no
    /// longer running (where the system says: Linux's `/proc`).
    pub fn stale(&self, now: DateTime<Utc>) -> bool {
        self.expired(now) || (self.host == host() && self.pid != std::process::id() && !running(self.pid))
    }

    pub(super) fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// The lease's content; an unreadable one (a write cut short) counts as expired.
    pub(super) fn from_bytes(bytes: &[u8]) -> Holder {
        serde_json::from_slice(bytes).unwrap_or_else(|_| Holder {
            host: "unknown (unreadable lease)".into(),
            pid: 0,
            command: "unknown".into(),
            started_at: "unknown".into(),
            expires_at: "unknown".into(),
            id: String::new(),
        })
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` on host {}, pid {}, since {} (lease until {})",
            self.command, self.host, self.pid, self.started_at, self.expires_at
        )
    }
}

/// This machine's name.
fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

/// Whether process `pid` runs here; `true` where that cannot be known (no `/proc`).
fn running(pid: u32) -> bool {
    let proc = std::path::Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

pub(super) fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}
