//! The summary `notify` prints: the messages written or sent, the owners left out and why.

use std::fmt;

use super::NotifyReport;
use super::deliver::Sent;

impl fmt::Display for NotifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = if self.executed { "sent" } else { "DRY RUN, nothing sent" };
        writeln!(f, "mode-audit notify: workspace {} — {mode}", self.workspace)?;
        writeln!(f, "  snapshot              {}", self.snapshot.display())?;
        self.write_messages(f)?;
        self.write_left_out(f)?;
        if self.settled > 0 {
            let verb = if self.executed {
                "recorded as unsure, not sent again"
            } else {
                "would be recorded as unsure, not sent again"
            };
            writeln!(f, "  interrupted earlier   {}  message(s) {verb}", self.settled)?;
        }
        writeln!(f, "  log                   {}", self.log.display())
    }
}

impl NotifyReport {
    /// Each message written or sent, and what became of it.
    fn write_messages(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, mail) in self.selection.to_write.iter().enumerate() {
            let what = match (self.sent.get(i), self.drafts.get(i)) {
                (Some(Sent::Accepted), _) => "sent".to_string(),
                (Some(Sent::Refused(e)), _) => format!("REFUSED: {e}"),
                (Some(Sent::Unsure(e)), _) => format!("UNSURE (not sent again): {e}"),
                (Some(Sent::NotBuilt(e)), _) => format!("NOT SENT: {e}"),
                (Some(Sent::NotReached), _) => "not sent (stopped)".to_string(),
                (None, Some(path)) => format!("written to {}", path.display()),
                (None, None) => "not sent".to_string(),
            };
            let address = mail.address.as_deref().unwrap_or_default();
            writeln!(
                f,
                "  {} <{address}>  {} finding(s)  {what}",
                mail.owner,
                mail.items.len()
            )?;
        }
        Ok(())
    }

    /// The owners not mailed, and why: no address, a bad one, told recently, over the cap; and the
    /// findings without an owner.
    fn write_left_out(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.selection;
        if !s.without_address.is_empty() {
            writeln!(
                f,
                "  no address in Mode    {}  (not mailed: {})",
                s.without_address.len(),
                s.without_address.join(", ")
            )?;
        }
        for (owner, why) in &s.bad_address {
            writeln!(
                f,
                "  address not used      {owner}  (not mailed: {why}; fix it in Mode)"
            )?;
        }
        if s.up_to_date > 0 {
            writeln!(
                f,
                "  told recently         {}  owner(s) (within --renotify-after)",
                s.up_to_date
            )?;
        }
        if !s.over_cap.is_empty() {
            writeln!(
                f,
                "  over --max-emails     {}  (next run: {})",
                s.over_cap.len(),
                s.over_cap.join(", ")
            )?;
        }
        if self.unowned > 0 {
            writeln!(
                f,
                "  findings, no owner    {}  (in findings.csv; mailed to nobody)",
                self.unowned
            )?;
        }
        Ok(())
    }
}
