//! Owner addresses: first what the snapshot knows (the creator's email from Mode's Discovery API,
//! or an owner that is an email already), then one `GET /api/{username}` per remaining owner,
//! cached in the snapshot folder (`owners/addresses.json`) so a rerun asks Mode nothing. An owner
//! Mode gives no address for is cached as `null` and listed, never guessed.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{Context, Result, anyhow};

use crate::atomic;
use crate::mode::{ModeClient, ModeError};
use crate::notify::owners::OwnerMail;
use crate::snapshot::Snapshot;

/// The cache's path inside a snapshot folder.
pub const ADDRESSES: &str = "owners/addresses.json";

/// Fills in the addresses the snapshot already holds: an owner that is an email (a `--source
/// discovery` run names owners by it), or the `creator_email` Discovery gave with the owner's
/// reports. Returns how many owners need no lookup.
pub fn from_snapshot(snapshot: &Snapshot, mails: &mut [OwnerMail]) -> usize {
    let mut known: HashMap<String, String> = HashMap::new();
    for r in snapshot.reports.iter() {
        if let (Some(creator), Some(email)) = (r.creator.as_deref(), r.discovered.creator_email.as_deref()) {
            known.entry(creator.to_string()).or_insert_with(|| email.to_string());
        }
    }
    let mut filled = 0;
    for mail in mails.iter_mut() {
        let address = match known.get(&mail.owner) {
            Some(email) => Some(email.clone()),
            None => mail.owner.contains('@').then(|| mail.owner.clone()),
        };
        if address.is_some() {
            mail.address = address;
            filled += 1;
        }
    }
    filled
}

/// Fills in each owner's address not known yet from the cache, else from Mode (then cached). A
/// failed lookup leaves the owner without an address for this run (not cached); refused
/// credentials end it.
pub async fn resolve(client: &ModeClient, folder: &Path, mails: &mut [OwnerMail]) -> Result<()> {
    let path = folder.join(ADDRESSES);
    let mut cache: BTreeMap<String, Option<String>> = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{} does not read; remove it to look the addresses up again",
                path.display()
            )
        })?,
        Err(_) => BTreeMap::new(),
    };
    let mut asked = 0;
    for mail in mails.iter_mut().filter(|m| m.address.is_none()) {
        if let Some(address) = cache.get(&mail.owner) {
            mail.address = address.clone();
            continue;
        }
        match client.user_email(&mail.owner).await {
            Ok(address) => {
                asked += 1;
                cache.insert(mail.owner.clone(), address.clone());
                mail.address = address;
            }
            Err(ModeError::NotFound { .. }) => {
                asked += 1;
                cache.insert(mail.owner.clone(), None);
            }
            Err(e) if e.is_credentials() => {
                return Err(anyhow!(e).context("the credentials were refused; nothing was sent"));
            }
            Err(e) => {
                tracing::warn!(owner = %mail.owner, error = %e, "cannot look up the owner's address; listed without one this run")
            }
        }
    }
    if asked > 0 {
        let text = serde_json::to_vec_pretty(&cache)?;
        atomic::replace(&path, "addresses", None, |out| {
            use std::io::Write;
            out.write_all(&text)?;
            Ok(())
        })?;
        tracing::info!(looked_up = asked, path = %path.display(), "owner addresses looked up in Mode and cached");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{report, snapshot};

    fn mail(owner: &str) -> OwnerMail {
        OwnerMail {
            owner: owner.into(),
            address: None,
            items: Vec::new(),
        }
    }

    #[test]
    fn discovery_emails_and_email_owners_need_no_lookup_and_nothing_is_guessed() {
        let mut ada = report("r1", Some(0), Vec::new());
        ada.creator = Some("ada".into());
        ada.discovered.creator_email = Some("ada@example.com".into());
        // A --source discovery run: no username, the email is the owner.
        let mut bo = report("r2", Some(0), Vec::new());
        bo.creator = None;
        bo.discovered.creator_email = Some("bo@example.com".into());
        assert_eq!(bo.owner(), Some("bo@example.com"));
        let mut cy = report("r3", Some(0), Vec::new());
        cy.creator = Some("cy".into());
        let snap = snapshot(vec![ada, bo, cy]);
        let mut mails = vec![mail("ada"), mail("bo@example.com"), mail("cy")];
        assert_eq!(from_snapshot(&snap, &mut mails), 2);
        let got: Vec<Option<&str>> = mails.iter().map(|m| m.address.as_deref()).collect();
        assert_eq!(got, [Some("ada@example.com"), Some("bo@example.com"), None]);
    }
}
