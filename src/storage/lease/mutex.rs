//! TakeoverMutex: one process at a time replaces a stale lease in a folder.

use std::fs::OpenOptions;
use std::path::PathBuf;
use std::time::Duration;

/// A file created exclusively while a stale lease is replaced, removed after; one left by a
/// process that died there is cleared after a minute.
pub(super) struct TakeoverMutex(PathBuf);

impl TakeoverMutex {
    pub(super) fn take(path: &std::path::Path) -> std::io::Result<TakeoverMutex> {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            match OpenOptions::new().write(true).create_new(true).open(path) {
                Ok(_) => return Ok(TakeoverMutex(path.to_path_buf())),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let age = std::fs::metadata(path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|m| m.elapsed().ok());
                    if age.is_some_and(|a| a > Duration::from_secs(60)) {
                        let _ = std::fs::remove_file(path);
                    } else if std::time::Instant::now() > deadline {
                        return Err(e);
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for TakeoverMutex {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
