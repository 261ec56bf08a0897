//! The collections checks of `doctor`: the workspace answers its collections listing, and a
//! Personal collection is among them (the token's admin scope), from the same listing pages.

use super::{CREDENTIALS_FIX, Check, Grade, not_passed, pass};
use crate::config::Settings;
use crate::crawl::pager::{Next, Pager};
use crate::mode::{Collection, ModeClient, ModeError, Page};

/// Pages of the collections listing read at most while looking for a Personal collection.
const MAX_PAGES: u32 = 10;

/// What the listing pages read showed.
struct Listed {
    collections: usize,
    personal: usize,
    pages: u32,
}

/// The workspace check and the Personal-collections check.
pub(super) async fn check(client: &ModeClient, settings: &Settings) -> (Check, Check) {
    match list(client, settings).await {
        Ok(listed) => (workspace(settings, &listed), personal(settings, &listed)),
        Err(e) => (workspace_failed(&e, &settings.workspace), skipped_scope()),
    }
}

/// Reads the listing until a Personal collection shows (or to its end, within [`MAX_PAGES`]);
/// `Err` when its first page fails.
async fn list(client: &ModeClient, settings: &Settings) -> Result<Listed, ModeError> {
    // The walk's own pager decides where the listing ends; the page cap keeps doctor quick.
    let mut pager = Pager::new(settings.crawl.per_page, MAX_PAGES);
    let (mut collections, mut personal, mut page) = (0usize, 0usize, 1u32);
    loop {
        let result: Result<Page<Collection>, ModeError> =
            client.page(client.collections_url(page, pager.per_page())).await;
        let items = match result {
            Ok(p) => p.items,
            Err(e) if page == 1 => return Err(e),
            Err(e) => {
                tracing::warn!(error = %e, "collections page {page} failed; judging from the pages read");
                break;
            }
        };
        for c in &items {
            if pager.admit(&c.token) {
                collections += 1;
                personal += usize::from(c.is_personal());
            }
        }
        match pager.finish_page(items.len()) {
            Next::Page(next) if personal == 0 && !settings.crawl.exclude_personal => page = next,
            _ => break,
        }
    }
    Ok(Listed {
        collections,
        personal,
        pages: pager.pages(),
    })
}

fn workspace(settings: &Settings, listed: &Listed) -> Check {
    let pages = listed.pages;
    pass(
        "workspace",
        format!(
            "GET /api/{}/spaces?filter=all answers ({} collections on {} page{})",
            settings.workspace,
            listed.collections,
            pages,
            if pages == 1 { "" } else { "s" }
        ),
    )
}

fn personal(settings: &Settings, listed: &Listed) -> Check {
    if settings.crawl.exclude_personal {
        pass(
            "personal collections",
            "not needed: --exclude-personal skips them".into(),
        )
    } else if listed.personal > 0 {
        pass(
            "personal collections",
            format!("visible with filter=all (found {} on the pages read)", listed.personal),
        )
    } else {
        not_passed(
            "personal collections",
            Grade::Warn,
            format!(
                "none of the {} collections listed with filter=all is a Personal collection (space_type private)",
                listed.collections
            ),
            "the token may lack admin scope and a run would miss members' Personal collections: use a workspace API token, \
             which a workspace admin creates under Workspace Settings > Privacy & Security > API (a personal token or a \
             non-admin's token sees only its own); if the workspace really has no Personal collections, ignore this",
        )
    }
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
