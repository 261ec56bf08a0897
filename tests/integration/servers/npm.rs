//! An npm server's own folder in `target/tmp/servers/<command>/` (`npm install --prefix`): installed
//! once under a file lock, marked ready last, reused by later runs while its package is unchanged.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use super::NpmServer;
use super::python::{announce, run, servers_folder};

/// The outcome per command in this test process, so a failed install is not retried by each test.
static OUTCOMES: Mutex<Option<HashMap<&'static str, Result<PathBuf, String>>>> = Mutex::new(None);

fn folder(server: &NpmServer) -> PathBuf {
    servers_folder().join(server.command)
}

/// Written last: holds the package the folder was installed for.
fn ready_marker(folder: &Path) -> PathBuf {
    folder.join("mode-audit-ready")
}

fn command_in(folder: &Path, server: &NpmServer) -> PathBuf {
    folder.join("node_modules").join(".bin").join(server.command)
}

/// The command in a folder that an earlier install completed, if any.
pub fn provisioned(server: &NpmServer) -> Option<PathBuf> {
    let folder = folder(server);
    let built_for = std::fs::read_to_string(ready_marker(&folder)).ok()?;
    let command = command_in(&folder, server);
    (built_for == server.package && super::is_executable(&command)).then_some(command)
}

/// Installs `server` into its folder, once across threads and processes.
pub fn provision(server: &NpmServer) -> Result<PathBuf, String> {
    let mut outcomes = OUTCOMES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let outcomes = outcomes.get_or_insert_with(HashMap::new);
    if let Some(outcome) = outcomes.get(server.command) {
        return outcome.clone();
    }
    let outcome = provision_locked(server);
    outcomes.insert(server.command, outcome.clone());
    outcome
}

fn provision_locked(server: &NpmServer) -> Result<PathBuf, String> {
    let servers = servers_folder();
    std::fs::create_dir_all(&servers).map_err(|e| format!("cannot create {}: {e}", servers.display()))?;
    let lock_path = servers.join(format!("{}.lock", server.command));
    let lock = std::fs::File::create(&lock_path).map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    // Another process may have finished while this one waited for the lock.
    if let Some(ready) = provisioned(server) {
        return Ok(ready);
    }
    let folder = folder(server);
    announce(&format!(
        "provisioning {} ('{}') in {} for {}, once; later runs reuse it",
        server.command,
        server.package,
        folder.display(),
        server.needed_by
    ));
    if folder.exists() {
        // Left half-installed by an interrupted run, or installed for another version.
        std::fs::remove_dir_all(&folder).map_err(|e| format!("cannot clear {}: {e}", folder.display()))?;
    }
    for program in ["node", "npm"] {
        if super::on_path(program).is_none() {
            return Err(format!("no {program} on PATH"));
        }
    }
    run(Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix"])
        .arg(&folder)
        .arg(server.package))?;
    let command = command_in(&folder, server);
    if !super::is_executable(&command) {
        return Err(format!(
            "npm installed '{}' but {} is missing",
            server.package,
            command.display()
        ));
    }
    std::fs::write(ready_marker(&folder), server.package).map_err(|e| format!("cannot mark ready: {e}"))?;
    Ok(command)
}
