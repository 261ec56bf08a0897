//! The sources of a run's listings (`--source`): opening the Discovery API for the run (the
//! configured signature token, or one minted for the run and deleted when it ends), and walking
//! the workspace through the REST API, the Discovery API, or both.

use anyhow::Result;
use chrono::Utc;

use crate::config::{Effective, Settings};
use crate::crawl::checkpoint::Checkpoint;
use crate::crawl::discovery;
use crate::crawl::{CrawlOptions, CrawlOutcome, crawl};
use crate::mode::discovery::{Discovery, MintedToken};
use crate::mode::{ModeClient, ModeError};
use crate::snapshot::CrossCheck;
use crate::stop::Stop;

/// How long past the run's `--max-duration` (or past a day without one) a minted token lives.
const MINTED_SLACK: chrono::Duration = chrono::Duration::minutes(15);

/// The Discovery reader of a run, and the token minted for it (to delete when the run ends).
pub struct Opened {
    pub source: Effective,
    pub discovery: Option<Discovery>,
    pub minted: Option<MintedToken>,
}

/// Opens the run's sources: `rest` needs nothing; `discovery` and `both` use the configured
/// signature token, or mint one with the admin's API key (refused: Discovery is not available).
pub async fn open(settings: &Settings, client: &ModeClient) -> Result<Opened, ModeError> {
    let source = settings.discovery.effective();
    if !source.uses_discovery() {
        return Ok(Opened {
            source,
            discovery: None,
            minted: None,
        });
    }
    if source == Effective::Discovery && settings.crawl.exclude_archived {
        tracing::warn!(
            "--exclude-archived has nothing to go by with --source discovery: the Discovery API does not say which reports are archived; every report is kept (use --source both to know)"
        );
    }
    let include_personal = !settings.crawl.exclude_personal;
    let max_pages = settings.crawl.max_pages;
    let (token, minted) = match &settings.discovery.token {
        Some(token) => (token.clone(), None),
        None => {
            let minted = mint(settings, client).await?;
            (minted.credential.clone(), Some(minted))
        }
    };
    Ok(Opened {
        source,
        discovery: Some(Discovery::new(client, &token, include_personal, max_pages)),
        minted,
    })
}

/// Mints a read-only signature token named `mode-audit-<workspace>-<stamp>`, expiring just past
/// the run's `--max-duration` (a day without one).
pub async fn mint(settings: &Settings, client: &ModeClient) -> Result<MintedToken, ModeError> {
    let now = Utc::now();
    let name = format!("mode-audit-{}-{}", settings.workspace, now.format("%Y%m%dT%H%M%SZ"));
    // Mode takes 4 to 64 characters.
    let name: String = name.chars().take(64).collect();
    let lasts = settings
        .max_duration
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .unwrap_or(chrono::Duration::days(1));
    let expires_at = (now + lasts + MINTED_SLACK).to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    tracing::info!(name = %name, expires_at = %expires_at, "minting a read-only Discovery signature token for this run");
    client.mint_signature_token(&name, &expires_at).await
}

/// Deletes the token minted for the run, if any; a failure is a warning naming it (it expires anyway).
pub async fn close(client: &ModeClient, minted: Option<MintedToken>) {
    let Some(minted) = minted else { return };
    match client.delete_signature_token(&minted).await {
        Ok(_) => tracing::info!(name = %minted.name, "deleted the Discovery signature token minted for this run"),
        Err(error) => tracing::warn!(
            name = %minted.name,
            error = %error,
            "could not delete the Discovery signature token minted for this run; it expires on its own, or delete it in Mode"
        ),
    }
}

/// Walks the workspace through the opened sources. `both` reads Discovery first (so an
/// unavailable Discovery API fails before the REST walk), then joins it to the REST records.
pub async fn walk(
    opened: &Opened,
    client: &ModeClient,
    options: &CrawlOptions,
    stop: &Stop,
    resume: Option<Checkpoint>,
) -> Result<(CrawlOutcome, Option<CrossCheck>)> {
    let ws = client.workspace();
    let Some(discovery) = &opened.discovery else {
        return Ok((crawl(client, options, stop, resume).await?, None));
    };
    if opened.source == Effective::Discovery {
        if resume.is_some() {
            // The listings are in the checkpoint's records: only schedules are left to read.
            return Ok((crawl(client, options, stop, resume).await?, None));
        }
        let read = discovery::read(discovery, ws, options.spill_dir.as_deref()).await?;
        return Ok((discovery::crawl_discovery(client, options, stop, read).await?, None));
    }
    let read = discovery::read(discovery, ws, options.spill_dir.as_deref()).await?;
    let listing_failures = read.failures();
    let mut outcome = crawl(client, options, stop, resume).await?;
    if outcome.stopped.is_some() {
        // Joined on the run that finishes: the checkpoint keeps the REST records as they are.
        return Ok((outcome, None));
    }
    let (joined, check) = discovery::join(&outcome.reports, read)?;
    outcome.reports = joined;
    outcome.failures.extend(listing_failures);
    Ok((outcome, Some(check)))
}
