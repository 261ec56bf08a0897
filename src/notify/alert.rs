//! A run alert: how one workspace's run ended, in the words and numbers Slack and the webhook
//! share, and whether it is worth sending (`--notify-on`).

use crate::snapshot::{RunReport, RunStatus};

/// When run alerts are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotifyOn {
    /// After every run.
    Always,
    /// After a run that did not exit 0, or that found findings the previous snapshot did not list.
    #[default]
    Problems,
}

impl std::str::FromStr for NotifyOn {
    type Err = String;
    fn from_str(s: &str) -> Result<NotifyOn, String> {
        match s.trim() {
            "always" => Ok(NotifyOn::Always),
            "problems" => Ok(NotifyOn::Problems),
            other => Err(format!("'{other}' is not a --notify-on value: use always or problems")),
        }
    }
}

/// One workspace's run, as the alert tells it: its report, or the fatal error that ended it.
#[derive(Debug, Clone, Copy)]
pub struct Alert<'a> {
    pub workspace: &'a str,
    pub outcome: Result<&'a RunReport, &'a str>,
}

impl Alert<'_> {
    /// `complete`, `partial`, `stopped` or `failed` (the schema's words).
    pub fn status(&self) -> &'static str {
        match self.outcome {
            Ok(r) => match r.status {
                RunStatus::Complete => "complete",
                RunStatus::Partial => "partial",
                RunStatus::Stopped(_) => "stopped",
            },
            Err(_) => "failed",
        }
    }

    /// The process's exit code for this workspace (0, 1, 4, or 3 for a fatal error).
    pub fn exit_code(&self) -> u8 {
        match self.outcome {
            Ok(r) => match r.status {
                RunStatus::Complete => 0,
                RunStatus::Partial => 1,
                RunStatus::Stopped(_) => 4,
            },
            Err(_) => 3,
        }
    }

    /// Findings in all, when a snapshot was published.
    pub fn findings_total(&self) -> Option<u64> {
        let report = self.outcome.ok().filter(|r| r.published.is_some())?;
        Some(report.findings.iter().map(|(_, n)| n).sum())
    }

    /// A line saying why the run did not complete, when it did not.
    pub fn problem(&self) -> Option<String> {
        match self.outcome {
            Err(error) => Some(error.to_string()),
            Ok(r) => match r.status {
                RunStatus::Complete => None,
                RunStatus::Partial => Some(format!(
                    "{} item(s) could not be read; the snapshot lists them",
                    r.failures.len()
                )),
                RunStatus::Stopped(reason) => Some(format!(
                    "stopped ({reason}) before the end: nothing published, a checkpoint saved; the next run resumes"
                )),
            },
        }
    }

    /// Where the snapshot (or the checkpoint of a stopped run) is.
    pub fn location(&self) -> Option<String> {
        let r = self.outcome.ok()?;
        r.published
            .as_ref()
            .or(r.checkpoint.as_ref())
            .map(|p| p.display().to_string())
    }

    /// Whether `on` asks for this alert: always, or for problems (exit ≠ 0, or new findings; when
    /// which findings are new is unknown, any finding).
    pub fn wanted(&self, on: NotifyOn) -> bool {
        if on == NotifyOn::Always || self.exit_code() != 0 {
            return true;
        }
        match self.outcome {
            Ok(r) => match r.new_findings {
                Some(n) => n > 0,
                None => self.findings_total().unwrap_or(0) > 0,
            },
            Err(_) => true,
        }
    }
}

/// A monthly cost in seconds of runtime, for people: `3.2 h of runtime a month`, or `cost unknown`.
pub fn cost_text(seconds: Option<f64>) -> String {
    match seconds {
        Some(s) if s >= 3600.0 => format!("{:.1} h of runtime a month", s / 3600.0),
        Some(s) => format!("{:.0} min of runtime a month", s / 60.0),
        None => "cost unknown".to_string(),
    }
}
