//! An owner address Mode gives that is not one plain address (here one that tries to add a Bcc
//! header): that owner is listed with the reason and not mailed, every other owner is, the address
//! is never cached, and once Mode gives a good address the owner is mailed.

use std::time::Duration;

use mode_audit::commands::notify::notify;
use mode_audit::snapshot::RunStatus;
use mode_audit::stop::Stop;

use super::owners::{Stage, check_message, mail};
use super::smtp::Smtp;

const BAD: &str = "yara@example.com\r\nBcc: attacker@example.com";

#[tokio::test]
async fn a_bad_owner_address_skips_that_owner_only_and_is_never_cached() {
    let Some(server) = Smtp::start(Duration::ZERO) else {
        return;
    };
    let mut stage = Stage::new().await;
    let (yara, _) = stage.owners.pop_first().unwrap();
    let set_email = |stage: &Stage, email: &str| {
        stage.sim.mutate(|ws| {
            ws.users
                .iter_mut()
                .filter(|u| u.username == yara)
                .for_each(|u| u.email = email.to_string())
        })
    };
    set_email(&stage, BAD);
    let options = mail(true, Some(&server));
    let first = notify(&stage.settings(), &options, &Stop::default()).await.unwrap();
    assert_eq!(first.status, RunStatus::Complete, "{first}");
    assert_eq!(first.selection.bad_address.len(), 1, "{first}");
    let (owner, why) = &first.selection.bad_address[0];
    assert!(owner == &yara && why.contains("line break"), "{why}");
    let summary = first.to_string();
    assert!(summary.contains(&yara) && summary.contains("line break"), "{summary}");
    assert!(!summary.contains('\r'), "the address is shown escaped: {summary}");
    let got = server.wait_for(stage.owners.len());
    assert_eq!(got.len(), stage.owners.len(), "every other owner is mailed");
    for m in &got {
        check_message(&stage, m);
        assert!(!m.to_string().contains("attacker"), "{m}");
    }
    let cache = stage.snapshot.join("owners/addresses.json");
    assert!(
        !std::fs::read_to_string(&cache).unwrap().contains("attacker"),
        "never cached"
    );

    // An address cache written before addresses were checked: the entry is dropped and Mode asked.
    let mut cached: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&cache).unwrap()).unwrap();
    cached.insert(yara.clone(), BAD.into());
    std::fs::write(&cache, serde_json::to_string(&cached).unwrap()).unwrap();
    let second = notify(&stage.settings(), &options, &Stop::default()).await.unwrap();
    assert_eq!(second.status, RunStatus::Complete, "{second}");
    assert_eq!(second.selection.bad_address.len(), 1, "{second}");
    assert_eq!(second.selection.up_to_date, stage.owners.len(), "{second}");
    assert!(!std::fs::read_to_string(&cache).unwrap().contains("attacker"));

    // An address without an @ is a bad address too, not "no address": never cached as none.
    set_email(&stage, "yara");
    let no_at = notify(&stage.settings(), &options, &Stop::default()).await.unwrap();
    assert_eq!(no_at.selection.bad_address.len(), 1, "{no_at}");
    let cached: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&cache).unwrap()).unwrap();
    assert!(!cached.contains_key(&yara), "nothing cached for {yara}: {cached:?}");

    // Mode's address is fixed: the next run mails the owner.
    set_email(&stage, "yara@example.com");
    let third = notify(&stage.settings(), &options, &Stop::default()).await.unwrap();
    assert!(third.selection.bad_address.is_empty(), "{third}");
    assert_eq!(third.selection.to_write.len(), 1, "{third}");
    assert_eq!(third.selection.to_write[0].owner, yara);
    let all = server.wait_for(stage.owners.len() + 1);
    assert_eq!(all.len(), stage.owners.len() + 1);
    assert!(all.iter().any(|m| m["headers"]["to"] == "yara@example.com"));
}
