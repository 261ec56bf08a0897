//! The views rule: a report whose view count rose, or fell, while the plan counts it unused is
//! held, whatever the finding and whatever Discovery says.

use chrono::{DateTime, Utc};

use super::Hold;
use crate::insights::standing::Run;
use crate::snapshot::ReportRecord;

/// Holds for views the report gained, or a count that fell, since the time the plan counts it
/// unused from: the oldest snapshot of the finding's run, or Mode's verdict when earlier. Each
/// change between two snapshots read counts when the later one falls after that time; with a
/// verdict, that reaches back before the run, so a count that rose overrides Discovery.
pub(super) fn views_holds(report: &ReportRecord, run: &Run, verdict: Option<DateTime<Utc>>) -> Vec<Hold> {
    let (Some(then), Some(now)) = (run.views, report.view_count) else {
        return vec![Hold::ViewsUnknown {
            since: run.started_at.clone(),
        }];
    };
    let since = run.started_at.clone();
    let mut gained = (now > then).then(|| Hold::ViewsGained {
        since: since.clone(),
        then,
        now,
    });
    let mut fell = (now < then).then_some(Hold::ViewsFell { since, then, now });
    let unused_from = verdict.map_or(run.at, |at| at.min(run.at));
    for c in run.changes.iter().filter(|c| c.to_at > unused_from) {
        let (since, then, now) = (c.from.clone(), c.from_views, c.to_views);
        if c.rose() {
            gained.get_or_insert(Hold::ViewsGained { since, then, now });
        } else {
            fell.get_or_insert(Hold::ViewsFell { since, then, now });
        }
    }
    gained.into_iter().chain(fell).collect()
}
