//! The benchmark scenarios: workspace size and shape, the stand-in's latency and limit, and which of
//! the performance targets each one checks (see BENCHMARKS.md).

use std::time::Duration;

use mode_audit::sim::{PastEnd, RateWindow, SimConfig, WorkspaceSpec};

/// `per_page` the audit is asked to send; the stand-in honours up to [`PAGE_MAX`].
pub const PER_PAGE: usize = 100;
/// The stand-in's `per_page` cap.
pub const PAGE_MAX: usize = 100;
/// Mode's page size, which the stand-in serves when it ignores `per_page`.
const MODE_PAGE: usize = 30;
/// Reports per custom collection, roughly (README's example: 5,000 reports in 50 collections).
const REPORTS_PER_COLLECTION: usize = 100;
/// Seed of every generated workspace, so every run of the bench audits the same workspaces.
const SEED: u64 = 2026;

/// One of the performance targets (BENCHMARKS.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Requests issued ≤ 1.02 × the minimum.
    Requests,
    /// Sustained rate ≥ 0.95 × the limit: requests per second the stand-in received between the
    /// 10th and 90th percentile arrivals.
    Rate,
    /// ≤ 1% of responses are 429.
    Throttled,
    /// Wall time ≤ 1.05 × (minimum ÷ rate) + 2 s (the 2 s shrink with the scenario's clock).
    Floor,
    /// At least 8× faster than the naive loop.
    SpeedUp,
    /// ≥ 2,000 requests/s with limits off.
    Throughput,
    /// Peak RSS ≤ 64 MiB.
    Memory,
}

/// One workspace, stand-in and audit to measure.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: &'static str,
    pub reports: usize,
    pub scheduled_share: f64,
    /// The stand-in's mean latency and its ± fraction.
    pub latency: Duration,
    pub jitter: f64,
    /// The stand-in's window, also given to the audit as `--rate`; `None` is `--rate off`.
    pub limit: Option<RateWindow>,
    /// `Some(sleep)`: the naive loop also crawls the workspace, sleeping this long after each response.
    pub naive_sleep: Option<Duration>,
    /// How many times faster than Mode's limit the stand-in's limit is (1: Mode's 40 per 10 s).
    pub speed: u32,
    /// The latency and the naive loop's sleep are divided by `speed` too (the naive comparison), so
    /// every time in the scenario is Mode's divided by `speed`; otherwise the latency is real.
    pub latency_scaled: bool,
    /// Flags added to `mode-audit run` (beyond the workspace, address, output, `--rate`, `--per-page`).
    pub extra_args: &'static [&'static str],
    /// `--format` of the audit; json at least, which the bench reads.
    pub formats: &'static str,
    /// The stand-in ignores `per_page` (always 30 a page) and repeats the last page past the end:
    /// the other plausible behaviour of Mode's listings.
    pub ignore_per_page: bool,
    /// What the output folder holds before the measured run.
    pub before: Before,
    pub checks: &'static [Check],
}

/// What the output folder holds before the measured run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Before {
    /// Nothing: a first run.
    Nothing,
    /// This many earlier snapshots of the workspace, copies of a first run backdated by
    /// [`EARLIER_AGES`], so that each history window is measured against a different one.
    EarlierSnapshots(usize),
    /// The checkpoint of a run sent SIGTERM once the stand-in had served this share of the
    /// report pages (so the checkpoint holds about that share of the reports); the measured run
    /// resumes from it.
    StoppedAt(f64),
}

/// Ages in days of the earlier snapshots [`Before::EarlierSnapshots`] makes, newest first: the
/// newest, the 7-day, the 30-day (also the findings window) and the 90-day baselines, and two the
/// history reads past.
pub const EARLIER_AGES: [i64; 6] = [1, 8, 15, 31, 60, 91];

const RATE_CHECKS: &[Check] = &[Check::Requests, Check::Rate, Check::Throttled, Check::Floor];
const NAIVE_CHECKS: &[Check] = &[
    Check::Requests,
    Check::Rate,
    Check::Throttled,
    Check::Floor,
    Check::SpeedUp,
];

/// Mode's limit, divided by `speed`: 40 requests per 10 s ÷ speed.
fn mode_limit(speed: u32) -> Option<RateWindow> {
    Some(RateWindow {
        requests: 40,
        window: Duration::from_secs(10) / speed,
    })
}

fn rate(name: &'static str, latency_ms: u64) -> Scenario {
    Scenario {
        name,
        reports: 2_000,
        scheduled_share: 0.2,
        latency: Duration::from_millis(latency_ms),
        jitter: 0.5,
        limit: mode_limit(10),
        naive_sleep: None,
        speed: 10,
        latency_scaled: false,
        extra_args: &[],
        formats: "json",
        ignore_per_page: false,
        before: Before::Nothing,
        checks: RATE_CHECKS,
    }
}

/// Ours against the naive loop at 300 ms latency and a 250 ms sleep, every time divided by `speed`.
fn naive(name: &'static str, reports: usize, speed: u32) -> Scenario {
    Scenario {
        name,
        reports,
        scheduled_share: 0.2,
        latency: Duration::from_millis(300) / speed,
        jitter: 0.5,
        limit: mode_limit(speed),
        naive_sleep: Some(Duration::from_millis(250) / speed),
        speed,
        latency_scaled: true,
        extra_args: &[],
        formats: "json",
        ignore_per_page: false,
        before: Before::Nothing,
        checks: NAIVE_CHECKS,
    }
}

/// Limits off on both sides (`--rate off`), no latency: what the client itself costs.
pub fn unlimited(name: &'static str, reports: usize, checks: &'static [Check]) -> Scenario {
    Scenario {
        name,
        reports,
        scheduled_share: 0.2,
        latency: Duration::ZERO,
        jitter: 0.0,
        limit: None,
        naive_sleep: None,
        speed: 1,
        latency_scaled: false,
        extra_args: &[],
        formats: "json",
        ignore_per_page: false,
        before: Before::Nothing,
        checks,
    }
}

/// `--short`: every limit at 10× Mode's (40 per 1 s); about 1.5 minutes.
pub fn short() -> Vec<Scenario> {
    vec![
        rate("rate-20ms", 20),
        rate("rate-300ms", 300),
        rate("rate-1s", 1_000),
        Scenario {
            ignore_per_page: true,
            ..rate("ignored-per-page-300ms", 300)
        },
        naive("naive-300ms", 500, 10),
        unlimited("overhead", 20_000, &[Check::Requests, Check::Throughput]),
        unlimited("memory", 100_000, &[Check::Requests, Check::Memory]),
        Scenario {
            before: Before::EarlierSnapshots(EARLIER_AGES.len()),
            ..unlimited("memory-history-6", 100_000, &[Check::Requests, Check::Memory])
        },
        Scenario {
            before: Before::StoppedAt(0.9),
            ..unlimited("memory-resume-90", 100_000, &[Check::Requests, Check::Memory])
        },
        // The same audit writing the workbook too: the difference is the xlsx writer's time and memory.
        Scenario {
            formats: "json,xlsx",
            ..unlimited("memory-xlsx", 100_000, &[Check::Requests, Check::Memory])
        },
        // The same audit writing the page too: the difference is the page's time, memory and size.
        Scenario {
            formats: "json,html",
            ..unlimited("memory-html", 100_000, &[Check::Requests, Check::Memory])
        },
    ]
}

/// `mode-audit diff` of two snapshots of this many reports, the second taken after
/// `sim::drift::drift` (views of every third report grow, schedules change, one report moves).
pub const DIFF_REPORTS: usize = 100_000;
/// The name `--only` selects the diff measurement by.
pub const DIFF_NAME: &str = "memory-diff";

/// `--full`: `--short` plus Mode's real clock (40 per 10 s; 300 ms latency and a 250 ms sleep for the
/// naive loop) on smaller workspaces; about 8 minutes.
pub fn full() -> Vec<Scenario> {
    let at_mode_clock = |name, latency_ms| Scenario {
        reports: 1_000,
        limit: mode_limit(1),
        speed: 1,
        ..rate(name, latency_ms)
    };
    let mut all = short();
    all.extend([
        at_mode_clock("mode-rate-20ms", 20),
        at_mode_clock("mode-rate-300ms", 300),
        at_mode_clock("mode-rate-1s", 1_000),
        naive("mode-naive-300ms", 300, 1),
    ]);
    all
}

impl Scenario {
    /// The stand-in serving this scenario's workspace.
    pub fn sim_config(&self) -> SimConfig {
        let collections = self.reports.div_ceil(REPORTS_PER_COLLECTION).max(1);
        let personal = (collections / 20).max(1);
        SimConfig {
            spec: WorkspaceSpec {
                seed: SEED,
                collections: collections.saturating_sub(personal).max(1),
                personal,
                community: true,
                reports: self.reports,
                scheduled_share: self.scheduled_share,
                ..WorkspaceSpec::default()
            },
            limit: self.limit,
            latency: self.latency,
            latency_jitter: self.jitter,
            per_page_max: PAGE_MAX,
            ignore_per_page: self.ignore_per_page,
            past_end: if self.ignore_per_page {
                PastEnd::RepeatLast
            } else {
                PastEnd::Empty
            },
            fault_seed: SEED,
            ..SimConfig::default()
        }
    }

    /// The page size the stand-in serves the audit: what it asks, up to the stand-in's cap.
    pub fn page_size(&self) -> usize {
        if self.ignore_per_page {
            MODE_PAGE
        } else {
            PER_PAGE.min(PAGE_MAX)
        }
    }

    /// The limit in requests per second, if any.
    pub fn limit_per_sec(&self) -> Option<f64> {
        self.limit.map(|w| f64::from(w.requests) / w.window.as_secs_f64())
    }

    /// The `+ 2 s` of the floor target: an allowance for what a run costs besides the budget (start,
    /// the first round trips before the queue is full, the last response, publishing). Those costs
    /// follow the latency, so the allowance shrinks only when the latency is scaled down too.
    pub fn floor_slack(&self) -> Duration {
        if self.latency_scaled {
            Duration::from_secs(2) / self.speed
        } else {
            Duration::from_secs(2)
        }
    }
}
