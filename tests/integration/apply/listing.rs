//! The guard's requests, against the stand-in: every schedule listed counts, one that cannot be
//! read fails the listing instead of vanishing from it, and a redirected DELETE is not followed.

use mode_audit::mode::{ModeClient, ModeError};
use mode_audit::sim::{Fault, ScriptedFault, SimConfig, SimServer};

use crate::harness::{fast_config, settings};

/// A stand-in serving 30 items a page whose first scheduled report has 35 schedules; its token.
async fn many_schedules(faults: Vec<ScriptedFault>) -> (SimServer, SimConfig, String) {
    let mut c = fast_config(vec![30, 12]);
    c.ignore_per_page = true;
    c.scripted = faults;
    let sim = SimServer::start(c.clone()).await.unwrap();
    let mut token = String::new();
    sim.mutate(|ws| {
        let r = ws
            .collections
            .iter_mut()
            .flat_map(|c| c.reports.iter_mut())
            .find(|r| !r.schedules.is_empty())
            .unwrap();
        let first = r.schedules[0].clone();
        r.schedules = (0..35)
            .map(|i| {
                let mut s = first.clone();
                s.token = format!("{i:012x}");
                s
            })
            .collect();
        token = r.token.clone();
    });
    (sim, c, token)
}

#[tokio::test]
async fn more_than_a_page_of_schedules_is_listed_whole_and_one_bad_item_fails_the_listing() {
    let (sim, c, report) = many_schedules(Vec::new()).await;
    let dir = tempfile::tempdir().unwrap();
    let client = ModeClient::new(settings(&sim, &c, dir.path()).client).unwrap();
    assert_eq!(client.live_schedules(&report).await.unwrap().len(), 35);

    for page in ["page=1&", "page=2&"] {
        let bad = ScriptedFault {
            path_contains: format!("/reports/{report}/schedules?{page}"),
            fault: Fault::EditItem {
                index: 0,
                field: "token".into(),
                value: None,
            },
            times: 10,
        };
        let (sim, c, report) = many_schedules(vec![bad]).await;
        let client = ModeClient::new(settings(&sim, &c, dir.path()).client).unwrap();
        match client.live_schedules(&report).await {
            Err(ModeError::Shape { message, .. }) => {
                assert!(message.contains("cannot be read"), "{page}: {message}")
            }
            other => panic!("{page}: a schedule the guard cannot read must fail the listing: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_redirected_delete_is_not_followed_and_not_taken_for_a_deletion() {
    let c = fast_config(vec![30, 12]);
    let sim = SimServer::start(c.clone()).await.unwrap();
    let (report, first, second) = {
        let ws = sim.workspace();
        let (_, r) = ws.reports().find(|(_, r)| r.schedules.len() >= 2).unwrap();
        (
            r.token.clone(),
            r.schedules[0].token.clone(),
            r.schedules[1].token.clone(),
        )
    };
    let mut c = c;
    c.scripted = vec![ScriptedFault {
        path_contains: format!("DELETE /api/acme/reports/{report}/schedules/{first}"),
        fault: Fault::Redirect {
            status: 307,
            location: format!("/api/acme/reports/{report}/schedules/{second}"),
        },
        times: 1,
    }];
    let sim = SimServer::start(c.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let client = ModeClient::new(settings(&sim, &c, dir.path()).client).unwrap();
    match client.delete_schedule(&report, &first).await {
        Err(ModeError::Rejected { status: 307, .. }) => {}
        other => panic!("a 307 is not a deletion: {other:?}"),
    }
    let left: Vec<String> = sim
        .workspace()
        .report(&report)
        .unwrap()
        .1
        .schedules
        .iter()
        .map(|s| s.token.clone())
        .collect();
    assert!(
        left.contains(&first) && left.contains(&second),
        "nothing deleted, least of all the schedule the redirect named: {left:?}"
    );
}
