//! Writes at the client, against the stand-in: a lost DELETE answer is retried and its 404 counts as
//! done; a lost POST answer is not sent again blindly; every plausible create answer and body
//! shape yields the new schedule's token.

use mode_audit::mode::{BodyShape, FoundBy, LiveSchedule, ModeClient, Removal};
use mode_audit::sim::{CreateBody, CreateReply, DeleteReply, Fault, ScriptedFault, SimConfig, SimServer, Workspace};

use crate::harness::{fast_config, settings};

fn config(tune: impl FnOnce(&mut SimConfig)) -> SimConfig {
    let mut c = fast_config(vec![30, 12]);
    tune(&mut c);
    c
}

/// A report of the generated workspace with schedules, and its first schedule's token.
fn scheduled(c: &SimConfig) -> (String, String) {
    let ws = Workspace::generate(&c.workspace, &c.spec);
    let (_, r) = ws.reports().find(|(_, r)| !r.schedules.is_empty()).unwrap();
    (r.token.clone(), r.schedules[0].token.clone())
}

async fn client(sim: &SimServer, c: &SimConfig) -> (ModeClient, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let client = ModeClient::new(settings(sim, c, dir.path()).client).unwrap();
    (client, dir)
}

async fn first_live(client: &ModeClient, report: &str) -> LiveSchedule {
    client.live_schedules(report).await.unwrap().remove(0)
}

#[tokio::test]
async fn a_lost_delete_answer_is_retried_and_its_404_counts_as_done() {
    let mut c = config(|_| {});
    let (report, schedule) = scheduled(&c);
    c.scripted = vec![ScriptedFault {
        path_contains: format!("DELETE /api/acme/reports/{report}/schedules/{schedule}"),
        fault: Fault::Drop,
        times: 1,
    }];
    let sim = SimServer::start(c.clone()).await.unwrap();
    let (client, _dir) = client(&sim, &c).await;
    assert_eq!(
        client.delete_schedule(&report, &schedule).await.unwrap(),
        Removal::DeletedOnRetry
    );
    let statuses: Vec<u16> = sim.writes().iter().map(|w| w.status).collect();
    assert_eq!(
        statuses,
        [204, 404],
        "the dropped answer's delete happened; the retry found it gone"
    );
    assert_eq!(sim.counters().deletes, 1);
    assert_eq!(
        client.delete_schedule(&report, &schedule).await.unwrap(),
        Removal::AlreadyGone
    );
    assert_eq!(
        client.delete_schedule(&report, "000000000000").await.unwrap(),
        Removal::AlreadyGone
    );
}

#[tokio::test]
async fn a_lost_create_answer_is_found_in_the_listing_not_sent_again() {
    for fault in [Fault::Drop, Fault::Malformed, Fault::Status(503)] {
        let mut c = config(|_| {});
        let (report, _) = scheduled(&c);
        c.scripted = vec![ScriptedFault {
            path_contains: format!("POST /api/acme/reports/{report}/schedules"),
            fault: fault.clone(),
            times: 1,
        }];
        let sim = SimServer::start(c.clone()).await.unwrap();
        let (client, _dir) = client(&sim, &c).await;
        let live = first_live(&client, &report).await;
        let before: Vec<String> = client
            .live_schedules(&report)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.schedule.token)
            .collect();
        let created = client
            .create_schedule(&report, live.definition.as_ref().unwrap(), &before)
            .await
            .unwrap();
        assert_eq!(sim.counters().creates, 1, "{fault:?}: created exactly once");
        let posts = sim.counters().writes;
        let truth = sim.workspace();
        let schedules = &truth.report(&report).unwrap().1.schedules;
        assert_eq!(schedules.last().unwrap().token, created.token, "{fault:?}");
        match fault {
            // Mode acted, the answer was lost: the listing shows it, no second POST.
            Fault::Drop | Fault::Malformed => {
                assert_eq!((created.found_by, posts), (FoundBy::Listing, 1), "{fault:?}")
            }
            // Mode did not act: the listing proves it, so the POST is sent again.
            _ => assert_eq!((created.found_by, posts), (FoundBy::Body, 2), "{fault:?}"),
        }
    }
}

#[tokio::test]
async fn every_plausible_create_answer_and_body_shape_yields_the_new_token() {
    let replies = [
        (CreateReply::Created, FoundBy::Body),
        (CreateReply::Wrapped, FoundBy::Body),
        (CreateReply::LocationOnly, FoundBy::Location),
        (CreateReply::NoContent, FoundBy::Listing),
    ];
    for (reply, found_by) in replies {
        for (body, shape) in [
            (CreateBody::Wrapped, BodyShape::Wrapped),
            (CreateBody::Bare, BodyShape::Bare),
        ] {
            let c = config(|c| {
                c.create_reply = reply;
                c.create_body = body;
                c.delete_reply = DeleteReply::Body;
            });
            let (report, schedule) = scheduled(&c);
            let sim = SimServer::start(c.clone()).await.unwrap();
            let (client, _dir) = client(&sim, &c).await;
            let live = first_live(&client, &report).await;
            let definition = live.definition.unwrap();
            assert_eq!(
                client.delete_schedule(&report, &schedule).await.unwrap(),
                Removal::Deleted
            );
            let before: Vec<String> = client
                .live_schedules(&report)
                .await
                .unwrap()
                .into_iter()
                .map(|s| s.schedule.token)
                .collect();
            let created = client.create_schedule(&report, &definition, &before).await.unwrap();
            let label = format!("{reply:?}/{body:?}");
            assert_eq!((created.found_by, created.shape), (found_by, shape), "{label}");
            let again = client
                .live_schedules(&report)
                .await
                .unwrap()
                .into_iter()
                .find(|s| s.schedule.token == created.token)
                .unwrap_or_else(|| panic!("{label}: {} not listed", created.token));
            assert_eq!(again.definition.unwrap(), definition, "{label}");
            assert_eq!(sim.counters().creates, 1, "{label}");
        }
    }
}
