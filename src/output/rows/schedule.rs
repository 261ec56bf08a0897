//! The schedules table (schedules.csv, the Schedules sheet): one row per schedule.

use super::{Column, Field, col, names};
use crate::snapshot::ScheduleRecord;

/// One schedule with what its row also shows: the workspace and its report's token.
pub struct ScheduleRow<'a> {
    pub workspace: &'a str,
    pub report_token: &'a str,
    pub schedule: &'a ScheduleRecord,
}

type Cell = for<'r> fn(&'r ScheduleRow<'r>) -> Field<'r>;

/// schedules.csv's columns, in order (`fetched_at` last, so the first 13 keep their places).
pub const SCHEDULES: [Column<Cell>; 14] = [
    col("workspace", |r| Field::text(r.workspace)),
    col("report_token", |r| Field::text(r.report_token)),
    col("schedule_token", |r| Field::text(&r.schedule.token)),
    col("schedule_name", |r| Field::opt_text(r.schedule.name.as_deref())),
    col("frequency", |r| Field::opt_text(r.schedule.frequency.as_deref())),
    col("time_zone", |r| Field::opt_text(r.schedule.time_zone.as_deref())),
    col("hour", |r| Field::opt_text(r.schedule.hour.as_deref())),
    col("minute", |r| Field::opt_text(r.schedule.minute.as_deref())),
    col("next_scheduled_run", |r| {
        Field::Time(r.schedule.next_scheduled_run.as_deref())
    }),
    col("last_scheduled_run", |r| {
        Field::Time(r.schedule.last_scheduled_run.as_deref())
    }),
    col("last_succeeded_at", |r| {
        Field::Time(r.schedule.last_succeeded_at.as_deref())
    }),
    col("retry_state", |r| Field::opt_text(r.schedule.retry_state.as_deref())),
    col("subscriber_count", |r| Field::Count(r.schedule.subscriber_count)),
    col("fetched_at", |r| Field::Time(r.schedule.fetched_at.as_deref())),
];

/// schedules.csv's header, in order.
pub const SCHEDULE_COLUMNS: [&str; 14] = names(&SCHEDULES);

impl ScheduleRow<'_> {
    /// The row's cells, in the order of [`SCHEDULES`].
    pub fn fields(&self) -> Vec<Field<'_>> {
        SCHEDULES.iter().map(|c| (c.cell)(self)).collect()
    }
}
