//! Test fixtures shared by the unit tests: report, schedule and snapshot records with known values.

use crate::snapshot::{
    CollectionRecord, FetchStatus, Finding, LedgerStatus, Reason, ReportRecord, SCHEMA_VERSION, ScheduleRecord,
    Snapshot, SnapshotStats, Status,
};

pub fn schedule(token: &str, freq: &str, subs: u64) -> ScheduleRecord {
    ScheduleRecord {
        token: token.into(),
        name: Some(format!("{token} name")),
        frequency: Some(freq.into()),
        time_zone: Some("UTC".into()),
        hour: Some("8:00 am".into()),
        minute: Some("the top of the hour".into()),
        next_scheduled_run: None,
        last_scheduled_run: None,
        last_run_at: Some("2026-11-27T08:00:05.000Z".into()),
        last_succeeded_at: Some("2026-11-27T08:00:09.000Z".into()),
        retry_state: Some("ok".into()),
        subscriber_count: Some(subs),
        fetched_at: Some("2026-11-28T03:00:00.000Z".into()),
    }
}

pub fn report(token: &str, views: Option<u64>, schedules: Vec<ScheduleRecord>) -> ReportRecord {
    ReportRecord {
        token: token.into(),
        name: Some(format!("{token} report")),
        collection_token: "c1".into(),
        report_type: Some("Report".into()),
        archived: false,
        creator: Some(format!("{token}_owner")),
        created_at: None,
        updated_at: None,
        last_run_at: None,
        last_successfully_run_at: None,
        view_count: views,
        schedules_count: Some(schedules.len() as u64),
        expected_runtime: Some(10.0),
        scheduled: Some(!schedules.is_empty()),
        url: Some(format!("https://app.mode.com/acme/reports/{token}")),
        fetch_status: if schedules.is_empty() {
            FetchStatus::NotScheduled
        } else {
            FetchStatus::Fetched
        },
        schedules,
        history: Default::default(),
        runs: Default::default(),
        discovered: Default::default(),
    }
}

pub fn snapshot(reports: Vec<ReportRecord>) -> Snapshot {
    Snapshot {
        schema_version: SCHEMA_VERSION,
        workspace: "acme".into(),
        started_at: "2026-11-28T03:00:00.000Z".into(),
        finished_at: "2026-11-28T03:05:00.000Z".into(),
        status: Status::Complete,
        stats: SnapshotStats::default(),
        collections: vec![CollectionRecord {
            token: "c1".into(),
            name: Some("Finance".into()),
            collection_type: Some("custom".into()),
            reports: reports.len() as u64,
            pages: 1,
            status: LedgerStatus::Complete,
            error: None,
        }],
        reports: reports.into(),
        failures: vec![],
        findings: Default::default(),
        findings_window_seconds: None,
    }
}

/// A finding of report `token` for `reason`, in collection c1, costs unknown.
pub fn finding(token: &str, reason: Reason) -> Finding {
    Finding {
        reason,
        report_token: token.into(),
        report_name: Some(format!("{token} report")),
        owner: Some(format!("{token}_owner")),
        collection_token: "c1".into(),
        collection_name: Some("Finance".into()),
        schedule_frequencies: "daily".into(),
        runs_per_month: None,
        expected_runtime_seconds: None,
        runtime_per_month_seconds: None,
        view_count: Some(0),
        views_in_window: None,
        views_per_run: None,
        views_per_run_basis: None,
        detail: String::new(),
        url: None,
        runs: Default::default(),
        recency_basis: None,
    }
}
