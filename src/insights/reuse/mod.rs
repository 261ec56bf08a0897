//! Schedule reuse (`--schedules-max-age D`): the schedule records of the newest earlier snapshot,
//! indexed by report token, and the rules that say which of them a run may keep instead of asking
//! Mode again.
//!
//! A report keeps its earlier schedule records when all of these hold; anything else is fetched:
//!
//! 1. this run's listing shows the same `schedules_count` and the same `updated_at` as the earlier
//!    snapshot did (both known);
//! 2. the records are younger than D, and will still be no older than D when the next run comes,
//!    taken to come as long after this run as this run came after the earlier snapshot (the
//!    interval I): age + I ≤ D, give or take an hour (a hundredth of D when shorter) for runs
//!    that start a little later than the interval;
//! 3. they are not due for the rolling refresh: every run refreshes the ⌈N × I / D⌉ oldest records
//!    of the index (N of them, the oldest first, ties in listing order).
//!
//! Why this keeps every record at most D old and spreads the work evenly: rule 2 alone bounds the
//! age (a record is never kept once age + I would pass D, so at the next run it is at most D old),
//! but alone it would let every record read by one full run expire in the same later run, which
//! would then be a full run again. Rule 3 spreads that work: N records, ⌈N × I / D⌉ of the oldest
//! refreshed each run, so every record is refreshed within D / I runs, that is within D, in equal
//! shares, before rule 2 has to step in. When runs are irregular (a skipped day makes I larger),
//! the share grows with I and rule 2 catches whatever the share left too old. Reports whose listing
//! changed are fetched anyway and start again with age 0.
//!
//! The index is built by streaming the earlier snapshot.json once: per scheduled report, its token,
//! `schedules_count`, `updated_at` and the oldest `fetched_at` of its records stay in memory; the
//! records themselves go to a temporary file ([`ReportStore`]) and are read back one report at a
//! time when reused.

mod load;
mod runs;

pub use runs::{EarlierRuns, RunsVerdict, RunsVerdicts};

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::crawl::Reuse;
use crate::snapshot::store::ReportStore;
use crate::snapshot::time::parse_time;
use crate::snapshot::{ReportRecord, ScheduleRecord};

/// What became of one report the walk would have fetched the schedules of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Not in the earlier snapshot with schedules (a new report, or newly scheduled).
    New,
    /// `schedules_count` or `updated_at` changed (or is unknown).
    Changed,
    /// Too old to keep: age + I would pass D before the next run.
    Aged,
    /// Among the oldest, refreshed by the rolling refresh.
    Rolled,
    /// Kept from the earlier snapshot.
    Reused,
}

const VERDICTS: [Verdict; 5] = [
    Verdict::New,
    Verdict::Changed,
    Verdict::Aged,
    Verdict::Rolled,
    Verdict::Reused,
];

/// One scheduled report of the earlier snapshot.
#[derive(Debug)]
struct Entry {
    schedules_count: Option<u64>,
    updated_at: Option<Box<str>>,
    /// The oldest `fetched_at` of its records, in milliseconds since the epoch.
    fetched_ms: i64,
    /// Picked by the rolling refresh.
    due: bool,
}

/// The schedule records of the newest earlier snapshot, and the rules to reuse them.
pub struct EarlierSchedules {
    /// The snapshot.json they come from, and its `started_at`.
    pub source: PathBuf,
    pub source_started_at: String,
    /// D.
    pub max_age: Duration,
    /// I: from the earlier snapshot's start to this run's.
    pub interval: Duration,
    /// How many records the rolling refresh picked.
    pub rolling_share: usize,
    now_ms: i64,
    entries: Vec<Entry>,
    tokens: HashMap<Box<str>, usize>,
    store: ReportStore,
    tally: [AtomicU64; 5],
    /// The runs tallies, until the runs step takes them.
    runs: Mutex<Option<EarlierRuns>>,
}

/// How many reports got each [`Verdict`] so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScheduleVerdicts {
    pub new: u64,
    pub changed: u64,
    pub aged: u64,
    pub rolled: u64,
    pub reused: u64,
}

impl ScheduleVerdicts {
    /// Reports whose schedules were (or would be) requested.
    pub fn fetched(&self) -> u64 {
        self.new + self.changed + self.aged + self.rolled
    }
}

impl EarlierSchedules {
    /// The index of the newest earlier snapshot in `dir` (`OUT/<workspace>`) that can be read, for
    /// a run that started at `started_at`; `None` when there is none (each unreadable one is logged).
    /// The records go to a temporary file in `spill` (the system's temporary folder when `None`).
    pub fn load(
        dir: &Path,
        workspace: &str,
        started_at: &str,
        max_age: Duration,
        spill: Option<&Path>,
    ) -> Option<EarlierSchedules> {
        let now = parse_time(started_at)?;
        let loaded = load::newest(dir, workspace, now, spill)?;
        let index = EarlierSchedules::new(loaded, now, max_age);
        tracing::info!(
            snapshot = %index.source.display(),
            started_at = %index.source_started_at,
            scheduled_reports = index.entries.len(),
            rolling_share = index.rolling_share,
            "schedule details of the last snapshot may be reused"
        );
        Some(index)
    }

    fn new(loaded: load::Loaded, now: DateTime<Utc>, max_age: Duration) -> EarlierSchedules {
        let source_at = parse_time(&loaded.started_at).unwrap_or(now);
        let interval = (now - source_at).to_std().unwrap_or(Duration::ZERO);
        let now_ms = now.timestamp_millis();
        let runs = EarlierRuns::new(&loaded.started_at, now_ms, max_age, interval, loaded.runs);
        let mut index = EarlierSchedules {
            source: loaded.path,
            source_started_at: loaded.started_at,
            max_age,
            interval,
            rolling_share: 0,
            now_ms,
            entries: loaded.entries,
            tokens: loaded.tokens,
            store: loaded.store,
            tally: Default::default(),
            runs: Mutex::new(Some(runs)),
        };
        index.pick_rolling_share();
        index
    }

    /// Marks the ⌈N × I / D⌉ oldest entries due (ties in the earlier snapshot's listing order).
    fn pick_rolling_share(&mut self) {
        let n = self.entries.len();
        let share = rolling_share(n, self.interval, self.max_age);
        let mut order: Vec<(i64, usize)> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.fetched_ms, i))
            .collect();
        order.sort_unstable();
        for &(_, i) in order.iter().take(share) {
            self.entries[i].due = true;
        }
        self.rolling_share = share;
    }

    /// The verdict on `listed` (this run's listing of a report whose schedules would be fetched).
    pub fn verdict(&self, listed: &ReportRecord) -> Verdict {
        let Some(entry) = self.tokens.get(listed.token.as_str()).map(|&i| &self.entries[i]) else {
            return Verdict::New;
        };
        let same_count = listed.schedules_count.is_some() && listed.schedules_count == entry.schedules_count;
        let same_update = listed.updated_at.is_some() && listed.updated_at.as_deref() == entry.updated_at.as_deref();
        if !same_count || !same_update {
            return Verdict::Changed;
        }
        let age = u64::try_from(self.now_ms - entry.fetched_ms).unwrap_or(0);
        if !young_enough(age, self.interval, self.max_age) {
            return Verdict::Aged;
        }
        if entry.due {
            return Verdict::Rolled;
        }
        Verdict::Reused
    }

    /// Whether `listed`'s schedules would be reused; counted in the [`ScheduleVerdicts`] like a real decision.
    pub fn would_reuse(&self, listed: &ReportRecord) -> bool {
        let verdict = self.verdict(listed);
        self.count(verdict);
        verdict == Verdict::Reused
    }

    fn count(&self, verdict: Verdict) {
        let i = VERDICTS
            .iter()
            .position(|v| *v == verdict)
            .expect("every verdict is listed");
        self.tally[i].fetch_add(1, Ordering::Relaxed);
    }

    /// The verdicts given so far.
    pub fn tally(&self) -> ScheduleVerdicts {
        let n = |v: Verdict| self.tally[VERDICTS.iter().position(|x| *x == v).expect("listed")].load(Ordering::Relaxed);
        ScheduleVerdicts {
            new: n(Verdict::New),
            changed: n(Verdict::Changed),
            aged: n(Verdict::Aged),
            rolled: n(Verdict::Rolled),
            reused: n(Verdict::Reused),
        }
    }

    /// The runs tallies of the earlier snapshot, for a runs step that reads up to `max_pages` pages
    /// a report (once; `None` after). A tally cut at fewer pages than that is left out: this run
    /// would read more of it.
    pub fn take_runs(&self, max_pages: u32) -> Option<EarlierRuns> {
        let mut runs = self.runs.lock().ok()?.take()?;
        runs.drop_shallower_than(max_pages);
        Some(runs)
    }

    /// The earlier records of `token`, each with its `fetched_at` (the earlier snapshot's start
    /// where it had none).
    fn records(&self, token: &str) -> Option<Vec<ScheduleRecord>> {
        Some(self.earlier_record(token)?.schedules)
    }

    /// The earlier snapshot's record of scheduled report `token`, its schedules as a reuse gives
    /// them (for `plan` to predict the findings from).
    pub fn earlier_record(&self, token: &str) -> Option<ReportRecord> {
        // Entry i's record is the store's i-th.
        let mut record = self.store.get(*self.tokens.get(token)?)?;
        for s in &mut record.schedules {
            s.fetched_at.get_or_insert_with(|| self.source_started_at.clone());
        }
        Some(record)
    }
}

impl Reuse for EarlierSchedules {
    fn schedules(&self, listed: &ReportRecord) -> Option<Vec<ScheduleRecord>> {
        let verdict = self.verdict(listed);
        self.count(verdict);
        match verdict {
            Verdict::Reused => self.records(&listed.token),
            _ => None,
        }
    }
}

impl fmt::Debug for EarlierSchedules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EarlierSchedules")
            .field("source", &self.source)
            .field("scheduled_reports", &self.entries.len())
            .field("max_age", &self.max_age)
            .field("interval", &self.interval)
            .field("rolling_share", &self.rolling_share)
            .finish()
    }
}

/// ⌈n × interval / max_age⌉, at most n: the records each run refreshes so that n of them are all
/// refreshed within `max_age` by runs `interval` apart.
pub fn rolling_share(n: usize, interval: Duration, max_age: Duration) -> usize {
    if max_age.is_zero() {
        return n;
    }
    let share = (n as f64 * interval.as_secs_f64() / max_age.as_secs_f64()).ceil();
    if share >= n as f64 { n } else { share as usize }
}

/// How much later than its interval the next run may start and still find a kept record within
/// the max age: runs started by cron a day apart are a day and some milliseconds apart, and
/// without it a record read D − I ago would count as too old by those milliseconds, so every
/// record would live D − I instead of D and the rolling share, sized for D, would fall behind.
fn start_slack(max_age: Duration) -> u64 {
    millis(max_age / 100).min(3_600_000)
}

/// Rule 2 (and the runs' rule 3): a record `age_ms` old is younger than the max age and will be no
/// older than it at the next run, taken to come `interval` later, give or take [`start_slack`].
pub(super) fn young_enough(age_ms: u64, interval: Duration, max_age: Duration) -> bool {
    let (d, i) = (millis(max_age), millis(interval));
    age_ms < d && age_ms.saturating_add(i) <= d.saturating_add(start_slack(max_age))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
