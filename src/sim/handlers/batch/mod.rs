//! The Discovery API (`/batch/{ws}/...`) of the stand-in: signature tokens minted and deleted with
//! the admin's Basic auth, listings read with a Bearer signature token, as Mode's Discovery
//! documentation describes them (see `listing.rs` for the envelope, `tokens.rs` for the tokens).
//!
//! What Mode leaves open is switchable ([`BatchConfig`]): how the `_links` of a listing look, which
//! name the view count goes by, and whether the workspace has Discovery at all (an Enterprise plan).

mod listing;
mod tokens;

use std::collections::HashMap;

use axum::http::{HeaderMap, Method, header};
use base64::Engine as _;
use serde_json::Value;

use super::Reply;
use crate::sim::config::SimConfig;
use crate::sim::render::error_body;
use crate::sim::truth::Truth;

pub use tokens::{MintedToken, SignatureTokens};

/// How a listing's `_links` look; Mode does not document how a listing ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BatchLinks {
    /// As in the docs: `next_page` while a page follows, `prev_page` after the first.
    #[default]
    Docs,
    /// No `_links` at all.
    Absent,
    /// `next_page` on every page, the last one included.
    NextOnLast,
}

/// The name `report_stats` gives the all-time view count (the docs use both).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ViewsField {
    #[default]
    TotalViewsCount,
    ViewCount,
}

/// The stand-in's Discovery API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchConfig {
    /// `false` mimics a workspace without the Enterprise plan: minting is refused (403) and every
    /// data call answers 404, as Mode does for a signature token it does not know.
    pub enterprise: bool,
    pub links: BatchLinks,
    pub views_field: ViewsField,
    /// A signature token valid from the start (`token`, `access_key`, `access_secret`), as one
    /// minted earlier by an admin and handed to the audit.
    pub preset: Option<(String, String, String)>,
    /// Usernames listed by `/members` as former members (`banned_at` set).
    pub former_members: Vec<String>,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            enterprise: true,
            links: BatchLinks::Docs,
            views_field: ViewsField::TotalViewsCount,
            preset: Some((
                "d1scovery7oken".to_string(),
                "demo-access-key".to_string(),
                "demo-access-secret".to_string(),
            )),
            former_members: Vec::new(),
        }
    }
}

/// A `/batch` path: `["acme", "reports"]` for `/batch/acme/reports`.
pub fn segments(path: &str) -> Option<Vec<&str>> {
    let rest = path.strip_prefix("/batch/")?;
    Some(rest.trim_end_matches('/').split('/').collect())
}

/// One `/batch` request as the handler reads it.
pub struct BatchRequest<'a> {
    pub method: &'a Method,
    pub headers: &'a HeaderMap,
    /// The path after `/batch/`, split at `/`.
    pub path: &'a [&'a str],
    pub query: &'a HashMap<String, String>,
    pub body: &'a [u8],
    /// Whether the request carried the admin's API key and secret (Basic auth).
    pub basic_ok: bool,
}

/// Answers one `/batch` request that passed the rate window.
pub fn answer(cfg: &SimConfig, truth: &Truth, tokens: &SignatureTokens, req: &BatchRequest<'_>) -> Reply {
    let BatchRequest {
        method,
        headers,
        path,
        query,
        body,
        basic_ok,
    } = *req;
    let batch = &cfg.batch;
    if path.first() != Some(&cfg.workspace.as_str()) {
        return error(
            404,
            "check the account in the path and that the signature token is valid",
        );
    }
    match (method, &path[1..]) {
        (&Method::POST, ["signature_tokens"]) => {
            if !basic_ok {
                return error(401, "an admin's API key and secret are required");
            }
            if !batch.enterprise {
                return error(403, "the Discovery API is available on the Enterprise plan only");
            }
            tokens.mint(body)
        }
        (&Method::DELETE, ["signature_tokens", token]) => {
            if !basic_ok {
                return error(401, "an admin's API key and secret are required");
            }
            tokens.delete(token)
        }
        (&Method::GET, [key]) => {
            let valid = bearer(headers).is_some_and(|(t, k, s)| {
                batch.enterprise
                    && (batch
                        .preset
                        .as_ref()
                        .is_some_and(|p| (&p.0, &p.1, &p.2) == (&t, &k, &s))
                        || tokens.valid(&t, &k, &s))
            });
            if !valid {
                return error(
                    404,
                    "check the account in the path and that the signature token is valid",
                );
            }
            listing::list(cfg, truth, key, query)
        }
        _ => error(404, "Not found"),
    }
}

/// `(token, access_key, access_secret)` of `Authorization: Bearer base64("t:k:s")`.
fn bearer(headers: &HeaderMap) -> Option<(String, String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let mut parts = decoded.splitn(3, ':');
    Some((
        parts.next()?.to_string(),
        parts.next()?.to_string(),
        parts.next()?.to_string(),
    ))
}

fn error(status: u16, message: &str) -> Reply {
    Reply {
        status,
        body: error_body(status, Some(message)),
        location: None,
    }
}

fn ok(body: Value) -> Reply {
    Reply {
        status: 200,
        body,
        location: None,
    }
}

#[cfg(test)]
mod tests;
