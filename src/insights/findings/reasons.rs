//! The reasons a scheduled report is found for: one check per reason, each with its detail text.

use chrono::{DateTime, Utc};

use super::{FindingsOptions, RecentViews, last_viewed, report_runs_per_month, short};
use crate::snapshot::Reason;
use crate::snapshot::run_figures::ActiveMembers;
use crate::snapshot::summary;
use crate::snapshot::time::parse_time;
use crate::snapshot::{ReportRecord, ScheduleRecord};

const HIGH_FREQUENCIES: [&str; 3] = ["every_15_minutes", "every_30_minutes", "hourly"];

/// The reasons that apply to one report, each with its detail text, for a snapshot that started
/// at `started_at` (which tells reused schedule records from fresh ones).
pub(crate) fn reasons(
    report: &ReportRecord,
    recent: Option<&RecentViews>,
    options: &FindingsOptions,
    started_at: Option<DateTime<Utc>>,
) -> Vec<(Reason, String)> {
    if report.scheduled != Some(true) {
        return Vec::new();
    }
    let said = Said::of(report);
    [
        never_viewed(report, &said),
        not_viewed_recently(report, recent, options, started_at, &said),
        schedule_failing(report, started_at),
        archived_but_scheduled(report, &said),
        without_subscribers(report),
        high_frequency_few_views(report, options, &said),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// How the details of a scheduled report's findings speak of its schedules: their frequencies,
/// and about how many runs they make a month.
struct Said {
    freqs: String,
    runs: String,
}

impl Said {
    fn of(report: &ReportRecord) -> Said {
        let freqs = summary::schedule_frequencies(report);
        let freqs = if freqs.is_empty() {
            "schedule unknown".to_string()
        } else {
            freqs
        };
        let runs = report_runs_per_month(report).map_or_else(|| "an unknown number of".to_string(), |r| r.to_string());
        Said { freqs, runs }
    }
}

/// SCHEDULED_NEVER_VIEWED: scheduled, and a view count of 0.
fn never_viewed(report: &ReportRecord, said: &Said) -> Option<(Reason, String)> {
    let Said { freqs, runs } = said;
    summary::scheduled_never_viewed(report).then(|| {
        (
            Reason::ScheduledNeverViewed,
            format!("scheduled ({freqs}), about {runs} runs a month, and never viewed (view_count 0)"),
        )
    })
}

/// SCHEDULED_NOT_VIEWED_RECENTLY: Mode's last view is older than the window before this run, or
/// (without it) the views gained since the snapshot a window ago are none.
fn not_viewed_recently(
    report: &ReportRecord,
    recent: Option<&RecentViews>,
    options: &FindingsOptions,
    started_at: Option<DateTime<Utc>>,
    said: &Said,
) -> Option<(Reason, String)> {
    let freqs = &said.freqs;
    let gained = recent.and_then(|r| r.gained.get(&report.token).map(|g| (*g, r.since.as_str())));
    if let Some(viewed) = last_viewed(report) {
        // Mode's own last view: exact, and no history needed.
        let window = chrono::Duration::from_std(options.window).unwrap_or(chrono::Duration::MAX);
        let start = started_at.filter(|start| *start - viewed > window)?;
        return Some((
            Reason::ScheduledNotViewedRecently,
            format!(
                "last viewed {} (Mode's last_viewed_at), {} days before this run, more than the {} window, while scheduled ({freqs})",
                report.discovered.last_viewed_at.as_deref().unwrap_or_default(),
                (start - viewed).num_days(),
                short(options.window)
            ),
        ));
    }
    let (gained, since) = gained.filter(|(g, _)| *g <= 0)?;
    let views = report.view_count.filter(|v| *v > 0)?;
    Some((
        Reason::ScheduledNotViewedRecently,
        format!(
            "no views gained in the last {} (view_count {} at the snapshot of {since}, {views} now), while scheduled ({freqs})",
            short(options.window),
            views as i64 - gained
        ),
    ))
}

/// SCHEDULE_FAILING: the report's failing schedules, or (for reused schedule records) the report
/// itself when its runs since then failed.
fn schedule_failing(report: &ReportRecord, started_at: Option<DateTime<Utc>>) -> Option<(Reason, String)> {
    let failing = match ran_since_reused(report, started_at) {
        Some(fetched_at) => failing_report(report, fetched_at).into_iter().collect(),
        None => report.schedules.iter().filter_map(failing).collect::<Vec<String>>(),
    };
    (!failing.is_empty()).then(|| (Reason::ScheduleFailing, failing.join("; ")))
}

/// ARCHIVED_BUT_SCHEDULED.
fn archived_but_scheduled(report: &ReportRecord, said: &Said) -> Option<(Reason, String)> {
    let Said { freqs, runs } = said;
    report.archived.then(|| {
        (
            Reason::ArchivedButScheduled,
            format!("archived, but still scheduled ({freqs}), about {runs} runs a month"),
        )
    })
}

/// SCHEDULE_WITHOUT_SUBSCRIBERS: each schedule with no subscribers.
fn without_subscribers(report: &ReportRecord) -> Option<(Reason, String)> {
    let lonely: Vec<String> = report
        .schedules
        .iter()
        .filter(|s| s.subscriber_count == Some(0))
        .map(|s| format!("schedule {} has no subscribers", label(s)))
        .collect();
    (!lonely.is_empty()).then(|| (Reason::ScheduleWithoutSubscribers, lonely.join("; ")))
}

/// HIGH_FREQUENCY_FEW_VIEWS: a schedule more often than daily, and fewer views than the bound.
fn high_frequency_few_views(report: &ReportRecord, options: &FindingsOptions, said: &Said) -> Option<(Reason, String)> {
    let runs = &said.runs;
    let fast: Vec<&str> = HIGH_FREQUENCIES
        .into_iter()
        .filter(|f| report.schedules.iter().any(|s| s.frequency.as_deref() == Some(*f)))
        .collect();
    if fast.is_empty() {
        return None;
    }
    let views = report.view_count.filter(|v| *v < options.few_views)?;
    Some((
        Reason::HighFrequencyFewViews,
        format!(
            "runs {} (about {runs} runs a month) with {views} views ever, fewer than {}",
            fast.join(" and "),
            options.few_views
        ),
    ))
}

/// OWNER_DEPARTED for a scheduled report whose creator is not an active member.
pub(super) fn departed(report: &ReportRecord, members: &ActiveMembers) -> Option<(Reason, String)> {
    // The username, or on a `--source discovery` run the creator's email.
    let creator = report.owner()?;
    if report.scheduled != Some(true) || members.is_active(creator) {
        return None;
    }
    Some((
        Reason::OwnerDeparted,
        format!(
            "scheduled, and its creator {creator} is not an active member of the workspace (per {})",
            members.source
        ),
    ))
}

/// Why a schedule counts as failing, if it does.
fn failing(s: &ScheduleRecord) -> Option<String> {
    let mut why = Vec::new();
    if let Some(state) = s.retry_state.as_deref().filter(|st| !st.eq_ignore_ascii_case("ok")) {
        why.push(format!("retry_state {state}"));
    }
    let run = s.last_run_at.as_deref().and_then(parse_time);
    match (run, s.last_succeeded_at.as_deref()) {
        (Some(run), Some(ok)) if parse_time(ok).is_some_and(|ok| run > ok) => why.push(format!(
            "last run {} is later than the last success {ok}",
            s.last_run_at.as_deref().unwrap_or_default()
        )),
        (Some(_), None) => why.push(format!(
            "ran ({}) but never succeeded",
            s.last_run_at.as_deref().unwrap_or_default()
        )),
        _ => {}
    }
    (!why.is_empty()).then(|| format!("schedule {}: {}", label(s), why.join(", ")))
}

/// For a report whose schedule records were reused from an earlier snapshot and which ran after
/// they were read: their oldest `fetched_at`. Their run fields (`retry_state`, `last_run_at`,
/// `last_succeeded_at`) then predate the last run, and this run's listing says how it went.
fn ran_since_reused(report: &ReportRecord, started_at: Option<DateTime<Utc>>) -> Option<&str> {
    if !summary::schedules_reused(report, started_at) {
        return None;
    }
    let (fetched, text) = report
        .schedules
        .iter()
        .filter_map(|s| s.fetched_at.as_deref().and_then(|t| parse_time(t).map(|at| (at, t))))
        .min_by_key(|(at, _)| *at)?;
    let ran = report.last_run_at.as_deref().and_then(parse_time)?;
    (ran > fetched).then_some(text)
}

/// Why a report counts as failing from its own `last_run_at` and `last_successfully_run_at` (this
/// run's listing), when its schedule details were read before its last run.
fn failing_report(report: &ReportRecord, fetched_at: &str) -> Option<String> {
    let ran = report.last_run_at.as_deref()?;
    let why = match report.last_successfully_run_at.as_deref() {
        None => format!("the report ran ({ran}) but never succeeded"),
        Some(ok) if parse_time(ok).is_some_and(|ok| parse_time(ran).is_some_and(|run| run > ok)) => {
            format!("the report's last run {ran} is later than its last success {ok}")
        }
        Some(_) => return None,
    };
    Some(format!(
        "{why} (from this run's report listing; its schedule details were read at {fetched_at}, before that run)"
    ))
}

fn label(s: &ScheduleRecord) -> String {
    let name = s.name.as_deref().filter(|n| !n.trim().is_empty()).unwrap_or(&s.token);
    format!("'{name}' ({})", s.frequency.as_deref().unwrap_or("frequency unknown"))
}
