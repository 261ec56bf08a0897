//! The last look before a DELETE reads the schedule's subscriptions strictly: an answer whose list
//! sits under another key, or that has none, cannot say "no subscriber", so the report is skipped.

use mode_audit::commands::apply::{Outcome, apply};
use mode_audit::sim::{Fault, ScriptedFault, SimServer};
use mode_audit::stop::Stop;
use serde_json::json;

use super::{options, stage};
use crate::harness::settings;

#[tokio::test]
async fn a_subscriptions_answer_of_another_shape_keeps_the_schedule() {
    let st = stage(1, &[10, 20], |_| {}).await;
    let (report, schedules) = st.eligible.iter().next().unwrap();
    let first = &schedules[0].token;
    let subscription = json!({"email_subscriber_count": 1, "_links": {"self": {"href": format!("/api/acme/reports/{report}/subscriptions/0a0a0a0a0a0a")}}});
    for body in [
        json!({"_links": {}, "_embedded": {"subscriptions": [subscription]}}),
        json!({"_links": {}, "_embedded": {}}),
        json!({"_links": {}}),
    ] {
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
            Outcome::Skipped(why) => assert!(why.contains("could not be told to be none"), "{body}: {why}"),
            other => panic!("{body}: deleted although the subscriptions were unknown: {other:?}"),
        }
        assert_eq!(sim.counters().deletes, 0, "{body}");
        sim.shutdown().await;
    }
}
