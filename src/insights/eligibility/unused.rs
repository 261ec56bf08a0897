//! Unused for long enough: what says a report is unused (the run of its finding, Mode's own
//! verdict), the holds until it has been for `--min-age`, and since when it is.

use chrono::{DateTime, Utc};

use super::{Hold, due, slack};
use crate::insights::findings::last_viewed;
use crate::insights::standing::{MIN_SNAPSHOTS, NotCounted, Run};
use crate::snapshot::ReportRecord;

/// What says a report is unused: the run of its finding (with the earlier snapshots not counted
/// in its span), and Mode's own verdict, Discovery's `last_viewed_at` behind a
/// SCHEDULED_NOT_VIEWED_RECENTLY.
pub(super) struct Evidence<'a> {
    pub run: Option<&'a Run>,
    pub not_counted: &'a [NotCounted],
    pub verdict: Option<DateTime<Utc>>,
}

/// Holds until the report has been unused for `min_age`: by Mode's verdict, at least `min_age`
/// old, or else by the series of snapshots ([`unused_long_enough`]); and whatever meets the rule,
/// a recent `last_viewed_at` ([`viewed_recently`]).
pub(super) fn unused_holds(
    report: &ReportRecord,
    evidence: &Evidence,
    now: DateTime<Utc>,
    min_age: chrono::Duration,
) -> Vec<Hold> {
    let mut held = Vec::new();
    match evidence.verdict {
        // Last viewed at least `min_age` ago: that meets the rule without a series.
        Some(at) if now - at >= min_age => {}
        _ => held.extend(unused_long_enough(evidence, now, min_age)),
    }
    held.extend(viewed_recently(report, now, min_age));
    held
}

/// Since when the report is unused, and the text to show for it: the start of the series (less
/// the slack) or the last view, whichever is earlier.
pub(super) fn unused_since<'a>(
    report: &'a ReportRecord,
    evidence: &Evidence<'a>,
) -> Option<(DateTime<Utc>, Option<&'a str>)> {
    let viewed = report.discovered.last_viewed_at.as_deref();
    match (
        evidence.run.map(|r| (r.at - slack(), r.started_at.as_str())),
        evidence.verdict,
    ) {
        (Some(series), Some(at)) if at < series.0 => Some((at, viewed)),
        (Some((at, started)), _) => Some((at, Some(started))),
        (None, Some(at)) => Some((at, viewed)),
        (None, None) => None,
    }
}

/// Whether nobody has used the report for `min_age`, from the unbroken run of its unused finding:
/// the run must reach back `min_age` (less the slack, for cron start jitter) and hold in at least
/// [`MIN_SNAPSHOTS`] complete snapshots. Snapshots not counted for their clock are named when the
/// run falls short. The one other way to meet the rule is Mode's own verdict: a
/// SCHEDULED_NOT_VIEWED_RECENTLY judged from Discovery's `last_viewed_at`, at least `min_age` old
/// (see [`unused_holds`]); a recent `last_viewed_at` holds a report whatever the series says
/// ([`viewed_recently`]).
fn unused_long_enough(evidence: &Evidence, now: DateTime<Utc>, min_age: chrono::Duration) -> Vec<Hold> {
    let Some(run) = evidence.run else {
        return vec![Hold::TooRecent {
            since: "(unknown)".into(),
            eligible_from: String::new(),
        }];
    };
    let mut held = Vec::new();
    if now - run.at + slack() < min_age {
        held.push(Hold::TooRecent {
            since: run.started_at.clone(),
            eligible_from: due(run.at - slack(), min_age).unwrap_or_default(),
        });
    }
    if run.snapshots < MIN_SNAPSHOTS {
        held.push(Hold::FewSnapshots { seen: run.snapshots });
    }
    if let Some((first, others)) = evidence.not_counted.split_first().filter(|_| !held.is_empty()) {
        held.push(Hold::NotCounted {
            started_at: first.started_at.clone(),
            doubt: first.doubt,
            more: others.len(),
        });
    }
    held
}

/// A hold when Mode's own `last_viewed_at` (Discovery) is within `min_age` of `now`. It only ever
/// holds: a last view long ago never stands in for the series of snapshots the plan requires.
fn viewed_recently(report: &ReportRecord, now: DateTime<Utc>, min_age: chrono::Duration) -> Option<Hold> {
    let at = last_viewed(report)?;
    (now - at < min_age).then(|| Hold::ViewedRecently {
        last_viewed_at: report.discovered.last_viewed_at.clone().unwrap_or_default(),
        eligible_from: due(at, min_age).unwrap_or_default(),
    })
}
