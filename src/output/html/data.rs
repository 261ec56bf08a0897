//! The page's data, gathered from a snapshot in two streamed passes: the findings once (totals, and
//! cost per report, owner and collection), then the reports once for the rows the table shows.
//! Held in memory: a few numbers per report with findings, and at most [`ROW_CAP`] rows.

use std::collections::HashMap;

use super::cost::{self, Totals, UNVIEWED};
use super::names::{self, Owners};
use crate::insights::eligibility::UnschedulePlan;
use crate::snapshot::summary::schedule_frequencies;
use crate::snapshot::summary::subscriber_count;
use crate::snapshot::{Reason, Snapshot};

/// Rows of the findings table at most, the costliest first; findings.csv holds them all.
pub const ROW_CAP: usize = 5000;
/// Owners and collections in the cost charts.
pub const TOP: usize = 15;

/// A table cell: what it shows and the value it sorts by (empty when unknown: sorted last).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub sort: String,
    /// False when the value is unknown (the cell says so).
    pub known: bool,
}

impl Cell {
    fn count<T: ToString>(n: Option<T>) -> Cell {
        match n {
            Some(n) => Cell {
                text: n.to_string(),
                sort: n.to_string(),
                known: true,
            },
            None => Cell::unknown(),
        }
    }

    fn unknown() -> Cell {
        Cell {
            text: "unknown".into(),
            sort: String::new(),
            known: false,
        }
    }

    fn text(text: &str) -> Cell {
        Cell {
            text: text.into(),
            sort: String::new(),
            known: true,
        }
    }

    /// A time from Mode (`2026-09-01T10:00:00Z`) to the minute, `2026-09-01 10:00`: it wraps
    /// between day and time, and sorts as the time does.
    fn time(iso: &str) -> Cell {
        let minute: String = iso.chars().take(16).collect();
        Cell {
            text: minute.replacen('T', " ", 1),
            sort: iso.to_string(),
            known: true,
        }
    }

    fn hours(seconds: Option<f64>) -> Cell {
        match seconds {
            Some(s) => Cell {
                text: hours(s / 3600.0),
                sort: format!("{s}"),
                known: true,
            },
            None => Cell::unknown(),
        }
    }
}

/// Hours with one decimal and a thousands separator: `1,234.5 h`.
pub fn hours(h: f64) -> String {
    format!("{} h", thousands(h, 1))
}

/// `n` with `decimals` decimals and commas between thousands.
pub fn thousands(n: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, n.abs());
    let (int, frac) = text.split_once('.').map_or((text.as_str(), ""), |(i, f)| (i, f));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    let sign = if n < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{out}")
    } else {
        format!("{sign}{out}.{frac}")
    }
}

/// One report with findings, as the table shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub token: String,
    pub name: String,
    /// The report's page in Mode, only when it is one (see [`mode_link`]).
    pub url: Option<String>,
    pub owner: String,
    pub collection: String,
    /// Reason codes, in [`Reason::ALL`] order.
    pub reasons: Vec<&'static str>,
    pub frequencies: String,
    pub subscribers: Cell,
    pub views: [Cell; 3],
    pub last_viewed: Cell,
    pub cost: Cell,
    /// When `apply` may unschedule it (with a plan), else unknown.
    pub apply_from: Cell,
    seconds: Option<f64>,
}

/// An owner's or a collection's share.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub reports: u64,
    pub findings: u64,
    /// Warehouse seconds a month of its reports, each counted once; `None` when none is known.
    pub seconds: Option<f64>,
    /// An owner who has left the workspace (an OWNER_DEPARTED finding names them).
    pub departed: bool,
}

impl Group {
    pub fn cost(&self) -> Cell {
        Cell::hours(self.seconds)
    }

    /// Counts one finding; `seconds` is `Some` for a report's first one (its cost, if known).
    fn count(&mut self, seconds: Option<Option<f64>>) {
        self.findings += 1;
        if let Some(cost) = seconds {
            self.reports += 1;
            if let Some(s) = cost {
                self.seconds = Some(self.seconds.unwrap_or(0.0) + s);
            }
        }
    }
}

/// Everything the page shows of the snapshot's findings.
pub struct Gathered {
    pub totals: Totals,
    pub by_reason: Vec<(Reason, u64)>,
    /// Costliest first.
    pub owners: Vec<Group>,
    pub collections: Vec<Group>,
    /// Costliest first, at most [`ROW_CAP`].
    pub rows: Vec<Row>,
}

/// What one report's findings add up to.
struct Agg {
    seconds: Option<f64>,
    reasons: u8,
}

fn bit(reason: Reason) -> u8 {
    1 << Reason::ALL.iter().position(|r| *r == reason).unwrap_or(0)
}

/// The page's view of `snapshot`, with `apply` dates from `plan` when there is one.
pub fn gather(snapshot: &Snapshot, plan: Option<&UnschedulePlan>) -> Gathered {
    let mut totals = Totals::new(snapshot);
    let mut by_report: HashMap<Box<str>, Agg> = HashMap::new();
    let mut owners: HashMap<Option<String>, Group> = HashMap::new();
    let mut collections: HashMap<String, Group> = HashMap::new();
    let mut by_reason: Vec<(Reason, u64)> = Reason::ALL.iter().map(|r| (*r, 0)).collect();
    let mut owners_of = Owners::default();
    for f in snapshot.findings.iter() {
        by_reason
            .iter_mut()
            .filter(|(r, _)| *r == f.reason)
            .for_each(|(_, n)| *n += 1);
        let first = !by_report.contains_key(f.report_token.as_str());
        let agg = by_report.entry(f.report_token.as_str().into()).or_insert(Agg {
            seconds: cost::seconds(&f),
            reasons: 0,
        });
        let unviewed_before = UNVIEWED.iter().any(|r| agg.reasons & bit(*r) != 0);
        agg.reasons |= bit(f.reason);
        totals.add(&f, first, UNVIEWED.contains(&f.reason) && !unviewed_before);
        let owner = f.owner.clone().filter(|o| !o.trim().is_empty());
        owners_of.see(&f.collection_token, owner.as_deref());
        let collection = f.collection_name.clone().unwrap_or_else(|| f.collection_token.clone());
        let seconds = first.then(|| cost::seconds(&f));
        owners
            .entry(owner.clone())
            .or_insert_with(|| empty(owner.as_deref().unwrap_or("(unknown)")))
            .count(seconds);
        collections
            .entry(f.collection_token.clone())
            .or_insert_with(|| empty(&collection))
            .count(seconds);
        if f.reason == Reason::OwnerDeparted
            && let Some(group) = owners.get_mut(&owner)
        {
            group.departed = true;
        }
    }
    let shown = costliest(by_report);
    let labels = names::labels(&snapshot.collections, &owners_of);
    for (token, group) in collections.iter_mut() {
        if let Some(label) = labels.get(token) {
            group.name.clone_from(label);
        }
    }
    Gathered {
        totals,
        by_reason,
        owners: ranked(owners.into_values()),
        collections: ranked(collections.into_values()),
        rows: rows(snapshot, &shown, plan, &labels),
    }
}

/// The [`ROW_CAP`] costliest reports (ties by token).
fn costliest(by_report: HashMap<Box<str>, Agg>) -> HashMap<Box<str>, Agg> {
    let mut costliest: Vec<(Box<str>, Agg)> = by_report.into_iter().collect();
    costliest.sort_by(|a, b| {
        key(b.1.seconds)
            .total_cmp(&key(a.1.seconds))
            .then_with(|| a.0.cmp(&b.0))
    });
    costliest.truncate(ROW_CAP);
    costliest.into_iter().collect()
}

fn empty(name: &str) -> Group {
    Group {
        name: name.to_string(),
        reports: 0,
        findings: 0,
        seconds: None,
        departed: false,
    }
}

fn key(seconds: Option<f64>) -> f64 {
    seconds.unwrap_or(-1.0)
}

fn ranked(groups: impl Iterator<Item = Group>) -> Vec<Group> {
    let mut v: Vec<Group> = groups.collect();
    v.sort_by(|a, b| {
        key(b.seconds)
            .total_cmp(&key(a.seconds))
            .then(b.findings.cmp(&a.findings))
            .then_with(|| a.name.cmp(&b.name))
    });
    v
}

/// The rows of the reports in `shown`, from one pass over the reports; `labels` names the
/// collections.
fn rows(
    snapshot: &Snapshot,
    shown: &HashMap<Box<str>, Agg>,
    plan: Option<&UnschedulePlan>,
    labels: &HashMap<String, String>,
) -> Vec<Row> {
    let from = apply_dates(plan);
    let mut rows = Vec::with_capacity(shown.len());
    for r in snapshot.reports.iter() {
        let Some(agg) = shown.get(r.token.as_str()) else {
            continue;
        };
        let bits = agg.reasons;
        let h = &r.history;
        rows.push(Row {
            name: r.name.clone().unwrap_or_else(|| "(no name)".into()),
            url: mode_link(r.url.as_deref(), &snapshot.workspace),
            owner: r.owner().unwrap_or("(unknown)").to_string(),
            collection: labels
                .get(r.collection_token.as_str())
                .map_or_else(|| r.collection_token.clone(), String::clone),
            reasons: codes(bits),
            frequencies: schedule_frequencies(&r).replace(';', "; "),
            subscribers: Cell::count(subscriber_count(&r)),
            views: [
                Cell::count(h.views_7d),
                Cell::count(h.views_30d),
                Cell::count(h.views_90d),
            ],
            last_viewed: r
                .discovered
                .last_viewed_at
                .as_deref()
                .map_or_else(Cell::unknown, Cell::time),
            cost: Cell::hours(agg.seconds),
            apply_from: apply_cell(plan, from.get(r.token.as_str())),
            seconds: agg.seconds,
            token: r.token,
        });
    }
    rows.sort_by(|a, b| {
        key(b.seconds)
            .total_cmp(&key(a.seconds))
            .then_with(|| a.name.cmp(&b.name))
    });
    rows
}

/// The day `apply` may unschedule each report the plan names.
fn apply_dates(plan: Option<&UnschedulePlan>) -> HashMap<&str, String> {
    plan.map(|p| {
        p.upcoming()
            .map(|c| {
                (
                    c.report_token.as_str(),
                    apply_date(c.eligible_from.as_deref(), &p.snapshot_started_at),
                )
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The reason codes of `bits`, in [`Reason::ALL`] order.
fn codes(bits: u8) -> Vec<&'static str> {
    Reason::ALL
        .iter()
        .filter(|x| bits & bit(**x) != 0)
        .map(|x| x.code())
        .collect()
}

/// The apply column's cell: the day from the plan, or why there is none.
fn apply_cell(plan: Option<&UnschedulePlan>, day: Option<&String>) -> Cell {
    match (plan, day) {
        (_, Some(day)) => Cell {
            text: day.clone(),
            sort: day.clone(),
            known: true,
        },
        (Some(_), None) => Cell::text("not planned"),
        (None, None) => Cell::text("no plan made"),
    }
}

/// The day `apply` may act: the eligibility date, or the snapshot's when that is already past.
pub fn apply_date(eligible_from: Option<&str>, started_at: &str) -> String {
    let from = eligible_from.filter(|f| *f > started_at).unwrap_or(started_at);
    from.chars().take(10).collect()
}

/// `url` when it is a page of the workspace in Mode (https, app.mode.com, under `/<workspace>/`),
/// else `None`: the page links nowhere else.
pub fn mode_link(url: Option<&str>, workspace: &str) -> Option<String> {
    let u = reqwest::Url::parse(url?).ok()?;
    let ok = u.scheme() == "https"
        && u.host_str() == Some("app.mode.com")
        && u.port().is_none()
        && u.username().is_empty()
        && u.password().is_none()
        && u.path().starts_with(&format!("/{workspace}/"));
    ok.then(|| u.to_string())
}

#[cfg(test)]
#[path = "data_tests.rs"]
mod tests;
