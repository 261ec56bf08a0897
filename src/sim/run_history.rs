//! Report runs as the stand-in keeps them: one run per slot of each schedule and a few run by
//! hand, over the 60 days before its "now", with failed, cancelled and still running ones; and the
//! `filter` / `order` / `order_by` of `GET /reports/{r}/runs`.

use std::collections::HashMap;

use fastrand::Rng;

use super::render::derived_token;
use super::timestamp::{DAY_MS, MINUTE_MS, iso_z, parse_iso};
use super::vocab::FREQUENCIES;
use super::workspace::SimReport;

/// How far back runs reach from the stand-in's "now".
pub const RUNS_SPAN_MS: i64 = 60 * DAY_MS;

/// One run of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimRun {
    pub token: String,
    /// `succeeded`, `completed`, `failed`, `cancelled`, or while running `pending`, `enqueued`,
    /// `running_notebook`.
    pub state: &'static str,
    pub created_ms: i64,
    /// `None` while it runs.
    pub completed_ms: Option<i64>,
    /// The schedule that started it; `None` for a run by hand.
    pub schedule: Option<String>,
}

impl SimRun {
    pub fn updated_ms(&self) -> i64 {
        self.completed_ms.unwrap_or(self.created_ms)
    }

    /// Seconds it took (`completed_at − created_at`); `None` while it runs.
    pub fn seconds(&self) -> Option<f64> {
        self.completed_ms.map(|c| (c - self.created_ms) as f64 / 1000.0)
    }
}

/// Every run of `report` up to `until_ms`, oldest first. Derived from the report's token and
/// schedules alone, so the same report always has the same runs and none are held in memory.
pub fn runs_of(report: &SimReport, until_ms: i64) -> Vec<SimRun> {
    let mut rng = Rng::with_seed(seed(&report.token));
    let typical_ms = ((report.expected_runtime * 1000.0) as i64).max(500);
    let mut starts: Vec<(i64, Option<&str>)> = Vec::new();
    for schedule in &report.schedules {
        let period = FREQUENCIES
            .iter()
            .find(|f| f.0 == schedule.frequency)
            .map_or(DAY_MS, |f| f.2 * MINUTE_MS);
        let mut at = until_ms - RUNS_SPAN_MS + rng.i64(0..period);
        while at < until_ms {
            starts.push((at + rng.i64(0..30_000), Some(schedule.token.as_str())));
            at += period;
        }
    }
    // Some reports have a run that has just started and is not done yet.
    if let Some(first) = report.schedules.first().filter(|_| rng.f64() < 0.3) {
        starts.push((until_ms - rng.i64(1..typical_ms), Some(first.token.as_str())));
    }
    for _ in 0..rng.usize(0..4) {
        starts.push((until_ms - rng.i64(1..RUNS_SPAN_MS), None));
    }
    starts.sort_unstable();
    starts
        .into_iter()
        .filter(|(at, _)| *at < until_ms)
        .enumerate()
        .map(|(i, (created_ms, schedule))| {
            let roll = rng.f64();
            let mut took = (typical_ms as f64 * (0.7 + 0.6 * rng.f64())) as i64;
            let mut state = match roll {
                r if r < 0.80 => "succeeded",
                r if r < 0.88 => "completed",
                r if r < 0.96 => "failed",
                _ => "cancelled",
            };
            if state == "cancelled" {
                took = took * rng.i64(1..10) / 10;
            }
            let completed_ms = Some(created_ms + took).filter(|&c| c <= until_ms);
            if completed_ms.is_none() {
                state = ["pending", "enqueued", "running_notebook"][rng.usize(..3)];
            }
            SimRun {
                token: derived_token(&[&report.token, "run", &i.to_string()]),
                state,
                created_ms,
                completed_ms,
                schedule: schedule.map(str::to_string),
            }
        })
        .collect()
}

fn seed(token: &str) -> u64 {
    u64::from_str_radix(&derived_token(&[token, "runs"]), 16).unwrap_or(7)
}

/// The `filter`, `order` and `order_by` of a runs listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunsQuery {
    /// (on `updated_at` rather than `created_at`, `gt` rather than `lt`, the instant).
    filter: Option<(bool, bool, i64)>,
    by_updated: bool,
    desc: bool,
}

impl RunsQuery {
    /// Reads the query; a `filter` that is not `<created_at|updated_at>.<gt|lt>.<ISO 8601>` is an
    /// error message. Without `order` the runs come oldest first: Mode does not document its
    /// default, and a client that wants the newest must ask for them.
    pub fn parse(q: &HashMap<String, String>) -> Result<RunsQuery, String> {
        let filter = match q.get("filter").map(String::as_str) {
            None | Some("") => None,
            Some(raw) => Some(parse_filter(raw).ok_or_else(|| format!("invalid filter: {raw}"))?),
        };
        Ok(RunsQuery {
            filter,
            by_updated: q.get("order_by").is_some_and(|v| v == "updated_at"),
            desc: q.get("order").is_some_and(|v| v.eq_ignore_ascii_case("desc")),
        })
    }

    /// The runs this query selects, in its order.
    pub fn apply(&self, mut runs: Vec<SimRun>) -> Vec<SimRun> {
        if let Some((updated, gt, at)) = self.filter {
            runs.retain(|r| {
                let v = if updated { r.updated_ms() } else { r.created_ms };
                if gt { v > at } else { v < at }
            });
        }
        if self.by_updated {
            runs.sort_by_key(SimRun::updated_ms);
        }
        if self.desc {
            runs.reverse();
        }
        runs
    }
}

fn parse_filter(raw: &str) -> Option<(bool, bool, i64)> {
    let mut parts = raw.splitn(3, '.');
    let updated = match parts.next()? {
        "created_at" => false,
        "updated_at" => true,
        _ => return None,
    };
    let gt = match parts.next()? {
        "gt" => true,
        "lt" => false,
        _ => return None,
    };
    // Served timestamps have millisecond precision: compare at that precision.
    Some((updated, gt, parse_iso(parts.next()?)?))
}

/// `iso_z` of a run's time, for rendering.
pub fn at(ms: i64) -> String {
    iso_z(ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::timestamp::BASE_MS;
    use crate::sim::{Workspace, WorkspaceSpec};

    fn query(pairs: &[(&str, &str)]) -> RunsQuery {
        RunsQuery::parse(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).unwrap()
    }

    #[test]
    fn runs_follow_the_schedules_with_failures_and_runs_in_progress() {
        let ws = Workspace::generate("acme", &WorkspaceSpec::default());
        let all: Vec<SimRun> = ws.reports().flat_map(|(_, r)| runs_of(r, BASE_MS)).collect();
        let states = |s: &str| all.iter().filter(|r| r.state == s).count();
        assert!(states("failed") > 0 && states("cancelled") > 0 && states("succeeded") > 0);
        assert!(
            all.iter().any(|r| r.completed_ms.is_none()),
            "some runs are still running"
        );
        assert!(
            all.iter()
                .all(|r| r.created_ms < BASE_MS && r.created_ms >= BASE_MS - RUNS_SPAN_MS)
        );
        let (_, hourly) = ws
            .reports()
            .find(|(_, r)| r.schedules.iter().any(|s| s.frequency == "hourly"))
            .expect("an hourly report");
        assert!(runs_of(hourly, BASE_MS).len() >= 60 * 24, "one run an hour for 60 days");
        assert_eq!(runs_of(hourly, BASE_MS), runs_of(hourly, BASE_MS));
    }

    #[test]
    fn filter_and_order_are_honoured_and_the_default_order_is_oldest_first() {
        let ws = Workspace::generate("acme", &WorkspaceSpec::default());
        let (_, r) = ws.reports().find(|(_, r)| !r.schedules.is_empty()).expect("scheduled");
        let runs = runs_of(r, BASE_MS);
        let cut = runs[runs.len() / 2].created_ms;
        let filter = format!("created_at.gt.{}", at(cut));
        let newest = query(&[("filter", &filter), ("order", "desc"), ("order_by", "created_at")]).apply(runs.clone());
        assert_eq!(newest.len(), runs.iter().filter(|x| x.created_ms > cut).count());
        assert!(newest.windows(2).all(|w| w[0].created_ms >= w[1].created_ms));
        let plain = query(&[("filter", &filter)]).apply(runs.clone());
        assert!(plain.windows(2).all(|w| w[0].created_ms <= w[1].created_ms));
        assert!(RunsQuery::parse(&[("filter".to_string(), "state.eq.failed".to_string())].into()).is_err());
    }
}
