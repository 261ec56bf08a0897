//! Real servers the tests need (an S3 server, an Azure Blob server, an SMTP server, a browser):
//! found on PATH, or provisioned once per test run in a folder under `target/` and reused by the
//! next run.
//!
//! One policy for all of them:
//! - A server from PyPI ([`PythonServer`]) or npm ([`NpmServer`]) found on PATH is used as it is.
//!   Otherwise it is installed into a folder of its own, `target/tmp/servers/<name>/` (a virtual
//!   environment, or `npm install --prefix`; once: a file lock keeps parallel test threads and
//!   processes from installing it twice), and later runs reuse it.
//! - A system program ([`SystemProgram`], a browser) cannot be installed without root: when it is
//!   missing its tests skip with one loud line.
//! - When provisioning is impossible (no Python or Node, no registry) the test fails with one line saying
//!   what to install. `MODE_AUDIT_SKIP_SERVERS=1` (or, for moto only, the older
//!   `MODE_AUDIT_SKIP_MOTO=1`) turns that failure into a loud skip.
//! - `MODE_AUDIT_REQUIRE_SERVERS=1` (set by `.ci/run`) turns every skip into a failure.
//!
//! To add a server: a `PythonServer`, `NpmServer` or `SystemProgram` constant here, then
//! `python(&X)`, `npm(&X)` or `system(&X)` at the start of each test that needs it (`let Some(path) = ... else { return };`).

mod installed;
mod npm;
mod python;

use std::path::{Path, PathBuf};

/// Skips the tests whose server is missing instead of provisioning it (never under `.ci/run`).
pub const SKIP: &str = "MODE_AUDIT_SKIP_SERVERS";
/// Makes every skip a failure: CI runs every test.
pub const REQUIRE: &str = "MODE_AUDIT_REQUIRE_SERVERS";

/// A server the tests install from PyPI into a virtual environment of their own.
pub struct PythonServer {
    /// The command it installs, looked up on PATH first.
    pub command: &'static str,
    /// What `pip install` gets; a change re-provisions the environment.
    pub requirement: &'static str,
    /// The tests that need it, for the skip and failure lines.
    pub needed_by: &'static str,
    /// A skip variable of its own, kept from before the general one.
    pub own_skip: Option<&'static str>,
}

/// A server the tests install from npm into a folder of their own (it needs Node on PATH).
pub struct NpmServer {
    /// The command it installs, looked up on PATH first.
    pub command: &'static str,
    /// What `npm install` gets, version pinned; a change re-provisions the folder.
    pub package: &'static str,
    /// The tests that need it, for the skip and failure lines.
    pub needed_by: &'static str,
}

/// A program from the system's packages, which only an administrator can install.
pub struct SystemProgram {
    /// The names it goes by on PATH, tried in order.
    pub commands: &'static [&'static str],
    /// How to install it, for the skip and failure lines.
    pub install: &'static str,
    /// The tests that need it.
    pub needed_by: &'static str,
}

/// moto, the S3 server of the object-storage tests (5.2 is the version their notes describe).
pub const MOTO: PythonServer = PythonServer {
    command: "moto_server",
    requirement: "moto[server]>=5.2,<6",
    needed_by: "the object-storage tests (--out s3://)",
    own_skip: Some("MODE_AUDIT_SKIP_MOTO"),
};

/// aiosmtpd, the SMTP server of the email tests (`mode-audit notify --execute`).
pub const AIOSMTPD: PythonServer = PythonServer {
    command: "aiosmtpd",
    requirement: "aiosmtpd==1.4.6",
    needed_by: "the email tests (mode-audit notify --execute)",
    own_skip: Some("MODE_AUDIT_SKIP_SMTP"),
};

/// azurite's Blob service, the Azure server of the object-storage tests (--out az://).
pub const AZURITE: NpmServer = NpmServer {
    command: "azurite-blob",
    package: "azurite@3.37.0",
    needed_by: "the object-storage tests against Azure (--out az://)",
};

/// Debian's Chromium, the browser the page's tests drive headless.
pub const CHROMIUM: SystemProgram = SystemProgram {
    commands: &["chromium", "chromium-browser"],
    install: "apt-get install -y chromium (or set MODE_AUDIT_CHROMIUM to a browser)",
    needed_by: "the page's browser tests",
};

/// The path of `server`'s command, provisioned if need be; `None` after a loud line when its
/// tests are to be skipped. Panics with what to install when it can be neither found nor
/// provisioned.
pub fn python(server: &PythonServer) -> Option<PathBuf> {
    if let Some(found) = on_path(server.command) {
        return Some(found);
    }
    if let Some(ready) = installed::provisioned(server) {
        return Some(ready);
    }
    if let Some(variable) = skip_asked(server.own_skip) {
        skip(&format!(
            "{variable}=1: {} is not installed, so {} did not run. Install it with: pip install '{}'",
            server.command, server.needed_by, server.requirement
        ));
        return None;
    }
    match installed::provision(server) {
        Ok(path) => Some(path),
        Err(reason) => panic!(
            "cannot provision {} for {}: {reason}. Install Python 3 with venv and pip (Debian: apt-get install \
             python3-venv), or pip install '{}' yourself, or set {SKIP}=1 to skip these tests",
            server.command, server.needed_by, server.requirement
        ),
    }
}

/// The path of `server`'s command, provisioned if need be; `None` after a loud line when
/// `MODE_AUDIT_SKIP_SERVERS=1` and it is not installed. Panics with what to install when it can be
/// neither found nor provisioned.
pub fn npm(server: &NpmServer) -> Option<PathBuf> {
    if let Some(found) = on_path(server.command).or_else(|| installed::provisioned(server)) {
        return Some(found);
    }
    if let Some(variable) = skip_asked(None) {
        skip(&format!(
            "{variable}=1: {} is not installed, so {} did not run. Install it with: npm install -g {}",
            server.command, server.needed_by, server.package
        ));
        return None;
    }
    match installed::provision(server) {
        Ok(path) => Some(path),
        Err(reason) => panic!(
            "cannot provision {} for {}: {reason}. Install Node.js with npm (Debian: apt-get install nodejs npm), \
             or npm install -g {} yourself, or set {SKIP}=1 to skip these tests",
            server.command, server.needed_by, server.package
        ),
    }
}

/// The path of `program`; `None` after a loud line when it is not installed (a failure under
/// `MODE_AUDIT_REQUIRE_SERVERS=1`).
pub fn system(program: &SystemProgram) -> Option<PathBuf> {
    look_up(program).map_err(|missing| skip(&missing)).ok()
}

/// The path of `program`, or why its tests cannot run.
fn look_up(program: &SystemProgram) -> Result<PathBuf, String> {
    program.commands.iter().find_map(|c| on_path(c)).ok_or_else(|| {
        format!(
            "{} is not installed, so {} did not run. Install it with: {}",
            program.commands[0], program.needed_by, program.install
        )
    })
}

/// Which skip variable is set to 1, if any: the general one or the server's own.
fn skip_asked(own: Option<&'static str>) -> Option<&'static str> {
    [Some(SKIP), own]
        .into_iter()
        .flatten()
        .find(|v| std::env::var_os(v).is_some_and(|value| value == "1"))
}

/// One loud line on stderr, or a failure when CI requires every test to run.
fn skip(message: &str) {
    if std::env::var_os(REQUIRE).is_some_and(|v| v == "1") {
        panic!("{}", required_but(message));
    }
    // Written to stderr directly: the test harness swallows eprintln! of a passing test.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n!!!!!!!! SKIPPED: {message} !!!!!!!!\n");
}

fn required_but(message: &str) -> String {
    format!("{REQUIRE}=1 requires every test to run, but {message}")
}

/// `command` in a folder of PATH, as the shell would find it.
fn on_path(command: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(command))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[test]
fn a_system_program_is_found_by_any_of_its_names_and_a_missing_one_says_how_to_install_it() {
    let shell = SystemProgram {
        commands: &["mode-audit-no-such-program", "sh"],
        install: "apt-get install dash",
        needed_by: "the shell tests",
    };
    assert!(look_up(&shell).is_ok_and(|p| p.ends_with("sh")));
    let missing = SystemProgram {
        commands: &["mode-audit-no-such-program"],
        install: "apt-get install nothing",
        needed_by: "the nothing tests",
    };
    let message = look_up(&missing).unwrap_err();
    assert_eq!(
        message,
        "mode-audit-no-such-program is not installed, so the nothing tests did not run. Install it with: apt-get install nothing"
    );
    assert!(
        required_but(&message)
            .starts_with("MODE_AUDIT_REQUIRE_SERVERS=1 requires every test to run, but mode-audit-no-such-program")
    );
}
