//! `mode-audit notify`: from the newest complete snapshot, one email per owner of scheduled
//! reports with findings. A dry run unless `--execute`: the dry run writes each message as an
//! `.eml` file into the snapshot's `owners/` folder; `--execute` sends them over SMTP, logging
//! each in `notify-log.jsonl` before and after (see `deliver.rs`), so nothing is sent twice.

mod addresses;
mod deliver;
mod files;
mod report;
mod select;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};

use self::deliver::Sent;
use self::select::{Selection, select};
use super::lease;
use crate::config::{MailSettings, Settings};
use crate::insights;
use crate::insights::eligibility::Rules;
use crate::mode::{ModeClient, Pacer};
use crate::notify::email::{Letterhead, compose};
use crate::notify::owners::{OwnerMail, by_owner};
use crate::notify::smtp::Relay;
use crate::output::{Newest, owner_stem};
use crate::snapshot::RunStatus;
use crate::stop::Stop;

/// The deadline of one SMTP exchange.
const SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// What `notify` did for one workspace.
#[derive(Debug)]
pub struct NotifyReport {
    pub workspace: String,
    pub snapshot: PathBuf,
    pub executed: bool,
    pub selection: Selection,
    /// Findings of reports without an owner (listed in findings.csv, mailed to nobody).
    pub unowned: usize,
    /// Dry run: the .eml files written, one per message.
    pub drafts: Vec<PathBuf>,
    /// `--execute`: what became of each message of `selection.to_write`, in order.
    pub sent: Vec<Sent>,
    /// Messages an earlier, stopped run may have sent, now recorded as unsure (not sent again).
    pub settled: usize,
    pub log: PathBuf,
    pub status: RunStatus,
}

/// Notifies for the workspace `settings` names, with a pacer of its own.
pub async fn notify(settings: &Settings, options: &MailSettings, stop: &Stop) -> Result<NotifyReport> {
    notify_paced(settings, options, stop, &Arc::new(Pacer::new(settings.client.rate))).await
}

/// Notifies for the workspace `settings` names through `pacer` (shared by the workspaces of one
/// credential group, for the address lookups).
pub async fn notify_paced(
    settings: &Settings,
    options: &MailSettings,
    stop: &Stop,
    pacer: &Arc<Pacer>,
) -> Result<NotifyReport> {
    let source = super::place::newest(settings, Rules::default().min_age).await?;
    let snapshot = &source.snapshot;
    tracing::info!(snapshot = %source.shown().display(), "writing to owners from the newest complete snapshot");
    let plan = insights::plan_unscheduling(snapshot, Some(&source.dir), &settings.insights.keep, &Rules::default())?;
    let (mut mails, unowned) = by_owner(snapshot, &plan);
    let known = addresses::from_snapshot(snapshot, &mut mails);
    tracing::debug!(
        owners = known,
        "addresses known from the snapshot (Discovery's creator_email)"
    );
    let cache = source.folder.join(addresses::ADDRESSES);
    files::fetch_addresses(&source, &cache).await?;
    let client = ModeClient::with_pacer(settings.client.clone(), Arc::clone(pacer))?;
    addresses::resolve(&client, &source.folder, &mut mails).await?;
    files::keep_addresses(&source, &cache).await?;
    let head = Letterhead {
        workspace: settings.workspace.clone(),
        snapshot_started_at: snapshot.started_at.clone(),
        from: options.from.clone(),
    };
    let mut report = NotifyReport {
        workspace: settings.workspace.clone(),
        snapshot: source.shown(),
        executed: options.execute,
        selection: Selection::default(),
        unowned: unowned.len(),
        drafts: Vec::new(),
        sent: Vec::new(),
        settled: 0,
        log: files::log_shown(&source),
        status: RunStatus::Complete,
    };
    if options.execute {
        // Sending writes notify-log.jsonl: one writer per output, as for run, apply and undo.
        let sending = send(&mut report, &source, mails, &head, options, stop);
        lease::holding(settings, "notify", stop, sending).await?;
    } else {
        let replayed = files::read_log(&source).await?;
        report.settled = replayed.unsettled().len();
        report.selection = select(mails, &replayed, told_since(options)?, options.max_emails);
        let drafts = write_drafts(&report.selection, &head, &source.folder)?;
        report.drafts = files::keep_drafts(&source, drafts).await?;
    }
    Ok(report)
}

/// The time from which a finding told counts as told recently (`--renotify-after` before now).
fn told_since(options: &MailSettings) -> Result<chrono::DateTime<chrono::Utc>> {
    Ok(chrono::Utc::now()
        - chrono::Duration::from_std(options.renotify_after).context("--renotify-after is too long")?)
}

/// `--execute`: settles what a stopped run left, selects, checks the server, sends.
async fn send(
    report: &mut NotifyReport,
    source: &Newest,
    mails: Vec<OwnerMail>,
    head: &Letterhead,
    options: &MailSettings,
    stop: &Stop,
) -> Result<()> {
    let smtp = options.smtp.as_ref().context("--execute needs MODE_AUDIT_SMTP_URL")?;
    // Nothing is contacted yet: what fails here is the URL or the CA file, the user's to fix (exit 2).
    let relay = Relay::new(smtp, SMTP_TIMEOUT, options.smtp_ca.as_deref())
        .map_err(|e| anyhow::Error::new(crate::config::ConfigError(e.to_string())))?;
    let mut log = files::open_log(source).await.context("nothing was sent")?;
    report.settled = deliver::settle(&mut log).await?;
    report.selection = select(mails, log.replayed(), told_since(options)?, options.max_emails);
    if report.selection.to_write.is_empty() {
        return Ok(());
    }
    relay
        .check()
        .await
        .map_err(anyhow::Error::new)
        .context("nothing was sent")?;
    report.sent = deliver::send_each(&relay, &mut log, &report.selection.to_write, head, stop).await?;
    report.status = if let Some(reason) = stop.reason().filter(|_| report.sent.contains(&Sent::NotReached)) {
        RunStatus::Stopped(reason)
    } else if report.sent.iter().any(|s| !matches!(s, Sent::Accepted)) {
        RunStatus::Partial
    } else {
        RunStatus::Complete
    };
    Ok(())
}

/// Writes each message as `owners/<owner>.eml` in the snapshot folder; nothing is sent.
fn write_drafts(selection: &Selection, head: &Letterhead, folder: &std::path::Path) -> Result<Vec<PathBuf>> {
    let mut drafts = Vec::new();
    for mail in &selection.to_write {
        let message = compose(mail, head, &deliver::message_id())?;
        let path = folder
            .join("owners")
            .join(format!("{}.eml", owner_stem(Some(&mail.owner))));
        let bytes = message.formatted();
        crate::atomic::replace(&path, "eml", None, |out| {
            use std::io::Write;
            out.write_all(&bytes)?;
            Ok(())
        })?;
        drafts.push(path);
    }
    Ok(drafts)
}
