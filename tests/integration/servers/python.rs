//! How a PyPI server is installed into its own folder: a virtual environment, then `pip install`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::PythonServer;
use super::installed::{Installer, run};

impl Installer for PythonServer {
    fn command(&self) -> &'static str {
        self.command
    }

    fn pin(&self) -> &'static str {
        self.requirement
    }

    fn needed_by(&self) -> &'static str {
        self.needed_by
    }

    fn command_in(&self, folder: &Path) -> PathBuf {
        folder.join("bin").join(self.command)
    }

    fn install(&self, folder: &Path) -> Result<(), String> {
        let python = ["python3", "python"]
            .into_iter()
            .find(|p| super::on_path(p).is_some())
            .ok_or("no python3 on PATH")?;
        run(Command::new(python).args(["-m", "venv"]).arg(folder))?;
        run(Command::new(folder.join("bin").join("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", self.requirement])
            .env_remove("PIP_REQUIRE_VIRTUALENV"))
    }
}
