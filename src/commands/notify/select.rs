//! Which owners are written to this run: findings told within `--renotify-after` left out, owners
//! without an address, or with one that cannot be used, listed; at most `--max-emails` messages
//! (the costliest owners first).

use chrono::{DateTime, Utc};

use crate::notify::log::ReplayedNotices;
use crate::notify::owners::OwnerMail;

/// The owners, sorted into what happens to them.
#[derive(Debug, Default)]
pub struct Selection {
    /// Written to this run, each with only the findings not told recently.
    pub to_write: Vec<OwnerMail>,
    /// Owners with findings but no address (usernames).
    pub without_address: Vec<String>,
    /// Owners whose address cannot be used: (username, why). Not mailed, not cached.
    pub bad_address: Vec<(String, String)>,
    /// Owners every finding of whom was told within `--renotify-after`.
    pub up_to_date: usize,
    /// Owners left for a later run by `--max-emails` (usernames).
    pub over_cap: Vec<String>,
}

/// Sorts `mails` (costliest first) against what the log says was told since `told_since`.
pub fn select(
    mails: Vec<OwnerMail>,
    replayed: &ReplayedNotices,
    told_since: DateTime<Utc>,
    max_emails: usize,
) -> Selection {
    let mut out = Selection::default();
    for mut mail in mails {
        mail.items.retain(|item| {
            replayed
                .last_told(&mail.owner, &item.told())
                .is_none_or(|at| at < told_since)
        });
        if mail.items.is_empty() {
            out.up_to_date += 1;
        } else if let Some(why) = mail.bad_address {
            out.bad_address.push((mail.owner, why));
        } else if mail.address.is_none() {
            out.without_address.push(mail.owner);
        } else if out.to_write.len() >= max_emails {
            out.over_cap.push(mail.owner);
        } else {
            out.to_write.push(mail);
        }
    }
    out
}
