//! The runs step: each selected report's runs of the 30 days before the run, newest first, a
//! bounded number of pages each, several reports side by side through the client's pacer.

use std::collections::HashMap;

use futures_util::StreamExt;

use crate::mode::{Counted, ModeClient, ModeError, Run};
use crate::snapshot::runs::RunTally;
use crate::snapshot::time::parse_time;
use crate::stop::Stop;

/// How many pages of runs to read per report, how large, how many reports at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunsOptions {
    /// Pages per report at most (`--runs-max-pages`).
    pub max_pages: u32,
    pub per_page: u32,
    pub concurrency: usize,
}

/// What reading one report's runs gave: the tally, or why they could not be read.
pub type RunsRead = Result<RunTally, String>;

/// Reads the runs created after `since` (ISO 8601) of every report in `reports`. A report whose
/// runs cannot be read (or that a stop left unread) gets the reason instead of a tally.
pub async fn read_runs(
    client: &ModeClient,
    reports: Vec<String>,
    since: &str,
    options: RunsOptions,
    stop: &Stop,
) -> HashMap<String, RunsRead> {
    let concurrency = options.concurrency.max(1);
    futures_util::stream::iter(reports)
        .map(|token| async move {
            let read = match stop.reason() {
                Some(reason) => Err(format!("not read: the run stopped ({reason:?})")),
                None => read_one(client, &token, since, options)
                    .await
                    .map_err(|e| e.to_string()),
            };
            (token, read)
        })
        .buffer_unordered(concurrency)
        .collect()
        .await
}

async fn read_one(client: &ModeClient, report: &str, since: &str, options: RunsOptions) -> Result<RunTally, ModeError> {
    let mut tally = RunTally::default();
    for page in 1..=options.max_pages.max(1) {
        let listed = client.runs_page(report, since, page, options.per_page).await?;
        if add_page(&mut tally, &listed, options.per_page) {
            tally.complete = true;
            break;
        }
    }
    Ok(tally)
}

/// Adds one page to the tally; `true` when it was the last page. The end is the first of: fewer
/// items than asked for (an empty page included), or as many runs seen as `total_count` says.
pub fn add_page(tally: &mut RunTally, page: &Counted<Run>, per_page: u32) -> bool {
    tally.total_count = tally.total_count.or(page.total_count);
    tally.seen += page.listed() as u64;
    for run in &page.items {
        if run.state.0.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("failed")) {
            tally.failed += 1;
        }
        let created = run.created_at.0.as_deref().and_then(parse_time);
        match (created, run.completed_at.0.as_deref().and_then(parse_time)) {
            (Some(created), Some(done)) if done >= created => {
                tally.timed += 1;
                tally.seconds += (done - created).as_seconds_f64();
            }
            (_, None) => tally.running += 1,
            _ => {}
        }
    }
    page.listed() < per_page as usize || tally.total_count.is_some_and(|total| tally.seen >= total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mode::Text;

    fn run(state: &str, created: &str, completed: Option<&str>) -> Run {
        Run {
            token: Text(Some("t".into())),
            state: Text(Some(state.into())),
            created_at: Text(Some(created.into())),
            completed_at: Text(completed.map(str::to_string)),
        }
    }

    #[test]
    fn a_page_adds_counts_durations_and_says_when_it_is_the_last() {
        let mut tally = RunTally::default();
        let first = Counted {
            items: vec![
                run("running_notebook", "2026-10-31T23:59:00.000Z", None),
                run("failed", "2026-10-30T00:00:00.000Z", Some("2026-10-30T00:00:10.500Z")),
            ],
            rejected: 0,
            total_count: Some(3),
        };
        assert!(!add_page(&mut tally, &first, 2), "a full page with more to come");
        let last = Counted {
            items: vec![run(
                "succeeded",
                "2026-10-29T00:00:00.000Z",
                Some("2026-10-29T00:01:00.000Z"),
            )],
            rejected: 0,
            total_count: Some(3),
        };
        assert!(add_page(&mut tally, &last, 2));
        assert_eq!((tally.seen, tally.failed, tally.timed, tally.running), (3, 1, 2, 1));
        assert!((tally.seconds - 70.5).abs() < 1e-9);
        let mut untold = RunTally::default();
        let full = Counted {
            items: vec![run("succeeded", "2026-10-29T00:00:00.000Z", None)],
            rejected: 1,
            total_count: None,
        };
        assert!(
            !add_page(&mut untold, &full, 2),
            "without a total only a short page ends it"
        );
    }
}
