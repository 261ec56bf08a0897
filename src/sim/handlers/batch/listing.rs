//! Discovery listings: `{"pagination": {...}, "<key>": [...], "_links": {...}}`, plain JSON, 1,000
//! items a page by default; personal collections and their reports only with `include_spaces=all`.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::{BatchLinks, ViewsField, error, ok};
use crate::sim::config::SimConfig;
use crate::sim::handlers::Reply;
use crate::sim::truth::Truth;
use crate::sim::workspace::{SimCollection, SimReport};

/// Discovery's page size when `per_page` is not given, and the largest it takes.
pub const PER_PAGE: usize = 1000;

/// One listing page; `key` is the listing asked for (`reports`, `report_stats`, ...).
pub fn list(cfg: &SimConfig, truth: &Truth, key: &str, q: &HashMap<String, String>) -> Reply {
    let at = match Page::asked(cfg, q) {
        Ok(at) => at,
        Err(bad) => return bad,
    };
    let all = q.get("include_spaces").is_some_and(|v| v == "all");
    let Some((total, items)) = listing(cfg, truth, key, all, &at) else {
        return error(404, "Not found");
    };
    ok(page_body(cfg, key, &at, total, items))
}

/// The page a listing request asks for: its number and size.
#[derive(Clone, Copy)]
struct Page {
    page: usize,
    per_page: usize,
}

impl Page {
    /// `page` and `per_page` of the query (the size capped by the configured page cap), or the
    /// 400 that a value out of range gets.
    fn asked(cfg: &SimConfig, q: &HashMap<String, String>) -> Result<Page, Reply> {
        let per_page = match q.get("per_page").map(|v| v.trim().parse::<usize>()) {
            None => PER_PAGE,
            Some(Ok(n)) if (1..=PER_PAGE).contains(&n) => n,
            Some(_) => return Err(error(400, "per_page must be between 1 and 1000")),
        }
        .min(cfg.page_cap.unwrap_or(PER_PAGE))
        .max(1);
        let page = match q.get("page").map(|v| v.trim().parse::<usize>()) {
            None => 1,
            Some(Ok(n)) if n >= 1 => n,
            Some(_) => return Err(error(400, "page must be a positive number")),
        };
        Ok(Page { page, per_page })
    }

    /// How many items come before this page.
    fn skip(&self) -> usize {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

/// The total count of listing `key` and the items of page `at` (`None`: no such listing);
/// personal collections and their reports only when `all`.
fn listing(cfg: &SimConfig, truth: &Truth, key: &str, all: bool, at: &Page) -> Option<(usize, Vec<Value>)> {
    let ws = &truth.ws;
    let (skip, per_page) = (at.skip(), at.per_page);
    let shown = |c: &SimCollection| all || c.space_type != "private";
    let reports = || {
        ws.collections
            .iter()
            .filter(|c| shown(c))
            .flat_map(|c| c.reports.iter().map(move |r| (c, r)))
    };
    Some(match key {
        "spaces" => {
            let listed = || ws.collections.iter().filter(|c| shown(c));
            (
                listed().count(),
                listed().skip(skip).take(per_page).map(|c| space(cfg, c)).collect(),
            )
        }
        "reports" => (
            reports().count(),
            reports()
                .skip(skip)
                .take(per_page)
                .map(|(c, r)| report(cfg, truth, c, r))
                .collect(),
        ),
        "report_stats" => (
            reports().count(),
            reports()
                .skip(skip)
                .take(per_page)
                .map(|(_, r)| stats(cfg, truth, r))
                .collect(),
        ),
        "members" => (
            ws.users.len(),
            ws.users
                .iter()
                .skip(skip)
                .take(per_page)
                .map(|u| member(cfg, u))
                .collect(),
        ),
        _ => return None,
    })
}

/// The listing page's body: its `pagination` block, the items under `key` and, unless
/// configured absent, the `_links` to the next and previous pages.
fn page_body(cfg: &SimConfig, key: &str, at: &Page, total: usize, items: Vec<Value>) -> Value {
    let Page { page, per_page } = *at;
    let total_pages = total.div_ceil(per_page);
    let href = |p: usize| format!("/batch/{}/{key}?page={p}&per_page={per_page}", cfg.workspace);
    let mut pagination = json!({"page": page, "per_page": per_page, "count": items.len()});
    if cfg.list_totals {
        pagination["total_pages"] = json!(total_pages);
        pagination["total_count"] = json!(total);
    }
    let mut body = json!({"pagination": pagination, key: items});
    let mut links = serde_json::Map::new();
    let next = match cfg.batch.links {
        BatchLinks::Absent => false,
        BatchLinks::Docs => page < total_pages,
        BatchLinks::NextOnLast => true,
    };
    if next {
        links.insert("next_page".into(), json!({"href": href(page + 1)}));
    }
    if page > 1 && cfg.batch.links != BatchLinks::Absent {
        links.insert("prev_page".into(), json!({"href": href(page - 1)}));
    }
    if cfg.batch.links != BatchLinks::Absent {
        body["_links"] = Value::Object(links);
    }
    body
}

fn space(cfg: &SimConfig, c: &SimCollection) -> Value {
    json!({
        "id": c.id,
        "token": c.token,
        "name": c.name,
        "description": c.description,
        "space_type": c.space_type,
        "space_url": format!("/api/{}/spaces/{}", cfg.workspace, c.token),
    })
}

/// The creator's email, as Discovery gives it (REST only links to the creator).
fn email<'a>(truth: &'a Truth, username: &str) -> Option<&'a str> {
    truth.user(username).map(|u| u.email.as_str())
}

/// `succeeded` when the last run is the last successful one, `failed` otherwise; null if never run.
fn run_state(r: &SimReport) -> Option<&'static str> {
    let last = r.last_run_at.as_deref()?;
    Some(match r.last_successfully_run_at.as_deref() {
        Some(ok) if ok >= last => "succeeded",
        _ => "failed",
    })
}

fn report(cfg: &SimConfig, truth: &Truth, c: &SimCollection, r: &SimReport) -> Value {
    let mut item = json!({
        "id": r.id,
        "token": r.token,
        "name": r.name,
        "description": r.description,
        "created_at": r.created_at,
        "edited_at": r.edited_at,
        "updated_at": r.updated_at,
        "last_successfully_run_at": r.last_successfully_run_at,
        "last_run_token": r.last_run_at.as_ref().map(|_| crate::sim::render::derived_token(&[&r.token, "last run"])),
        "last_run_state": run_state(r),
        "creator_email": email(truth, &r.creator),
        "space_id": c.id,
        "space_token": c.token,
        "report_url": format!("/api/{}/reports/{}", cfg.workspace, r.token),
    });
    // Absent rather than null when unknown, as the docs allow.
    if let Some(at) = &r.last_viewed_at {
        item["last_viewed_at"] = json!(at);
    }
    if let Some(at) = &r.last_run_at {
        item["last_run_at"] = json!(at);
    }
    item
}

fn stats(cfg: &SimConfig, truth: &Truth, r: &SimReport) -> Value {
    let creator = email(truth, &r.creator);
    let scheduled: Vec<&str> = if r.schedules.is_empty() {
        Vec::new()
    } else {
        creator.into_iter().collect()
    };
    let views = match cfg.batch.views_field {
        ViewsField::TotalViewsCount => "total_views_count",
        ViewsField::ViewCount => "view_count",
    };
    json!({
        // Ids as strings, the type the docs give them (their examples send numbers).
        "report_id": r.id.to_string(),
        "report_token": r.token,
        "active_schedules_count": r.schedules.len(),
        "explorations_count": r.explorations_count,
        views: r.view_count,
        "recent_manual_run_creators_emails": [],
        "scheduled_run_creators_emails": scheduled,
        "editors_emails": creator.into_iter().collect::<Vec<_>>(),
    })
}

fn member(cfg: &SimConfig, u: &crate::sim::workspace::SimUser) -> Value {
    let former = cfg.batch.former_members.contains(&u.username);
    json!({
        "id": u64::from_str_radix(&u.token[..6], 16).unwrap_or(0),
        "token": crate::sim::render::derived_token(&[&u.token, "membership"]),
        "state": if former { "deactivated" } else { "active" },
        "member_email": u.email,
        "member_token": u.token,
        "member_username": u.username,
        "banned_at": former.then_some("2026-10-01T00:00:00.000Z"),
        "activated_at": "2025-01-01T00:00:00.000Z",
    })
}
