//! The normal answer of each endpoint (status + HAL body), computed from the truth; faults,
//! auth and rate limiting are applied around it in `routes.rs`.

use std::collections::HashMap;

use serde_json::Value;

use super::config::SimConfig;
use super::endpoint::Endpoint;
use super::paging::PageSlice;
use super::render::{Hal, PageInfo, api_key_unsupported, error_body};
use super::render_report::subscriptions;
use super::report_query::ReportQuery;
use super::runs::{RunsQuery, runs_of};
use super::truth::Truth;
use super::workspace::{SimCollection, SimReport, SimUser};

/// A status, its JSON body (`null`: no body) and, for a created resource, its `Location`.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub location: Option<String>,
}

type Query = HashMap<String, String>;

fn ok(body: Value) -> Reply {
    Reply {
        status: 200,
        body,
        location: None,
    }
}

pub fn not_found(message: &str) -> Reply {
    Reply {
        status: 404,
        body: error_body(404, Some(message)),
        location: None,
    }
}

/// Answers an authenticated, admitted `GET`.
pub fn handle(cfg: &SimConfig, truth: &Truth, endpoint: &Endpoint, q: &Query) -> Reply {
    let hal = Hal {
        ws: &cfg.workspace,
        strings: cfg.counters_as_strings,
    };
    if endpoint.workspace().is_some_and(|ws| ws != cfg.workspace) {
        return not_found("account not found");
    }
    match endpoint {
        Endpoint::Verify => ok(hal.verify()),
        Endpoint::Account { name } if *name == cfg.workspace || name == "account" => Reply {
            status: 400,
            body: api_key_unsupported(),
            location: None,
        },
        Endpoint::Account { name } => match truth.user(name) {
            Some(u) => ok(hal.user(u)),
            None => not_found("account not found"),
        },
        Endpoint::Spaces { .. } => {
            // A workspace token is a member of no collection: without `filter` nothing is
            // listed (OM #16263); `custom` leaves out the personal collections.
            let listed: Vec<&SimCollection> = match q.get("filter").map(String::as_str) {
                Some("all") => truth.ws.collections.iter().collect(),
                Some("custom") => truth
                    .ws
                    .collections
                    .iter()
                    .filter(|c| c.space_type != "private")
                    .collect(),
                _ => Vec::new(),
            };
            let self_href = hal.api("/collections");
            ok(page_of(cfg, hal, q, &self_href, "spaces", &listed, |c| hal.space(c)))
        }
        Endpoint::Space { space, .. } => match truth.space(space) {
            Some(c) => ok(hal.space(c)),
            None => not_found("space not found"),
        },
        Endpoint::SpaceReports { space, .. } | Endpoint::SpaceDatasets { space, .. } => {
            let Some(c) = truth.space(space).filter(|c| !cfg.inaccessible.contains(&c.token)) else {
                return not_found("space not found");
            };
            let (path, reports): (&str, Vec<&SimReport>) = match endpoint {
                Endpoint::SpaceReports { .. } => match ReportQuery::parse(q) {
                    Ok(rq) => ("reports", rq.apply(&c.reports)),
                    Err(message) => return bad_request(&message),
                },
                _ => ("datasets", Vec::new()),
            };
            let self_href = hal.api(&format!("/collections/{}/{path}", c.token));
            ok(page_of(cfg, hal, q, &self_href, "reports", &reports, |r| {
                hal.report(c, r)
            }))
        }
        Endpoint::Report { report, .. } => match truth.report(report) {
            Some((c, r)) => ok(hal.report(c, r)),
            None => not_found("report not found"),
        },
        Endpoint::Schedules { report, .. } => match truth.report(report) {
            Some((_, r)) => {
                let self_href = hal.api(&format!("/reports/{}/schedules", r.token));
                let all: Vec<_> = r.schedules.iter().collect();
                ok(page_of(cfg, hal, q, &self_href, "report_schedules", &all, |s| {
                    hal.schedule(r, s)
                }))
            }
            None => not_found("report not found"),
        },
        Endpoint::Schedule { report, schedule, .. } => {
            match truth
                .report(report)
                .and_then(|(_, r)| r.schedules.iter().find(|s| s.token == *schedule).map(|s| (r, s)))
            {
                Some((r, s)) => ok(hal.schedule(r, s)),
                None => not_found("report schedule not found"),
            }
        }
        Endpoint::ReportSubscriptions { report, .. } => match truth.report(report) {
            Some((_, r)) => {
                let self_href = hal.api(&format!("/reports/{}/subscriptions", r.token));
                let subs = subscriptions(&r.schedules);
                let all: Vec<_> = subs.iter().collect();
                ok(page_of(cfg, hal, q, &self_href, "report_subscriptions", &all, |s| {
                    hal.subscription(r, s)
                }))
            }
            None => not_found("report not found"),
        },
        Endpoint::ScheduleSubscriptions { report, schedule, .. } => {
            let found = truth.report(report).and_then(|(_, r)| {
                let s = r.schedules.iter().find(|s| s.token == *schedule)?;
                Some((r, std::slice::from_ref(s)))
            });
            match found {
                Some((r, one)) => {
                    let self_href = hal.api(&format!("/reports/{}/schedules/{schedule}/subscriptions", r.token));
                    let subs = subscriptions(one);
                    let all: Vec<_> = subs.iter().collect();
                    ok(page_of(cfg, hal, q, &self_href, "report_subscriptions", &all, |s| {
                        hal.subscription(r, s)
                    }))
                }
                None => not_found("report schedule not found"),
            }
        }
        Endpoint::ReportRuns { report, .. } => {
            let Some((_, r)) = truth.report(report) else {
                return not_found("report not found");
            };
            let query = match RunsQuery::parse(q) {
                Ok(query) => query,
                Err(message) => return bad_request(&message),
            };
            let runs = query.apply(runs_of(r, cfg.runs_until_ms));
            let self_href = hal.api(&format!("/reports/{}/runs", r.token));
            ok(page_with(
                cfg,
                hal,
                q,
                &self_href,
                "report_runs",
                &runs,
                cfg.list_totals,
                |run| hal.run(r, run),
            ))
        }
        Endpoint::Memberships { .. } => {
            let departed: Vec<&str> = cfg.departed(&truth.ws.users).collect();
            let members: Vec<(&SimUser, bool)> = truth
                .ws
                .users
                .iter()
                .map(|u| (u, !departed.contains(&u.username.as_str())))
                .filter(|(_, active)| *active || !cfg.departed_unlisted)
                .collect();
            let self_href = hal.api("/memberships");
            ok(page_with(
                cfg,
                hal,
                q,
                &self_href,
                "memberships",
                &members,
                cfg.list_totals,
                |(u, active)| hal.membership(u, *active),
            ))
        }
        Endpoint::Unknown => not_found("Not found"),
    }
}

fn bad_request(message: &str) -> Reply {
    Reply {
        status: 400,
        body: error_body(400, Some(message)),
        location: None,
    }
}

/// One page of `items` in a list envelope under `key`, with the SPEC `pagination` block when the
/// server is configured to send it.
fn page_of<T>(
    cfg: &SimConfig,
    hal: Hal<'_>,
    q: &Query,
    self_href: &str,
    key: &str,
    items: &[T],
    render: impl Fn(&T) -> Value,
) -> Value {
    page_with(cfg, hal, q, self_href, key, items, cfg.pagination_block, render)
}

/// One page of `items` under `key`; with `totals`, the `pagination` block (`total_count`...).
#[allow(clippy::too_many_arguments)]
fn page_with<T>(
    cfg: &SimConfig,
    hal: Hal<'_>,
    q: &Query,
    self_href: &str,
    key: &str,
    items: &[T],
    totals: bool,
    render: impl Fn(&T) -> Value,
) -> Value {
    let page: PageSlice = cfg.paging().page(
        items.len(),
        q.get("page").map(String::as_str),
        q.get("per_page").map(String::as_str),
    );
    let info = totals.then_some(PageInfo {
        page: page.page,
        per_page: page.per_page,
        total_pages: page.total_pages,
        total_count: items.len(),
    });
    let rendered = items[page.range].iter().map(render).collect();
    hal.list(self_href, key, rendered, info)
}

pub mod batch;
#[cfg(test)]
mod tests;
pub mod writes;
