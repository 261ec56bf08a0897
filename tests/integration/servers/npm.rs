//! How an npm server is installed into its own folder (`npm install --prefix`).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::NpmServer;
use super::installed::{Installer, run};

impl Installer for NpmServer {
    fn command(&self) -> &'static str {
        self.command
    }

    fn pin(&self) -> &'static str {
        self.package
    }

    fn needed_by(&self) -> &'static str {
        self.needed_by
    }

    fn command_in(&self, folder: &Path) -> PathBuf {
        folder.join("node_modules").join(".bin").join(self.command)
    }

    fn install(&self, folder: &Path) -> Result<(), String> {
        for program in ["node", "npm"] {
            if super::on_path(program).is_none() {
                return Err(format!("no {program} on PATH"));
            }
        }
        run(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix"])
            .arg(folder)
            .arg(self.package))
    }
}
