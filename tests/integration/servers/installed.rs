//! A server's own folder in `target/tmp/servers/<command>/`: installed once under a file lock,
//! marked ready last (with the pinned package it holds), reused by later runs while the pin is
//! unchanged. How to install into the folder is the [`Installer`]'s (a virtual environment, npm).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// A server installed into a folder of its own.
pub trait Installer {
    /// The command it installs; also the folder's name.
    fn command(&self) -> &'static str;
    /// The pinned package or requirement; a change re-provisions the folder.
    fn pin(&self) -> &'static str;
    /// The tests that need it, for the provisioning line.
    fn needed_by(&self) -> &'static str;
    /// Where the command lies in a folder it was installed into.
    fn command_in(&self, folder: &Path) -> PathBuf;
    /// Installs the pinned package into `folder` (absent when called).
    fn install(&self, folder: &Path) -> Result<(), String>;
}

/// The outcome per command in this test process, so a failed install is not retried by each test.
static OUTCOMES: Mutex<Option<HashMap<&'static str, Result<PathBuf, String>>>> = Mutex::new(None);

/// The folder every provisioned server lives in (`CARGO_TARGET_TMPDIR` is `target/tmp`).
fn servers_folder() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("servers")
}

/// Written last: holds the pin the folder was installed for.
fn ready_marker(folder: &Path) -> PathBuf {
    folder.join("mode-audit-ready")
}

/// The command in a folder that an earlier install completed, if any.
pub fn provisioned(server: &dyn Installer) -> Option<PathBuf> {
    let folder = servers_folder().join(server.command());
    let built_for = std::fs::read_to_string(ready_marker(&folder)).ok()?;
    let command = server.command_in(&folder);
    (built_for == server.pin() && super::is_executable(&command)).then_some(command)
}

/// Installs `server` into its folder, once across threads and processes.
pub fn provision(server: &dyn Installer) -> Result<PathBuf, String> {
    let mut outcomes = OUTCOMES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let outcomes = outcomes.get_or_insert_with(HashMap::new);
    if let Some(outcome) = outcomes.get(server.command()) {
        return outcome.clone();
    }
    let outcome = provision_locked(server);
    outcomes.insert(server.command(), outcome.clone());
    outcome
}

fn provision_locked(server: &dyn Installer) -> Result<PathBuf, String> {
    let servers = servers_folder();
    std::fs::create_dir_all(&servers).map_err(|e| format!("cannot create {}: {e}", servers.display()))?;
    let lock_path = servers.join(format!("{}.lock", server.command()));
    let lock = std::fs::File::create(&lock_path).map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    // Another process may have finished while this one waited for the lock.
    if let Some(ready) = provisioned(server) {
        return Ok(ready);
    }
    let folder = servers.join(server.command());
    announce(&format!(
        "provisioning {} ('{}') in {} for {}, once; later runs reuse it",
        server.command(),
        server.pin(),
        folder.display(),
        server.needed_by()
    ));
    if folder.exists() {
        // Left half-installed by an interrupted run, or installed for another pin.
        std::fs::remove_dir_all(&folder).map_err(|e| format!("cannot clear {}: {e}", folder.display()))?;
    }
    server.install(&folder)?;
    let command = server.command_in(&folder);
    if !super::is_executable(&command) {
        return Err(format!("installing '{}' left no {}", server.pin(), command.display()));
    }
    std::fs::write(ready_marker(&folder), server.pin()).map_err(|e| format!("cannot mark ready: {e}"))?;
    Ok(command)
}

/// Runs a provisioning step; its failure as one line: the step and the last line it printed.
pub fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{:?}", command).replace('"', "");
    let output = command.output().map_err(|e| format!("{shown}: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message");
    Err(format!("{shown} failed ({}): {}", output.status, last.trim()))
}

fn announce(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n-------- {message} --------\n");
}
