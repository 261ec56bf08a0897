//! `Hal`: builds Mode-shaped HAL+JSON bodies (list envelopes, errors, verify, user, space)
//! with `serde_json::json!`; report and schedule bodies live in `render_report.rs`,
//! subscription bodies in `render_subscription.rs`.

use serde_json::{Value, json};

use super::faults::{error_id, error_message};
use super::workspace::{SimCollection, SimUser};

/// Renders bodies for one workspace.
#[derive(Clone, Copy, Debug)]
pub struct Hal<'a> {
    /// Workspace username.
    pub ws: &'a str,
    /// Counters as numeric strings (`"6"`) instead of numbers.
    pub strings: bool,
}

/// Page facts for the optional SPEC-style `pagination` block.
#[derive(Clone, Copy, Debug)]
pub struct PageInfo {
    pub page: usize,
    pub per_page: usize,
    pub total_pages: usize,
    pub total_count: usize,
}

/// A stable 12-hex-char token derived from parts (FNV-1a), for objects that are not part of
/// the truth (runs, subscriptions, memberships, the workspace itself).
pub fn derived_token(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{:012x}", (h ^ (h >> 29)) & 0xffff_ffff_ffff)
}

/// `{"id": <code>, "message": <text>}`.
pub fn error_body(status: u16, message: Option<&str>) -> Value {
    json!({"id": error_id(status), "message": message.unwrap_or(error_message(status))})
}

/// What Mode answers workspace tokens on endpoints they cannot use (OM #14578, verbatim).
pub fn api_key_unsupported() -> Value {
    json!({
        "id": "bad_request",
        "message": "This endpoint is unsupported for use with Api Keys",
        "_links": {"help": {"href": "https://mode.com/help"}}
    })
}

impl Hal<'_> {
    pub fn api(&self, rest: &str) -> String {
        format!("/api/{}{rest}", self.ws)
    }

    /// A counter, as a number or (when configured) a numeric string.
    pub fn count(&self, n: u64) -> Value {
        if self.strings { json!(n.to_string()) } else { json!(n) }
    }

    /// The numeric account id that appears in report bodies.
    pub fn account_id(&self) -> u64 {
        751_000 + u64::from_str_radix(&derived_token(&[self.ws, "account"])[..4], 16).unwrap_or(0)
    }

    pub fn workspace_token(&self) -> String {
        derived_token(&[self.ws, "workspace"])
    }

    /// `{"_links": {"self": ...}, "_embedded": {key: items}}`, plus the SPEC `pagination`
    /// block and `next_page`/`prev_page` links when `pagination` is given.
    pub fn list(&self, self_href: &str, key: &str, items: Vec<Value>, pagination: Option<PageInfo>) -> Value {
        let mut links = json!({"self": {"href": self_href}});
        let mut body = serde_json::Map::new();
        if let Some(p) = pagination {
            let href = |page: usize| format!("{self_href}?page={page}&per_page={}", p.per_page);
            let last = p.total_pages.max(1);
            body.insert(
                "pagination".into(),
                json!({
                    "first_page": href(1),
                    "last_page": href(last),
                    "total_pages": p.total_pages,
                    "total_count": p.total_count,
                }),
            );
            if p.page < p.total_pages {
                links["next_page"] = json!({"href": href(p.page + 1)});
            }
            if p.page > 1 && p.page <= last + 1 {
                links["prev_page"] = json!({"href": href(p.page - 1)});
            }
        }
        body.insert("_links".into(), links);
        body.insert("_embedded".into(), json!({ key: items }));
        Value::Object(body)
    }

    /// `GET /api/verify`.
    pub fn verify(&self) -> Value {
        json!({
            "workspace": self.ws,
            "workspace_token": self.workspace_token(),
            "_links": {"self": {"href": self.api("")}}
        })
    }

    /// `GET /api/{username}`.
    pub fn user(&self, u: &SimUser) -> Value {
        json!({
            "username": u.username,
            "name": u.name,
            "email": u.email,
            "token": u.token,
            "_links": {
                "self": {"href": format!("/api/{}", u.username)},
                "web": {"href": format!("https://app.mode.com/{}", u.username)}
            }
        })
    }

    /// A collection as listed in `_embedded.spaces` and returned by `GET .../spaces/{space}`.
    pub fn space(&self, c: &SimCollection) -> Value {
        let base = self.api(&format!("/collections/{}", c.token));
        let custom = c.space_type == "custom";
        let mut links = json!({
            "self": {"href": base},
            "detail": {"href": format!("{base}/detail")},
            "web": {"href": format!("/{}/spaces/{}", self.ws, c.token)},
            "reports": {"href": format!("{base}/reports")},
            "creator": {"href": format!("/api/{}", c.creator)},
            "search_space_permissions": {"href": format!("{base}/permissions/search")},
        });
        let mut space = json!({
            "token": c.token,
            "id": c.id,
            "space_type": c.space_type,
            "name": c.name,
            "description": c.description,
            "state": "active",
            "restricted": c.restricted,
            "free_default": c.space_type == "community" || (custom && !c.restricted),
            "viewable?": true,
        });
        if custom {
            let membership = derived_token(&[&c.token, "membership"]);
            links["user_space_membership"] = json!({"href": format!("{base}/memberships/{membership}")});
            links["space_memberships"] = json!({"href": format!("{base}/memberships")});
            links["preview_space_memberships"] = json!({"href": format!("{base}/memberships/preview")});
            links["viewed"] = json!({"href": format!("{base}/viewed")});
            space["viewed?"] = json!(!c.token.as_bytes()[0].is_multiple_of(3));
            space["default_access_level"] = json!(if c.restricted { "none" } else { "edit" });
        }
        space["_links"] = links;
        space["_forms"] = json!({
            "destroy_entitlements": {"method": "delete", "action": format!("{base}/permissions")}
        });
        space
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Workspace, WorkspaceSpec};

    #[test]
    fn derived_tokens_are_stable_hex() {
        let t = derived_token(&["abc", "run"]);
        assert_eq!(t, derived_token(&["abc", "run"]));
        assert_ne!(t, derived_token(&["abcr", "un"]));
        assert!(t.len() == 12 && t.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }

    #[test]
    fn space_bodies_follow_the_captures() {
        let ws = Workspace::generate("acme", &WorkspaceSpec::default());
        let hal = Hal {
            ws: "acme",
            strings: false,
        };
        let custom = hal.space(&ws.collections[0]);
        let tok = &ws.collections[0].token;
        assert_eq!(custom["_links"]["self"]["href"], format!("/api/acme/collections/{tok}"));
        assert_eq!(custom["_links"]["web"]["href"], format!("/acme/spaces/{tok}"));
        assert!(custom["viewable?"].is_boolean() && custom["viewed?"].is_boolean());
        assert_eq!(custom["state"], "active");
        let personal = hal.space(&ws.collections[4]);
        assert_eq!(personal["space_type"], "private");
        assert_eq!(personal["name"], "Personal");
        assert!(personal.get("viewed?").is_none() && personal["_links"].get("viewed").is_none());
    }

    #[test]
    fn list_envelope_with_and_without_pagination() {
        let hal = Hal {
            ws: "acme",
            strings: true,
        };
        let plain = hal.list("/api/acme/collections", "spaces", vec![], None);
        assert_eq!(
            plain,
            json!({"_links": {"self": {"href": "/api/acme/collections"}}, "_embedded": {"spaces": []}})
        );
        let info = PageInfo {
            page: 2,
            per_page: 30,
            total_pages: 3,
            total_count: 61,
        };
        let paged = hal.list("/x", "reports", vec![json!(1)], Some(info));
        assert_eq!(paged["pagination"]["total_count"], 61);
        assert_eq!(paged["_links"]["next_page"]["href"], "/x?page=3&per_page=30");
        assert_eq!(paged["_links"]["prev_page"]["href"], "/x?page=1&per_page=30");
        assert_eq!(hal.count(6), json!("6"));
    }
}
