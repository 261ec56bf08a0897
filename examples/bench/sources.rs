//! `--sources`: one workspace of 100,000 reports (20% scheduled) audited through each source:
//! `rest`, `discovery` and `both`, full runs; then `rest` and `discovery` incremental
//! (`--schedules-max-age 7d`) after the stand-in's drift knob changed 5% of the reports. The runs
//! use `--rate off`: the requests the stand-in counted are the point, and Mode's real limit turns
//! them into a wall time at the pace the Mode-clock scenarios sustain (3.92 requests a second, 98%
//! of 40 per 10 s). Target: `discovery` with `--schedules-max-age` is the cheapest complete audit.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use mode_audit::sim::{CounterSnapshot, Drift, SimServer};
use tokio::runtime::Runtime;

use crate::scenario::{PER_PAGE, unlimited};
use crate::table::{mib, render, secs, thousands};
use crate::tool_run::{ToolRun, run_tool_in};

const REPORTS: usize = 100_000;
/// Requests a second at Mode's limit, as paced (98% of 40 per 10 s).
const MODE_PACE: f64 = 3.92;

struct Row {
    name: String,
    run: ToolRun,
    server: CounterSnapshot,
}

/// Runs every source and prints the table; `Err` when a run fails.
pub fn bench(runtime: &Runtime, binary: &Path, deadline: Duration) -> Result<String> {
    let config = unlimited("sources-100k", REPORTS, &[]).sim_config();
    let sim = runtime
        .block_on(SimServer::start(config.clone()))
        .context("cannot start the stand-in on 127.0.0.1")?;
    let url = sim.base_url();
    let mut rows = Vec::new();
    let mut one = |name: &str, out: &Path, args: &[&str]| -> Result<()> {
        sim.reset_counters();
        eprintln!("bench: sources {name} ...");
        let run =
            run_tool_in(out, binary, &url, &config, PER_PAGE, args, deadline).with_context(|| name.to_string())?;
        rows.push(Row {
            name: name.to_string(),
            run,
            server: sim.counters(),
        });
        Ok(())
    };
    let reuse = ["--schedules-max-age", "7d"];
    let folders: Vec<tempfile::TempDir> = (0..5).map(|_| tempfile::tempdir()).collect::<Result<_, _>>()?;
    one("rest", folders[0].path(), &["--source", "rest"])?;
    one("discovery", folders[1].path(), &["--source", "discovery"])?;
    one("both", folders[2].path(), &["--source", "both"])?;
    // First runs of the incremental pairs (not shown: they are the full runs above).
    let first = |out: &Path, args: &[&str]| run_tool_in(out, binary, &url, &config, PER_PAGE, args, deadline);
    first(folders[3].path(), &["--source", "rest", reuse[0], reuse[1]])?;
    first(folders[4].path(), &["--source", "discovery", reuse[0], reuse[1]])?;
    sim.mutate(|ws| Drift { share: 0.05, seed: 14 }.apply(ws));
    one(
        "rest, incremental",
        folders[3].path(),
        &["--source", "rest", reuse[0], reuse[1]],
    )?;
    one(
        "discovery, incremental",
        folders[4].path(),
        &["--source", "discovery", reuse[0], reuse[1]],
    )?;
    runtime.block_on(sim.shutdown());
    Ok(table(&rows))
}

fn table(rows: &[Row]) -> String {
    let header = [
        "source",
        "reports",
        "status",
        "requests",
        "of which /batch",
        "schedule requests",
        "wall, --rate off",
        "wall at Mode's limit (requests ÷ 3.92/s)",
        "peak RSS",
    ];
    let mut body: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    body.extend(rows.iter().map(|r| {
        let at_mode = Duration::from_secs_f64(r.server.total as f64 / MODE_PACE);
        vec![
            r.name.clone(),
            thousands(r.run.stats.reports),
            r.run.status.clone(),
            thousands(r.server.total),
            thousands(r.server.batch),
            thousands(r.server.schedules),
            secs(r.run.wall),
            format!("{}h {:02}m", at_mode.as_secs() / 3600, at_mode.as_secs() % 3600 / 60),
            r.run.sampled_peak_rss.map_or("—".to_string(), mib),
        ]
    }));
    render(&body)
}
