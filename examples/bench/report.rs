//! What one scenario measured, and its verdict on each performance target (see BENCHMARKS.md).

use std::time::Duration;

use mode_audit::sim::{CounterSnapshot, MinimumRequests, Workspace};

use crate::naive::NaiveRun;
use crate::scenario::{Before, Check, Scenario};
use crate::table::{mib, secs};
use crate::tool_run::ToolRun;

/// The performance targets' thresholds.
const MAX_REQUEST_RATIO: f64 = 1.02;
const MIN_RATE_SHARE: f64 = 0.95;
const MAX_THROTTLED_SHARE: f64 = 0.01;
const FLOOR_FACTOR: f64 = 1.05;
const MIN_SPEED_UP: f64 = 8.0;
const MIN_THROUGHPUT: f64 = 2_000.0;
const MAX_RSS_BYTES: u64 = 64 * 1024 * 1024;

/// The naive loop's run on the same workspace, with the stand-in's counters for it.
#[derive(Clone, Debug)]
pub struct NaiveMeasured {
    pub run: NaiveRun,
    pub server: CounterSnapshot,
}

/// Requests by kind: the stand-in's counters, or the minimum's parts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ByKind {
    pub collections: u64,
    pub reports: u64,
    pub schedules: u64,
    pub other: u64,
}

impl ByKind {
    /// The parts of [`MinimumRequests`] at the page size the stand-in serves.
    pub fn minimum(ws: &Workspace, page_size: usize) -> ByKind {
        let m = MinimumRequests::of(ws, page_size);
        ByKind {
            collections: m.collections,
            reports: m.reports,
            schedules: m.schedules,
            other: 0,
        }
    }

    pub fn served(counters: &CounterSnapshot) -> ByKind {
        ByKind {
            collections: counters.collections,
            reports: counters.reports,
            schedules: counters.schedules,
            other: counters.other,
        }
    }

    pub fn total(&self) -> u64 {
        self.collections + self.reports + self.schedules + self.other
    }
}

/// Everything measured for one scenario.
#[derive(Clone, Debug)]
pub struct Measured {
    pub scenario: Scenario,
    /// Reports the stand-in serves.
    pub truth_reports: u64,
    /// Share of them with at least one schedule.
    pub truth_scheduled_share: f64,
    /// `sim::minimum_requests` at the page size the stand-in serves the audit.
    pub minimum: u64,
    /// The minimum's parts.
    pub minimum_by_kind: ByKind,
    pub tool: ToolRun,
    /// The stand-in's counters for the audit.
    pub server: CounterSnapshot,
    /// Requests per second the stand-in received between the 10th and the 90th percentile of the
    /// audit's arrivals: the sustained rate, without the first round trips and the last response.
    pub sustained_rate: Option<f64>,
    pub naive: Option<NaiveMeasured>,
    /// What the output folder held before the measured run, when not empty.
    pub before: Option<String>,
}

/// The sustained rate of a run from its arrival times (see [`Measured::sustained_rate`]).
pub fn sustained_rate(arrivals: &[tokio::time::Instant]) -> Option<f64> {
    let n = arrivals.len();
    if n < 20 {
        return None;
    }
    let (first, last) = (n / 10, n * 9 / 10);
    let span = arrivals[last].duration_since(arrivals[first]).as_secs_f64();
    (span > 0.0).then(|| (last - first) as f64 / span)
}

/// A target's verdict for one scenario.
pub struct Verdict {
    pub check: Check,
    pub measured: String,
    pub target: String,
    pub pass: bool,
}

impl Measured {
    pub fn requests(&self) -> u64 {
        self.tool.stats.requests.requests
    }

    pub fn crawl_time(&self) -> Duration {
        Duration::from_millis(self.tool.stats.duration_ms)
    }

    /// Requests per second over the audit's own crawl time.
    pub fn achieved_rate(&self) -> f64 {
        self.requests() as f64 / self.crawl_time().as_secs_f64().max(1e-3)
    }

    /// Minimum requests ÷ the limit's rate.
    pub fn floor(&self) -> Option<Duration> {
        let per_sec = self.scenario.limit_per_sec()?;
        Some(Duration::from_secs_f64(self.minimum as f64 / per_sec))
    }

    /// The larger of the peak the audit reports (end of walk) and the one sampled from outside.
    pub fn peak_rss(&self) -> Option<u64> {
        self.tool.stats.peak_rss_bytes.max(self.tool.sampled_peak_rss)
    }

    pub fn throttled_share(&self) -> f64 {
        let answered = self.requests().max(self.server.total).max(1);
        let throttled = self.tool.stats.requests.throttled.max(self.server.throttled);
        throttled as f64 / answered as f64
    }

    pub fn speed_up(&self) -> Option<f64> {
        let naive = self.naive.as_ref()?;
        Some(naive.run.wall.as_secs_f64() / self.tool.wall.as_secs_f64().max(1e-3))
    }

    /// The verdict of every target this scenario checks.
    pub fn verdicts(&self) -> Vec<Verdict> {
        self.scenario
            .checks
            .iter()
            .filter_map(|&check| self.verdict(check))
            .collect()
    }

    fn verdict(&self, check: Check) -> Option<Verdict> {
        let (measured, target, pass) = match check {
            Check::Requests => {
                let ratio = self.requests() as f64 / self.minimum.max(1) as f64;
                (
                    format!(
                        "{} requests for a minimum of {} ({ratio:.3}×)",
                        self.requests(),
                        self.minimum
                    ),
                    format!("≤ {MAX_REQUEST_RATIO}× minimum"),
                    ratio <= MAX_REQUEST_RATIO,
                )
            }
            Check::Rate => {
                let limit = self.scenario.limit_per_sec()?;
                let sustained = self.sustained_rate?;
                let share = sustained / limit;
                (
                    format!(
                        "sustained {sustained:.2}/s = {share:.3}× the limit (whole run, first round trips and last response included: {:.3}×)",
                        self.achieved_rate() / limit
                    ),
                    format!("≥ {MIN_RATE_SHARE}× limit"),
                    share >= MIN_RATE_SHARE,
                )
            }
            Check::Throttled => {
                let share = self.throttled_share();
                (
                    format!("{:.2}% 429s", share * 100.0),
                    format!("≤ {}%", MAX_THROTTLED_SHARE * 100.0),
                    share <= MAX_THROTTLED_SHARE,
                )
            }
            Check::Floor => {
                let floor = self.floor()?;
                let allowed = floor.mul_f64(FLOOR_FACTOR) + self.scenario.floor_slack();
                (
                    format!("wall {} vs floor {}", secs(self.tool.wall), secs(floor)),
                    format!(
                        "≤ {FLOOR_FACTOR}× floor + {} = {}",
                        secs(self.scenario.floor_slack()),
                        secs(allowed)
                    ),
                    self.tool.wall <= allowed,
                )
            }
            Check::SpeedUp => {
                let speed_up = self.speed_up()?;
                (
                    format!("{speed_up:.1}× faster than the naive loop"),
                    format!("≥ {MIN_SPEED_UP}×"),
                    speed_up >= MIN_SPEED_UP,
                )
            }
            Check::Throughput => {
                let rate = self.achieved_rate();
                let per_cpu_second = self.tool.cpu.filter(|cpu| !cpu.is_zero()).map_or(String::new(), |cpu| {
                    format!(
                        "; the audit used {} of CPU, {:.0} requests per CPU-second",
                        secs(cpu),
                        self.requests() as f64 / cpu.as_secs_f64()
                    )
                });
                (
                    format!("{rate:.0} requests/s{per_cpu_second}"),
                    format!("≥ {MIN_THROUGHPUT} requests/s"),
                    rate >= MIN_THROUGHPUT,
                )
            }
            Check::Memory => {
                let peak = self.peak_rss()?;
                (
                    format!("peak RSS {}", mib(peak)),
                    format!("≤ {}", mib(MAX_RSS_BYTES)),
                    peak <= MAX_RSS_BYTES,
                )
            }
        };
        Some(Verdict {
            check,
            measured,
            target,
            pass,
        })
    }

    /// Where the audit's own numbers and the stand-in's disagree, or the audit missed something.
    pub fn disagreements(&self) -> Vec<String> {
        let mut notes = Vec::new();
        let name = self.scenario.name;
        if self.tool.status != "complete" {
            notes.push(format!("{name}: the snapshot is {}, not complete", self.tool.status));
        }
        if self.tool.stats.reports != self.truth_reports {
            notes.push(format!(
                "{name}: the snapshot has {} reports, the stand-in serves {}",
                self.tool.stats.reports, self.truth_reports
            ));
        }
        let resumed = matches!(self.scenario.before, Before::StoppedAt(_));
        if resumed && self.requests() > self.server.total {
            notes.push(format!(
                "{name}: the audit counted {} requests, the stand-in {}: the {} more are requests the stopped run had sent \
                 and dropped at the stop, which never reached the stand-in before that process exited",
                self.requests(),
                self.server.total,
                self.requests() - self.server.total
            ));
        } else if self.requests() != self.server.total {
            notes.push(format!(
                "{name}: the audit counted {} requests, the stand-in {}",
                self.requests(),
                self.server.total
            ));
        }
        if self.tool.stats.requests.throttled != self.server.throttled {
            notes.push(format!(
                "{name}: the audit counted {} 429s, the stand-in sent {}",
                self.tool.stats.requests.throttled, self.server.throttled
            ));
        }
        if self.minimum_by_kind.total() != self.minimum {
            notes.push(format!(
                "{name}: the bench's parts of the minimum sum to {}, sim::minimum_requests says {}",
                self.minimum_by_kind.total(),
                self.minimum
            ));
        }
        if let Some(naive) = &self.naive {
            if naive.run.reports != self.truth_reports {
                notes.push(format!(
                    "{name}: the naive loop found {} reports, the stand-in serves {}",
                    naive.run.reports, self.truth_reports
                ));
            }
            if naive.run.requests != naive.server.total {
                notes.push(format!(
                    "{name}: the naive loop counted {} requests, the stand-in {}",
                    naive.run.requests, naive.server.total
                ));
            }
        }
        notes
    }

    /// `scenario: requests = collections N (min M) + ...` when the audit made more than the minimum.
    pub fn extra_requests(&self) -> Option<String> {
        let served = ByKind::served(&self.server);
        let min = self.minimum_by_kind;
        if served.total() <= self.minimum {
            return None;
        }
        let part = |name: &str, got: u64, min: u64| match got.cmp(&min) {
            std::cmp::Ordering::Equal => format!("{name} {got}"),
            _ => format!("{name} {got} (minimum {min}, {:+})", got as i64 - min as i64),
        };
        Some(format!(
            "{}: {} requests = {} + {} + {} + {}",
            self.scenario.name,
            served.total(),
            part("collections", served.collections, min.collections),
            part("report pages", served.reports, min.reports),
            part("schedules", served.schedules, min.schedules),
            part("other", served.other, min.other),
        ))
    }
}
