//! The normal answer of each endpoint (status + HAL body), computed from the truth; faults,
//! auth and rate limiting are applied around it in `routes.rs`.

use std::collections::HashMap;

use serde_json::Value;

use super::config::SimConfig;
use super::endpoint::Endpoint;
use super::paging::PageSlice;
use super::render::{Hal, PageInfo, api_key_unsupported, error_body};
use super::render_subscription::subscriptions;
use super::report_query::ReportQuery;
use super::run_history::{RunsQuery, runs_of};
use super::truth::Truth;
use super::workspace::{SimCollection, SimReport, SimSchedule, SimUser};

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
    let get = Get {
        cfg,
        truth,
        q,
        hal: Hal {
            ws: &cfg.workspace,
            strings: cfg.counters_as_strings,
        },
    };
    if endpoint.workspace().is_some_and(|ws| ws != cfg.workspace) {
        return not_found("account not found");
    }
    // A table of routes: one arm per endpoint.
    match endpoint {
        Endpoint::Verify => ok(get.hal.verify()),
        Endpoint::Account { name } => get.account(name),
        Endpoint::Spaces { .. } => get.spaces(),
        Endpoint::Space { space, .. } => get.space(space),
        Endpoint::SpaceReports { space, .. } | Endpoint::SpaceDatasets { space, .. } => {
            get.space_contents(endpoint, space)
        }
        Endpoint::Report { report, .. } => get.report(report),
        Endpoint::Schedules { report, .. } => get.schedules(report),
        Endpoint::Schedule { report, schedule, .. } => get.schedule(report, schedule),
        Endpoint::ReportSubscriptions { report, .. } => get.report_subscriptions(report),
        Endpoint::ScheduleSubscriptions { report, schedule, .. } => get.schedule_subscriptions(report, schedule),
        Endpoint::ReportRuns { report, .. } => get.runs(report),
        Endpoint::Memberships { .. } => get.memberships(),
        Endpoint::Unknown => not_found("Not found"),
    }
}

/// What every `GET` answer reads: the server's settings, the truth, the query and the renderer.
struct Get<'a> {
    cfg: &'a SimConfig,
    truth: &'a Truth,
    q: &'a Query,
    hal: Hal<'a>,
}

impl Get<'_> {
    /// `/api/{name}`: the workspace itself (which an API key cannot read), or a user.
    fn account(&self, name: &str) -> Reply {
        if name == self.cfg.workspace || name == "account" {
            return Reply {
                status: 400,
                body: api_key_unsupported(),
                location: None,
            };
        }
        match self.truth.user(name) {
            Some(u) => ok(self.hal.user(u)),
            None => not_found("account not found"),
        }
    }

    fn spaces(&self) -> Reply {
        let ws = &self.truth.ws;
        // A workspace token is a member of no collection: without `filter` nothing is
        // listed (OM #16263); `custom` leaves out the personal collections.
        let listed: Vec<&SimCollection> = match self.q.get("filter").map(String::as_str) {
            Some("all") => ws.collections.iter().collect(),
            Some("custom") => ws.collections.iter().filter(|c| c.space_type != "private").collect(),
            _ => Vec::new(),
        };
        let self_href = self.hal.api("/collections");
        ok(self.page(&self_href, "spaces", &listed, |c| self.hal.space(c)))
    }

    fn space(&self, space: &str) -> Reply {
        match self.truth.space(space) {
            Some(c) => ok(self.hal.space(c)),
            None => not_found("space not found"),
        }
    }

    /// A collection's reports (filtered by the report query), or its datasets (none).
    fn space_contents(&self, endpoint: &Endpoint, space: &str) -> Reply {
        let cfg = self.cfg;
        let Some(c) = self.truth.space(space).filter(|c| !cfg.inaccessible.contains(&c.token)) else {
            return not_found("space not found");
        };
        let (path, reports): (&str, Vec<&SimReport>) = match endpoint {
            Endpoint::SpaceReports { .. } => match ReportQuery::parse(self.q) {
                Ok(rq) => ("reports", rq.apply(&c.reports)),
                Err(message) => return bad_request(&message),
            },
            _ => ("datasets", Vec::new()),
        };
        let self_href = self.hal.api(&format!("/collections/{}/{path}", c.token));
        ok(self.page(&self_href, "reports", &reports, |r| self.hal.report(c, r)))
    }

    fn report(&self, report: &str) -> Reply {
        match self.truth.report(report) {
            Some((c, r)) => ok(self.hal.report(c, r)),
            None => not_found("report not found"),
        }
    }

    fn schedules(&self, report: &str) -> Reply {
        let Some((_, r)) = self.truth.report(report) else {
            return not_found("report not found");
        };
        let self_href = self.hal.api(&format!("/reports/{}/schedules", r.token));
        let all: Vec<_> = r.schedules.iter().collect();
        ok(self.page(&self_href, "report_schedules", &all, |s| self.hal.schedule(r, s)))
    }

    fn schedule(&self, report: &str, schedule: &str) -> Reply {
        match self.report_schedule(report, schedule) {
            Some((r, s)) => ok(self.hal.schedule(r, s)),
            None => not_found("report schedule not found"),
        }
    }

    /// The report and its schedule `schedule`, when both exist.
    fn report_schedule(&self, report: &str, schedule: &str) -> Option<(&SimReport, &SimSchedule)> {
        let (_, r) = self.truth.report(report)?;
        let s = r.schedules.iter().find(|s| s.token == schedule)?;
        Some((r, s))
    }

    fn report_subscriptions(&self, report: &str) -> Reply {
        let Some((_, r)) = self.truth.report(report) else {
            return not_found("report not found");
        };
        let self_href = self.hal.api(&format!("/reports/{}/subscriptions", r.token));
        self.subscriptions_of(&self_href, r, &r.schedules)
    }

    fn schedule_subscriptions(&self, report: &str, schedule: &str) -> Reply {
        let Some((r, s)) = self.report_schedule(report, schedule) else {
            return not_found("report schedule not found");
        };
        let self_href = self
            .hal
            .api(&format!("/reports/{}/schedules/{schedule}/subscriptions", r.token));
        self.subscriptions_of(&self_href, r, std::slice::from_ref(s))
    }

    /// One page of the subscriptions of `schedules` of report `r`.
    fn subscriptions_of(&self, self_href: &str, r: &SimReport, schedules: &[SimSchedule]) -> Reply {
        let subs = subscriptions(schedules);
        let all: Vec<_> = subs.iter().collect();
        ok(self.page(self_href, "report_subscriptions", &all, |s| self.hal.subscription(r, s)))
    }

    fn runs(&self, report: &str) -> Reply {
        let cfg = self.cfg;
        let Some((_, r)) = self.truth.report(report) else {
            return not_found("report not found");
        };
        let query = match RunsQuery::parse(self.q) {
            Ok(query) => query,
            Err(message) => return bad_request(&message),
        };
        let runs = query.apply(runs_of(r, cfg.runs_until_ms));
        let self_href = self.hal.api(&format!("/reports/{}/runs", r.token));
        let (hal, q) = (self.hal, self.q);
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

    /// The workspace's members; departed ones marked inactive, or left out when so configured.
    fn memberships(&self) -> Reply {
        let cfg = self.cfg;
        let users = &self.truth.ws.users;
        let departed: Vec<&str> = cfg.departed(users).collect();
        let members: Vec<(&SimUser, bool)> = users
            .iter()
            .map(|u| (u, !departed.contains(&u.username.as_str())))
            .filter(|(_, active)| *active || !cfg.departed_unlisted)
            .collect();
        let self_href = self.hal.api("/memberships");
        let (hal, q) = (self.hal, self.q);
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

    /// One page of `items` under `key`, as `page_of` lays it out.
    fn page<T>(&self, self_href: &str, key: &str, items: &[T], render: impl Fn(&T) -> Value) -> Value {
        page_of(self.cfg, self.hal, self.q, self_href, key, items, render)
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
