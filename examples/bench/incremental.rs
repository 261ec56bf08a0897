//! Incremental runs (`--schedules-max-age`): a full run, a share of the reports changed by the
//! stand-in's drift knob, then the incremental run, against a full run of the same changed
//! workspace. Targets: the incremental run sends ≤ 30% of the full run's requests, and its snapshot
//! equals the full run's except `fetched_at` (and `first_seen`, which only the incremental run's
//! earlier snapshot can set).

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use mode_audit::insights::changes::load;
use mode_audit::sim::{CounterSnapshot, Drift, Drifted, SimServer};
use mode_audit::snapshot::ReportRecord;
use tokio::runtime::Runtime;

use crate::scenario::{PER_PAGE, Scenario, unlimited};
use crate::table::{mib, render, secs, thousands};
use crate::tool_run::{ToolRun, latest_snapshot, run_tool_in};

/// The incremental run's requests at most, as a share of a full run's.
const MAX_SHARE: f64 = 0.30;
const MAX_RSS_BYTES: u64 = 64 * 1024 * 1024;
/// `--schedules-max-age` of the incremental runs.
const MAX_AGE: &str = "7d";
const DRIFT_SEED: u64 = 14;

/// Two runs of one workspace, a share of it changed in between.
#[derive(Clone, Debug)]
pub struct Incremental {
    pub name: &'static str,
    pub reports: usize,
    /// Share of the reports the drift knob changes between the runs.
    pub changed: f64,
}

pub fn scenarios() -> Vec<Incremental> {
    vec![
        Incremental {
            name: "incremental-5k",
            reports: 5_000,
            changed: 0.05,
        },
        Incremental {
            name: "incremental-50k",
            reports: 50_000,
            changed: 0.05,
        },
    ]
}

impl Incremental {
    /// The workspace: 20% scheduled, about 100 reports a collection, limits off (`--rate off`).
    fn base(&self) -> Scenario {
        unlimited(self.name, self.reports, &[])
    }
}

/// What one incremental scenario measured.
pub struct IncrementalMeasured {
    pub scenario: Incremental,
    pub reports: u64,
    pub scheduled: u64,
    pub drifted: Drifted,
    /// The incremental run, and the stand-in's counters for it.
    pub incremental: ToolRun,
    pub incremental_server: CounterSnapshot,
    /// The full run of the changed workspace, and the stand-in's counters for it.
    pub full: ToolRun,
    pub full_server: CounterSnapshot,
    /// Reports compared, and how the incremental snapshot differs from the full one.
    pub compared: u64,
    pub differences: Vec<String>,
}

pub struct Verdict {
    pub check: &'static str,
    pub measured: String,
    pub target: String,
    pub pass: bool,
}

/// A full run, the drift, the incremental run into the same folder, then a full run into another.
pub fn measure(runtime: &Runtime, binary: &Path, s: &Incremental, deadline: Duration) -> Result<IncrementalMeasured> {
    let config = s.base().sim_config();
    let sim = runtime
        .block_on(SimServer::start(config.clone()))
        .context("cannot start the stand-in on 127.0.0.1")?;
    let url = sim.base_url();
    let incremental_out = tempfile::tempdir().context("cannot create a temporary output folder")?;
    let full_out = tempfile::tempdir().context("cannot create a temporary output folder")?;
    let reuse = ["--schedules-max-age", MAX_AGE];
    run_tool_in(
        incremental_out.path(),
        binary,
        &url,
        &config,
        PER_PAGE,
        &reuse,
        deadline,
    )
    .context("the first (full) run")?;
    let drifted = sim.mutate(|ws| {
        Drift {
            share: s.changed,
            seed: DRIFT_SEED,
        }
        .apply(ws)
    });
    let truth = sim.workspace();
    let reports = truth.report_count() as u64;
    let scheduled = truth.reports().filter(|(_, r)| !r.schedules.is_empty()).count() as u64;
    drop(truth);
    sim.reset_counters();
    let incremental = run_tool_in(
        incremental_out.path(),
        binary,
        &url,
        &config,
        PER_PAGE,
        &reuse,
        deadline,
    )
    .context("the incremental run")?;
    let incremental_server = sim.counters();
    sim.reset_counters();
    let full = run_tool_in(full_out.path(), binary, &url, &config, PER_PAGE, &[], deadline)
        .context("the full run of the changed workspace")?;
    let full_server = sim.counters();
    runtime.block_on(sim.shutdown());
    let (compared, differences) = compare(
        &latest_snapshot(incremental_out.path(), &config),
        &latest_snapshot(full_out.path(), &config),
    )?;
    Ok(IncrementalMeasured {
        scenario: s.clone(),
        reports,
        scheduled,
        drifted,
        incremental,
        incremental_server,
        full,
        full_server,
        compared,
        differences,
    })
}

/// Reports compared and the differences (the first ten) between two snapshots, `fetched_at` and
/// `history` left out; the collections ledger, the status and the findings compared as they are.
fn compare(incremental: &Path, full: &Path) -> Result<(u64, Vec<String>)> {
    let (_, a) = load(incremental).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (_, b) = load(full).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut differences = Vec::new();
    if a.status != b.status {
        differences.push(format!("status {:?} vs {:?}", a.status, b.status));
    }
    if a.collections != b.collections {
        differences.push("the collections ledger differs".to_string());
    }
    if !a.findings.iter().eq(b.findings.iter()) {
        differences.push(format!("{} findings vs {}", a.findings.len(), b.findings.len()));
    }
    let (mut left, mut right) = (a.reports.iter(), b.reports.iter());
    let mut compared = 0;
    loop {
        match (left.next(), right.next()) {
            (None, None) => break,
            (Some(x), Some(y)) => {
                compared += 1;
                let (x, y) = (comparable(x), comparable(y));
                if x != y {
                    differences.push(describe(&x, &y));
                }
            }
            (x, y) => {
                let token = x.or(y).map(|r| r.token).unwrap_or_default();
                differences.push(format!("report {token} is in one snapshot only"));
            }
        }
    }
    if differences.len() > 10 {
        let more = differences.len() - 10;
        differences.truncate(10);
        differences.push(format!("… {more} more"));
    }
    Ok((compared, differences))
}

fn comparable(mut r: ReportRecord) -> ReportRecord {
    r.history = Default::default();
    for s in &mut r.schedules {
        s.fetched_at = None;
    }
    r
}

/// `report <token>: field, field` for the fields that differ.
fn describe(x: &ReportRecord, y: &ReportRecord) -> String {
    let (a, b) = (serde_json::to_value(x), serde_json::to_value(y));
    let fields: Vec<String> = match (a, b) {
        (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) => a
            .iter()
            .filter(|(k, v)| b.get(*k) != Some(*v))
            .map(|(k, _)| k.clone())
            .collect(),
        _ => vec!["?".to_string()],
    };
    format!("report {}: {}", x.token, fields.join(", "))
}

impl IncrementalMeasured {
    pub fn verdicts(&self) -> Vec<Verdict> {
        let (inc, full) = (self.incremental_server.total, self.full_server.total);
        let share = inc as f64 / full.max(1) as f64;
        let mut out = vec![
            Verdict {
                check: "requests",
                measured: format!("{inc} requests against a full run's {full} ({:.1}%)", share * 100.0),
                target: format!("≤ {:.0}% of a full run", MAX_SHARE * 100.0),
                pass: share <= MAX_SHARE,
            },
            Verdict {
                check: "snapshot",
                measured: if self.differences.is_empty() {
                    format!(
                        "{} reports, the ledger and the findings equal a full run's (fetched_at and first_seen aside)",
                        self.compared
                    )
                } else {
                    format!("differs: {}", self.differences.join("; "))
                },
                target: "equal to a full run's but for fetched_at".to_string(),
                pass: self.differences.is_empty(),
            },
        ];
        if let Some(peak) = self
            .incremental
            .stats
            .peak_rss_bytes
            .max(self.incremental.sampled_peak_rss)
        {
            out.push(Verdict {
                check: "memory",
                measured: format!("peak RSS {}", mib(peak)),
                target: format!("≤ {}", mib(MAX_RSS_BYTES)),
                pass: peak <= MAX_RSS_BYTES,
            });
        }
        out
    }

    /// Where the audit's counts and the stand-in's disagree.
    pub fn disagreements(&self) -> Vec<String> {
        let name = self.scenario.name;
        let mut notes = Vec::new();
        for (run, tool, server) in [
            ("incremental", &self.incremental, &self.incremental_server),
            ("full", &self.full, &self.full_server),
        ] {
            if tool.stats.requests.requests != server.total {
                notes.push(format!(
                    "{name}: the {run} run counted {} requests, the stand-in {}",
                    tool.stats.requests.requests, server.total
                ));
            }
            if tool.stats.reports != self.reports {
                notes.push(format!(
                    "{name}: the {run} run has {} reports, the stand-in serves {}",
                    tool.stats.reports, self.reports
                ));
            }
        }
        notes
    }
}

const HEADER: [&str; 12] = [
    "scenario",
    "reports",
    "scheduled",
    "changed (updated_at moved)",
    "full run: requests",
    "schedules",
    "incremental: requests",
    "schedules",
    "share",
    "schedule records reused",
    "incremental wall / full wall",
    "incremental peak RSS",
];

/// One row per scenario.
pub fn table(measured: &[IncrementalMeasured]) -> String {
    let mut rows = vec![HEADER.map(str::to_string).to_vec()];
    for m in measured {
        let peak = m.incremental.stats.peak_rss_bytes.max(m.incremental.sampled_peak_rss);
        rows.push(vec![
            m.scenario.name.to_string(),
            thousands(m.reports),
            format!(
                "{} ({:.0}%)",
                thousands(m.scheduled),
                m.scheduled as f64 * 100.0 / m.reports.max(1) as f64
            ),
            format!(
                "{} ({})",
                thousands(m.drifted.reports as u64),
                thousands(m.drifted.updated as u64)
            ),
            thousands(m.full_server.total),
            thousands(m.full_server.schedules),
            thousands(m.incremental_server.total),
            thousands(m.incremental_server.schedules),
            format!(
                "{:.1}%",
                m.incremental_server.total as f64 * 100.0 / m.full_server.total.max(1) as f64
            ),
            m.incremental.stats.schedules_reused.map_or("?".to_string(), thousands),
            format!("{} / {}", secs(m.incremental.wall), secs(m.full.wall)),
            peak.map_or("?".to_string(), mib),
        ]);
    }
    render(&rows)
}
