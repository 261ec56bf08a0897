//! The `diff` measurement: two real snapshots of one 100,000-report workspace, the second taken
//! after the stand-in drifted, compared by `mode-audit diff` as a child process.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use mode_audit::sim::SimServer;
use tokio::runtime::Runtime;

use crate::scenario::{Check, DIFF_NAME, DIFF_REPORTS, PER_PAGE, unlimited};
use crate::table::{mib, secs};
use crate::tool_run::{Audit, Watched, watch};

const MAX_RSS_BYTES: u64 = 64 * 1024 * 1024;
const DEADLINE: Duration = Duration::from_secs(600);

/// What `mode-audit diff OLD NEW --out DIR` cost.
pub struct DiffMeasured {
    pub reports: usize,
    /// Rows of diff.csv.
    pub changes: usize,
    pub watched: Watched,
}

pub fn measure_diff(runtime: &Runtime, binary: &Path) -> Result<DiffMeasured> {
    let scenario = unlimited(DIFF_NAME, DIFF_REPORTS, &[Check::Memory]);
    let config = scenario.sim_config();
    let sim = runtime
        .block_on(SimServer::start(config.clone()))
        .context("cannot start the stand-in on 127.0.0.1")?;
    let audit = Audit {
        binary,
        base_url: sim.base_url(),
        config: &config,
        per_page: PER_PAGE,
        formats: "json",
        extra_args: &[],
        deadline: DEADLINE,
    };
    let out = tempfile::tempdir().context("cannot create a temporary output folder")?;
    let latest = || -> Result<PathBuf> {
        let link = out.path().join(&config.workspace).join("latest");
        fs::canonicalize(&link).with_context(|| format!("cannot resolve {}", link.display()))
    };
    audit.run(out.path())?;
    let old = latest()?;
    sim.mutate(mode_audit::sim::drift::drift);
    audit.run(out.path())?;
    let new = latest()?;
    runtime.block_on(sim.shutdown());
    let written = out.path().join("diff");
    let mut command = Command::new(binary);
    command.arg("diff").arg(&old).arg(&new).arg("--out").arg(&written);
    let watched = watch(command, DEADLINE, || false)?;
    if !watched.status.success() {
        bail!(
            "mode-audit diff exited with {}:\n{}",
            watched.status,
            watched.stderr_tail
        );
    }
    let csv = fs::read_to_string(written.join("diff.csv")).context("cannot read diff.csv")?;
    Ok(DiffMeasured {
        reports: DIFF_REPORTS,
        changes: csv.lines().count().saturating_sub(1),
        watched,
    })
}

impl DiffMeasured {
    pub fn peak_rss(&self) -> Option<u64> {
        self.watched.sampled_peak_rss
    }

    pub fn passes(&self) -> bool {
        self.peak_rss().is_some_and(|p| p <= MAX_RSS_BYTES)
    }

    /// The Markdown table of the measurement, and its verdict line.
    pub fn render(&self) -> String {
        let peak = self.peak_rss().map_or("?".to_string(), mib);
        let verdict = if self.passes() { "PASS" } else { "FAIL" };
        format!(
            "| measurement | reports | changes | wall | CPU | peak RSS | target |\n\
             |---|---|---|---|---|---|---|\n\
             | {DIFF_NAME}: `mode-audit diff OLD NEW --out DIR` | {} | {} | {} | {} | {peak} | {verdict} (≤ {}) |\n",
            self.reports,
            self.changes,
            secs(self.watched.wall),
            self.watched.cpu.map_or("?".to_string(), secs),
            mib(MAX_RSS_BYTES),
        )
    }
}
