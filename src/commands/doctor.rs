//! `mode-audit doctor`: a checklist, with a fix for each item that does not pass, of what a run
//! needs: credentials (`GET /api/verify`), the workspace (`GET /api/{ws}/spaces?filter=all&page=1`,
//! since `GET /api/{ws}` answers 400 to workspace API tokens), Personal collections visible (admin
//! scope), Mode's rate-limit headers, and a writable output folder or bucket. Usually two requests.
//! Each workspace named is checked in turn, [`doctor_each`]; the SMTP server of MODE_AUDIT_SMTP_URL,
//! when set, once, with the first.

mod collections;
mod discovery;
mod output;
pub mod smtp;

use std::fmt;

use crate::config::Settings;
use crate::mode::{ModeClient, ModeError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    Pass,
    /// Works, but something may be missed (e.g. no Personal collection visible).
    Warn,
    Fail,
    /// Not checked because an earlier check failed.
    Skipped,
}

#[derive(Debug, Clone)]
pub struct Check {
    pub name: &'static str,
    pub verdict: Grade,
    pub detail: String,
    /// What to do about a check that did not pass.
    pub fix: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Checklist {
    pub workspace: String,
    pub base_url: String,
    pub checks: Vec<Check>,
    /// Requests sent to Mode.
    pub requests: u64,
}

impl Checklist {
    /// Every check passed (exit 0); otherwise exit 1.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.verdict == Grade::Pass)
    }

    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }
}

fn pass(name: &'static str, detail: String) -> Check {
    Check {
        name,
        verdict: Grade::Pass,
        detail,
        fix: None,
    }
}

fn not_passed(name: &'static str, verdict: Grade, detail: String, fix: &str) -> Check {
    Check {
        name,
        verdict,
        detail,
        fix: Some(fix.to_string()),
    }
}

fn skipped(name: &'static str) -> Check {
    Check {
        name,
        verdict: Grade::Skipped,
        detail: "not checked: the credentials check failed".into(),
        fix: None,
    }
}

const CREDENTIALS_FIX: &str = "check MODE_API_TOKEN and MODE_API_SECRET (or the files MODE_API_TOKEN_FILE and \
     MODE_API_SECRET_FILE name): they must be an API token and its secret, created by a workspace admin under \
     Workspace Settings > Privacy & Security > API";

/// Runs every check against each workspace named, in turn, and the SMTP server once.
pub async fn doctor_each(all: &[Settings]) -> Vec<Checklist> {
    let mut lists = Vec::with_capacity(all.len());
    for settings in all {
        lists.push(doctor(settings).await);
    }
    smtp::add_to(lists.first_mut(), &|name: &str| std::env::var(name).ok()).await;
    lists
}

/// Runs every check against the workspace `settings` name: the credentials; when they pass, the
/// workspace, its collections and Mode's rate-limit headers (and Discovery); the output.
pub async fn doctor(settings: &Settings) -> Checklist {
    let mut client_settings = settings.client.clone();
    // A checklist should answer in seconds: one retry at most.
    client_settings.retry.max_retries = client_settings.retry.max_retries.min(1);
    let client = ModeClient::new(client_settings).ok();
    let verified = match &client {
        Some(client) => credentials(client, settings).await,
        None => not_passed(
            "credentials",
            Grade::Fail,
            "cannot set up the HTTP client".into(),
            "report this as a bug",
        ),
    };
    // A warning (a token of another workspace) still lets the workspace itself be checked.
    let credentials_ok = matches!(verified.verdict, Grade::Pass | Grade::Warn);
    let mut checks = vec![verified];
    match client.as_ref().filter(|_| credentials_ok) {
        Some(client) => checks.extend(workspace(client, settings).await),
        None => checks.extend(["workspace", "personal collections", "rate-limit headers"].map(skipped)),
    }
    checks.extend(output::checks(settings).await);
    Checklist {
        workspace: settings.workspace.clone(),
        base_url: settings.client.base_url.to_string(),
        checks,
        requests: client.map_or(0, |c| c.stats().requests),
    }
}

/// The checks of the workspace itself, once the credentials passed.
async fn workspace(client: &ModeClient, settings: &Settings) -> Vec<Check> {
    let (workspace, personal) = collections::check(client, settings).await;
    let mut checks = vec![workspace, personal, rate_limit(client, settings)];
    checks.extend(discovery::check(client, settings).await);
    checks
}

async fn credentials(client: &ModeClient, settings: &Settings) -> Check {
    match client.verify().await {
        Ok(verified) => match verified.workspace.0.as_deref() {
            Some(w) if w != settings.workspace => not_passed(
                "credentials",
                Grade::Warn,
                format!(
                    "accepted by GET /api/verify, but they are a token of workspace '{w}', not '{}'",
                    settings.workspace
                ),
                &format!(
                    "use an API token of workspace '{ws}' (a workspace admin creates one under Workspace Settings > \
                     Privacy & Security > API in '{ws}'), or check --workspace / MODE_WORKSPACE if '{w}' is the one to audit",
                    ws = settings.workspace
                ),
            ),
            Some(w) => pass("credentials", format!("accepted by GET /api/verify (workspace '{w}')")),
            None => pass("credentials", "accepted by GET /api/verify".to_string()),
        },
        Err(ModeError::Unauthorized { .. }) => not_passed(
            "credentials",
            Grade::Fail,
            "Mode rejected them: GET /api/verify answered HTTP 401".into(),
            CREDENTIALS_FIX,
        ),
        Err(e @ (ModeError::GaveUp { .. } | ModeError::Setup(_))) => not_passed(
            "credentials",
            Grade::Fail,
            format!("cannot reach Mode: {e}"),
            "check --base-url / MODE_BASE_URL, the network, and any proxy (HTTPS_PROXY) between this machine and Mode",
        ),
        Err(e @ ModeError::Decode { .. }) => not_passed(
            "credentials",
            Grade::Fail,
            e.to_string(),
            "something other than Mode answered (a proxy or login page?): check --base-url / MODE_BASE_URL",
        ),
        Err(e) => not_passed("credentials", Grade::Fail, e.to_string(), CREDENTIALS_FIX),
    }
}

fn rate_limit(client: &ModeClient, settings: &Settings) -> Check {
    match client.rate_limit_headers() {
        (Some(limit), Some(remaining)) => {
            let detail = format!("X-RateLimit-Limit {limit}, X-RateLimit-Remaining {remaining}");
            match settings.client.rate {
                Some(rate) if rate.requests.get() > limit => not_passed(
                    "rate-limit headers",
                    Grade::Warn,
                    format!("{detail}; --rate allows {} per window", rate.requests),
                    "lower --rate / MODE_AUDIT_RATE to Mode's announced limit per window, or expect 429s",
                ),
                _ => pass("rate-limit headers", detail),
            }
        }
        (limit, remaining) => not_passed(
            "rate-limit headers",
            Grade::Warn,
            format!(
                "Mode's answers lacked {} (Mode documents X-RateLimit-Limit and X-RateLimit-Remaining)",
                match (limit, remaining) {
                    (None, None) => "both headers",
                    (None, _) => "X-RateLimit-Limit",
                    _ => "X-RateLimit-Remaining",
                }
            ),
            "a run still paces itself at --rate and waits out 429s; if a proxy in front of Mode strips headers, let X-RateLimit-* through",
        ),
    }
}

impl fmt::Display for Checklist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "mode-audit doctor: workspace {} at {}",
            self.workspace, self.base_url
        )?;
        for c in &self.checks {
            let mark = match c.verdict {
                Grade::Pass => "ok  ",
                Grade::Warn => "WARN",
                Grade::Fail => "FAIL",
                Grade::Skipped => "skip",
            };
            writeln!(f, "  [{mark}] {:<22} {}", c.name, c.detail)?;
            if let Some(fix) = &c.fix {
                writeln!(f, "         fix: {fix}")?;
            }
        }
        let failing = self.checks.iter().filter(|c| c.verdict != Grade::Pass).count();
        let requests = format!("{} request{}", self.requests, if self.requests == 1 { "" } else { "s" });
        if failing == 0 {
            writeln!(f, "{requests}; all {} checks passed", self.checks.len())
        } else {
            writeln!(f, "{requests}; {failing} of {} checks did not pass", self.checks.len())
        }
    }
}
