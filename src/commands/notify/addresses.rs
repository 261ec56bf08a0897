//! Owner addresses: first what the snapshot knows (the creator's email from Mode's Discovery API,
//! or an owner that is an email already), then one `GET /api/{username}` per remaining owner,
//! cached in the snapshot folder (`owners/addresses.json`) so a rerun asks Mode nothing. An owner
//! Mode gives no address for is cached as `null` and listed, never guessed. An address that is not
//! one plain address (`notify::address::checked`) is never used nor cached: its owner is listed
//! with the reason, and a cache entry holding one is dropped and asked again.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{Context, Result, anyhow};

use crate::atomic;
use crate::mode::{ModeClient, ModeError};
use crate::notify::address::checked;
use crate::notify::owners::OwnerMail;
use crate::snapshot::Snapshot;

/// The cache's path inside a snapshot folder.
pub const ADDRESSES: &str = "owners/addresses.json";

/// Owner → address (`None`: Mode has none), as cached.
type Cache = BTreeMap<String, Option<String>>;

/// Fills in the addresses the snapshot already holds: an owner that is an email (a `--source
/// discovery` run names owners by it), or the `creator_email` Discovery gave with the owner's
/// reports. Returns how many owners need no lookup (a bad address counts: it is not looked up).
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
        if let Some(text) = address {
            take(mail, &text);
            filled += 1;
        }
    }
    filled
}

/// Gives `mail` the address `text`, or the reason it cannot have it.
fn take(mail: &mut OwnerMail, text: &str) {
    match checked(text) {
        Ok(address) => mail.address = Some(address),
        Err(why) => {
            tracing::warn!(owner = %mail.owner, reason = %why, "the owner's address cannot be used; the owner is not mailed");
            mail.bad_address = Some(why);
        }
    }
}

/// Fills in each owner's address not known yet from the cache, else from Mode (then cached). A
/// failed lookup leaves the owner without an address for this run (not cached); refused
/// credentials end it.
pub async fn resolve(client: &ModeClient, folder: &Path, mails: &mut [OwnerMail]) -> Result<()> {
    let path = folder.join(ADDRESSES);
    let mut cache = read_cache(&path)?;
    let mut changed = false;
    for mail in mails
        .iter_mut()
        .filter(|m| m.address.is_none() && m.bad_address.is_none())
    {
        match cache.get(&mail.owner) {
            Some(Some(text)) if checked(text).is_err() => {
                // Cached before addresses were checked: dropped, and asked again.
                cache.remove(&mail.owner);
                changed = true;
            }
            Some(address) => {
                mail.address = address.clone();
                continue;
            }
            None => {}
        }
        changed |= look_up(client, mail, &mut cache).await?;
    }
    if changed {
        write_cache(&path, &cache)?;
    }
    Ok(())
}

/// Asks Mode for `mail`'s address; returns whether the cache changed. Only a usable address, or
/// Mode's "none", is cached.
async fn look_up(client: &ModeClient, mail: &mut OwnerMail, cache: &mut Cache) -> Result<bool> {
    match client.user_email(&mail.owner).await {
        Ok(Some(text)) => {
            take(mail, &text);
            if let Some(address) = &mail.address {
                cache.insert(mail.owner.clone(), Some(address.clone()));
            }
            Ok(mail.address.is_some())
        }
        Ok(None) | Err(ModeError::NotFound { .. }) => {
            cache.insert(mail.owner.clone(), None);
            Ok(true)
        }
        Err(e) if e.is_credentials() => Err(anyhow!(e).context("the credentials were refused; nothing was sent")),
        Err(e) => {
            tracing::warn!(owner = %mail.owner, error = %e, "cannot look up the owner's address; listed without one this run");
            Ok(false)
        }
    }
}

fn read_cache(path: &Path) -> Result<Cache> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "{} does not read; remove it to look the addresses up again",
                path.display()
            )
        }),
        Err(_) => Ok(BTreeMap::new()),
    }
}

fn write_cache(path: &Path, cache: &Cache) -> Result<()> {
    let text = serde_json::to_vec_pretty(cache)?;
    atomic::replace(path, "addresses", None, |out| {
        use std::io::Write;
        out.write_all(&text)?;
        Ok(())
    })?;
    tracing::info!(path = %path.display(), "owner addresses looked up in Mode and cached");
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
            bad_address: None,
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
