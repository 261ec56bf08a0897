//! The owner email: one plain-text message per owner, worded honestly (Mode counts views in Mode,
//! not readers of the emailed copy), with each report's cost, the date from which `apply` may
//! unschedule it, and how to keep it.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MessageBuilder};

use super::alert::cost_text;
use super::owners::{Item, OwnerMail};
use crate::snapshot::Reason;

/// What every message of one run shares.
#[derive(Debug, Clone)]
pub struct Letterhead {
    pub workspace: String,
    /// `started_at` of the snapshot the findings come from.
    pub snapshot_started_at: String,
    pub from: Mailbox,
}

/// The finding, in words an owner can check for themselves.
pub fn headline(reason: Reason) -> &'static str {
    match reason {
        Reason::ScheduledNeverViewed => "Scheduled, and no views in Mode since it was created",
        Reason::ScheduledNotViewedRecently => "Scheduled, and no new views in Mode over the findings window",
        Reason::ScheduleFailing => "A schedule of it is failing",
        Reason::ArchivedButScheduled => "Archived, but still scheduled",
        Reason::ScheduleWithoutSubscribers => "A schedule of it delivers to no subscriber",
        Reason::HighFrequencyFewViews => "Runs often, with few views in Mode",
        Reason::OwnerDeparted => "Scheduled, and its creator is no longer an active member of the workspace",
    }
}

/// The message for one owner (who must have an address), with `message_id` as its Message-ID.
pub fn compose(mail: &OwnerMail, head: &Letterhead, message_id: &str) -> Result<Message> {
    let address = mail
        .address
        .as_deref()
        .context("an owner without an address gets no message")?;
    let to: Mailbox = address
        .parse()
        .with_context(|| format!("the address of {} does not parse: {address:?}", mail.owner))?;
    let reports = distinct_reports(&mail.items);
    let subject = format!(
        "[mode-audit] {reports} scheduled Mode report{} of yours in {} may need your attention",
        if reports == 1 { "" } else { "s" },
        head.workspace
    );
    builder(head, to, message_id)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body(mail, head))
        .context("cannot build the message")
}

fn builder(head: &Letterhead, to: Mailbox, message_id: &str) -> MessageBuilder {
    Message::builder()
        .from(head.from.clone())
        .to(to)
        .message_id(Some(format!("<{message_id}>")))
        .date_now()
}

fn distinct_reports(items: &[Item]) -> usize {
    let mut tokens: Vec<&str> = items.iter().map(|i| i.report_token.as_str()).collect();
    tokens.sort_unstable();
    tokens.dedup();
    tokens.len()
}

/// The text of one owner's message.
pub fn body(mail: &OwnerMail, head: &Letterhead) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "Hello {},\n", mail.owner);
    let _ = writeln!(
        text,
        "mode-audit looked at the scheduled reports of the Mode workspace \"{}\" (snapshot of {}).\n\
         These reports of yours are scheduled and have a finding:\n",
        head.workspace, head.snapshot_started_at
    );
    for (n, item) in mail.items.iter().enumerate() {
        let name = item.report_name.as_deref().unwrap_or("(no name)");
        let _ = writeln!(text, "{}. {name}  [{}]", n + 1, item.report_token);
        if let Some(url) = &item.url {
            let _ = writeln!(text, "   {url}");
        }
        let _ = writeln!(text, "   {} ({})", headline(item.reason), item.reason.code());
        let _ = writeln!(text, "   Details: {}", item.detail);
        let _ = writeln!(text, "   Cost: {}", cost_text(item.cost_seconds));
        match &item.eligible_from {
            Some(from) => {
                let _ = writeln!(
                    text,
                    "   Its schedules may be removed by `mode-audit apply` from {from}, unless it is kept."
                );
            }
            None => {
                let _ = writeln!(
                    text,
                    "   Nothing is removed for this finding; it is for your information."
                );
            }
        }
        text.push('\n');
    }
    text.push_str(
        "About views: Mode counts views of a report in Mode. People who read the emailed report or its\n\
         attachment are not counted, so a report can be read and still show no views here.\n\n\
         To keep a report: open it in Mode (a view counts), or reply to this message and ask for it to\n\
         be added to mode-audit's keep list (its token is in brackets above). To stop it yourself,\n\
         remove its schedule in Mode.\n",
    );
    text
}
