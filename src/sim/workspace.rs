//! The simulated workspace — the truth the simulator serves — and the spec it is generated from.

/// A schedule's `timeout` unless it says otherwise (the value in Mode's docs example).
pub const DEFAULT_TIMEOUT: u64 = 86_100;

/// Shape of a generated workspace. Everything is derived from `seed`.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkspaceSpec {
    pub seed: u64,
    /// Custom collections.
    pub collections: usize,
    /// Personal (`space_type: "private"`) collections, one per member user.
    pub personal: usize,
    /// One `"community"` collection named "Community".
    pub community: bool,
    /// Total reports spread over all collections (ignored when `sizes` is `Some`).
    pub reports: usize,
    /// Explicit report count per collection in listing order (custom, then personal, then
    /// community). `sizes.len()` collections are created; the last one is the community
    /// collection when `community`, the `personal` before it are personal, the rest custom.
    pub sizes: Option<Vec<usize>>,
    /// Share of reports with at least one schedule.
    pub scheduled_share: f64,
    /// Share of scheduled reports with two schedules.
    pub multi_schedule_share: f64,
    pub archived_share: f64,
    pub null_name_share: f64,
    /// Share of reports with `view_count` 0.
    pub views_zero_share: f64,
}

impl Default for WorkspaceSpec {
    fn default() -> Self {
        WorkspaceSpec {
            seed: 1,
            collections: 4,
            personal: 1,
            community: true,
            reports: 100,
            sizes: None,
            scheduled_share: 0.2,
            multi_schedule_share: 0.25,
            archived_share: 0.08,
            null_name_share: 0.03,
            views_zero_share: 0.15,
        }
    }
}

/// The truth: what the server serves, readable by tests to check a client's output.
#[derive(Clone, Debug, PartialEq)]
pub struct Workspace {
    pub name: String,
    /// In listing order: custom collections, then personal ones, then the community one.
    pub collections: Vec<SimCollection>,
    pub users: Vec<SimUser>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SimCollection {
    pub token: String,
    pub id: u64,
    pub name: Option<String>,
    /// `"custom"`, `"private"` (a member's Personal collection) or `"community"`.
    pub space_type: String,
    pub restricted: bool,
    pub description: Option<String>,
    /// Username of the creator.
    pub creator: String,
    /// Listing order: `created_at` ascending.
    pub reports: Vec<SimReport>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SimReport {
    pub token: String,
    pub id: u64,
    pub name: Option<String>,
    pub description: Option<String>,
    /// `"Report"`.
    pub report_type: String,
    pub archived: bool,
    /// Username of the creator (served only as `_links.creator.href`).
    pub creator: String,
    pub created_at: String,
    pub updated_at: String,
    pub edited_at: String,
    pub last_run_at: Option<String>,
    pub last_successfully_run_at: Option<String>,
    pub view_count: u64,
    pub runs_count: u64,
    pub expected_runtime: f64,
    pub schedules: Vec<SimSchedule>,
    /// When someone last opened the report (served by the Discovery API only); `None`: never.
    pub last_viewed_at: Option<String>,
    /// Explorations made from the report (Discovery's `explorations_count`).
    pub explorations_count: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SimSchedule {
    pub token: String,
    pub name: Option<String>,
    /// `every_15_minutes|every_30_minutes|hourly|daily|weekly|monthly`.
    pub frequency: String,
    /// Rails-style zone name (`"UTC"`, `"Pacific Time (US & Canada)"`).
    pub time_zone: String,
    /// Human string, e.g. `"8:00 pm"`.
    pub hour: String,
    /// Human string, e.g. `"the top of the hour"`.
    pub minute: String,
    /// Weekly schedules: 0 (Sunday) to 6, as the `cron` request object takes it.
    pub day_of_week: Option<u32>,
    /// Monthly schedules: 1 to 31.
    pub day_of_month: Option<u32>,
    /// Seconds a run may take (`timeout`).
    pub timeout: u64,
    /// Report parameters the schedule runs with (`parameters`, a JSON object).
    pub parameters: serde_json::Map<String, serde_json::Value>,
    pub created_at: String,
    /// `+00:00` format.
    pub next_scheduled_run: Option<String>,
    /// `+00:00` format.
    pub last_scheduled_run: Option<String>,
    pub last_run_at: Option<String>,
    pub last_succeeded_at: Option<String>,
    /// Mostly `"ok"`, some `"failed"` / `"retrying"`.
    pub retry_state: String,
    pub subscriber_count: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SimUser {
    pub username: String,
    pub name: String,
    pub email: String,
    pub token: String,
}

impl Workspace {
    /// Deterministic generation: same name and spec give an identical workspace.
    pub fn generate(name: &str, spec: &WorkspaceSpec) -> Workspace {
        super::generate::generate(name, spec)
    }

    pub fn report_count(&self) -> usize {
        self.collections.iter().map(|c| c.reports.len()).sum()
    }

    /// Every report with its collection, in listing order.
    pub fn reports(&self) -> impl Iterator<Item = (&SimCollection, &SimReport)> {
        self.collections
            .iter()
            .flat_map(|c| c.reports.iter().map(move |r| (c, r)))
    }

    /// Every report, in listing order, to change.
    pub fn reports_mut(&mut self) -> impl Iterator<Item = &mut SimReport> {
        self.collections.iter_mut().flat_map(|c| c.reports.iter_mut())
    }

    pub fn collection(&self, token: &str) -> Option<&SimCollection> {
        self.collections.iter().find(|c| c.token == token)
    }

    pub fn report(&self, token: &str) -> Option<(&SimCollection, &SimReport)> {
        self.reports().find(|(_, r)| r.token == token)
    }

    pub fn user(&self, username: &str) -> Option<&SimUser> {
        self.users.iter().find(|u| u.username == username)
    }

    pub fn schedule_count(&self) -> usize {
        self.reports().map(|(_, r)| r.schedules.len()).sum()
    }
}
