//! Tests of the lease, in a folder and in an in-memory bucket.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use object_store::memory::InMemory;

use super::*;
use crate::storage::BucketUrl;

const TTL: Duration = Duration::from_secs(600);

fn homes() -> (tempfile::TempDir, Vec<LeaseHome>) {
    let dir = tempfile::tempdir().unwrap();
    let url = BucketUrl::parse("s3://audit/mode").unwrap();
    let bucket = Bucket::with_store(url, Arc::new(InMemory::new()));
    let homes = vec![LeaseHome::Folder(dir.path().to_path_buf()), LeaseHome::Bucket(bucket)];
    (dir, homes)
}

/// Writes `holder` as the lease of `acme` in `home`, as another process would.
async fn write_lease(home: &LeaseHome, holder: &Holder) {
    match home {
        LeaseHome::Folder(out) => std::fs::write(out.join("acme").join(LEASE), holder.to_bytes()).unwrap(),
        LeaseHome::Bucket(bucket) => bucket.put(&["acme", LEASE], holder.to_bytes()).await.unwrap(),
    }
}

#[tokio::test]
async fn a_second_writer_is_refused_and_told_who_holds_the_lease() {
    let (_dir, homes) = homes();
    for home in &homes {
        let first = Lease::acquire(home, "acme", "apply", TTL, false).await.unwrap();
        assert!(first.replaced().is_none());
        let err = Lease::acquire(home, "acme", "run", TTL, false).await.unwrap_err();
        let LeaseError::Held { holder, place } = &err else {
            panic!("{err}")
        };
        assert_eq!(holder.as_ref(), first.holder(), "{home:?}");
        assert!(place.ends_with("acme/lease.json"), "{place}");
        let text = err.to_string();
        for part in [
            "`apply`",
            &format!("pid {}", std::process::id()),
            "since",
            "--break-lease",
        ] {
            assert!(text.contains(part), "{part} missing: {text}");
        }
        // Another workspace has a lease of its own.
        let other = Lease::acquire(home, "globex", "run", TTL, false).await.unwrap();
        other.release().await;
        first.release().await;
        let again = Lease::acquire(home, "acme", "undo", TTL, false).await.unwrap();
        again.release().await;
    }
}

/// What is logged while its guard lives (on this thread: a `#[tokio::test]` runs on one).
#[derive(Clone, Default)]
struct Logged(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logged {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logged {
    fn start(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn a_refused_writer_warns_of_no_lease_it_never_held() {
    let (_dir, homes) = homes();
    let logged = Logged::default();
    let _guard = logged.start();
    for home in &homes {
        let first = Lease::acquire(home, "acme", "apply", TTL, false).await.unwrap();
        let refused = Lease::acquire(home, "acme", "run", TTL, false).await;
        assert!(matches!(refused, Err(LeaseError::Held { .. })), "{home:?}");
        assert_eq!(logged.text(), "", "nothing said of a lease never held: {home:?}");
        first.release().await;
    }
    // A lease held and dropped unreleased in a bucket is still said to be left behind.
    let held = Lease::acquire(&homes[1], "acme", "run", TTL, false).await.unwrap();
    drop(held);
    assert!(
        logged.text().contains("the lease was not released"),
        "{}",
        logged.text()
    );
}

#[tokio::test]
async fn a_stale_lease_is_taken_over_and_break_lease_clears_one_of_another_host_not_one_running_here() {
    let (_dir, homes) = homes();
    for home in &homes {
        let long_ago = Utc::now() - chrono::Duration::hours(2);
        let dead = Lease::acquire_at(home, "acme", "apply", TTL, false, long_ago)
            .await
            .unwrap();
        let dead_holder = dead.holder().clone();
        std::mem::forget(dead); // the process died: nothing released it
        let taken = Lease::acquire(home, "acme", "run", TTL, false).await.unwrap();
        assert_eq!(taken.replaced(), Some(&dead_holder), "{home:?}");
        // Live: refused without --break-lease, taken with it.
        assert!(matches!(
            Lease::acquire(home, "acme", "apply", TTL, false).await,
            Err(LeaseError::Held { .. })
        ));
        // Its process runs here (it is this one): --break-lease is refused, naming it.
        let refused = Lease::acquire(home, "acme", "apply", TTL, true).await.unwrap_err();
        let text = refused.to_string();
        assert!(matches!(refused, LeaseError::Running { .. }), "{text}");
        assert!(
            text.contains(&format!("pid {}", std::process::id())) && text.contains("stop that process first"),
            "{text}"
        );
        // Of another host (its process cannot be looked up): --break-lease takes it.
        let elsewhere = Holder {
            host: "build-7".into(),
            ..taken.holder().clone()
        };
        write_lease(home, &elsewhere).await;
        let broken = Lease::acquire(home, "acme", "apply", TTL, true).await.unwrap();
        assert_eq!(broken.replaced(), Some(&elsewhere));
        assert_eq!(broken.takeover(), Some(Takeover::Broken));
        // The holder whose lease was broken can no longer renew it, nor remove it.
        let mut taken = taken;
        assert!(matches!(taken.renew().await, Err(LeaseError::Held { .. })));
        taken.release().await;
        assert!(matches!(
            Lease::acquire(home, "acme", "run", TTL, false).await,
            Err(LeaseError::Held { .. })
        ));
        broken.release().await;
    }
}

#[tokio::test]
async fn renewing_pushes_the_expiry_and_a_folder_lease_goes_when_dropped() {
    let (dir, homes) = homes();
    for home in &homes {
        let then = Utc::now() - chrono::Duration::minutes(9);
        let mut lease = Lease::acquire_at(home, "acme", "run", TTL, false, then).await.unwrap();
        let before = lease.holder().expires_at.clone();
        lease.renew().await.unwrap();
        assert!(lease.holder().expires_at > before);
        // Renewed: not stale a minute after its first expiry.
        let later = Utc::now() + chrono::Duration::minutes(2);
        assert!(!lease.holder().expired(later));
        lease.release().await;
    }
    let folder = &homes[0];
    let lease = Lease::acquire(folder, "acme", "run", TTL, false).await.unwrap();
    assert!(dir.path().join("acme/lease.json").is_file());
    drop(lease);
    assert!(!dir.path().join("acme/lease.json").exists());
}

#[tokio::test]
async fn an_unreadable_lease_counts_as_stale_once_its_writer_had_time() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("acme")).unwrap();
    let path = dir.path().join("acme/lease.json");
    std::fs::write(&path, b"{\"host\": \"cut sh").unwrap();
    let home = LeaseHome::Folder(dir.path().to_path_buf());
    // Just created: its holder may still be writing it.
    assert!(matches!(
        Lease::acquire(&home, "acme", "run", TTL, false).await,
        Err(LeaseError::Held { .. })
    ));
    let old = std::time::SystemTime::now() - Duration::from_secs(120);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let lease = Lease::acquire(&home, "acme", "run", TTL, false).await.unwrap();
    assert!(lease.replaced().is_some());
    lease.release().await;
}

#[tokio::test]
async fn a_lease_of_a_process_of_this_host_that_no_longer_runs_is_stale() {
    let dir = tempfile::tempdir().unwrap();
    let home = LeaseHome::Folder(dir.path().to_path_buf());
    let ours = Lease::acquire(&home, "acme", "run", TTL, false).await.unwrap();
    let mut dead = ours.holder().clone();
    std::mem::forget(ours);
    dead.pid = 4_000_000; // above Linux's largest pid
    dead.id = "dead".into();
    std::fs::write(dir.path().join("acme/lease.json"), dead.to_bytes()).unwrap();
    let taken = Lease::acquire(&home, "acme", "apply", TTL, false).await.unwrap();
    assert_eq!(taken.replaced(), Some(&dead));
    taken.release().await;
}

#[tokio::test]
async fn an_unexpired_lease_of_another_pid_namespace_or_boot_is_freed_only_by_its_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let home = LeaseHome::Folder(dir.path().to_path_buf());
    let path = dir.path().join("acme/lease.json");
    let ours = Lease::acquire(&home, "acme", "run", TTL, false).await.unwrap();
    let me = ours.holder().clone();
    std::mem::forget(ours);
    // Same host name, a pid that runs nowhere here, but seen from another PID namespace (a
    // container sharing the host name), another boot, or a version that recorded neither.
    let elsewhere = [
        (Some("pid:[1]".to_string()), me.boot_id.clone()),
        (me.pid_namespace.clone(), Some("an-earlier-boot".to_string())),
        (None, None),
    ];
    for (pid_namespace, boot_id) in elsewhere {
        let other = Holder {
            pid: 4_000_000,
            id: "other".into(),
            pid_namespace,
            boot_id,
            ..me.clone()
        };
        std::fs::write(&path, other.to_bytes()).unwrap();
        let refused = Lease::acquire(&home, "acme", "apply", TTL, false).await;
        assert!(matches!(refused, Err(LeaseError::Held { .. })), "{other:?}");
        let expired = Holder {
            expires_at: "2020-01-01T00:00:00.000Z".into(),
            ..other
        };
        std::fs::write(&path, expired.to_bytes()).unwrap();
        let taken = Lease::acquire(&home, "acme", "apply", TTL, false).await.unwrap();
        assert_eq!(taken.takeover(), Some(Takeover::Expired));
        assert_eq!(taken.takeover().unwrap().to_string(), "it expired");
        taken.release().await;
    }
    // Same host, namespace and boot: the pid is looked up, and the message says so.
    if me.pid_namespace.is_some() && me.boot_id.is_some() {
        let exited = Holder {
            pid: 4_000_000,
            id: "exited".into(),
            ..me
        };
        std::fs::write(&path, exited.to_bytes()).unwrap();
        let taken = Lease::acquire(&home, "acme", "apply", TTL, false).await.unwrap();
        assert_eq!(taken.takeover(), Some(Takeover::Exited { pid: 4_000_000 }));
        let why = taken.takeover().unwrap().to_string();
        assert!(
            why.contains("pid 4000000, no longer runs") && !why.contains("expired"),
            "{why}"
        );
        taken.release().await;
    }
}

#[tokio::test]
async fn break_lease_refuses_a_holder_whose_process_runs_here() {
    let dir = tempfile::tempdir().unwrap();
    let home = LeaseHome::Folder(dir.path().to_path_buf());
    let ours = Lease::acquire(&home, "acme", "run", TTL, false).await.unwrap();
    let me = ours.holder().clone();
    std::mem::forget(ours);
    if me.pid_namespace.is_none() || me.boot_id.is_none() {
        return; // no /proc: no process can be seen running
    }
    let mut child = std::process::Command::new("sleep").arg("600").spawn().unwrap();
    let live = Holder {
        pid: child.id(),
        id: "live-child".into(),
        ..me
    };
    std::fs::write(dir.path().join("acme/lease.json"), live.to_bytes()).unwrap();
    let refused = Lease::acquire(&home, "acme", "apply", TTL, true).await;
    // Ended before any assertion: no process is left behind.
    child.kill().unwrap();
    child.wait().unwrap();
    let text = refused
        .as_ref()
        .map(|_| String::new())
        .unwrap_or_else(|e| e.to_string());
    assert!(matches!(refused, Err(LeaseError::Running { .. })), "{text}");
    assert!(
        text.contains(&format!("pid {}", live.pid))
            && text.contains(&live.host)
            && text.contains("stop that process first"),
        "{text}"
    );
    // Gone now: the lease is stale and taken, --break-lease or not.
    let taken = Lease::acquire(&home, "acme", "apply", TTL, true).await.unwrap();
    assert_eq!(taken.takeover(), Some(Takeover::Exited { pid: live.pid }));
    taken.release().await;
}
