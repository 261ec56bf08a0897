//! Turning Mode's list items into the snapshot's records.

use crate::mode::{Counter, Report, Schedule};
use crate::snapshot::{FetchStatus, ReportRecord, ScheduleRecord};

pub fn report_record(item: Report, collection: &str, archived: bool) -> ReportRecord {
    let creator = item.creator();
    let url = item.web_url();
    let (scheduled, fetch_status) = match item.schedules_count {
        Counter::Value(0) => (Some(false), FetchStatus::NotScheduled),
        _ => (None, FetchStatus::SchedulesUnfinished),
    };
    if item.view_count == Counter::Invalid || item.schedules_count == Counter::Invalid {
        tracing::warn!(report = %item.token, "unreadable view_count or schedules_count (negative, fractional, text or absurd); left empty");
    }
    ReportRecord {
        token: item.token,
        name: item.name.0,
        collection_token: collection.to_string(),
        report_type: item.report_type.0,
        archived,
        creator,
        created_at: item.created_at.0,
        updated_at: item.updated_at.0,
        last_run_at: item.last_run_at.0,
        last_successfully_run_at: item.last_successfully_run_at.0,
        view_count: item.view_count.value(),
        schedules_count: item.schedules_count.value(),
        expected_runtime: item.expected_runtime.value(),
        scheduled,
        url,
        fetch_status,
        schedules: Vec::new(),
        history: Default::default(),
        runs: Default::default(),
        discovered: Default::default(),
    }
}

/// A schedule as read now, stamped with `fetched_at` (the run's start).
pub fn schedule_record(item: Schedule, fetched_at: &str) -> ScheduleRecord {
    ScheduleRecord {
        token: item.token,
        name: item.name.0,
        frequency: item.frequency.0,
        time_zone: item.time_zone.0,
        hour: item.hour.0,
        minute: item.minute.0,
        next_scheduled_run: item.next_scheduled_run.0,
        last_scheduled_run: item.last_scheduled_run.0,
        last_run_at: item.last_run_at.0,
        last_succeeded_at: item.last_succeeded_at.0,
        retry_state: item.retry_state.0,
        subscriber_count: item.subscriber_count.value(),
        fetched_at: Some(fetched_at.to_string()),
    }
}

/// A report whose schedules are settled without a request: `schedules` came from an earlier snapshot.
pub fn reuse_schedules(record: &mut ReportRecord, schedules: Vec<ScheduleRecord>) {
    record.fetch_status = FetchStatus::Fetched;
    record.scheduled = Some(!schedules.is_empty());
    record.schedules = schedules;
}
