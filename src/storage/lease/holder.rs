//! Holder: who holds a lease (host, pid with its PID namespace and boot, command, since, until),
//! as the lease file or object holds it, and whether it may be taken over ([`Takeover`]).

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
    /// The holder's PID namespace (where `/proc/self/ns/pid` points), where the system says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_namespace: Option<String>,
    /// The boot the holder ran in (`/proc/sys/kernel/random/boot_id`), where the system says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_id: Option<String>,
}

/// Why another's lease was taken over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Takeover {
    /// `--break-lease` was given, for a holder whose process cannot be looked up from here
    /// (another host, PID namespace or boot).
    Broken,
    /// It was past its expiry.
    Expired,
    /// Unexpired, but its process no longer runs: seen from the same host, PID namespace and boot.
    Exited { pid: u32 },
}

impl fmt::Display for Takeover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Takeover::Broken => write!(
                f,
                "--break-lease given; its process is on another host, PID namespace or boot, where it cannot be seen from here"
            ),
            Takeover::Expired => write!(f, "it expired"),
            Takeover::Exited { pid } => write!(
                f,
                "its process, pid {pid}, no longer runs: it was of this host, PID namespace and boot"
            ),
        }
    }
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
            pid_namespace: pid_namespace(),
            boot_id: boot_id(),
        }
    }

    /// Whether the lease is past its expiry at `now`; one whose expiry cannot be read is.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        DateTime::parse_from_rfc3339(&self.expires_at).map_or(true, |at| at.with_timezone(&Utc) <= now)
    }

    /// Whether the lease is stale at `now` (see [`Holder::staleness`]).
    pub fn stale(&self, now: DateTime<Utc>) -> bool {
        self.staleness(now).is_some()
    }

    /// Why the lease is stale at `now`, if it is: expired, or held by a process that no longer
    /// runs. A pid is looked up only when the holder ran on this host, in this PID namespace and
    /// this boot (as Linux's `/proc` says): a pid of another namespace (a container sharing the
    /// host name) or of an earlier boot names another process here, so only expiry frees those.
    pub fn staleness(&self, now: DateTime<Utc>) -> Option<Takeover> {
        if self.expired(now) {
            return Some(Takeover::Expired);
        }
        (self.here() && self.pid != std::process::id() && !running(self.pid))
            .then_some(Takeover::Exited { pid: self.pid })
    }

    /// Whether the holder's process is seen running: of this host, PID namespace and boot, and
    /// its pid alive (this very process counts). `--break-lease` does not take such a lease.
    pub fn runs_here(&self) -> bool {
        self.here() && (self.pid == std::process::id() || running(self.pid))
    }

    /// Whether the holder ran on this host, in this PID namespace and this boot: only then does
    /// its pid name a process here.
    fn here(&self) -> bool {
        self.host == host()
            && self.pid_namespace.is_some()
            && self.pid_namespace == pid_namespace()
            && self.boot_id.is_some()
            && self.boot_id == boot_id()
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
            pid_namespace: None,
            boot_id: None,
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

/// This process's PID namespace, as `/proc/self/ns/pid` names it (`pid:[4026531836]`).
fn pid_namespace() -> Option<String> {
    std::fs::read_link("/proc/self/ns/pid")
        .ok()
        .map(|target| target.to_string_lossy().into_owned())
}

/// This boot's id, as Linux gives it.
fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
}

/// Whether process `pid` runs here; `true` where that cannot be known (no `/proc`).
fn running(pid: u32) -> bool {
    let proc = std::path::Path::new("/proc");
    !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

pub(super) fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}
