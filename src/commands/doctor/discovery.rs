//! The Discovery check of `doctor`, when the run would read the Discovery API: a configured
//! signature token is tried with one small request; without one (`--source discovery|both`),
//! minting is tried: a token is minted, then deleted.

use super::{Check, Grade, not_passed, pass};
use crate::commands::sources;
use crate::config::Settings;
use crate::mode::discovery::Discovery;
use crate::mode::{ModeClient, ModeError};

const NAME: &str = "discovery";

/// `None` when the run would not read Discovery (`rest`, or `auto` without a token).
pub async fn check(client: &ModeClient, settings: &Settings) -> Option<Check> {
    let source = settings.discovery.effective();
    if !source.uses_discovery() {
        return None;
    }
    Some(match &settings.discovery.token {
        Some(token) => {
            let reader = Discovery::new(client, token, !settings.crawl.exclude_personal, 1);
            match reader.probe().await {
                Ok(()) => pass(
                    NAME,
                    format!(
                        "the signature token reads the Discovery API (--source {})",
                        source.as_str()
                    ),
                ),
                Err(e) => refused(
                    &e,
                    "check MODE_DISCOVERY_TOKEN, MODE_DISCOVERY_ACCESS_KEY and MODE_DISCOVERY_ACCESS_SECRET: a token minted by a workspace admin of this workspace, not expired, not deleted; or run with --source rest",
                ),
            }
        }
        None => match sources::mint(settings, client).await {
            Ok(minted) => {
                let name = minted.name.clone();
                let deleted = client.delete_signature_token(&minted).await;
                match deleted {
                    Ok(_) => pass(NAME, format!("minting works: minted {name} and deleted it")),
                    Err(e) => not_passed(
                        NAME,
                        Grade::Warn,
                        format!("minted {name} but could not delete it: {e}"),
                        "delete it in Mode (it expires on its own); runs delete the tokens they mint the same way",
                    ),
                }
            }
            Err(e) => refused(
                &e,
                "with --source discovery or both and no MODE_DISCOVERY_TOKEN, MODE_API_TOKEN must be a workspace admin's API key on the Enterprise plan; or set a signature token, or run with --source rest",
            ),
        },
    })
}

fn refused(e: &ModeError, fix: &str) -> Check {
    not_passed(NAME, Grade::Fail, e.to_string(), fix)
}
