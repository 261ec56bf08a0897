//! From snapshots to decisions: history and findings across real runs, diff of two runs of a
//! changing stand-in, owner digests, doctor, and the metrics file parsed back.

use std::collections::BTreeSet;

use mode_audit::commands::run::{RunStatus, run};
use mode_audit::insights::changes as diff;
use mode_audit::insights::keep::KeepList;
use mode_audit::sim::{SimReport, SimServer, Workspace};
use mode_audit::stop::Stop;

use crate::harness::{backdate, fast_config, read_csv, settings};

// doctor against good, rejected and limited credentials.
mod doctor;
// The metrics file, parsed back.
mod metrics;

pub(super) const SIZES: [usize; 4] = [30, 12, 0, 45];

pub(super) use crate::binary::mode_audit as binary;

pub(super) fn scheduled(r: &SimReport) -> bool {
    !r.schedules.is_empty()
}

fn tokens(truth: &Workspace, keep: impl Fn(&SimReport) -> bool) -> BTreeSet<&str> {
    truth
        .reports()
        .map(|(_, r)| r)
        .filter(|r| keep(r))
        .map(|r| r.token.as_str())
        .collect()
}

#[tokio::test]
async fn history_and_findings_from_real_runs_match_the_stand_ins_truth() {
    let config = fast_config(SIZES.to_vec());
    let sim = SimServer::start(config.clone()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let first = run(&settings(&sim, &config, out.path()), &Stop::default())
        .await
        .unwrap()
        .published
        .unwrap();
    let d8 = backdate(&first, 8);
    let d31 = backdate(&first, 31);
    let truth = sim.workspace();
    let (_, gainer) = truth.reports().find(|(_, r)| scheduled(r) && r.view_count > 0).unwrap();
    let gainer = gainer.token.clone();
    let (_, kept) = truth
        .reports()
        .find(|(_, r)| scheduled(r) && r.view_count == 0)
        .unwrap();
    let kept = kept.token.clone();
    sim.mutate(|ws| {
        for c in &mut ws.collections {
            for r in c.reports.iter_mut().filter(|r| r.token == gainer) {
                r.view_count += 4;
            }
        }
    });
    let mut s = settings(&sim, &config, out.path());
    s.insights.digests = true;
    s.insights.keep = KeepList::parse(&format!("[[keep]]\ntoken = \"{kept}\"\nreason = \"test\"\n")).unwrap();
    let report = run(&s, &Stop::default()).await.unwrap();
    assert_eq!(report.status, RunStatus::Complete);
    let second = report.published.clone().unwrap();

    // History: the 8-day-old copy answers 7 days, the 31-day-old one 30 days; nothing covers 90.
    let (_, rows) = read_csv(&second.join("reports.csv"));
    assert_eq!(rows.len(), truth.report_count());
    for row in &rows {
        let gained = if row["report_token"] == gainer { "4" } else { "0" };
        assert_eq!(
            (
                row["views_7d"].as_str(),
                row["views_30d"].as_str(),
                row["views_90d"].as_str()
            ),
            (gained, gained, ""),
            "{}",
            row["report_token"]
        );
        assert_eq!(row["first_seen"], d31, "the oldest snapshot holding it");
    }
    assert_ne!(d8, d31);

    // Findings: each reason's reports, from the truth, minus the kept one.
    let truth = sim.workspace();
    let failing = |r: &SimReport| {
        r.schedules.iter().any(|s| {
            let t = |v: &Option<String>| v.as_deref().map(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap());
            s.retry_state != "ok" || (t(&s.last_run_at).is_some() && t(&s.last_run_at) > t(&s.last_succeeded_at))
        })
    };
    let fast = |r: &SimReport| {
        r.schedules
            .iter()
            .any(|s| ["every_15_minutes", "every_30_minutes", "hourly"].contains(&s.frequency.as_str()))
    };
    let mut want: BTreeSet<(String, String)> = BTreeSet::new();
    let mut add = |reason: &str, set: BTreeSet<&str>| {
        want.extend(
            set.into_iter()
                .filter(|t| *t != kept)
                .map(|t| (t.to_string(), reason.to_string())),
        );
    };
    add(
        "SCHEDULED_NEVER_VIEWED",
        tokens(&truth, |r| scheduled(r) && r.view_count == 0),
    );
    add(
        "SCHEDULED_NOT_VIEWED_RECENTLY",
        tokens(&truth, |r| scheduled(r) && r.view_count > 0 && r.token != gainer),
    );
    add("SCHEDULE_FAILING", tokens(&truth, |r| scheduled(r) && failing(r)));
    add("ARCHIVED_BUT_SCHEDULED", tokens(&truth, |r| scheduled(r) && r.archived));
    add(
        "SCHEDULE_WITHOUT_SUBSCRIBERS",
        tokens(&truth, |r| r.schedules.iter().any(|s| s.subscriber_count == 0)),
    );
    add(
        "HIGH_FREQUENCY_FEW_VIEWS",
        tokens(&truth, |r| fast(r) && r.view_count < 10),
    );
    let (_, findings) = read_csv(&second.join("findings.csv"));
    let got: BTreeSet<(String, String)> = findings
        .iter()
        .map(|f| (f["report_token"].clone(), f["reason"].clone()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(got.len(), findings.len(), "one row per (report, reason)");
    assert!(
        ["SCHEDULED_NEVER_VIEWED", "SCHEDULED_NOT_VIEWED_RECENTLY"]
            .iter()
            .all(|r| want.iter().any(|(_, w)| w == r))
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(second.join("snapshot.json")).unwrap()).unwrap();
    assert_eq!(json["findings"].as_array().unwrap().len(), findings.len());
    assert_eq!(
        report.findings.iter().map(|(_, n)| *n as usize).sum::<usize>(),
        findings.len()
    );
    let stale = findings
        .iter()
        .find(|f| f["reason"] == "SCHEDULED_NOT_VIEWED_RECENTLY")
        .unwrap();
    assert_eq!(stale["views_in_window"], "0");
    assert_eq!(stale["views_per_run_basis"], "window_30d");

    // Owner digests: every finding in exactly one owner's file, and a README row per file.
    let owners = second.join("owners");
    let readme = std::fs::read_to_string(owners.join("README.md")).unwrap();
    let mut in_digests = 0;
    for entry in std::fs::read_dir(&owners).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            let (_, rows) = read_csv(&path);
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            assert!(rows.iter().all(|r| r["owner"] == stem), "{stem}");
            assert!(readme.contains(&format!("[{stem}.csv]({stem}.csv)")), "{readme}");
            in_digests += rows.len();
        }
    }
    assert_eq!(in_digests, findings.len());
}

#[tokio::test]
async fn diff_of_two_runs_shows_what_changed_in_the_stand_in() {
    let config = fast_config(SIZES.to_vec());
    let sim = SimServer::start(config.clone()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let s = settings(&sim, &config, out.path());
    let first = run(&s, &Stop::default()).await.unwrap().published.unwrap();
    let truth = sim.workspace();
    let c = &truth.collections;
    let sched: Vec<&SimReport> = c[3].reports.iter().filter(|r| scheduled(r)).collect();
    let plain: Vec<&SimReport> = c[1].reports.iter().filter(|r| !scheduled(r)).collect();
    let (refreq, unschedule, viewed, gains) = (
        sched[0].token.clone(),
        sched[1].token.clone(),
        plain[0].token.clone(),
        plain[1].token.clone(),
    );
    let (moved, removed) = (c[0].reports[29].token.clone(), c[0].reports[0].token.clone());
    let dropped = sched[1].schedules[0].token.clone();
    let mut extra = sched[0].schedules[0].clone();
    extra.token = "feedfacecafe".into();
    let old_freq = sched[0].schedules[0].frequency.clone();
    let new_freq = if old_freq == "weekly" { "monthly" } else { "weekly" };
    sim.mutate(|ws| {
        let find = |ws: &mut Workspace, t: &str| -> (usize, usize) {
            ws.collections
                .iter()
                .enumerate()
                .find_map(|(i, c)| c.reports.iter().position(|r| r.token == t).map(|j| (i, j)))
                .unwrap()
        };
        let (i, j) = find(ws, &refreq);
        ws.collections[i].reports[j].schedules[0].frequency = new_freq.to_string();
        let (i, j) = find(ws, &unschedule);
        ws.collections[i].reports[j].schedules.remove(0);
        let (i, j) = find(ws, &viewed);
        ws.collections[i].reports[j].view_count += 7;
        let (i, j) = find(ws, &gains);
        ws.collections[i].reports[j].schedules.push(extra.clone());
        let (i, j) = find(ws, &moved);
        let r = ws.collections[i].reports.remove(j);
        ws.collections[1].reports.push(r);
        let (i, j) = find(ws, &removed);
        ws.collections[i].reports.remove(j);
    });
    let second = run(&s, &Stop::default()).await.unwrap().published.unwrap();
    let (old_path, old) = diff::load(&first).unwrap();
    let (new_path, new) = diff::load(&second).unwrap();
    let d = diff::diff(old_path, &old, new_path, &new);
    let got: BTreeSet<(&str, &str, &str)> = d
        .changes
        .iter()
        .map(|c| (c.change.code(), c.report_token.as_str(), c.field))
        .collect();
    let want: BTreeSet<(&str, &str, &str)> = [
        ("report_removed", removed.as_str(), "collection"),
        ("report_moved", moved.as_str(), "collection"),
        ("schedule_changed", refreq.as_str(), "frequency"),
        ("schedule_removed", unschedule.as_str(), "schedule"),
        ("schedule_added", gains.as_str(), "schedule"),
        ("views_changed", viewed.as_str(), "view_count"),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);
    let change = |kind: &str| d.changes.iter().find(|c| c.change.code() == kind).unwrap();
    assert_eq!(change("views_changed").delta, Some(7));
    assert_eq!(
        change("schedule_removed").schedule_token.as_deref(),
        Some(dropped.as_str())
    );
    assert_eq!(change("schedule_changed").new.as_deref(), Some(new_freq));
    assert_eq!(change("schedule_changed").old.as_deref(), Some(old_freq.as_str()));

    // The same through the binary: the table, the files, and exit 2 for a non-snapshot.
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (first.to_str().unwrap(), second.to_str().unwrap());
    let o = binary(tmp.path(), &["diff", a, b, "--out", "changes"], &[]).await;
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.contains("view counts changed          1  (+7 views in total)"),
        "{table}"
    );
    let (_, rows) = read_csv(&tmp.path().join("changes/diff.csv"));
    assert_eq!(rows.len(), d.changes.len());
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("changes/diff.json")).unwrap()).unwrap();
    assert_eq!(json["changes"].as_array().unwrap().len(), d.changes.len());
    let o = binary(tmp.path(), &["diff", a, "changes/diff.csv"], &[]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a mode-audit snapshot.json"));
    let o = binary(
        tmp.path(),
        &["diff", a, &out.path().join("acme").to_string_lossy()],
        &[],
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("latest"),
        "a workspace folder gets a hint"
    );
}
