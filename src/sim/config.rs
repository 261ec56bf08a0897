//! `SimConfig`: everything that shapes the simulated Mode server (credentials, workspace,
//! rate limit, paging quirks, faults), with the defaults and the `demo` preset.

use std::time::Duration;

use super::drift::Drift;
use super::faults::ScriptedFault;
use super::handlers::batch::BatchConfig;
use super::paging::{PagingRules, PastEnd};
use super::window::RateWindow;
use super::workspace::WorkspaceSpec;

/// Which bodies `POST /reports/{r}/schedules` accepts. Mode's docs show the `report_schedule`
/// wrapper; whether it is required is not known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreateBody {
    /// Only `{"report_schedule": {"cron": …}}`; a bare body is 400 `param_missing`.
    Wrapped,
    /// Only `{"cron": …}`; a wrapped body is 400 `bad_request`.
    Bare,
    /// Either (Rails wraps bare JSON bodies itself by default).
    Either,
}

/// How `POST /reports/{r}/schedules` answers a created schedule; Mode's docs do not show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreateReply {
    /// 201 with the schedule and a `Location` header.
    Created,
    /// 200 with `{"report_schedule": <the schedule>}`.
    Wrapped,
    /// 202 with no body, only a `Location` header.
    LocationOnly,
    /// 204 with neither: the client must find the schedule itself.
    NoContent,
}

/// How `DELETE /reports/{r}/schedules/{s}` answers; Mode's docs do not show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteReply {
    /// 204 with no body.
    NoContent,
    /// 200 with the deleted schedule.
    Body,
}

#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Workspace username.
    pub workspace: String,
    /// Basic-auth username (API token).
    pub token: String,
    /// Basic-auth password (API secret).
    pub secret: String,
    pub spec: WorkspaceSpec,
    /// Sliding-window budget per credential; `None` disables limiting (and its headers).
    pub limit: Option<RateWindow>,
    /// Send `Retry-After` on 429s from the window.
    pub retry_after: bool,
    pub per_page_default: usize,
    /// `per_page` is honoured up to this cap (Mode's real cap is unknown).
    pub per_page_max: usize,
    /// Ignore `per_page` entirely: always `per_page_default`.
    pub ignore_per_page: bool,
    /// Every listing, REST and Discovery alike, serves at most this many items a page, whatever
    /// `per_page` asks (a server capping `per_page`, e.g. at Mode's default of 30).
    pub page_cap: Option<usize>,
    pub past_end: PastEnd,
    /// Unstable ordering: page p > 1 starts with the last item of page p - 1.
    pub duplicates_across_pages: bool,
    /// Add SPEC-style `pagination` and `_links.next_page`/`prev_page` (real captures lack them).
    pub pagination_block: bool,
    /// Emit counters (`view_count`, `schedules_count`, ...) as numeric strings.
    pub counters_as_strings: bool,
    /// Server time added to admitted requests, after the rate-limit check.
    pub latency: Duration,
    /// ± fraction of `latency`, uniformly random.
    pub latency_jitter: f64,
    /// Probability of a 500/502/503 on list endpoints.
    pub error_rate: f64,
    /// Probability of a dropped connection on list endpoints.
    pub drop_rate: f64,
    /// Probability of a 200 with a truncated JSON body on list endpoints.
    pub malformed_rate: f64,
    /// Collection tokens whose `/reports` answer 404 `space not found`.
    pub inaccessible: Vec<String>,
    pub scripted: Vec<ScriptedFault>,
    pub fault_seed: u64,
    /// Changes a share of the generated workspace's reports before serving it (see [`Drift`]): the
    /// workspace as it is a run later. [`SimServer::mutate`](super::SimServer::mutate) with
    /// [`Drift::apply`] changes a running stand-in the same way.
    pub drift: Option<Drift>,
    pub create_body: CreateBody,
    pub create_reply: CreateReply,
    pub delete_reply: DeleteReply,
    /// The stand-in's "now" for report runs (epoch ms): runs are made on each schedule's slots
    /// (and a few by hand) over the 60 days before it. The generated workspace's now by default.
    pub runs_until_ms: i64,
    /// Runs, memberships and the Discovery listings carry `pagination.total_count` (Mode's reference
    /// says they do); `false` drops it (and Discovery's `total_pages`), so a client must count by
    /// paging. The other REST listings carry it only with [`Self::pagination_block`].
    pub list_totals: bool,
    /// The last this many of the workspace's users have left it.
    pub departed_members: usize,
    /// Members who left are missing from `/memberships` instead of listed as `deactivated`.
    pub departed_unlisted: bool,
    /// The Discovery API (`/batch/...`): plan, link behaviour, view-count field, a preset token.
    pub batch: BatchConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            workspace: "acme".to_string(),
            token: "demo-token".to_string(),
            secret: "demo-secret".to_string(),
            spec: WorkspaceSpec::default(),
            limit: Some(RateWindow {
                requests: 40,
                window: Duration::from_secs(10),
            }),
            retry_after: true,
            per_page_default: 30,
            per_page_max: 100,
            ignore_per_page: false,
            page_cap: None,
            past_end: PastEnd::Empty,
            duplicates_across_pages: false,
            pagination_block: false,
            counters_as_strings: false,
            latency: Duration::ZERO,
            latency_jitter: 0.0,
            error_rate: 0.0,
            drop_rate: 0.0,
            malformed_rate: 0.0,
            inaccessible: Vec::new(),
            scripted: Vec::new(),
            fault_seed: 0,
            drift: None,
            create_body: CreateBody::Wrapped,
            create_reply: CreateReply::Created,
            delete_reply: DeleteReply::NoContent,
            runs_until_ms: super::timestamp::BASE_MS,
            list_totals: true,
            departed_members: 0,
            departed_unlisted: false,
            batch: BatchConfig::default(),
        }
    }
}

impl SimConfig {
    /// A realistic workspace for the `demo` command: 300 reports in 10 collections (6 custom,
    /// one of them empty and one with exactly 60 reports, 3 personal, 1 community), ~20%
    /// scheduled, ~8% archived, a few null names; 40 requests per 2 s; 20 ms latency.
    pub fn demo() -> SimConfig {
        SimConfig {
            spec: WorkspaceSpec {
                seed: 2026,
                collections: 6,
                personal: 3,
                community: true,
                reports: 300,
                sizes: Some(vec![74, 60, 0, 45, 31, 38, 12, 7, 3, 30]),
                scheduled_share: 0.2,
                multi_schedule_share: 0.25,
                archived_share: 0.08,
                null_name_share: 0.02,
                views_zero_share: 0.15,
            },
            limit: Some(RateWindow {
                requests: 40,
                window: Duration::from_secs(2),
            }),
            latency: Duration::from_millis(20),
            latency_jitter: 0.3,
            fault_seed: 2026,
            // One member has left, so the demo shows OWNER_DEPARTED too.
            departed_members: 1,
            ..SimConfig::default()
        }
    }

    /// Usernames of the members who have left, among `users` (the last [`Self::departed_members`]).
    pub fn departed<'a>(&self, users: &'a [super::SimUser]) -> impl Iterator<Item = &'a str> {
        let from = users.len().saturating_sub(self.departed_members);
        users[from..].iter().map(|u| u.username.as_str())
    }

    pub(crate) fn paging(&self) -> PagingRules {
        PagingRules {
            per_page_default: self.per_page_default,
            per_page_max: self.per_page_max,
            ignore_per_page: self.ignore_per_page,
            cap: self.page_cap,
            past_end: self.past_end,
            duplicates: self.duplicates_across_pages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Workspace;

    #[test]
    fn demo_workspace_has_the_advertised_shape() {
        let cfg = SimConfig::demo();
        let ws = Workspace::generate(&cfg.workspace, &cfg.spec);
        assert_eq!(ws.report_count(), 300);
        assert_eq!(ws.collections.len(), 10);
        let count = |t: &str| ws.collections.iter().filter(|c| c.space_type == t).count();
        assert_eq!((count("custom"), count("private"), count("community")), (6, 3, 1));
        assert!(ws.collections.iter().any(|c| c.reports.is_empty()));
        assert!(ws.collections.iter().any(|c| c.reports.len() == 60));
        assert!(ws.reports().any(|(_, r)| r.schedules.len() == 2));
        assert!(ws.reports().any(|(_, r)| r.archived));
        assert!(ws.reports().any(|(_, r)| r.name.is_none()));
    }
}
