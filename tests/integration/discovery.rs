//! The Discovery API as a source (`--source rest|discovery|both|auto`) against the stand-in's
//! `/batch`: the exact report set, the end of a listing, last_viewed_at and the findings it
//! decides, the token minted for a run, and a workspace without Discovery.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, Utc};
use mode_audit::cli::Source;
use mode_audit::commands::run::{run, run_at};
use mode_audit::config::{DiscoverySettings, Settings};
use mode_audit::mode::ModeClient;
use mode_audit::mode::discovery::{Discovery, SignatureToken};
use mode_audit::sim::{BatchLinks, SimConfig, SimServer, ViewsField};
use mode_audit::stop::Stop;
use secrecy::SecretString;

use crate::harness::{fast_config, read_csv, settings};

/// 4 custom collections, 1 personal, the community one.
fn sizes() -> Vec<usize> {
    vec![40, 0, 25, 31, 12, 7]
}

fn preset(config: &SimConfig) -> SignatureToken {
    let (t, k, s) = config.batch.preset.clone().unwrap();
    SignatureToken {
        token: SecretString::from(t),
        access_key: SecretString::from(k),
        access_secret: SecretString::from(s),
    }
}

fn with_source(sim: &SimServer, config: &SimConfig, out: &Path, source: Source, token: bool) -> Settings {
    let mut s = settings(sim, config, out);
    s.discovery = DiscoverySettings {
        source,
        token: token.then(|| preset(config)),
    };
    s
}

/// The one snapshot folder under `out`.
fn snapshot_dir(out: &Path) -> std::path::PathBuf {
    let ws = out.join("acme");
    let mut dirs: Vec<_> = std::fs::read_dir(&ws)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && p.file_name().unwrap().to_string_lossy().starts_with("20"))
        .collect();
    assert_eq!(dirs.len(), 1, "{dirs:?}");
    dirs.remove(0)
}

fn reports(out: &Path) -> BTreeMap<String, std::collections::HashMap<String, String>> {
    let (_, rows) = read_csv(&snapshot_dir(out).join("reports.csv"));
    rows.into_iter().map(|r| (r["report_token"].clone(), r)).collect()
}

fn stats(out: &Path) -> serde_json::Value {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(snapshot_dir(out).join("snapshot.json")).unwrap()).unwrap();
    json["stats"].clone()
}

#[tokio::test]
async fn every_source_gives_the_exact_report_set_personal_collections_included() {
    for (source, views) in [
        (Source::Rest, ViewsField::TotalViewsCount),
        (Source::Discovery, ViewsField::ViewCount),
        (Source::Discovery, ViewsField::TotalViewsCount),
        (Source::Both, ViewsField::ViewCount),
    ] {
        let mut config = fast_config(sizes());
        config.batch.views_field = views;
        let sim = SimServer::start(config.clone()).await.unwrap();
        let truth = sim.workspace();
        let dir = tempfile::tempdir().unwrap();
        let report = run(&with_source(&sim, &config, dir.path(), source, true), &Stop::default())
            .await
            .unwrap();
        assert!(report.failures.is_empty(), "{source:?}: {:?}", report.failures);
        let got = reports(dir.path());
        let want: BTreeSet<&str> = truth.reports().map(|(_, r)| r.token.as_str()).collect();
        assert_eq!(
            got.keys().map(String::as_str).collect::<BTreeSet<_>>(),
            want,
            "{source:?}"
        );
        assert!(truth.reports().any(|(c, _)| c.space_type == "private"));
        for (c, r) in truth.reports() {
            let row = &got[&r.token];
            assert_eq!(row["collection_token"], c.token, "{source:?}");
            assert_eq!(row["view_count"], r.view_count.to_string(), "{source:?}");
            assert_eq!(
                row["scheduled"],
                (!r.schedules.is_empty()).to_string(),
                "{source:?} {}",
                r.token
            );
            let archived = if source == Source::Discovery {
                String::new()
            } else {
                r.archived.to_string()
            };
            assert_eq!(
                row["archived"], archived,
                "{source:?}: archived is unknown to Discovery"
            );
        }
        let source_name = format!("{source:?}").to_lowercase();
        assert_eq!(stats(dir.path())["source"], source_name.as_str());
        let batch = sim.counters().batch;
        assert_eq!(
            batch > 0,
            source != Source::Rest,
            "{source:?}: {batch} Discovery requests"
        );
    }
}

#[tokio::test]
async fn a_listing_of_exactly_1000_k_items_ends_without_an_extra_page_whatever_the_links() {
    for links in [BatchLinks::Docs, BatchLinks::Absent, BatchLinks::NextOnLast] {
        let mut config = fast_config(vec![1000, 600, 400, 0, 0, 0]);
        config.batch.links = links;
        let sim = SimServer::start(config.clone()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let s = settings(&sim, &config, dir.path());
        let client = ModeClient::new(s.client).unwrap();
        let discovery = Discovery::new(&client, &preset(&config), true, 100);
        sim.reset_counters();
        let mut tokens = std::collections::HashSet::new();
        let listing = discovery.reports(|r| tokens.insert(r.token)).await.unwrap();
        assert_eq!((tokens.len(), listing.kept), (2000, 2000), "{links:?}");
        assert_eq!((listing.pages, listing.shortfall()), (2, None), "{links:?}");
        assert_eq!(sim.counters().batch, 2, "{links:?}: no request past the last page");
        let mut handed = 0;
        let stats = discovery
            .report_stats(|_| {
                handed += 1;
                true
            })
            .await
            .unwrap();
        assert_eq!((handed, stats.kept), (2000, 2000));
    }
}

#[tokio::test]
async fn last_viewed_at_is_the_stand_ins_and_a_first_run_flags_exactly_the_stale_scheduled_reports() {
    let config = fast_config(vec![60, 45, 30, 30, 20, 15]);
    let sim = SimServer::start(config.clone()).await.unwrap();
    let truth = sim.workspace();
    // The stand-in's "now" is 2026-11-01; a run two days later, with no earlier snapshot.
    let started: DateTime<Utc> = "2026-11-03T00:00:00Z".parse().unwrap();
    for source in [Source::Discovery, Source::Both] {
        let dir = tempfile::tempdir().unwrap();
        let s = with_source(&sim, &config, dir.path(), source, true);
        run_at(&s, &Stop::default(), started).await.unwrap();
        let got = reports(dir.path());
        for (_, r) in truth.reports() {
            assert_eq!(
                got[&r.token]["last_viewed_at"],
                r.last_viewed_at.clone().unwrap_or_default()
            );
        }
        let window = chrono::Duration::days(30);
        let want: BTreeSet<&str> = truth
            .reports()
            .filter(|(_, r)| !r.schedules.is_empty())
            .filter(|(_, r)| {
                let viewed = r.last_viewed_at.as_deref().map(|t| t.parse::<DateTime<Utc>>().unwrap());
                viewed.is_some_and(|v| started - v > window)
            })
            .map(|(_, r)| r.token.as_str())
            .collect();
        assert!(want.len() > 3, "the stand-in has stale scheduled reports to find");
        let (_, findings) = read_csv(&snapshot_dir(dir.path()).join("findings.csv"));
        let stale: Vec<_> = findings
            .iter()
            .filter(|f| f["reason"] == "SCHEDULED_NOT_VIEWED_RECENTLY")
            .collect();
        let flagged: BTreeSet<&str> = stale.iter().map(|f| f["report_token"].as_str()).collect();
        assert_eq!(flagged, want, "{source:?}");
        assert!(stale.iter().all(|f| f["recency_basis"] == "last_viewed_at"));
        // A scheduled report never viewed is still SCHEDULED_NEVER_VIEWED.
        let never: BTreeSet<&str> = findings
            .iter()
            .filter(|f| f["reason"] == "SCHEDULED_NEVER_VIEWED")
            .map(|f| f["report_token"].as_str())
            .collect();
        let want_never: BTreeSet<&str> = truth
            .reports()
            .filter(|(_, r)| !r.schedules.is_empty() && r.view_count == 0)
            .map(|(_, r)| r.token.as_str())
            .collect();
        assert_eq!(never, want_never);
    }
}

#[tokio::test]
async fn a_token_minted_for_the_run_is_deleted_when_it_ends() {
    let config = fast_config(sizes());
    let sim = SimServer::start(config.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let s = with_source(&sim, &config, dir.path(), Source::Both, false);
    run(&s, &Stop::default()).await.unwrap();
    let minted = sim.signature_tokens();
    assert_eq!(minted.len(), 1);
    assert!(minted[0].deleted, "deleted after the run");
    assert!(minted[0].name.starts_with("mode-audit-acme-"), "{}", minted[0].name);
    assert_eq!(minted[0].authorization_type, "read-only");
    // A failing run deletes it too: the output folder is a file.
    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, "").unwrap();
    let mut s = with_source(&sim, &config, &blocked, Source::Discovery, false);
    s.destination = mode_audit::config::Destination::Dir(blocked.join("x"));
    let _ = run(&s, &Stop::default()).await;
    assert!(sim.signature_tokens().iter().all(|t| t.deleted));
}

#[tokio::test]
async fn without_discovery_a_run_asking_for_it_fails_with_the_plan_and_publishes_nothing() {
    let mut config = fast_config(sizes());
    config.batch.enterprise = false;
    let sim = SimServer::start(config.clone()).await.unwrap();
    for (source, token) in [(Source::Discovery, false), (Source::Both, true)] {
        let dir = tempfile::tempdir().unwrap();
        let error = run(&with_source(&sim, &config, dir.path(), source, token), &Stop::default())
            .await
            .unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.contains("Enterprise") && message.contains("admin") && message.contains("--source rest"),
            "{message}"
        );
        assert!(!dir.path().join("acme").exists() || std::fs::read_dir(dir.path().join("acme")).unwrap().count() == 0);
    }
    assert!(sim.signature_tokens().is_empty(), "a refused mint leaves no token");
}

#[tokio::test]
async fn auto_without_a_token_reads_rest_only_and_with_one_reads_both() {
    let config = fast_config(sizes());
    let sim = SimServer::start(config.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    run(
        &with_source(&sim, &config, dir.path(), Source::Auto, false),
        &Stop::default(),
    )
    .await
    .unwrap();
    assert_eq!(sim.counters().batch, 0, "auto never mints");
    assert_eq!(stats(dir.path())["source"], "rest");
    let dir = tempfile::tempdir().unwrap();
    run(
        &with_source(&sim, &config, dir.path(), Source::Auto, true),
        &Stop::default(),
    )
    .await
    .unwrap();
    assert_eq!(stats(dir.path())["source"], "both");
    assert!(sim.signature_tokens().is_empty());
}

#[tokio::test]
async fn both_counts_reports_only_one_source_lists_without_making_the_run_partial() {
    let config = fast_config(sizes());
    let sim = SimServer::start(config.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The collection REST cannot read: its reports are listed by Discovery only.
    let hidden = sim.workspace().collections[0].clone();
    let mut blind = config.clone();
    blind.inaccessible = vec![hidden.token.clone()];
    let blind_sim = SimServer::start(blind.clone()).await.unwrap();
    let report = run(
        &with_source(&blind_sim, &blind, dir.path(), Source::Both, true),
        &Stop::default(),
    )
    .await
    .unwrap();
    let check = &stats(dir.path())["cross_check"];
    assert_eq!(check["discovery_only"], hidden.reports.len() as u64);
    assert_eq!(check["rest_only"], 0);
    // Partial only for the collection REST could not read, not for the cross-check.
    assert!(
        report.failures.iter().all(|f| f.scope == "collection"),
        "{:?}",
        report.failures
    );
    drop(sim);
}

#[tokio::test]
async fn departed_owners_come_from_discovery_s_members_whatever_names_the_creators() {
    // Two creators of scheduled reports are former members (banned_at set) in Discovery's members.
    let mut config = fast_config(sizes());
    let first = SimServer::start(config.clone()).await.unwrap();
    let truth = first.workspace();
    first.shutdown().await;
    let mut creators: Vec<String> = truth
        .reports()
        .filter(|(_, r)| !r.schedules.is_empty())
        .map(|(_, r)| r.creator.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    creators.truncate(2);
    config.batch.former_members = creators.clone();
    let sim = SimServer::start(config.clone()).await.unwrap();
    assert_eq!(sim.workspace(), truth, "the same workspace");
    let expected: BTreeSet<&str> = truth
        .reports()
        .filter(|(_, r)| !r.schedules.is_empty() && creators.contains(&r.creator))
        .map(|(_, r)| r.token.as_str())
        .collect();
    assert!(!expected.is_empty());
    // Discovery alone names creators by email; both names them by username.
    for source in [Source::Discovery, Source::Both] {
        sim.reset_counters();
        let dir = tempfile::tempdir().unwrap();
        let mut s = with_source(&sim, &config, dir.path(), source, true);
        s.insights.departed_owners = true;
        run(&s, &Stop::default()).await.unwrap();
        let (_, findings) = read_csv(&snapshot_dir(dir.path()).join("findings.csv"));
        let raised: BTreeSet<&str> = findings
            .iter()
            .filter(|f| f["reason"] == "OWNER_DEPARTED")
            .map(|f| f["report_token"].as_str())
            .collect();
        assert_eq!(raised, expected, "{source:?}");
        assert_eq!(sim.counters().memberships, 0, "{source:?}: members come from Discovery");
    }
}
