//! No answer of the server and no flag crashes the run or costs more than what was odd: absurd
//! Retry-After headers, items of the wrong shape, numbers past any bound, rates no limiter can keep.

use mode_audit::commands::run::{RunStatus, run};
use mode_audit::sim::{Fault, ScriptedFault, SimServer, Workspace};
use mode_audit::stop::Stop;

use crate::binary::{code, creds, env_refs, mode_audit, run_args, stand_in, stderr};
use crate::harness::{fast_config, settings};

fn snapshot_json(out: &std::path::Path) -> serde_json::Value {
    let path = out.join("acme/latest/snapshot.json");
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

#[tokio::test]
async fn a_retry_after_of_two_to_the_64_seconds_waits_only_max_retry_after() {
    let (sim, config) = stand_in(|c| {
        c.scripted = vec![ScriptedFault {
            path_contains: "/reports?page=1".into(),
            fault: Fault::RateLimited {
                retry_after: Some(u64::MAX),
            },
            times: 1,
        }];
    })
    .await;
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let mut args = run_args(&url, "snaps");
    args.extend(["--workspace", "acme", "--max-retry-after", "200ms"]);
    let env = creds(&config);
    let o = mode_audit(tmp.path(), &args, &env_refs(&env)).await;
    let err = stderr(&o);
    assert_eq!(code(&o), 0, "completes, no panic: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("longer than --max-retry-after")
            && err.contains("asked_s=18446744073709551615")
            && err.contains("wait_ms=200"),
        "the capped wait is logged with what was asked: {err}"
    );
    let json = snapshot_json(&tmp.path().join("snaps"));
    assert_eq!(json["status"], "complete");
    assert_eq!(json["stats"]["throttled"], 1, "the wait counts as throttling");
    assert_eq!(json["reports"].as_array().unwrap().len(), 87);
}

#[tokio::test]
async fn a_page_with_one_item_without_a_token_costs_that_item_only() {
    let mut config = fast_config(vec![90, 12]);
    let truth = Workspace::generate(&config.workspace, &config.spec);
    let collection = truth.collections[0].token.clone();
    config.scripted = vec![ScriptedFault {
        path_contains: format!("/{collection}/reports?page=2&"),
        fault: Fault::EditItem {
            index: 5,
            field: "token".into(),
            value: None,
        },
        // Every request of that page gets the odd item: `faults` counts how often it was asked.
        times: 1000,
    }];
    let sim = SimServer::start(config.clone()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let report = run(&settings(&sim, &config, out.path()), &Stop::default())
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Partial, "exit 1");
    assert_eq!(
        sim.counters().faults,
        1,
        "the page was asked once: valid JSON is not retried"
    );
    assert_eq!(report.stats.requests.retries, 0);
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    let failure = &report.failures[0];
    assert_eq!((failure.scope.as_str(), failure.token.as_deref()), ("report", None));
    let item = failure.item.as_ref().expect("the item's place");
    assert_eq!(item.listed_in.as_deref(), Some(collection.as_str()));
    assert_eq!(
        (item.page, item.index, item.path.as_str()),
        (2, 5, "_embedded.reports[5]")
    );
    assert!(failure.error.contains("missing field `token`"), "{}", failure.error);

    let json = snapshot_json(out.path());
    assert_eq!(json["status"], "partial");
    let reports = json["reports"].as_array().unwrap();
    let of_first = reports
        .iter()
        .filter(|r| r["collection_token"] == collection.as_str())
        .count();
    assert_eq!(
        of_first, 89,
        "the 89 good reports of that collection are kept, later pages included"
    );
    assert_eq!(reports.len(), 89 + 12);
    let ledger = &json["collections"][0];
    assert_eq!(
        (ledger["status"].as_str(), ledger["reports"].as_u64()),
        (Some("complete"), Some(89))
    );
    assert_eq!(json["failures"][0]["item"]["page"], 2);
}

#[tokio::test]
async fn an_expected_runtime_of_1e308_is_unknown_and_counted() {
    let mut config = fast_config(vec![40, 12]);
    let truth = Workspace::generate(&config.workspace, &config.spec);
    config.scripted = vec![ScriptedFault {
        path_contains: format!("/{}/reports?page=1&", truth.collections[1].token),
        fault: Fault::EditItem {
            index: 3,
            field: "expected_runtime".into(),
            value: Some(serde_json::json!(1e308)),
        },
        times: 1,
    }];
    let sim = SimServer::start(config.clone()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let report = run(&settings(&sim, &config, out.path()), &Stop::default())
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Complete, "{:?}", report.failures);
    let json = snapshot_json(out.path());
    assert_eq!(json["stats"]["out_of_range_values"], 1);
    assert!(
        report.to_string().contains("values out of bounds         1"),
        "said at the end of the run: {report}"
    );
    let reports = json["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 52, "the report itself is kept");
    let unknown: Vec<_> = reports.iter().filter(|r| r["expected_runtime"].is_null()).collect();
    assert_eq!(unknown.len(), 1, "only the edited report's runtime is unknown");
    assert!(
        reports
            .iter()
            .all(|r| r["expected_runtime"].as_f64().is_none_or(|s| s <= 86_400.0))
    );
    let csv = std::fs::read_to_string(out.path().join("acme/latest/reports.csv")).unwrap();
    assert!(!csv.contains("inf") && !csv.contains("1e308") && !csv.contains("NaN"));
}

#[tokio::test]
async fn rates_no_limiter_can_keep_exit_2_with_what_to_use() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("fast.toml"),
        "workspace = \"acme\"\nrate = \"100/1ns\"\n",
    )
    .unwrap();
    let env = [("MODE_API_TOKEN", "t"), ("MODE_API_SECRET", "s")];
    for args in [
        vec!["run", "--workspace", "acme", "--rate", "100/1ns"],
        vec!["plan", "--workspace", "acme", "--rate", "4294967295/1ms"],
        vec!["run", "--config", "fast.toml"],
    ] {
        let o = mode_audit(tmp.path(), &args, &env).await;
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("1000000/s"), "says what to use: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    }
    for (value, says) in [("0s", "max_retry_after"), ("2d", "at most 24h")] {
        let o = mode_audit(
            tmp.path(),
            &["run", "--workspace", "acme", "--max-retry-after", value],
            &env,
        )
        .await;
        assert_eq!(code(&o), 2, "{value}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{value}: {}", stderr(&o));
    }
}

#[tokio::test]
async fn an_unreadable_item_stays_recorded_across_a_stop_and_resume() {
    let mut config = fast_config(vec![95, 61, 30, 0, 44, 17]);
    config.latency = std::time::Duration::from_millis(15);
    let truth = Workspace::generate(&config.workspace, &config.spec);
    config.scripted = vec![ScriptedFault {
        path_contains: format!("/{}/reports?page=1&", truth.collections[0].token),
        fault: Fault::EditItem {
            index: 0,
            field: "token".into(),
            value: Some(serde_json::json!(["not", "a", "token"])),
        },
        times: 1000,
    }];
    let sim = std::sync::Arc::new(SimServer::start(config.clone()).await.unwrap());
    let out = tempfile::tempdir().unwrap();
    let mut s = settings(&sim, &config, out.path());
    s.crawl.concurrency = 8;
    let stop = Stop::default();
    let watcher = {
        let (sim, stop) = (std::sync::Arc::clone(&sim), stop.clone());
        tokio::spawn(async move {
            while sim.counters().total < 30 {
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
            stop.trigger(mode_audit::stop::StopReason::Terminated);
        })
    };
    let first = run(&s, &stop).await.unwrap();
    watcher.await.unwrap();
    assert!(matches!(first.status, RunStatus::Stopped(_)));
    let second = run(&s, &Stop::default()).await.unwrap();
    assert!(second.resumed);
    assert_eq!(sim.counters().faults, 1, "the page was read once, before the stop");
    assert_eq!(
        second.status,
        RunStatus::Partial,
        "the item read before the stop is not forgotten"
    );
    assert_eq!(second.failures.len(), 1, "{:?}", second.failures);
    assert_eq!(
        second.failures[0].item.as_ref().map(|i| i.path.as_str()),
        Some("_embedded.reports[0].token")
    );
    assert_eq!(second.summary.reports as usize, truth.report_count() - 1);
}

#[tokio::test]
async fn a_schedule_without_a_token_costs_that_schedule_only() {
    let mut config = fast_config(vec![40, 12]);
    let truth = Workspace::generate(&config.workspace, &config.spec);
    let (_, scheduled) = truth
        .reports()
        .find(|(_, r)| r.schedules.len() >= 2)
        .expect("a report with two schedules");
    config.scripted = vec![ScriptedFault {
        path_contains: format!("/reports/{}/schedules", scheduled.token),
        fault: Fault::EditItem {
            index: 1,
            field: "token".into(),
            value: None,
        },
        times: 1000,
    }];
    let sim = SimServer::start(config.clone()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let report = run(&settings(&sim, &config, out.path()), &Stop::default())
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Partial);
    assert_eq!(sim.counters().faults, 1, "asked once");
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    assert_eq!(report.failures[0].scope, "schedule");
    let item = report.failures[0].item.as_ref().unwrap();
    assert_eq!(item.listed_in.as_deref(), Some(scheduled.token.as_str()));
    let json = snapshot_json(out.path());
    let got = json["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["token"] == scheduled.token.as_str())
        .expect("the report is kept");
    assert_eq!(
        got["schedules"].as_array().unwrap().len(),
        scheduled.schedules.len() - 1
    );
    assert_eq!(got["scheduled"], true);
    assert_eq!(
        got["fetch_status"], "schedules_failed",
        "its subscribers are not known in full"
    );
    assert_eq!(json["reports"].as_array().unwrap().len(), 52);
}
