//! Lease: one writer at a time per workspace output. `OUT/<workspace>/lease.json` names its holder
//! (host, pid, command, since, until); in a folder it is a file created exclusively (`O_EXCL`), in
//! a bucket an object written only if absent (a conditional put). It is renewed while held and
//! removed when released; one left by a process that died (expired, or of this host, PID namespace
//! and boot and no longer running) is taken over with a warning saying which.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use object_store::UpdateVersion;

mod error;
mod holder;
mod mutex;

pub use self::error::LeaseError;
use self::holder::stamp;
pub use self::holder::{Holder, Takeover};
use self::mutex::TakeoverMutex;
use super::bucket::Bucket;
use super::conditional::Written;

/// The lease's name in `OUT/<workspace>/`.
pub const LEASE: &str = "lease.json";
/// An unreadable lease file younger than this may be one whose holder is still writing it.
const UNREADABLE_GRACE: Duration = Duration::from_secs(60);
/// How long a lease holds unless renewed; it is renewed every third of that.
pub const LEASE_TTL: Duration = Duration::from_secs(10 * 60);

/// Where the output is: leases are taken there.
#[derive(Debug, Clone)]
pub enum LeaseHome {
    /// The output folder (`--out`).
    Folder(PathBuf),
    Bucket(Bucket),
}

/// A lease taken: renewed with [`Lease::renew`], removed by [`Lease::release`] (or, in a folder,
/// when dropped; a bucket's is left to expire if it is dropped unreleased).
#[derive(Debug)]
pub struct Lease {
    home: LeaseHome,
    workspace: String,
    holder: Holder,
    ttl: Duration,
    /// The bucket object's version as last written.
    version: Option<UpdateVersion>,
    /// The stale or broken lease this one replaced, and why it could be.
    replaced: Option<(Holder, Takeover)>,
    /// Whether this process holds it: set once taken, cleared when released. A writer refused
    /// the lease never held it and has nothing to release or warn about when dropped.
    held: bool,
}

impl Lease {
    /// Who holds the lease on `workspace`'s output now, if anyone; it only reads (for `doctor`).
    pub async fn peek(home: &LeaseHome, workspace: &str) -> Result<Option<Holder>, LeaseError> {
        match home {
            LeaseHome::Folder(out) => {
                let path = out.join(workspace).join(LEASE);
                match std::fs::read(&path) {
                    Ok(bytes) => Ok(Some(Holder::from_bytes(&bytes))),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(LeaseError::Folder(format!("cannot read {}: {e}", path.display()))),
                }
            }
            LeaseHome::Bucket(bucket) => Ok(bucket.get(&[workspace, LEASE]).await?.map(|b| Holder::from_bytes(&b))),
        }
    }

    /// Takes the lease on `workspace`'s output for `command`, for `ttl`. An unexpired lease of
    /// another is [`LeaseError::Held`] unless `break_lease`; an expired one is taken over with a
    /// warning.
    pub async fn acquire(
        home: &LeaseHome,
        workspace: &str,
        command: &str,
        ttl: Duration,
        break_lease: bool,
    ) -> Result<Lease, LeaseError> {
        Lease::acquire_at(home, workspace, command, ttl, break_lease, Utc::now()).await
    }

    /// [`Lease::acquire`] at the time `now`.
    pub async fn acquire_at(
        home: &LeaseHome,
        workspace: &str,
        command: &str,
        ttl: Duration,
        break_lease: bool,
        now: DateTime<Utc>,
    ) -> Result<Lease, LeaseError> {
        let holder = Holder::new(command, now, ttl);
        let mut lease = Lease {
            home: home.clone(),
            workspace: workspace.to_string(),
            holder,
            ttl,
            version: None,
            replaced: None,
            held: false,
        };
        // `--break-lease` takes a lease whose holder cannot be looked up from here, never one
        // whose process is seen running.
        let may_replace = |old: &Holder| {
            old.staleness(now)
                .or_else(|| (break_lease && !old.runs_here()).then_some(Takeover::Broken))
        };
        let taken = match home {
            LeaseHome::Folder(_) => lease.take_file(&may_replace),
            LeaseHome::Bucket(bucket) => lease.take_object(bucket, &may_replace).await,
        };
        match taken {
            Err(LeaseError::Held { place, holder }) if break_lease && holder.runs_here() => {
                return Err(LeaseError::Running { place, holder });
            }
            taken => taken?,
        }
        lease.held = true;
        if let Some((old, why)) = &lease.replaced {
            tracing::warn!(place = %lease.place(), previous = %old, "took over the lease of another mode-audit ({why}): if that process still runs, it may still be writing");
        }
        Ok(lease)
    }

    pub fn holder(&self) -> &Holder {
        &self.holder
    }

    /// The lease this one replaced (stale, or broken with `--break-lease`).
    pub fn replaced(&self) -> Option<&Holder> {
        self.replaced.as_ref().map(|(old, _)| old)
    }

    /// Why the lease this one replaced could be taken over.
    pub fn takeover(&self) -> Option<Takeover> {
        self.replaced.as_ref().map(|(_, why)| *why)
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Where the lease is, for messages.
    pub fn place(&self) -> String {
        match &self.home {
            LeaseHome::Folder(_) => self.file().display().to_string(),
            LeaseHome::Bucket(bucket) => bucket.show(&[&self.workspace, LEASE]),
        }
    }

    fn file(&self) -> PathBuf {
        match &self.home {
            LeaseHome::Folder(out) => out.join(&self.workspace).join(LEASE),
            LeaseHome::Bucket(_) => PathBuf::new(),
        }
    }

    fn take_file(&mut self, may_replace: &dyn Fn(&Holder) -> Option<Takeover>) -> Result<(), LeaseError> {
        let path = self.file();
        let dir = crate::atomic::folder(&path).to_path_buf();
        let io = |doing: &str, e: std::io::Error| LeaseError::Folder(format!("{doing} {}: {e}", path.display()));
        std::fs::create_dir_all(&dir).map_err(|e| io("create the folder of", e))?;
        if self.create_file()? {
            return Ok(());
        }
        // Taking over is done by one process at a time: the others wait for this mutex, then see
        // the new lease.
        let _mutex =
            TakeoverMutex::take(&dir.join(".lease-takeover")).map_err(|e| io("take the takeover mutex beside", e))?;
        let old = match std::fs::read(&path) {
            Ok(bytes) => Holder::from_bytes(&bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return if self.create_file()? {
                    Ok(())
                } else {
                    Err(self.held_file())
                };
            }
            Err(e) => return Err(io("read", e)),
        };
        // Created but not yet written by its holder: an unreadable lease file is stale only once
        // it is older than that could take.
        let being_written = old.id.is_empty()
            && std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| m.elapsed().ok())
                .is_none_or(|age| age < UNREADABLE_GRACE);
        let why = match may_replace(&old) {
            Some(why) if !being_written => why,
            _ => {
                return Err(LeaseError::Held {
                    place: path.display().to_string(),
                    holder: Box::new(old),
                });
            }
        };
        std::fs::remove_file(&path).map_err(|e| io("remove the stale lease", e))?;
        if !self.create_file()? {
            return Err(self.held_file());
        }
        self.replaced = Some((old, why));
        Ok(())
    }

    fn held_file(&self) -> LeaseError {
        let path = self.file();
        LeaseError::Held {
            place: path.display().to_string(),
            holder: Box::new(Holder::from_bytes(&std::fs::read(&path).unwrap_or_default())),
        }
    }

    /// Creates the lease file if there is none (`false` when there is), with this holder in it.
    fn create_file(&self) -> Result<bool, LeaseError> {
        let path = self.file();
        let io = |doing: &str, e: std::io::Error| LeaseError::Folder(format!("{doing} {}: {e}", path.display()));
        let mut file = match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
            Err(e) => return Err(io("create", e)),
        };
        file.write_all(&self.holder.to_bytes())
            .and_then(|()| file.sync_all())
            .and_then(|()| crate::atomic::sync_dir(crate::atomic::folder(&path)).map_err(std::io::Error::other))
            .map_err(|e| io("write", e))?;
        Ok(true)
    }

    async fn take_object(
        &mut self,
        bucket: &Bucket,
        may_replace: &dyn Fn(&Holder) -> Option<Takeover>,
    ) -> Result<(), LeaseError> {
        let key = [self.workspace.as_str(), LEASE];
        let place = bucket.show(&key);
        if let Written::Now(version) = bucket.put_if_absent(&key, self.holder.to_bytes()).await? {
            self.version = Some(version);
            return Ok(());
        }
        let Some((bytes, version)) = bucket.get_versioned(&key).await? else {
            // Released in between: one more try, and whoever wins holds it.
            return match bucket.put_if_absent(&key, self.holder.to_bytes()).await? {
                Written::Now(version) => {
                    self.version = Some(version);
                    Ok(())
                }
                Written::Lost => Err(self.held_object(bucket).await),
            };
        };
        let old = Holder::from_bytes(&bytes);
        let Some(why) = may_replace(&old) else {
            return Err(LeaseError::Held {
                place,
                holder: Box::new(old),
            });
        };
        match bucket.put_if_version(&key, self.holder.to_bytes(), version).await? {
            Written::Now(version) => {
                self.version = Some(version);
                self.replaced = Some((old, why));
                Ok(())
            }
            Written::Lost => Err(self.held_object(bucket).await),
        }
    }

    async fn held_object(&self, bucket: &Bucket) -> LeaseError {
        let key = [self.workspace.as_str(), LEASE];
        let holder = match bucket.get_versioned(&key).await {
            Ok(Some((bytes, _))) => Holder::from_bytes(&bytes),
            _ => Holder::from_bytes(b""),
        };
        LeaseError::Held {
            place: bucket.show(&key),
            holder: Box::new(holder),
        }
    }

    /// Pushes the expiry `ttl` past now. Fails when the lease is no longer this holder's (it was
    /// broken, or taken over after it expired).
    pub async fn renew(&mut self) -> Result<(), LeaseError> {
        let now = Utc::now();
        let mut renewed = self.holder.clone();
        renewed.expires_at = stamp(now + self.ttl);
        let lost = |place: String, holder: Holder| LeaseError::Held {
            place,
            holder: Box::new(holder),
        };
        match &self.home {
            LeaseHome::Folder(_) => {
                let path = self.file();
                let current = Holder::from_bytes(&std::fs::read(&path).unwrap_or_default());
                if current.id != self.holder.id {
                    return Err(lost(path.display().to_string(), current));
                }
                let bytes = renewed.to_bytes();
                crate::atomic::replace(&path, "lease", None, |body| Ok(body.write_all(&bytes)?))
                    .map_err(|e| LeaseError::Folder(format!("renew {}: {e:#}", path.display())))?;
            }
            LeaseHome::Bucket(bucket) => {
                let key = [self.workspace.as_str(), LEASE];
                let version = self.version.clone().unwrap_or(UpdateVersion {
                    e_tag: None,
                    version: None,
                });
                match bucket.put_if_version(&key, renewed.to_bytes(), version).await? {
                    Written::Now(version) => self.version = Some(version),
                    Written::Lost => return Err(self.held_object(bucket).await),
                }
            }
        }
        self.holder = renewed;
        Ok(())
    }

    /// Removes the lease if it is still this holder's.
    pub async fn release(mut self) {
        self.held = false;
        match &self.home {
            LeaseHome::Folder(_) => self.remove_file(),
            LeaseHome::Bucket(bucket) => {
                let key = [self.workspace.as_str(), LEASE];
                let ours = matches!(bucket.get_versioned(&key).await, Ok(Some((bytes, _))) if Holder::from_bytes(&bytes).id == self.holder.id);
                if ours && let Err(e) = bucket.delete(&key).await {
                    tracing::warn!(error = %e, "could not remove the lease; it expires on its own");
                }
            }
        }
    }

    fn remove_file(&self) {
        let path = self.file();
        let ours = File::open(&path)
            .ok()
            .and_then(|f| serde_json::from_reader::<_, Holder>(f).ok())
            .is_some_and(|h| h.id == self.holder.id);
        if ours && let Err(e) = std::fs::remove_file(&path) {
            tracing::warn!(path = %path.display(), error = %e, "could not remove the lease; it expires on its own");
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if !self.held {
            return;
        }
        match &self.home {
            LeaseHome::Folder(_) => self.remove_file(),
            LeaseHome::Bucket(_) => {
                tracing::warn!(place = %self.place(), "the lease was not released; it expires on its own")
            }
        }
    }
}

#[cfg(test)]
mod tests;
