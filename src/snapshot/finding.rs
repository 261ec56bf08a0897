//! A finding: one report and one reason it is worth acting on, as kept in a snapshot.

use serde::{Deserialize, Serialize};

/// Why a report is listed. The order here is the order of findings.csv and of the summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reason {
    /// Scheduled, and `view_count` is 0.
    ScheduledNeverViewed,
    /// Scheduled, viewed once upon a time, but no view gained over the findings window.
    ScheduledNotViewedRecently,
    /// A schedule's `retry_state` is not `ok`, or its last run is later than its last success.
    ScheduleFailing,
    ArchivedButScheduled,
    /// A schedule with `subscriber_count` 0: it refreshes the report but delivers to nobody.
    ScheduleWithoutSubscribers,
    /// Every 15/30 minutes or hourly, with fewer views than `--few-views`.
    HighFrequencyFewViews,
    /// Scheduled, and its creator is no longer an active member of the workspace.
    OwnerDeparted,
}

impl Reason {
    pub const ALL: [Reason; 7] = [
        Reason::ScheduledNeverViewed,
        Reason::ScheduledNotViewedRecently,
        Reason::ScheduleFailing,
        Reason::ArchivedButScheduled,
        Reason::ScheduleWithoutSubscribers,
        Reason::HighFrequencyFewViews,
        Reason::OwnerDeparted,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Reason::ScheduledNeverViewed => "SCHEDULED_NEVER_VIEWED",
            Reason::ScheduledNotViewedRecently => "SCHEDULED_NOT_VIEWED_RECENTLY",
            Reason::ScheduleFailing => "SCHEDULE_FAILING",
            Reason::ArchivedButScheduled => "ARCHIVED_BUT_SCHEDULED",
            Reason::ScheduleWithoutSubscribers => "SCHEDULE_WITHOUT_SUBSCRIBERS",
            Reason::HighFrequencyFewViews => "HIGH_FREQUENCY_FEW_VIEWS",
            Reason::OwnerDeparted => "OWNER_DEPARTED",
        }
    }
}

/// One report and one reason. `None` fields are unknown, never zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub reason: Reason,
    pub report_token: String,
    pub report_name: Option<String>,
    /// The report's creator (Mode has no separate owner).
    pub owner: Option<String>,
    pub collection_token: String,
    pub collection_name: Option<String>,
    /// Distinct frequencies of its schedules, `;`-separated.
    pub schedule_frequencies: String,
    /// Summed over its schedules; `None` when no schedule's frequency is known.
    pub runs_per_month: Option<f64>,
    /// Mode's `expected_runtime` of one run, seconds.
    pub expected_runtime_seconds: Option<f64>,
    /// runs_per_month × expected_runtime_seconds.
    pub runtime_per_month_seconds: Option<f64>,
    pub view_count: Option<u64>,
    /// Views gained over the findings window; `None` without history covering it.
    pub views_in_window: Option<i64>,
    pub views_per_run: Option<f64>,
    /// `window_<length>`: views in the window ÷ runs in the window; `all_time`: view_count ÷ runs
    /// per month (all-time views against one month of runs, when no history covers the window).
    pub views_per_run_basis: Option<String>,
    pub detail: String,
    pub url: Option<String>,
    /// The report's runs of the 30 days before the run (or the proxy for their cost).
    #[serde(default, flatten)]
    pub runs: super::run_figures::RunFigures,
    /// SCHEDULED_NOT_VIEWED_RECENTLY only: what it was judged from: `last_viewed_at` (Mode's
    /// Discovery API) or `history` (view counts of an earlier snapshot).
    #[serde(default)]
    pub recency_basis: Option<String>,
}

impl Finding {
    /// What the finding's report costs: warehouse seconds of its runs over the 30 days before the
    /// run (measured, sampled, or the expected-runtime proxy: `runs.basis` says which), else, in a
    /// snapshot made before runs were read, the proxy per month. `None` when unknown. The one place
    /// a cost is read: the summary, the page and the messages to people all ask here.
    pub fn cost_seconds(&self) -> Option<f64> {
        self.runs.run_seconds_30d.or(self.runtime_per_month_seconds)
    }

    /// Its report's runs over the 30 days before the run as Mode lists them, else the estimate a
    /// month from its schedules' frequencies. `None` when unknown.
    pub fn runs_30d(&self) -> Option<f64> {
        self.runs.runs_30d.map(|n| n as f64).or(self.runs_per_month)
    }
}
