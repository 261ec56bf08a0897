//! History: what earlier snapshots in the same `OUT/<workspace>/` folder say about each report —
//! views gained over 7, 30 and 90 days (and the findings window), and when it was first seen.
//!
//! Only the few snapshots that matter are read: for each window the newest earlier snapshot at
//! least that old (an hour's slack absorbs cron start jitter), plus the newest and the oldest one
//! for `first_seen`, which every snapshot carries forward. Snapshots are ordered by their folder
//! names (`20261128T032200Z`); a folder with another name is read to learn its `started_at`. An
//! unreadable snapshot, or one whose run's clock was more than 5 minutes off Mode's, is skipped
//! with a warning and the next older one is tried.
//!
//! Memory stays flat however many snapshots there are and however large: one snapshot.json is read
//! at a time, each at most once, as a stream (`stream.rs`), one report in memory at a time. Of each
//! report only a few numbers are kept per token: its view count at each baseline and its earliest
//! `first_seen`, an index into a small table of distinct times. What a snapshot says is staged
//! until its file has been read to the end, so one cut short leaves nothing behind.
//!
//! A window is unknown (`None`) when no earlier snapshot is old enough, when that snapshot lacks the
//! report or its view count, and, for the `views_Nd` columns, when the newest old-enough snapshot
//! is more than twice the window old (the delta would describe a much longer period).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};

mod candidate;
mod select;

use candidate::{Candidate, candidates, usable};
pub use select::wanted;

use super::findings::RecentViews;
use crate::snapshot::time::parse_time;
use crate::snapshot::{ReportHistory, ReportRecord};

pub(super) mod stream;

const DAY: u64 = 86_400;
/// The fixed windows of reports.csv's `views_7d`, `views_30d` and `views_90d`.
pub const WINDOWS: [Duration; 3] = [
    Duration::from_secs(7 * DAY),
    Duration::from_secs(30 * DAY),
    Duration::from_secs(90 * DAY),
];
/// A snapshot this much younger than a window still counts as covering it (cron start jitter).
pub const SLACK: Duration = Duration::from_secs(3600);
/// Windows measured at most: the three fixed ones and the findings window.
const SLOTS: usize = WINDOWS.len() + 1;
/// A view count that is unknown (or a report absent from the baseline).
const NO_VIEWS: u64 = u64::MAX;
/// No `first_seen` known.
const NO_TEXT: u32 = u32::MAX;
/// Staged only: the report is in the snapshot being read, which carried no usable `first_seen`.
const OWN_TIME: u32 = u32::MAX - 1;

/// Earlier snapshots, reduced to what the windows and `first_seen` need: a few numbers per token.
#[derive(Debug, Default)]
pub struct History {
    /// Earlier snapshots found in the folder.
    pub found: usize,
    /// snapshot.json files decoded.
    pub read: usize,
    /// Per window asked for, the snapshot it is measured against.
    baselines: Vec<(Duration, Baseline)>,
    /// Per token of any snapshot read: views at each baseline, and the earliest sighting.
    known: HashMap<Box<str>, Known>,
    /// The `first_seen` texts met, each once, with their times (few: they are runs' start times).
    texts: Vec<(DateTime<Utc>, String)>,
    text_index: HashMap<String, u32>,
}

#[derive(Debug)]
struct Baseline {
    started_at: String,
    age: Duration,
    /// Where its view counts are in [`Known::views`].
    slot: usize,
}

/// What the snapshots read say about one token.
#[derive(Debug, Clone, Copy)]
struct Known {
    /// The view count in each baseline, by slot; [`NO_VIEWS`] when unknown or absent.
    views: [u64; SLOTS],
    /// The earliest `first_seen` (an index into `texts`), or [`NO_TEXT`].
    seen: u32,
    /// What the snapshot being read says, kept apart until it has been read to its end.
    staged_views: u64,
    staged_seen: u32,
}

impl Known {
    const EMPTY: Known = Known {
        views: [NO_VIEWS; SLOTS],
        seen: NO_TEXT,
        staged_views: NO_VIEWS,
        staged_seen: NO_TEXT,
    };
}

impl History {
    /// Reads the earlier snapshots of `dir` (`OUT/<workspace>`) for a run that started at `started_at`,
    /// measuring the fixed windows plus `extra` (the findings window). Never fails: what cannot be
    /// read is skipped with a warning. Each snapshot is streamed once, one report at a time.
    pub fn load(dir: &Path, workspace: &str, started_at: &str, extra: Duration) -> History {
        let Some(now) = parse_time(started_at) else {
            return History::default();
        };
        let mut history = History::default();
        let mut candidates = candidates(dir, workspace, now, &mut history.read);
        candidates.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| b.path.cmp(&a.path)));
        history.found = candidates.len();
        let mut windows: Vec<Duration> = WINDOWS.to_vec();
        if !windows.contains(&extra) {
            windows.push(extra);
        }
        // Shortest first: a snapshot read for one window is then, if old enough, the baseline of
        // every longer window whose newer candidates all failed, and is never read twice.
        let mut order: Vec<usize> = (0..windows.len()).collect();
        order.sort_by_key(|&slot| windows[slot]);
        let covers = |at: DateTime<Utc>, window: Duration| at < now && age(now, at) + SLACK >= window;
        // Per window, the newest candidate old enough by its folder's time.
        let first: Vec<Option<usize>> = windows
            .iter()
            .map(|&w| candidates.iter().position(|c| covers(c.at, w)))
            .collect();
        for &slot in &order {
            let Some(start) = first[slot] else {
                continue;
            };
            for (i, candidate) in candidates.iter_mut().enumerate().skip(start) {
                if history.has_baseline(slot) {
                    break;
                }
                if candidate.read.is_some() {
                    continue;
                }
                // Every newer candidate of these windows failed: this one is their baseline if
                // its own start time is old enough.
                let open: Vec<usize> = (0..windows.len())
                    .filter(|&s| !history.has_baseline(s) && first[s].is_some_and(|f| f <= i))
                    .collect();
                let serves = |at: DateTime<Utc>| -> Vec<usize> {
                    open.iter().copied().filter(|&s| covers(at, windows[s])).collect()
                };
                history.read_one(candidate, workspace, now, &windows, &serves);
            }
        }
        // The newest and the oldest for first_seen, if no window needed them.
        let last = candidates.len().saturating_sub(1);
        for i in [0, last] {
            if let Some(c) = candidates.get_mut(i).filter(|c| c.read.is_none()) {
                history.read_one(c, workspace, now, &windows, &|_| Vec::new());
            }
        }
        tracing::debug!(
            found = history.found,
            read = history.read,
            tokens = history.known.len(),
            "earlier snapshots read"
        );
        history
    }

    fn has_baseline(&self, slot: usize) -> bool {
        self.baselines.iter().any(|(_, b)| b.slot == slot)
    }

    /// Streams one candidate: each report's numbers are staged, then kept (as the baseline of the
    /// windows `serves` names, and for `first_seen`) only once the whole file has been read.
    fn read_one(
        &mut self,
        c: &mut Candidate,
        workspace: &str,
        now: DateTime<Utc>,
        windows: &[Duration],
        serves: &dyn Fn(DateTime<Utc>) -> Vec<usize>,
    ) {
        self.read += 1;
        let result = stream::read(&c.path, &mut |r| self.stage(r)).and_then(|head| usable(head, workspace));
        match result {
            Ok((at, started_at)) => {
                let slots = serves(at);
                let own = self.intern(&started_at, at);
                for &slot in &slots {
                    self.baselines.push((
                        windows[slot],
                        Baseline {
                            started_at: started_at.clone(),
                            age: age(now, at),
                            slot,
                        },
                    ));
                }
                self.commit(&slots, at, own);
                c.read = Some(Some((at, started_at)));
            }
            Err(e) => {
                tracing::warn!(path = %c.path.display(), error = %e, "skipping an earlier snapshot that cannot be read");
                for known in self.known.values_mut() {
                    known.staged_views = NO_VIEWS;
                    known.staged_seen = NO_TEXT;
                }
                c.read = Some(None);
            }
        }
    }

    /// Notes what the snapshot being read says of one report.
    fn stage(&mut self, r: stream::SlimReport) {
        let carried = r.first_seen().and_then(|t| parse_time(t).map(|at| self.intern(t, at)));
        let known = match self.known.get_mut(r.token.as_str()) {
            Some(known) => known,
            None => self.known.entry(r.token.into_boxed_str()).or_insert(Known::EMPTY),
        };
        known.staged_views = r.view_count.unwrap_or(NO_VIEWS);
        let texts = &self.texts;
        known.staged_seen = match (known.staged_seen, carried) {
            (NO_TEXT | OWN_TIME, Some(c)) => c,
            (NO_TEXT, None) => OWN_TIME,
            (staged, Some(c)) if texts[c as usize].0 < texts[staged as usize].0 => c,
            (staged, _) => staged,
        };
    }

    /// Keeps what was staged: the view counts in `slots`, and the earlier of each report's
    /// `first_seen` so far and what this snapshot says (its carried value when not later than the
    /// snapshot itself, otherwise the snapshot's start, `own`).
    fn commit(&mut self, slots: &[usize], at: DateTime<Utc>, own: u32) {
        let texts = &self.texts;
        for known in self.known.values_mut() {
            let staged = std::mem::replace(&mut known.staged_seen, NO_TEXT);
            let views = std::mem::replace(&mut known.staged_views, NO_VIEWS);
            if staged == NO_TEXT {
                continue;
            }
            for &slot in slots {
                known.views[slot] = views;
            }
            let here = match staged {
                OWN_TIME => own,
                c if texts[c as usize].0 <= at => c,
                _ => own,
            };
            if known.seen == NO_TEXT || texts[here as usize].0 < texts[known.seen as usize].0 {
                known.seen = here;
            }
        }
    }

    /// The index of a `first_seen` text, added when new.
    fn intern(&mut self, text: &str, at: DateTime<Utc>) -> u32 {
        if let Some(&i) = self.text_index.get(text) {
            return i;
        }
        let i = u32::try_from(self.texts.len())
            .unwrap_or(OWN_TIME - 1)
            .min(OWN_TIME - 1);
        self.texts.push((at, text.to_string()));
        self.text_index.insert(text.to_string(), i);
        i
    }

    fn baseline(&self, window: Duration) -> Option<&Baseline> {
        self.baselines.iter().find(|(w, _)| *w == window).map(|(_, b)| b)
    }

    /// Views `token` gained over `window`, against the newest snapshot at least that old.
    pub fn gained(&self, window: Duration, token: &str, now: Option<u64>) -> Option<i64> {
        let slot = self.baseline(window)?.slot;
        let old = self.known.get(token)?.views[slot];
        if old == NO_VIEWS {
            return None;
        }
        Some(now? as i64 - old as i64)
    }

    /// The same, for the `views_Nd` columns: unknown when the baseline is over twice the window old.
    fn column(&self, window: Duration, token: &str, now: Option<u64>) -> Option<i64> {
        self.baseline(window).filter(|b| b.age <= window * 2 + SLACK)?;
        self.gained(window, token, now)
    }

    /// `started_at` of the snapshot `window` is measured against, if any is old enough.
    pub fn since(&self, window: Duration) -> Option<&str> {
        self.baseline(window).map(|b| b.started_at.as_str())
    }

    /// Views gained over the findings window by every report the baseline knows; `None` when no
    /// earlier snapshot covers the window.
    pub fn recent<R: Borrow<ReportRecord>>(
        &self,
        window: Duration,
        reports: impl IntoIterator<Item = R>,
    ) -> Option<RecentViews> {
        let baseline = self.baseline(window)?;
        Some(RecentViews {
            since: baseline.started_at.clone(),
            gained: reports
                .into_iter()
                .filter_map(|r| {
                    let r = r.borrow();
                    Some((r.token.clone(), self.gained(window, &r.token, r.view_count)?))
                })
                .collect(),
        })
    }

    /// Fills each report's `history` for a run that started at `started_at`.
    pub fn apply(&self, reports: &mut [ReportRecord], started_at: &str) {
        for r in reports {
            self.fill(r, started_at);
        }
    }

    /// Fills one report's `history` for a run that started at `started_at`.
    pub fn fill(&self, r: &mut ReportRecord, started_at: &str) {
        let [d7, d30, d90] = WINDOWS;
        r.history = ReportHistory {
            first_seen: Some(
                self.known
                    .get(r.token.as_str())
                    .and_then(|k| self.texts.get(k.seen as usize))
                    .map_or(started_at, |(_, text)| text.as_str())
                    .to_string(),
            ),
            views_7d: self.column(d7, &r.token, r.view_count),
            views_30d: self.column(d30, &r.token, r.view_count),
            views_90d: self.column(d90, &r.token, r.view_count),
        };
    }
}

fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> Duration {
    (now - then).to_std().unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests;
