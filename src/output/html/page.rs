//! The page's template and what it is filled with: texts and numbers formatted for reading, the
//! charts' geometry, and the Content-Security-Policy with the inline script's and style's hashes.

use std::collections::BTreeSet;

use askama::Template;
use base64::Engine as _;
use serde::Serialize;

use super::chart::{self, Bars, Line};
use super::columns::Columns;
use super::cost::{BASIS, Totals};
use super::data::{Gathered, Group, ROW_CAP, Row, TOP, apply_date, hours, mode_link, thousands};
use super::trend::{POINTS, Trend};
use crate::insights::eligibility::UnschedulePlan;
use crate::snapshot::{LedgerStatus, Snapshot, Status};

/// Rows of the completeness tables at most (collections.csv and snapshot.json have them all).
const COMPLETENESS_CAP: usize = 1000;
const JS: &str = include_str!("page.js");
const CSS: &str = include_str!("page.css");

#[derive(Template)]
#[template(path = "page.html", config = "src/output/html/askama.toml")]
pub struct Page<'a> {
    workspace: &'a str,
    started_at: &'a str,
    finished_at: &'a str,
    reports: String,
    collections: String,
    status: &'static str,
    missing: String,
    head: Head,
    basis: &'static str,
    change: String,
    by_reason: Bars,
    by_owner: Bars,
    by_collection: Bars,
    trend: Vec<Line>,
    trend_note: String,
    rows: &'a [Row],
    rows_note: String,
    columns: Columns,
    owners: &'a [Group],
    owners_note: String,
    incomplete: Vec<(String, String, &'static str, String)>,
    failures: Vec<(String, String, String)>,
    completeness_note: String,
    plan: Option<PlanView>,
    filters: Filters,
    csp: String,
    css: &'static str,
    js: &'static str,
}

/// The headline's numbers, as shown.
struct Head {
    unviewed: String,
    runs: String,
    hours: String,
    unknown: String,
}

/// The values the script offers in its filters.
#[derive(Serialize)]
struct Filters {
    reasons: Vec<&'static str>,
    owners: BTreeSet<String>,
    collections: BTreeSet<String>,
}

struct PlanView {
    summary: String,
    rows: Vec<PlanRow>,
}

struct PlanRow {
    name: String,
    url: Option<String>,
    owner: String,
    cost: String,
    from: String,
    state: String,
}

impl<'a> Page<'a> {
    pub fn new(snapshot: &'a Snapshot, g: &'a Gathered, plan: Option<&UnschedulePlan>, trend: &Trend) -> Page<'a> {
        let t = &g.totals;
        let incomplete: Vec<_> = snapshot
            .collections
            .iter()
            .filter(|c| c.status != LedgerStatus::Complete)
            .collect();
        Page {
            workspace: &snapshot.workspace,
            started_at: &snapshot.started_at,
            finished_at: &snapshot.finished_at,
            reports: thousands(snapshot.stats.reports as f64, 0),
            collections: thousands(snapshot.collections.len() as f64, 0),
            status: match snapshot.status {
                Status::Complete => "complete",
                Status::Partial => "partial",
            },
            missing: missing(snapshot, incomplete.len()),
            head: Head {
                unviewed: thousands(t.unviewed_reports as f64, 0),
                runs: thousands(t.unviewed_runs_per_month, 0),
                hours: hours(t.unviewed_hours_per_month),
                unknown: thousands(t.unviewed_cost_unknown as f64, 0),
            },
            basis: BASIS.label(),
            change: change(t, trend),
            by_reason: chart::bars(
                "Findings by reason",
                g.by_reason
                    .iter()
                    .map(|(r, n)| (r.code().to_string(), *n as f64, thousands(*n as f64, 0))),
            ),
            by_owner: cost_bars("Cost per month by owner (top 15)", &g.owners),
            by_collection: cost_bars("Cost per month by collection (top 15)", &g.collections),
            trend: trend_lines(t, trend),
            trend_note: trend_note(trend),
            rows: &g.rows,
            columns: Columns::of(&g.rows, plan.is_some()),
            rows_note: rows_note(t.reports_with_findings, g.rows.len() as u64),
            owners: &g.owners[..g.owners.len().min(ROW_CAP)],
            owners_note: owners_note(g.owners.len()),
            incomplete: incomplete_rows(&incomplete),
            failures: failure_rows(snapshot),
            completeness_note: completeness_note(incomplete.len(), snapshot.failures.len()),
            plan: plan.map(|p| plan_view(p, &snapshot.workspace)),
            filters: Filters::of(g),
            csp: csp(),
            css: CSS,
            js: JS,
        }
    }
}

/// What a partial snapshot lacks, in a few words; nothing for a complete one.
fn missing(snapshot: &Snapshot, incomplete: usize) -> String {
    match snapshot.status {
        Status::Complete => String::new(),
        Status::Partial => format!(
            "{incomplete} collections not read to the end, {} failures",
            snapshot.failures.len()
        ),
    }
}

/// Under the findings table: how many of the reports with findings it shows.
fn rows_note(with_findings: u64, shown: u64) -> String {
    if with_findings > shown {
        format!(
            "The {shown} costliest of {with_findings} reports with findings (at most {ROW_CAP}); findings.csv lists them all."
        )
    } else {
        format!("All {shown} reports with findings; findings.csv has one row per report and reason.")
    }
}

/// Under the owners table.
fn owners_note(owners: usize) -> String {
    let capped = match owners > ROW_CAP {
        true => format!(", the {ROW_CAP} costliest shown"),
        false => String::new(),
    };
    format!("{owners} owners with findings{capped}; cost counts each report once.")
}

/// The collections not read to the end: name, token, status, error (the first few).
fn incomplete_rows(incomplete: &[&crate::snapshot::CollectionRecord]) -> Vec<(String, String, &'static str, String)> {
    (incomplete.iter().take(COMPLETENESS_CAP))
        .map(|c| {
            let name = c.name.clone().unwrap_or_default();
            (
                name,
                c.token.clone(),
                c.status.as_str(),
                c.error.clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// The run's failures: scope, token, error (the first few).
fn failure_rows(snapshot: &Snapshot) -> Vec<(String, String, String)> {
    (snapshot.failures.iter().take(COMPLETENESS_CAP))
        .map(|f| (f.scope.clone(), f.token.clone().unwrap_or_default(), f.error.clone()))
        .collect()
}

/// Under the completeness tables.
fn completeness_note(incomplete: usize, failures: usize) -> String {
    let capped = match incomplete.max(failures) > COMPLETENESS_CAP {
        true => format!("; the first {COMPLETENESS_CAP} of each shown, collections.csv and snapshot.json have all"),
        false => String::new(),
    };
    format!("{incomplete} collections not complete, {failures} failures{capped}.")
}

impl Filters {
    /// The table's filter choices: the reasons found, the owners and collections shown.
    fn of(g: &Gathered) -> Filters {
        Filters {
            reasons: (g.by_reason.iter())
                .filter(|(_, n)| *n > 0)
                .map(|(r, _)| r.code())
                .collect(),
            owners: g.rows.iter().map(|r| r.owner.clone()).collect(),
            collections: g.rows.iter().map(|r| r.collection.clone()).collect(),
        }
    }
}

/// Nothing from the network; the inline script and style only by their hashes.
pub fn csp() -> String {
    let hash = |text: &str| {
        let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
        format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
    };
    format!(
        "default-src 'none'; script-src {}; style-src {}; img-src 'none'; base-uri 'none'; form-action 'none'",
        hash(JS),
        hash(CSS)
    )
}

fn cost_bars(title: &str, groups: &[Group]) -> Bars {
    chart::bars(
        title,
        groups.iter().take(TOP).map(|g| {
            let shown = g.cost().text;
            (g.name.clone(), g.seconds.map_or(f64::NAN, |s| s / 3600.0), shown)
        }),
    )
}

fn signed(n: f64, decimals: usize) -> String {
    let text = thousands(n, decimals);
    if text.starts_with('-') || text.chars().all(|c| !c.is_ascii_digit() || c == '0') {
        text
    } else {
        format!("+{text}")
    }
}

fn change(now: &Totals, trend: &Trend) -> String {
    let Some(before) = trend.previous() else {
        return "No earlier snapshot has a summary yet: the change shows from the next snapshot on.".into();
    };
    let basis = if before.basis == now.basis {
        ""
    } else {
        " (the previous snapshot's cost had another basis)"
    };
    format!(
        "Since the previous snapshot ({}): {} findings, {} unviewed scheduled reports, {} h of warehouse time a month{basis}.",
        day(&before.started_at),
        signed(now.findings as f64 - before.findings as f64, 0),
        signed(now.unviewed_reports as f64 - before.unviewed_reports as f64, 0),
        signed(now.unviewed_hours_per_month - before.unviewed_hours_per_month, 1),
    )
}

fn day(time: &str) -> String {
    time.chars().take(10).collect()
}

fn trend_lines(now: &Totals, trend: &Trend) -> Vec<Line> {
    let all: Vec<&Totals> = trend.earlier.iter().chain([now]).collect();
    let findings: Vec<_> = all
        .iter()
        .map(|t| (day(&t.started_at), t.findings as f64, thousands(t.findings as f64, 0)))
        .collect();
    let wasted: Vec<_> = all
        .iter()
        .map(|t| {
            (
                day(&t.started_at),
                t.unviewed_hours_per_month,
                hours(t.unviewed_hours_per_month),
            )
        })
        .collect();
    vec![
        chart::line("Findings per snapshot", &findings, |m| thousands(m, 0)),
        chart::line(
            "Unviewed schedules' warehouse time a month, per snapshot",
            &wasted,
            hours,
        ),
    ]
}

fn trend_note(trend: &Trend) -> String {
    let mut note = match trend.earlier.len() {
        0 => "The trend starts with this snapshot.".to_string(),
        n => format!("The trend: this snapshot and the {n} before it (the newest {POINTS} at most)."),
    };
    if trend.without_summary > 0 {
        note.push_str(&format!(
            " {} earlier snapshots have no summary.json (made before the page existed) and are left out.",
            trend.without_summary
        ));
    }
    note
}

fn plan_view(plan: &UnschedulePlan, workspace: &str) -> PlanView {
    let upcoming: Vec<_> = plan.upcoming().collect();
    let planned = upcoming.iter().filter(|c| c.planned).count();
    PlanView {
        summary: format!(
            "`mode-audit apply --execute` would delete the schedules of {planned} reports now (at most {} a run) and of {} more from the date shown, unless they are kept or viewed. `apply` is a dry run without --execute.",
            plan.max_actions,
            upcoming.len() - planned
        ),
        rows: upcoming
            .into_iter()
            .take(ROW_CAP)
            .map(|c| PlanRow {
                name: c.report_name.clone().unwrap_or_else(|| "(no name)".into()),
                url: mode_link(c.url.as_deref(), workspace),
                owner: c.owner.clone().unwrap_or_else(|| "(unknown)".into()),
                cost: c
                    .runtime_per_month_seconds
                    .map_or_else(|| "unknown".into(), |s| hours(s / 3600.0)),
                from: apply_date(c.eligible_from.as_deref(), &plan.snapshot_started_at),
                state: if c.planned {
                    "planned".into()
                } else {
                    c.held.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
                },
            })
            .collect(),
    }
}
