//! What apply takes as evidence that nobody uses a report, end to end: a snapshot whose run's clock
//! was wrong (or that does not say) is no history, and a view count that rose, or fell, across the
//! snapshots read holds the report whatever Discovery's `last_viewed_at` says.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use mode_audit::commands::apply::{ApplyReport, apply};
use mode_audit::stop::Stop;
use serde_json::{Value, json};

use super::{all_reports, options, planned, stage};

fn read(folder: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(folder.join("snapshot.json")).unwrap()).unwrap()
}

fn write(folder: &Path, json: &Value) {
    std::fs::write(folder.join("snapshot.json"), serde_json::to_vec(json).unwrap()).unwrap();
}

/// Copies `snapshot` into a sibling folder as if it had started `by` earlier, edited by `edit`.
fn copy_back(snapshot: &Path, by: Duration, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let mut json = read(snapshot);
    let started: DateTime<Utc> = json["started_at"].as_str().unwrap().parse().unwrap();
    let earlier = (started - by).to_rfc3339_opts(SecondsFormat::Millis, true);
    json["started_at"] = json!(earlier);
    edit(&mut json);
    let folder = snapshot
        .parent()
        .unwrap()
        .join(mode_audit::snapshot::folder::folder_stamp(&earlier));
    std::fs::create_dir_all(&folder).unwrap();
    write(&folder, &json);
    folder
}

/// The report `token` in a snapshot.json.
fn report<'a>(json: &'a mut Value, token: &str) -> &'a mut Value {
    let reports = json["reports"].as_array_mut().unwrap();
    reports.iter_mut().find(|r| r["token"] == token).unwrap()
}

fn why(report: &ApplyReport, token: &str) -> String {
    let c = report.plan.candidates.iter().find(|c| c.report_token == token).unwrap();
    c.held.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

#[tokio::test]
async fn a_snapshot_taken_with_a_wrong_clock_is_no_history() {
    // As reproduced: `faketime -f '-15d' mode-audit run`, then two runs 4 seconds apart.
    let st = stage(3, &[], |_| {}).await;
    let skewed = copy_back(&st.snapshot, Duration::days(15), |_| {});
    copy_back(&st.snapshot, Duration::seconds(4), |_| {});
    let s = st.settings();
    let eligible: std::collections::BTreeSet<String> = st.eligible.keys().cloned().collect();
    let dry = apply(&s, &options(false), &Stop::default()).await.unwrap();
    assert_eq!(planned(&dry), eligible, "with an honest clock, this history is enough");
    for (offset, said) in [
        (
            json!(-1_295_999),
            "its run's clock was 1295999 s (about 15 days) behind Mode's",
        ),
        (
            Value::Null,
            "it does not record how far its run's clock was from Mode's",
        ),
    ] {
        let mut json = read(&skewed);
        json["stats"]["clock_offset_seconds"] = offset;
        write(&skewed, &json);
        let report = apply(&s, &options(true), &Stop::default()).await.unwrap();
        assert!(planned(&report).is_empty(), "{said}");
        assert_eq!(st.sim.counters().writes, 0, "nothing deleted");
        let started = json["started_at"].as_str().unwrap();
        for token in &eligible {
            let why = why(&report, token);
            assert!(why.contains("unused in 2 complete snapshot(s) only"), "{why}");
            assert!(
                why.contains(&format!("the snapshot of {started} was not counted: {said}")),
                "{why}"
            );
        }
    }
}

#[tokio::test]
async fn a_view_count_that_rose_or_fell_holds_a_report_whatever_discovery_says() {
    // As reproduced: the newest snapshot says last viewed a month ago with 5 views, the two before
    // it 3 (a REST run with no history flags nothing at 3 views).
    let st = stage(1, &[], |_| {}).await;
    let token = st.eligible.keys().next().unwrap().clone();
    st.sim.mutate(|ws| {
        for r in all_reports(ws).filter(|r| r.token == token) {
            r.view_count = 5;
        }
    });
    let mut newest = read(&st.snapshot);
    let started: DateTime<Utc> = newest["started_at"].as_str().unwrap().parse().unwrap();
    let month_ago = (started - Duration::days(31)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let r = report(&mut newest, &token);
    r["view_count"] = json!(5);
    r["discovered"]["last_viewed_at"] = json!(month_ago);
    for f in newest["findings"].as_array_mut().unwrap() {
        if f["report_token"] == token.as_str() {
            f["reason"] = json!("SCHEDULED_NOT_VIEWED_RECENTLY");
        }
    }
    write(&st.snapshot, &newest);
    let earlier: Vec<PathBuf> = [1, 2]
        .map(|days| copy_back(&st.snapshot, Duration::days(days), |_| {}))
        .into();
    let s = st.settings();
    let with_views = |views: u64, flagged: bool| {
        for folder in &earlier {
            let mut json = read(folder);
            report(&mut json, &token)["view_count"] = json!(views);
            if !flagged {
                let findings = json["findings"].as_array_mut().unwrap();
                findings.retain(|f| f["report_token"] != token.as_str());
            }
            write(folder, &json);
        }
    };
    with_views(5, false);
    let dry = apply(&s, &options(false), &Stop::default()).await.unwrap();
    assert_eq!(planned(&dry), [token.clone()].into(), "Discovery's verdict alone");

    with_views(3, false);
    let report = apply(&s, &options(true), &Stop::default()).await.unwrap();
    assert!(planned(&report).is_empty());
    let day_before = read(&earlier[0])["started_at"].as_str().unwrap().to_string();
    assert_eq!(
        why(&report, &token),
        format!("viewed since the snapshot of {day_before} (3 → 5 views)")
    );

    with_views(7, true);
    let report = apply(&s, &options(true), &Stop::default()).await.unwrap();
    assert!(planned(&report).is_empty());
    assert!(
        why(&report, &token).contains("its view count went down after the snapshot of"),
        "{}",
        why(&report, &token)
    );
    assert_eq!(st.sim.counters().writes, 0, "nothing deleted");
}
