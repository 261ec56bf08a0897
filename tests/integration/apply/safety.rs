//! What must hold however apply is run: the environment cannot loosen a guard, a subscriber that
//! appears just before a DELETE stops it, a wrong local clock or a short findings window stops the
//! plan, and undo never makes a second copy of a schedule and checks each one it makes.

use mode_audit::commands::apply::{Outcome, apply};
use mode_audit::commands::run::RunStatus;
use mode_audit::commands::undo::{Restored, undo};
use mode_audit::config::{ApplySettings, LocalClock};
use mode_audit::mode::ModeClient;
use mode_audit::output::actions::ActionsLog;
use mode_audit::sim::{Fault, ScriptedFault, SimServer};
use mode_audit::snapshot::undo_log::{self, ActionLine, now};
use mode_audit::stop::Stop;
use serde_json::json;

use super::{options, stage};
use crate::binary::{code, creds, env_refs, mode_audit, stderr};
use crate::harness::settings;

#[tokio::test]
async fn min_age_0s_from_the_environment_deletes_nothing_from_a_single_fresh_snapshot() {
    let st = stage(3, &[], |_| {}).await;
    let url = st.sim.base_url();
    let out = st.out.path().to_string_lossy().into_owned();
    let cwd = tempfile::tempdir().unwrap();
    let mut env = creds(&st.config);
    let base = [
        "apply",
        "--base-url",
        url.as_str(),
        "--workspace",
        "acme",
        "--out",
        out.as_str(),
        "--execute",
    ];
    for (name, value) in [("MODE_AUDIT_MIN_AGE", "0s"), ("MODE_AUDIT_MAX_ACTIONS", "500")] {
        let mut env = env.clone();
        env.push((name, value.to_string()));
        let o = mode_audit(cwd.path(), &base, &env_refs(&env)).await;
        assert_eq!(
            code(&o),
            2,
            "{name}={value} loosens a guard: a configuration error\n{}",
            stderr(&o)
        );
        assert!(stderr(&o).contains(name), "{}", stderr(&o));
    }
    // On the command line it is taken, and still one snapshot is not three.
    let mut args = base.to_vec();
    args.extend(["--min-age", "0s"]);
    let o = mode_audit(cwd.path(), &args, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("planned               0 reports"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(st.sim.counters().writes, 0, "nothing deleted");

    // A short findings window is accepted from the command line only.
    let path = st.snapshot.join("snapshot.json");
    let mut snap: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(
        snap["findings_window_seconds"],
        30 * 86_400,
        "the run records its window"
    );
    snap["findings_window_seconds"] = json!(86_400);
    std::fs::write(&path, snap.to_string()).unwrap();
    env.push(("MODE_AUDIT_FINDINGS_WINDOW", "1d".to_string()));
    let o = mode_audit(cwd.path(), &base[..7], &env_refs(&env)).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("--findings-window 1d"), "{}", stderr(&o));
    let mut accepted = base[..7].to_vec();
    accepted.extend(["--findings-window", "1d"]);
    let o = mode_audit(cwd.path(), &accepted, &env_refs(&env)).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[tokio::test]
async fn a_subscriber_that_appears_just_before_the_delete_stops_it() {
    let st = stage(1, &[10, 20], |_| {}).await;
    let (report, schedules) = st.eligible.iter().next().unwrap();
    let first = &schedules[0].token;
    // The report's re-check saw no subscriber; the schedule's own subscriptions list one now.
    let body = json!({"_links": {}, "_embedded": {"report_subscriptions": [
        {"email_subscriber_count": 1, "_links": {"self": {"href": format!("/api/acme/reports/{report}/subscriptions/0a0a0a0a0a0a")}}}
    ]}});
    let mut c = st.config.clone();
    c.scripted = vec![ScriptedFault {
        path_contains: format!("GET /api/acme/reports/{report}/schedules/{first}/subscriptions"),
        fault: Fault::Body {
            status: 200,
            content_type: "application/hal+json".into(),
            body: body.to_string().into_bytes(),
        },
        times: 10,
    }];
    let sim = SimServer::start(c.clone()).await.unwrap();
    sim.mutate(|ws| *ws = st.sim.workspace());
    let s = settings(&sim, &c, st.out.path());
    let done = apply(&s, &options(true), &Stop::default()).await.unwrap();
    assert_eq!(done.acted.len(), 1, "{done}");
    match &done.acted[0].outcome {
        Outcome::Skipped(why) => assert!(why.contains("subscription"), "{why}"),
        other => panic!("deleted although subscribed: {other:?}"),
    }
    assert_eq!(sim.counters().deletes, 0);
}

#[tokio::test]
async fn a_local_clock_far_from_modes_refuses_to_delete() {
    let st = stage(2, &[10, 20], |_| {}).await;
    let s = st.settings();
    let off = ApplySettings {
        clock: LocalClock { offset_seconds: 600 },
        ..options(true)
    };
    let err = apply(&s, &off, &Stop::default()).await.unwrap_err();
    assert!(format!("{err:#}").contains("off Mode's"), "{err:#}");
    assert_eq!(st.sim.counters().writes, 0);
    let near = ApplySettings {
        clock: LocalClock { offset_seconds: 60 },
        ..options(true)
    };
    let done = apply(&s, &near, &Stop::default()).await.unwrap();
    assert_eq!(done.status, RunStatus::Complete, "{done}");
    assert_eq!(st.sim.counters().deletes as usize, st.eligible_schedules().len());
}

#[tokio::test]
async fn undo_settles_a_failed_create_by_listing_and_never_resends_after_a_success() {
    // A create Mode answered 200 without saying what it made (and made nothing): never sent again.
    let st = stage(1, &[10, 20], |c| {
        c.scripted = vec![ScriptedFault {
            path_contains: "POST /api/acme/reports/".into(),
            fault: Fault::Body {
                status: 200,
                content_type: "application/json".into(),
                body: b"{}".to_vec(),
            },
            times: 1,
        }]
    })
    .await;
    let s = st.settings();
    assert_eq!(
        apply(&s, &options(true), &Stop::default()).await.unwrap().status,
        RunStatus::Complete
    );
    let n = st.eligible_schedules().len();
    let first = undo(&s, &st.log(), true, &Stop::default()).await.unwrap();
    assert_eq!(first.status, RunStatus::Partial, "{first}");
    assert_eq!(st.sim.counters().creates as usize, n - 1, "{first}");
    let second = undo(&s, &st.log(), true, &Stop::default()).await.unwrap();
    assert_eq!(
        st.sim.counters().creates as usize,
        n - 1,
        "not sent again after a 2xx: {second}"
    );
    assert!(
        second
            .restorations
            .iter()
            .any(|r| matches!(&r.outcome, Restored::Failed(why) if why.contains("not sent again"))),
        "{second}"
    );

    // A create whose failure was logged after Mode made the schedule: found by listing, not sent.
    let st = stage(1, &[10, 20], |_| {}).await;
    let s = st.settings();
    apply(&s, &options(true), &Stop::default()).await.unwrap();
    let l = undo_log::read(&st.log()).unwrap().schedules.remove(0);
    let client = ModeClient::new(s.client.clone()).unwrap();
    let before: Vec<String> = client
        .live_schedules(&l.report_token)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.schedule.token)
        .collect();
    let mut log = ActionsLog::open(&st.log()).unwrap();
    log.append(ActionLine::RecreateIntent {
        at: now(),
        workspace: "acme".into(),
        report_token: l.report_token.clone(),
        schedule_token: l.schedule_token.clone(),
        before: before.clone(),
    })
    .await
    .unwrap();
    let made = client
        .create_schedule(&l.report_token, &l.definition, &before)
        .await
        .unwrap();
    log.append(ActionLine::RecreateFailed {
        at: now(),
        workspace: "acme".into(),
        report_token: l.report_token.clone(),
        schedule_token: l.schedule_token.clone(),
        error: "gave up after the answers were lost".into(),
        answered: false,
    })
    .await
    .unwrap();
    drop(log);
    st.sim.reset_counters();
    let settled = undo(&s, &st.log(), true, &Stop::default()).await.unwrap();
    let r = settled
        .restorations
        .iter()
        .find(|r| r.schedule_token == l.schedule_token)
        .unwrap();
    assert_eq!(r.outcome, Restored::AlreadyDone(made.token), "{settled}");
    assert_eq!(st.sim.counters().creates as usize, st.eligible_schedules().len() - 1);
}

#[tokio::test]
async fn a_recreated_schedule_that_reads_back_different_is_a_failure() {
    let st = stage(1, &[10, 20], |_| {}).await;
    let s = st.settings();
    apply(&s, &options(true), &Stop::default()).await.unwrap();
    let l = undo_log::read(&st.log()).unwrap().schedules.remove(0);
    let d = &l.definition;
    let back = json!({"token": "0b0b0b0b0b0b", "name": d.name, "frequency": d.cron.freq, "time_zone": d.cron.time_zone,
        "hour": d.cron.hour, "minute": d.cron.minute, "day_of_week": d.cron.day_of_week,
        "day_of_month": d.cron.day_of_month, "timeout": d.timeout.unwrap() + 1, "parameters": d.params,
        "subscriber_count": 0});
    let mut c = st.config.clone();
    c.scripted = vec![ScriptedFault {
        path_contains: format!("GET /api/acme/reports/{}/schedules/", l.report_token),
        fault: Fault::Body {
            status: 200,
            content_type: "application/hal+json".into(),
            body: back.to_string().into_bytes(),
        },
        times: 1,
    }];
    let sim = SimServer::start(c.clone()).await.unwrap();
    sim.mutate(|ws| *ws = st.sim.workspace());
    let restored = undo(&settings(&sim, &c, st.out.path()), &st.log(), true, &Stop::default())
        .await
        .unwrap();
    assert_eq!(restored.status, RunStatus::Partial, "{restored}");
    let differs: Vec<&Vec<String>> = restored
        .restorations
        .iter()
        .filter_map(|r| match &r.outcome {
            Restored::Differs { differences, .. } => Some(differences),
            _ => None,
        })
        .collect();
    assert_eq!(differs.len(), 1, "{restored}");
    assert!(differs[0][0].starts_with("timeout"), "{:?}", differs[0]);
}
