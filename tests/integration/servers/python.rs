//! A PyPI server's own virtual environment in `target/tmp/servers/<command>/`: created once under
//! a file lock, marked ready last, reused by later runs while its requirement is unchanged.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use super::PythonServer;

/// The outcome per command in this test process, so a failed install is not retried by each test.
static OUTCOMES: Mutex<Option<HashMap<&'static str, Result<PathBuf, String>>>> = Mutex::new(None);

/// The folder every provisioned server lives in (`CARGO_TARGET_TMPDIR` is `target/tmp`).
pub(super) fn servers_folder() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("servers")
}

fn environment(server: &PythonServer) -> PathBuf {
    servers_folder().join(server.command)
}

/// Written last: holds the requirement the environment was built for.
fn ready_marker(environment: &Path) -> PathBuf {
    environment.join("mode-audit-ready")
}

/// The command in an environment that an earlier provisioning completed, if any.
pub fn provisioned(server: &PythonServer) -> Option<PathBuf> {
    let environment = environment(server);
    let built_for = std::fs::read_to_string(ready_marker(&environment)).ok()?;
    let command = environment.join("bin").join(server.command);
    (built_for == server.requirement && super::is_executable(&command)).then_some(command)
}

/// Installs `server` into its environment, once across threads and processes.
pub fn provision(server: &PythonServer) -> Result<PathBuf, String> {
    let mut outcomes = OUTCOMES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let outcomes = outcomes.get_or_insert_with(HashMap::new);
    if let Some(outcome) = outcomes.get(server.command) {
        return outcome.clone();
    }
    let outcome = provision_locked(server);
    outcomes.insert(server.command, outcome.clone());
    outcome
}

fn provision_locked(server: &PythonServer) -> Result<PathBuf, String> {
    let folder = servers_folder();
    std::fs::create_dir_all(&folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let lock_path = folder.join(format!("{}.lock", server.command));
    let lock = std::fs::File::create(&lock_path).map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    // Another process may have finished while this one waited for the lock.
    if let Some(ready) = provisioned(server) {
        return Ok(ready);
    }
    let environment = environment(server);
    announce(&format!(
        "provisioning {} ('{}') in {} for {}, once; later runs reuse it",
        server.command,
        server.requirement,
        environment.display(),
        server.needed_by
    ));
    if environment.exists() {
        // Left half-built by an interrupted run, or built for another requirement.
        std::fs::remove_dir_all(&environment).map_err(|e| format!("cannot clear {}: {e}", environment.display()))?;
    }
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| super::on_path(p).is_some())
        .ok_or("no python3 on PATH")?;
    run(Command::new(python).args(["-m", "venv"]).arg(&environment))?;
    let pip = environment.join("bin").join("pip");
    run(Command::new(pip)
        .args(["install", "--quiet", "--disable-pip-version-check", server.requirement])
        .env_remove("PIP_REQUIRE_VIRTUALENV"))?;
    let command = environment.join("bin").join(server.command);
    if !super::is_executable(&command) {
        return Err(format!(
            "pip installed '{}' but {} is missing",
            server.requirement,
            command.display()
        ));
    }
    std::fs::write(ready_marker(&environment), server.requirement).map_err(|e| format!("cannot mark ready: {e}"))?;
    Ok(command)
}

/// Runs a provisioning step; its failure as one line: the step and the last line it printed.
pub(super) fn run(command: &mut Command) -> Result<(), String> {
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

pub(super) fn announce(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n-------- {message} --------\n");
}
