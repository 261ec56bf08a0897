//! Owner addresses: one `GET /api/{username}` per distinct owner, cached in the snapshot folder
//! (`owners/addresses.json`) so a rerun asks Mode nothing. An owner Mode gives no address for is
//! cached as `null` and listed, never guessed.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow};

use crate::atomic;
use crate::mode::{ModeClient, ModeError};
use crate::notify::owners::OwnerMail;

/// The cache's path inside a snapshot folder.
pub const ADDRESSES: &str = "owners/addresses.json";

/// Fills in each owner's address from the cache, else from Mode (then cached). A failed lookup
/// leaves the owner without an address for this run (not cached); refused credentials end it.
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
    for mail in mails.iter_mut() {
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
