//! Every listing ends only on evidence, against a stand-in that honours `per_page`, one that caps
//! it at 30 and sends `total_count`, and one that caps it at 30 and sends no total: the walk lists
//! every report and schedule, the runs of every report read to the end are counted exactly (a
//! listing cut by `--runs-max-pages` is sampled, never measured), OWNER_DEPARTED falls on exactly
//! the former members' reports among 80 members, and the Discovery listings are whole. Then a
//! stand-in that pages unlike ours: the last page served again past the end, an item repeated at
//! the top of every next page.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use mode_audit::cli::Source;
use mode_audit::commands::run::run_at;
use mode_audit::config::{DiscoverySettings, Settings};
use mode_audit::insights::costs::RunsChoice;
use mode_audit::sim::run_history::runs_of;
use mode_audit::sim::{
    BASE_MS, Fault, PastEnd, ScriptedFault, SimConfig, SimReport, SimServer, Workspace, WorkspaceSpec,
};
use mode_audit::stop::Stop;
use secrecy::SecretString;

use crate::harness::{fast_config, read_csv, settings};

const DAY_MS: i64 = 86_400_000;

/// How the stand-in serves its pages.
#[derive(Clone, Copy, Debug)]
enum Serving {
    /// `per_page` as asked (up to 100 on REST, 1,000 on Discovery), `total_count` on runs,
    /// memberships and Discovery.
    Honoured,
    /// 30 a page whatever is asked, `total_count` on every listing.
    CappedCounted,
    /// 30 a page whatever is asked, no `total_count` anywhere.
    CappedUncounted,
}

const SERVINGS: [Serving; 3] = [Serving::Honoured, Serving::CappedCounted, Serving::CappedUncounted];

fn served(serving: Serving, mut c: SimConfig) -> SimConfig {
    let (cap, totals) = match serving {
        Serving::Honoured => (None, true),
        Serving::CappedCounted => (Some(30), true),
        Serving::CappedUncounted => (Some(30), false),
    };
    c.page_cap = cap;
    c.list_totals = totals;
    c.pagination_block = totals && cap.is_some();
    c
}

/// 80 members (77 with a personal collection, 3 more), the last 2 of whom have left.
fn workspace() -> SimConfig {
    let mut c = fast_config(Vec::new());
    c.spec = WorkspaceSpec {
        seed: 27,
        collections: 3,
        personal: 77,
        community: true,
        reports: 160,
        sizes: None,
        scheduled_share: 0.35,
        multi_schedule_share: 0.3,
        archived_share: 0.0,
        null_name_share: 0.0,
        views_zero_share: 0.3,
    };
    c.departed_members = 2;
    c
}

fn reports(ws: &mut Workspace) -> impl Iterator<Item = &mut SimReport> {
    ws.collections.iter_mut().flat_map(|c| c.reports.iter_mut())
}

/// Schedules at most hourly (up to 720 runs in 30 days, 24 pages of 30), and one report with 40
/// daily schedules (more than a page of 30), so the schedules listing pages too.
fn tame(ws: &mut Workspace) {
    for s in reports(ws).flat_map(|r| r.schedules.iter_mut()) {
        if s.frequency.starts_with("every_") {
            s.frequency = "hourly".to_string();
        }
    }
    let r = reports(ws).find(|r| !r.schedules.is_empty()).unwrap();
    let mut first = r.schedules[0].clone();
    first.frequency = "daily".to_string();
    r.schedules = (0..40)
        .map(|i| {
            let mut s = first.clone();
            s.token = format!("5c{i:010x}");
            s
        })
        .collect();
}

type Rows = Vec<HashMap<String, String>>;

/// One audit as if started at the stand-in's "now": reports.csv and findings.csv, by report token.
async fn audit(
    sim: &SimServer,
    c: &SimConfig,
    tune: impl FnOnce(&mut Settings),
) -> (BTreeMap<String, HashMap<String, String>>, Rows) {
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(sim, c, dir.path());
    s.crawl.per_page = 100;
    s.insights.runs = RunsChoice::All;
    s.insights.runs_max_pages = 1_000;
    s.insights.departed_owners = true;
    tune(&mut s);
    let at = DateTime::<Utc>::from_timestamp_millis(BASE_MS).unwrap();
    let report = run_at(&s, &Stop::default(), at).await.expect("the run publishes");
    let folder = report.published.expect("published");
    let (_, reports) = read_csv(&folder.join("reports.csv"));
    let (_, findings) = read_csv(&folder.join("findings.csv"));
    let reports = reports.into_iter().map(|r| (r["report_token"].clone(), r)).collect();
    (reports, findings)
}

/// The stand-in's runs of one report in the 30 days before its "now".
fn runs_in_window(ws: &Workspace, token: &str) -> u64 {
    let (_, report) = ws.report(token).unwrap();
    let runs = runs_of(report, BASE_MS);
    runs.iter().filter(|r| r.created_ms > BASE_MS - 30 * DAY_MS).count() as u64
}

/// The scheduled reports whose creator has left, by the stand-in's truth.
fn former_members_reports(c: &SimConfig, ws: &Workspace) -> BTreeSet<String> {
    let gone: BTreeSet<&str> = c.departed(&ws.users).collect();
    (ws.reports())
        .filter(|(_, r)| !r.schedules.is_empty() && gone.contains(r.creator.as_str()))
        .map(|(_, r)| r.token.clone())
        .collect()
}

fn departed_raised(findings: &Rows) -> BTreeSet<String> {
    (findings.iter())
        .filter(|f| f["reason"] == "OWNER_DEPARTED")
        .map(|f| f["report_token"].clone())
        .collect()
}

/// Every report and schedule listed, every report's runs counted exactly, OWNER_DEPARTED exact.
fn assert_whole(
    serving: impl std::fmt::Debug,
    c: &SimConfig,
    ws: &Workspace,
    reports: &BTreeMap<String, HashMap<String, String>>,
    findings: &Rows,
) {
    let truth: BTreeMap<&str, usize> = ws
        .reports()
        .map(|(_, r)| (r.token.as_str(), r.schedules.len()))
        .collect();
    let listed: BTreeMap<&str, usize> = (reports.iter())
        .map(|(t, r)| (t.as_str(), r["schedules_count"].parse().unwrap()))
        .collect();
    assert_eq!(listed, truth, "{serving:?}: every report and schedule listed");
    let mut long = 0;
    for (token, r) in reports.iter().filter(|(_, r)| r["scheduled"] == "true") {
        let runs = runs_in_window(ws, token);
        assert_eq!(
            r["run_seconds_basis"], "measured",
            "{serving:?} {token}: {}",
            r["runs_error"]
        );
        assert_eq!(r["runs_30d"], runs.to_string(), "{serving:?} {token}");
        long += usize::from(runs > 60);
    }
    assert!(long > 0, "some report has more than two pages of runs");
    let expected = former_members_reports(c, ws);
    assert!(!expected.is_empty(), "the former members created scheduled reports");
    assert_eq!(departed_raised(findings), expected, "{serving:?}: OWNER_DEPARTED");
    assert_eq!(ws.users.len(), 80);
}

#[tokio::test]
async fn every_rest_listing_is_whole_however_the_server_pages() {
    for serving in SERVINGS {
        let c = served(serving, workspace());
        let sim = SimServer::start(c.clone()).await.unwrap();
        sim.mutate(tame);
        let (reports, findings) = audit(&sim, &c, |_| {}).await;
        assert_whole(serving, &c, &sim.workspace(), &reports, &findings);
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn a_runs_listing_cut_by_the_page_cap_is_never_measured() {
    for serving in SERVINGS {
        let c = served(serving, workspace());
        let sim = SimServer::start(c.clone()).await.unwrap();
        sim.mutate(tame);
        let (reports, _) = audit(&sim, &c, |s| s.insights.runs_max_pages = 2).await;
        let ws = sim.workspace();
        let (mut cut, mut whole) = (0, 0);
        for (token, r) in reports.iter().filter(|(_, r)| r["scheduled"] == "true") {
            let runs = runs_in_window(&ws, token);
            // With a total the last full page ends it; without, only an empty page after it.
            let pages_needed = match serving {
                Serving::Honoured => runs.div_ceil(100).max(1),
                Serving::CappedCounted => runs.div_ceil(30).max(1),
                Serving::CappedUncounted => runs / 30 + 1,
            };
            if pages_needed <= 2 {
                whole += 1;
                continue;
            }
            cut += 1;
            assert_ne!(
                r["run_seconds_basis"], "measured",
                "{serving:?} {token}: {runs} runs, 2 pages read"
            );
            if matches!(serving, Serving::CappedUncounted) {
                assert_eq!(
                    r["runs_30d"], "",
                    "{serving:?} {token}: without a total the count is unknown"
                );
            } else {
                assert_eq!(
                    r["runs_30d"],
                    runs.to_string(),
                    "{serving:?} {token}: total_count is the count"
                );
            }
        }
        assert!(cut > 0 && whole > 0, "{serving:?}: {cut} cut, {whole} whole");
        sim.shutdown().await;
    }
}

fn discovery(c: &SimConfig, s: &mut Settings) {
    let (t, k, secret) = c.batch.preset.clone().unwrap();
    s.discovery = DiscoverySettings {
        source: Source::Discovery,
        token: Some(mode_audit::mode::discovery::SignatureToken {
            token: SecretString::from(t),
            access_key: SecretString::from(k),
            access_secret: SecretString::from(secret),
        }),
    };
}

#[tokio::test]
async fn the_discovery_listings_are_whole_however_the_server_pages() {
    for serving in SERVINGS {
        let mut c = served(serving, workspace());
        let truth = Workspace::generate(&c.workspace, &c.spec);
        c.batch.former_members = c.departed(&truth.users).map(str::to_string).collect();
        let sim = SimServer::start(c.clone()).await.unwrap();
        let (reports, findings) = audit(&sim, &c, |s| {
            discovery(&c, s);
            s.insights.runs = RunsChoice::Off;
        })
        .await;
        let ws = sim.workspace();
        let all: BTreeSet<&str> = ws.reports().map(|(_, r)| r.token.as_str()).collect();
        assert_eq!(
            reports.keys().map(String::as_str).collect::<BTreeSet<_>>(),
            all,
            "{serving:?}"
        );
        assert_eq!(
            departed_raised(&findings),
            former_members_reports(&c, &ws),
            "{serving:?}"
        );
        assert_eq!(
            sim.counters().memberships,
            0,
            "{serving:?}: members come from Discovery"
        );
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn a_server_that_repeats_its_last_page_and_overlaps_its_pages_is_read_whole() {
    let mut c = served(Serving::CappedUncounted, workspace());
    c.past_end = PastEnd::RepeatLast;
    c.duplicates_across_pages = true;
    let sim = SimServer::start(c.clone()).await.unwrap();
    sim.mutate(tame);
    let (reports, findings) = audit(&sim, &c, |_| {}).await;
    assert_whole("repeating, overlapping", &c, &sim.workspace(), &reports, &findings);
}

#[tokio::test]
async fn a_members_listing_that_may_be_short_raises_no_owner_departed_and_says_so() {
    // One member on the first page has no username: the listing cannot say who is still there.
    let mut c = served(Serving::CappedUncounted, workspace());
    c.scripted = vec![ScriptedFault {
        path_contains: "/memberships".into(),
        fault: Fault::EditItem {
            index: 0,
            field: "member_username".into(),
            value: None,
        },
        times: 1,
    }];
    let sim = SimServer::start(c.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut s = settings(&sim, &c, dir.path());
    s.insights.departed_owners = true;
    let at = DateTime::<Utc>::from_timestamp_millis(BASE_MS).unwrap();
    let report = run_at(&s, &Stop::default(), at).await.expect("the run publishes");
    let folder = report.published.clone().expect("published");
    let (_, findings) = read_csv(&folder.join("findings.csv"));
    assert!(
        departed_raised(&findings).is_empty(),
        "no OWNER_DEPARTED from a doubtful listing"
    );
    let said = (report.failures.iter())
        .find(|f| f.scope == "members")
        .expect("the run records why OWNER_DEPARTED was not looked for");
    assert!(
        said.error.contains("OWNER_DEPARTED") && said.error.contains("could not be read"),
        "{}",
        said.error
    );
    // The page cap cuts the listing the same way: 80 members, 30 a page, 2 pages allowed.
    let client = mode_audit::mode::ModeClient::new(s.client.clone()).unwrap();
    let cut = mode_audit::crawl::members::read_members(&client, 100, 2).await;
    let error = cut.expect_err("a listing cut by the page cap").to_string();
    assert!(error.contains("may be incomplete"), "{error}");
}
