//! Debian's Chromium, headless, driven as a plain process: `--dump-dom` loads a page, runs its
//! scripts and prints the DOM. A missing browser skips the test with one loud line, unless
//! MODE_AUDIT_REQUIRE_SERVERS=1 (set by `.ci/run`, which installs it) makes it a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Chromium {
    bin: PathBuf,
}

/// What one page load left: the DOM after the scripts ran, and the browser's log (console
/// messages are its `:CONSOLE` lines).
pub struct Loaded {
    pub dom: String,
    pub log: String,
}

impl Loaded {
    pub fn console(&self) -> Vec<&str> {
        self.log.lines().filter(|l| l.contains(":CONSOLE")).collect()
    }
}

/// The browser: `MODE_AUDIT_CHROMIUM`, else `chromium` or `chromium-browser` on the PATH (see
/// [`crate::servers`]: a missing one skips with a loud line, a failure under
/// `MODE_AUDIT_REQUIRE_SERVERS=1`).
pub fn find() -> Option<Chromium> {
    let named = std::env::var_os("MODE_AUDIT_CHROMIUM").map(PathBuf::from);
    let bin = named.or_else(|| crate::servers::system(&crate::servers::CHROMIUM))?;
    Some(Chromium { bin })
}

impl Chromium {
    /// Loads `url` (a file:// URL, a fragment allowed) and returns the DOM after its scripts ran.
    /// Every host name resolves to `resolve_to` when given (a listener that sees any request).
    pub fn load(&self, url: &str, resolve_to: Option<u16>) -> Loaded {
        self.load_with(url, resolve_to, &[])
    }

    /// [`Chromium::load`] with more command-line switches (a window size, file access).
    pub fn load_with(&self, url: &str, resolve_to: Option<u16>, switches: &[&str]) -> Loaded {
        let profile = tempfile::tempdir().unwrap();
        let mut command = Command::new(&self.bin);
        command.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ]);
        command.arg(format!("--user-data-dir={}", profile.path().display()));
        command.args(switches);
        if let Some(port) = resolve_to {
            command.arg(format!("--host-resolver-rules=MAP * 127.0.0.1:{port}"));
        }
        command.arg("--dump-dom").arg(url);
        let out = tempfile::NamedTempFile::new().unwrap();
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut child = command
            .stdout(Stdio::from(out.reopen().unwrap()))
            .stderr(Stdio::from(log.reopen().unwrap()))
            .spawn()
            .expect("start chromium");
        let deadline = Instant::now() + Duration::from_secs(120);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("chromium did not finish loading {url} in 120 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Loaded {
            dom: std::fs::read_to_string(out.path()).unwrap(),
            log: std::fs::read_to_string(log.path()).unwrap(),
        }
    }
}

pub fn file_url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}
