//! CSV writers: reports.csv, schedules.csv and collections.csv, columns in the documented fixed order.

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;

use crate::audit;
use crate::snapshot::{CollectionRecord, Snapshot};

/// The one place CSV writer settings live.
fn writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().has_headers(true).from_writer(out)
}

#[derive(Serialize)]
struct ReportRow<'a> {
    workspace: &'a str,
    collection_token: &'a str,
    collection_name: Option<&'a str>,
    collection_type: Option<&'a str>,
    report_token: &'a str,
    report_name: Option<&'a str>,
    report_type: Option<&'a str>,
    archived: bool,
    creator: Option<&'a str>,
    created_at: Option<&'a str>,
    updated_at: Option<&'a str>,
    last_run_at: Option<&'a str>,
    last_successfully_run_at: Option<&'a str>,
    view_count: Option<u64>,
    schedules_count: Option<u64>,
    scheduled: Option<bool>,
    schedule_frequencies: String,
    next_scheduled_run: Option<&'a str>,
    subscriber_count: Option<u64>,
    url: Option<&'a str>,
    fetch_status: &'a str,
}

/// reports.csv: one row per report.
pub fn write_reports<W: Write>(snapshot: &Snapshot, out: W) -> csv::Result<W> {
    let collections: HashMap<&str, &CollectionRecord> =
        snapshot.collections.iter().map(|c| (c.token.as_str(), c)).collect();
    let mut w = writer(out);
    if snapshot.reports.is_empty() {
        w.write_record(REPORT_COLUMNS)?;
    }
    for r in &snapshot.reports {
        let c = collections.get(r.collection_token.as_str());
        w.serialize(ReportRow {
            workspace: &snapshot.workspace,
            collection_token: &r.collection_token,
            collection_name: c.and_then(|c| c.name.as_deref()),
            collection_type: c.and_then(|c| c.collection_type.as_deref()),
            report_token: &r.token,
            report_name: r.name.as_deref(),
            report_type: r.report_type.as_deref(),
            archived: r.archived,
            creator: r.creator.as_deref(),
            created_at: r.created_at.as_deref(),
            updated_at: r.updated_at.as_deref(),
            last_run_at: r.last_run_at.as_deref(),
            last_successfully_run_at: r.last_successfully_run_at.as_deref(),
            view_count: r.view_count,
            schedules_count: r.schedules_count,
            scheduled: r.scheduled,
            schedule_frequencies: audit::schedule_frequencies(r),
            next_scheduled_run: audit::next_scheduled_run(r),
            subscriber_count: audit::subscriber_count(r),
            url: r.url.as_deref(),
            fetch_status: r.fetch_status.as_str(),
        })?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// reports.csv's header, in order.
pub const REPORT_COLUMNS: [&str; 21] = [
    "workspace",
    "collection_token",
    "collection_name",
    "collection_type",
    "report_token",
    "report_name",
    "report_type",
    "archived",
    "creator",
    "created_at",
    "updated_at",
    "last_run_at",
    "last_successfully_run_at",
    "view_count",
    "schedules_count",
    "scheduled",
    "schedule_frequencies",
    "next_scheduled_run",
    "subscriber_count",
    "url",
    "fetch_status",
];

#[derive(Serialize)]
struct ScheduleRow<'a> {
    workspace: &'a str,
    report_token: &'a str,
    schedule_token: &'a str,
    schedule_name: Option<&'a str>,
    frequency: Option<&'a str>,
    time_zone: Option<&'a str>,
    hour: Option<&'a str>,
    minute: Option<&'a str>,
    next_scheduled_run: Option<&'a str>,
    last_scheduled_run: Option<&'a str>,
    last_succeeded_at: Option<&'a str>,
    retry_state: Option<&'a str>,
    subscriber_count: Option<u64>,
}

pub const SCHEDULE_COLUMNS: [&str; 13] = [
    "workspace",
    "report_token",
    "schedule_token",
    "schedule_name",
    "frequency",
    "time_zone",
    "hour",
    "minute",
    "next_scheduled_run",
    "last_scheduled_run",
    "last_succeeded_at",
    "retry_state",
    "subscriber_count",
];

/// schedules.csv: one row per schedule.
pub fn write_schedules<W: Write>(snapshot: &Snapshot, out: W) -> csv::Result<W> {
    let mut w = writer(out);
    let mut any = false;
    for r in &snapshot.reports {
        for s in &r.schedules {
            any = true;
            w.serialize(ScheduleRow {
                workspace: &snapshot.workspace,
                report_token: &r.token,
                schedule_token: &s.token,
                schedule_name: s.name.as_deref(),
                frequency: s.frequency.as_deref(),
                time_zone: s.time_zone.as_deref(),
                hour: s.hour.as_deref(),
                minute: s.minute.as_deref(),
                next_scheduled_run: s.next_scheduled_run.as_deref(),
                last_scheduled_run: s.last_scheduled_run.as_deref(),
                last_succeeded_at: s.last_succeeded_at.as_deref(),
                retry_state: s.retry_state.as_deref(),
                subscriber_count: s.subscriber_count,
            })?;
        }
    }
    if !any {
        w.write_record(SCHEDULE_COLUMNS)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

#[derive(Serialize)]
struct CollectionRow<'a> {
    workspace: &'a str,
    collection_token: &'a str,
    collection_name: Option<&'a str>,
    collection_type: Option<&'a str>,
    reports: u64,
    pages: u32,
    status: &'a str,
    error: Option<&'a str>,
}

pub const COLLECTION_COLUMNS: [&str; 8] = [
    "workspace",
    "collection_token",
    "collection_name",
    "collection_type",
    "reports",
    "pages",
    "status",
    "error",
];

/// collections.csv: the completeness ledger, one row per collection.
pub fn write_collections<W: Write>(snapshot: &Snapshot, out: W) -> csv::Result<W> {
    let mut w = writer(out);
    if snapshot.collections.is_empty() {
        w.write_record(COLLECTION_COLUMNS)?;
    }
    for c in &snapshot.collections {
        w.serialize(CollectionRow {
            workspace: &snapshot.workspace,
            collection_token: &c.token,
            collection_name: c.name.as_deref(),
            collection_type: c.collection_type.as_deref(),
            reports: c.reports,
            pages: c.pages,
            status: c.status.as_str(),
            error: c.error.as_deref(),
        })?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
