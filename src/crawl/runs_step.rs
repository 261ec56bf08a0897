//! The runs step: each selected report's runs of the 30 days before the run, newest first, a
//! bounded number of pages each, several reports side by side through the client's pacer.

use std::collections::HashMap;

use futures_util::StreamExt;

use crate::mode::pager::{Next, Pager};
use crate::mode::{Counted, ModeClient, ModeError, Run};
use crate::snapshot::run_figures::RunTally;
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
    let mut pager = Pager::new(options.per_page, options.max_pages);
    let mut page = 1;
    loop {
        let listed = client.runs_page(report, since, page, pager.per_page()).await?;
        tally.pages += 1;
        match add_page(&mut tally, &mut pager, &listed) {
            Next::Page(next) => page = next,
            Next::End(_) => break,
        }
    }
    // Whole only when the pager saw the end and the count matches what Mode announced: a listing
    // cut by the page cap, or short of its total_count, is a sample.
    tally.complete = pager.incomplete().is_none();
    Ok(tally)
}

/// Adds one page to the tally and tells the pager; what the pager says comes next. A run listed
/// again (an unstable order, a past-the-end page served again) is counted once.
pub fn add_page(tally: &mut RunTally, pager: &mut Pager, page: &Counted<Run>) -> Next {
    tally.total_count = tally.total_count.or(page.total_count);
    pager.announce(page.total_count);
    for _ in 0..page.rejected {
        pager.unreadable();
        tally.seen += 1;
    }
    for run in &page.items {
        match run.token.0.as_deref() {
            Some(token) if !pager.admit(token) => continue,
            Some(_) => {}
            None => pager.unreadable(),
        }
        tally.seen += 1;
        add_run(tally, run);
    }
    pager.finish_page(page.listed())
}

fn add_run(tally: &mut RunTally, run: &Run) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mode::Text;
    use crate::mode::pager::End;

    fn run(state: &str, created: &str, completed: Option<&str>) -> Run {
        Run {
            token: Text(Some("t".into())),
            state: Text(Some(state.into())),
            created_at: Text(Some(created.into())),
            completed_at: Text(completed.map(str::to_string)),
        }
    }

    fn page(items: Vec<Run>, rejected: usize, total_count: Option<u64>) -> Counted<Run> {
        Counted {
            items,
            rejected,
            total_count,
        }
    }

    fn numbered(from: usize, to: usize) -> Vec<Run> {
        (from..to)
            .map(|i| Run {
                token: Text(Some(format!("run{i}"))),
                ..run(
                    "succeeded",
                    "2026-10-29T00:00:00.000Z",
                    Some("2026-10-29T00:00:01.000Z"),
                )
            })
            .collect()
    }

    #[test]
    fn a_page_adds_counts_and_durations_and_the_total_ends_the_listing() {
        let mut tally = RunTally::default();
        let mut pager = Pager::new(2, 10);
        let mut first = run("running_notebook", "2026-10-31T23:59:00.000Z", None);
        first.token = Text(Some("a".into()));
        let mut second = run("failed", "2026-10-30T00:00:00.000Z", Some("2026-10-30T00:00:10.500Z"));
        second.token = Text(Some("b".into()));
        let next = add_page(&mut tally, &mut pager, &page(vec![first, second], 0, Some(3)));
        assert_eq!(next, Next::Page(2), "a full page with more to come");
        let last = run(
            "succeeded",
            "2026-10-29T00:00:00.000Z",
            Some("2026-10-29T00:01:00.000Z"),
        );
        assert_eq!(
            add_page(&mut tally, &mut pager, &page(vec![last], 0, Some(3))),
            Next::End(End::Total)
        );
        assert_eq!((tally.seen, tally.failed, tally.timed, tally.running), (3, 1, 2, 1));
        assert!((tally.seconds - 70.5).abs() < 1e-9);
        assert_eq!(pager.incomplete(), None);
    }

    #[test]
    fn thirty_of_a_hundred_asked_is_not_the_end_when_the_server_caps_per_page() {
        let mut tally = RunTally::default();
        let mut pager = Pager::new(100, 200);
        let next = add_page(&mut tally, &mut pager, &page(numbered(0, 30), 0, None));
        assert_eq!(next, Next::Page(2), "30 of 100 asked may be the server's cap");
        assert_eq!(
            add_page(&mut tally, &mut pager, &page(numbered(30, 60), 0, None)),
            Next::Page(3)
        );
        assert_eq!(
            add_page(&mut tally, &mut pager, &page(numbered(60, 71), 0, None)),
            Next::End(End::Short)
        );
        assert_eq!(tally.seen, 71);
        let mut counted = RunTally::default();
        let mut told = Pager::new(100, 200);
        add_page(&mut counted, &mut told, &page(numbered(0, 30), 0, Some(45)));
        let next = add_page(&mut counted, &mut told, &page(numbered(30, 45), 0, Some(45)));
        assert_eq!((next, counted.seen), (Next::End(End::Total), 45));
    }

    #[test]
    fn a_listing_cut_by_the_page_cap_or_short_of_its_total_is_incomplete() {
        let mut tally = RunTally::default();
        let mut pager = Pager::new(30, 1);
        let next = add_page(&mut tally, &mut pager, &page(numbered(0, 30), 0, None));
        assert_eq!(next, Next::End(End::PageCap));
        assert!(pager.incomplete().is_some());
        let mut short = Pager::new(30, 10);
        add_page(&mut tally, &mut short, &page(numbered(0, 30), 1, Some(90)));
        add_page(&mut tally, &mut short, &page(Vec::new(), 0, Some(90)));
        assert!(short.incomplete().unwrap().contains("announced 90"));
    }

    #[test]
    fn a_run_listed_twice_is_counted_once() {
        let mut tally = RunTally::default();
        let mut pager = Pager::new(30, 10);
        add_page(&mut tally, &mut pager, &page(numbered(0, 30), 0, None));
        let next = add_page(&mut tally, &mut pager, &page(numbered(29, 40), 0, None));
        assert_eq!((next, tally.seen), (Next::End(End::Short), 40));
    }
}
