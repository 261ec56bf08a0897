//! The Markdown table the bench prints: one row per scenario plus the naive loop's row, and the
//! number formats it uses.

use std::fmt::Write as _;
use std::time::Duration;

use mode_audit::sim::RateWindow;

use crate::report::{Measured, NaiveMeasured};
use crate::scenario::{Check, Scenario};

const HEADER: [&str; 20] = [
    "scenario",
    "reports",
    "sched",
    "latency",
    "limit",
    "requests",
    "minimum",
    "ratio",
    "rate / limit",
    "sustained / limit",
    "429s",
    "max in flight",
    "wall",
    "after walk",
    "audit CPU",
    "floor",
    "wall / floor",
    "peak RSS walk / process",
    "naive ÷ ours",
    "target",
];

/// The Markdown table: one row per scenario, plus the naive loop's row where it ran.
pub fn table(measured: &[Measured]) -> String {
    let mut rows = vec![HEADER.map(str::to_string).to_vec()];
    for m in measured {
        rows.push(ours_row(m));
        if let Some(naive) = &m.naive {
            rows.push(naive_row(m, naive));
        }
    }
    render(&rows)
}

fn ours_row(m: &Measured) -> Vec<String> {
    let s = &m.scenario;
    let verdicts = m.verdicts();
    let failed: Vec<&str> = verdicts
        .iter()
        .filter(|v| !v.pass)
        .map(|v| check_name(v.check))
        .collect();
    let target = if failed.is_empty() {
        format!(
            "PASS ({})",
            verdicts
                .iter()
                .map(|v| check_name(v.check))
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        format!("FAIL ({})", failed.join(", "))
    };
    let floor = m.floor();
    vec![
        s.name.to_string(),
        thousands(m.truth_reports),
        format!("{:.0}%", m.truth_scheduled_share * 100.0),
        latency(s),
        limit(s.limit, s.speed),
        counted(m.requests(), m.server.total),
        thousands(m.minimum),
        format!("{:.3}", m.requests() as f64 / m.minimum.max(1) as f64),
        rate_share(m.achieved_rate(), s.limit_per_sec()),
        m.sustained_rate
            .map_or("—".to_string(), |r| rate_share(r, s.limit_per_sec())),
        counted(m.tool.stats.requests.throttled, m.server.throttled),
        m.server.max_in_flight.to_string(),
        secs(m.tool.wall),
        // Findings, history and writing the files: the wall time after the walk's last response.
        secs(
            m.tool
                .wall
                .saturating_sub(Duration::from_millis(m.tool.stats.duration_ms)),
        ),
        m.tool.cpu.map_or("?".to_string(), secs),
        floor.map_or("—".to_string(), secs),
        floor.map_or("—".to_string(), |f| {
            format!("{:.3}", m.tool.wall.as_secs_f64() / f.as_secs_f64())
        }),
        format!(
            "{} / {}",
            m.tool.stats.peak_rss_bytes.map_or("?".to_string(), mib),
            m.tool.sampled_peak_rss.map_or("?".to_string(), mib)
        ),
        m.speed_up().map_or("—".to_string(), |x| format!("{x:.1}×")),
        target,
    ]
}

fn naive_row(m: &Measured, naive: &NaiveMeasured) -> Vec<String> {
    let s = &m.scenario;
    let run = &naive.run;
    let floor = m.floor();
    let sleep = s
        .naive_sleep
        .map_or(String::new(), |d| format!(", sleep {}", millis(d)));
    vec![
        format!("↳ naive loop{sleep}"),
        thousands(run.reports),
        format!("{:.0}%", m.truth_scheduled_share * 100.0),
        latency(s),
        limit(s.limit, s.speed),
        counted(run.requests, naive.server.total),
        thousands(m.minimum),
        format!("{:.3}", run.requests as f64 / m.minimum.max(1) as f64),
        rate_share(
            run.requests as f64 / run.wall.as_secs_f64().max(1e-3),
            s.limit_per_sec(),
        ),
        "—".to_string(),
        counted(run.throttled, naive.server.throttled),
        naive.server.max_in_flight.to_string(),
        secs(run.wall),
        "—".to_string(),
        "—".to_string(),
        floor.map_or("—".to_string(), secs),
        floor.map_or("—".to_string(), |f| {
            format!("{:.3}", run.wall.as_secs_f64() / f.as_secs_f64())
        }),
        "—".to_string(),
        "1×".to_string(),
        "—".to_string(),
    ]
}

/// Pads every column and joins the rows as a Markdown table.
pub fn render(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, &w)| format!("{cell}{}", " ".repeat(w - cell.chars().count())))
            .collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
            let _ = writeln!(out, "|-{}-|", rule.join("-|-"));
        }
    }
    out
}

pub fn check_name(check: Check) -> &'static str {
    match check {
        Check::Requests => "requests",
        Check::Rate => "rate",
        Check::Throttled => "429s",
        Check::Floor => "floor",
        Check::SpeedUp => "vs naive",
        Check::Throughput => "throughput",
        Check::Memory => "memory",
    }
}

/// `ours` alone when the stand-in agrees, else `ours (stand-in N) ≠`.
fn counted(ours: u64, server: u64) -> String {
    if ours == server {
        thousands(ours)
    } else {
        format!("{} ≠ {} stand-in", thousands(ours), thousands(server))
    }
}

fn rate_share(per_sec: f64, limit: Option<f64>) -> String {
    match limit {
        Some(limit) => format!("{per_sec:.2}/s = {:.3}", per_sec / limit),
        None => format!("{per_sec:.0}/s (no limit)"),
    }
}

fn latency(s: &Scenario) -> String {
    let base = millis(s.latency);
    let jitter = if s.jitter > 0.0 {
        format!(" ±{:.0}%", s.jitter * 100.0)
    } else {
        String::new()
    };
    let scaled = if s.latency_scaled && s.speed > 1 {
        format!(" (= {} ÷{})", millis(s.latency * s.speed), s.speed)
    } else {
        String::new()
    };
    format!("{base}{jitter}{scaled}")
}

fn limit(limit: Option<RateWindow>, speed: u32) -> String {
    match limit {
        None => "off".to_string(),
        Some(w) => {
            let window = humantime::format_duration(w.window);
            if speed > 1 {
                format!("{}/{window} ({speed}× Mode)", w.requests)
            } else {
                format!("{}/{window} (Mode)", w.requests)
            }
        }
    }
}

fn millis(d: Duration) -> String {
    if d >= Duration::from_secs(1) && d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 60.0 {
        format!("{}m{:04.1}s", (s / 60.0).floor(), s % 60.0)
    } else {
        format!("{s:.2} s")
    }
}

pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
