//! `mode-audit doctor`: a checklist, with a fix for each item that does not pass, of what a run
//! needs: credentials (`GET /api/verify`), the workspace (`GET /api/{ws}/spaces?filter=all&page=1`,
//! since `GET /api/{ws}` answers 400 to workspace API tokens), Personal collections visible (admin
//! scope), Mode's rate-limit headers, and a writable output folder or bucket. Usually two requests.
//! Each workspace named is checked in turn, [`doctor_each`]; the SMTP server of MODE_AUDIT_SMTP_URL,
//! when set, once, with the first.

mod discovery;
pub mod smtp;

use std::fmt;

use crate::config::{Destination, Settings};
use crate::crawl::pager::{Next, Pager};
use crate::mode::{Collection, ModeClient, ModeError, Page};
use crate::output;
use crate::output::Place;
use crate::output::metrics;

/// Pages of the collections listing read at most while looking for a Personal collection.
const MAX_PAGES: u32 = 10;

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

/// Runs every check against the workspace `settings` name.
pub async fn doctor(settings: &Settings) -> Checklist {
    let mut client_settings = settings.client.clone();
    // A checklist should answer in seconds: one retry at most.
    client_settings.retry.max_retries = client_settings.retry.max_retries.min(1);
    let ws = settings.workspace.clone();
    let mut checks = Vec::new();
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
    checks.push(verified);
    match client.as_ref().filter(|_| credentials_ok) {
        Some(client) => {
            let (workspace, personal) = collections(client, settings).await;
            checks.push(workspace);
            checks.push(personal);
            checks.push(rate_limit(client, settings));
            checks.extend(discovery::check(client, settings).await);
        }
        None => checks.extend(["workspace", "personal collections", "rate-limit headers"].map(skipped)),
    }
    checks.push(match &settings.destination {
        Destination::Dir(out) => match output::check_writable(out, &ws) {
            Ok(()) => pass("output folder", format!("{} is writable", output::workspace_dir(out, &ws).display())),
            Err(e) => not_passed(
                "output folder",
                Grade::Fail,
                format!("{e:#}"),
                "create the folder or choose another with --out / MODE_AUDIT_OUT; the job's user must be able to write in it",
            ),
        },
        Destination::Bucket(url) => {
            let checked = match Place::bucket(url, &settings.store) {
                Ok(place) => place.check(&ws).await,
                Err(e) => Err(e),
            };
            match checked {
                Ok(()) => pass(
                    "output folder",
                    format!("{} can be listed and written", url.join(&[&ws])),
                ),
                Err(e) => not_passed(
                    "output folder",
                    Grade::Fail,
                    format!("{e:#}"),
                    "see docs/storage.md for the URL forms, the credential chain of each provider and the permissions a run needs",
                ),
            }
        }
        Destination::Stdout => pass("output folder", "--out -: reports.csv goes to stdout, nothing is written".into()),
    });
    if !matches!(settings.destination, Destination::Stdout) {
        checks.push(lease_check(settings).await);
    }
    if let Some(setting) = &settings.insights.metrics_file {
        let path = metrics::file_for(setting, &ws);
        checks.push(match metrics::check_writable(setting, &ws) {
            Ok(()) => pass("metrics file", format!("{} can be written", path.display())),
            Err(e) => not_passed(
                "metrics file",
                Grade::Fail,
                format!("{e:#}"),
                "point --metrics-file / MODE_AUDIT_METRICS_FILE at a writable folder (node-exporter's textfile directory), or a file name in one",
            ),
        });
    }
    Checklist {
        workspace: ws,
        base_url: settings.client.base_url.to_string(),
        checks,
        requests: client.map_or(0, |c| c.stats().requests),
    }
}

/// Whether another mode-audit holds the output's lease (only read: doctor never takes it).
async fn lease_check(settings: &Settings) -> Check {
    match super::lease::holder(settings).await {
        Ok(None) => pass("lease", "free: no other mode-audit is writing to this output".into()),
        Ok(Some((place, holder))) if holder.stale(chrono::Utc::now()) => not_passed(
            "lease",
            Grade::Warn,
            format!("{place} was left by {holder}, which is gone or expired"),
            "nothing to do: the next run, apply --execute, undo --execute or notify --execute takes it over with a warning",
        ),
        Ok(Some((place, holder))) => not_passed(
            "lease",
            Grade::Warn,
            format!(
                "{holder} holds {place}: run, apply --execute, undo --execute and notify --execute exit 2 until it ends"
            ),
            "wait for it to finish; if you are sure it is gone, run again with --break-lease",
        ),
        Err(e) => not_passed(
            "lease",
            Grade::Warn,
            format!("{e:#}"),
            "check that the job's user may read OUT/<workspace>/lease.json (or the bucket's object)",
        ),
    }
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

/// The workspace check and the Personal-collections check, from the same listing pages.
async fn collections(client: &ModeClient, settings: &Settings) -> (Check, Check) {
    // The walk's own pager decides where the listing ends; the page cap keeps doctor quick.
    let mut pager = Pager::new(settings.crawl.per_page, MAX_PAGES);
    let (mut listed, mut private, mut page) = (0usize, 0usize, 1u32);
    loop {
        let result: Result<Page<Collection>, ModeError> =
            client.page(client.collections_url(page, pager.per_page())).await;
        let items = match result {
            Ok(p) => p.items,
            Err(e) if page == 1 => return (workspace_failed(&e, &settings.workspace), skipped_scope()),
            Err(e) => {
                tracing::warn!(error = %e, "collections page {page} failed; judging from the pages read");
                break;
            }
        };
        for c in &items {
            if pager.admit(&c.token) {
                listed += 1;
                private += usize::from(c.is_personal());
            }
        }
        match pager.finish_page(items.len()) {
            Next::Page(next) if private == 0 && !settings.crawl.exclude_personal => page = next,
            _ => break,
        }
    }
    let pages = pager.pages();
    let workspace = pass(
        "workspace",
        format!(
            "GET /api/{}/spaces?filter=all answers ({} collections on {} page{})",
            settings.workspace,
            listed,
            pages,
            if pages == 1 { "" } else { "s" }
        ),
    );
    let scope = if settings.crawl.exclude_personal {
        pass(
            "personal collections",
            "not needed: --exclude-personal skips them".into(),
        )
    } else if private > 0 {
        pass(
            "personal collections",
            format!("visible with filter=all (found {private} on the pages read)"),
        )
    } else {
        not_passed(
            "personal collections",
            Grade::Warn,
            format!(
                "none of the {} collections listed with filter=all is a Personal collection (space_type private)",
                listed
            ),
            "the token may lack admin scope and a run would miss members' Personal collections: use a workspace API token, \
             which a workspace admin creates under Workspace Settings > Privacy & Security > API (a personal token or a \
             non-admin's token sees only its own); if the workspace really has no Personal collections, ignore this",
        )
    };
    (workspace, scope)
}

fn skipped_scope() -> Check {
    Check {
        name: "personal collections",
        verdict: Grade::Skipped,
        detail: "not checked: the workspace check did not pass".into(),
        fix: None,
    }
}

fn workspace_failed(e: &ModeError, ws: &str) -> Check {
    let fix = match e {
        ModeError::NotFound { .. } => {
            "use the workspace username, the part after app.mode.com/ in your Mode URLs (--workspace / MODE_WORKSPACE)"
        }
        ModeError::Forbidden { .. } => {
            "the token has no access to this workspace: use a token created in this workspace"
        }
        ModeError::Unauthorized { .. } => CREDENTIALS_FIX,
        _ => "check --base-url / MODE_BASE_URL and the network, then run doctor again",
    };
    not_passed("workspace", Grade::Fail, format!("workspace '{ws}': {e}"), fix)
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
