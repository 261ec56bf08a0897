use axum::http::{HeaderMap, HeaderValue, Method, header};
use base64::Engine as _;
use serde_json::{Value, json};

use super::*;
use crate::sim::Workspace;

fn setup(batch: BatchConfig, sizes: Vec<usize>) -> (SimConfig, Truth) {
    let mut cfg = SimConfig {
        batch,
        ..SimConfig::default()
    };
    cfg.spec.sizes = Some(sizes);
    let truth = Truth::new(Workspace::generate(&cfg.workspace, &cfg.spec));
    (cfg, truth)
}

fn bearer_of(t: &str, k: &str, s: &str) -> HeaderMap {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{t}:{k}:{s}"));
    let mut h = HeaderMap::new();
    h.insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {encoded}")).unwrap(),
    );
    h
}

fn preset(cfg: &SimConfig) -> HeaderMap {
    let (t, k, s) = cfg.batch.preset.clone().unwrap();
    bearer_of(&t, &k, &s)
}

#[allow(clippy::too_many_arguments)]
fn call(
    cfg: &SimConfig,
    truth: &Truth,
    tokens: &SignatureTokens,
    method: &Method,
    headers: &HeaderMap,
    path: &[&str],
    query: &HashMap<String, String>,
    body: &[u8],
    basic_ok: bool,
) -> Reply {
    let req = BatchRequest {
        method,
        headers,
        path,
        query,
        body,
        basic_ok,
    };
    answer(cfg, truth, tokens, &req)
}

fn get(cfg: &SimConfig, truth: &Truth, headers: &HeaderMap, key: &str, query: &[(&str, &str)]) -> Reply {
    let q = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let tokens = SignatureTokens::default();
    call(
        cfg,
        truth,
        &tokens,
        &Method::GET,
        headers,
        &["acme", key],
        &q,
        b"",
        false,
    )
}

#[test]
fn a_bad_bearer_is_404_and_a_good_one_lists() {
    let (cfg, truth) = setup(BatchConfig::default(), vec![3, 2, 1, 4]);
    assert_eq!(get(&cfg, &truth, &bearer_of("x", "y", "z"), "reports", &[]).status, 404);
    assert_eq!(get(&cfg, &truth, &HeaderMap::new(), "reports", &[]).status, 404);
    let reply = get(&cfg, &truth, &preset(&cfg), "reports", &[("include_spaces", "all")]);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["reports"].as_array().unwrap().len(), 10);
    assert_eq!(reply.body["pagination"]["total_count"], 10);
}

#[test]
fn personal_collections_only_with_include_spaces_all() {
    // Default spec: 4 custom collections, 1 personal, community: sizes in that order.
    let (cfg, truth) = setup(BatchConfig::default(), vec![1, 1, 1, 1, 5, 2]);
    let without = get(&cfg, &truth, &preset(&cfg), "reports", &[]);
    assert_eq!(without.body["pagination"]["total_count"], 6);
    let spaces = get(&cfg, &truth, &preset(&cfg), "spaces", &[]);
    assert!(
        spaces.body["spaces"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["space_type"] != "private")
    );
    let with = get(
        &cfg,
        &truth,
        &preset(&cfg),
        "report_stats",
        &[("include_spaces", "all")],
    );
    assert_eq!(with.body["pagination"]["total_count"], 11);
}

#[test]
fn the_three_link_behaviours() {
    let pages = |links| {
        let (cfg, truth) = setup(
            BatchConfig {
                links,
                ..BatchConfig::default()
            },
            vec![2, 2, 1, 0, 0, 0],
        );
        let last = get(
            &cfg,
            &truth,
            &preset(&cfg),
            "reports",
            &[("per_page", "2"), ("page", "3")],
        );
        let first = get(&cfg, &truth, &preset(&cfg), "reports", &[("per_page", "2")]);
        (first.body, last.body)
    };
    let (first, last) = pages(BatchLinks::Docs);
    assert_eq!(
        first["_links"]["next_page"]["href"],
        "/batch/acme/reports?page=2&per_page=2"
    );
    assert_eq!(last["_links"].get("next_page"), None);
    assert_eq!(
        last["pagination"],
        json!({"page": 3, "per_page": 2, "count": 1, "total_pages": 3, "total_count": 5})
    );
    let (first, last) = pages(BatchLinks::Absent);
    assert_eq!((first.get("_links"), last.get("_links")), (None, None));
    let (_, last) = pages(BatchLinks::NextOnLast);
    assert_eq!(
        last["_links"]["next_page"]["href"],
        "/batch/acme/reports?page=4&per_page=2"
    );
}

#[test]
fn view_count_goes_by_either_name_and_ids_as_strings() {
    for (field, name) in [
        (ViewsField::ViewCount, "view_count"),
        (ViewsField::TotalViewsCount, "total_views_count"),
    ] {
        let (cfg, truth) = setup(
            BatchConfig {
                views_field: field,
                ..BatchConfig::default()
            },
            vec![3],
        );
        let reply = get(&cfg, &truth, &preset(&cfg), "report_stats", &[]);
        let first = &reply.body["report_stats"][0];
        let (_, want) = truth.ws.reports().next().unwrap();
        assert_eq!(first[name], want.view_count);
        assert_eq!(first["report_id"], Value::from(want.id.to_string()));
    }
}

#[test]
fn per_page_outside_1_to_1000_is_a_bad_request() {
    let (cfg, truth) = setup(BatchConfig::default(), vec![3]);
    assert_eq!(
        get(&cfg, &truth, &preset(&cfg), "reports", &[("per_page", "1001")]).status,
        400
    );
    assert_eq!(
        get(&cfg, &truth, &preset(&cfg), "reports", &[("per_page", "0")]).status,
        400
    );
}

#[test]
fn minted_tokens_read_until_deleted_and_a_refused_plan_mints_nothing() {
    let (cfg, truth) = setup(BatchConfig::default(), vec![3]);
    let tokens = SignatureTokens::default();
    let body = json!({"signature_token": {"name": "mode-audit-acme-1", "expires_at": "2026-12-02T10:00:00+00:00",
        "auth_scope": {"authentication_for": "batch-api", "authorization_type": "read-only"}}});
    let body = serde_json::to_vec(&body).unwrap();
    let none = Default::default();
    let mint = |basic| {
        call(
            &cfg,
            &truth,
            &tokens,
            &Method::POST,
            &HeaderMap::new(),
            &["acme", "signature_tokens"],
            &none,
            &body,
            basic,
        )
    };
    assert_eq!(mint(false).status, 401);
    let minted = mint(true);
    assert_eq!(minted.status, 200);
    let t = |k: &str| minted.body[k].as_str().unwrap().to_string();
    let auth = bearer_of(&t("token"), &t("access_key"), &t("access_secret"));
    let list = || {
        call(
            &cfg,
            &truth,
            &tokens,
            &Method::GET,
            &auth,
            &["acme", "spaces"],
            &none,
            b"",
            false,
        )
        .status
    };
    assert_eq!(list(), 200);
    let path = ["acme", "signature_tokens", &t("token")];
    assert_eq!(
        call(
            &cfg,
            &truth,
            &tokens,
            &Method::DELETE,
            &HeaderMap::new(),
            &path,
            &none,
            b"",
            true
        )
        .status,
        204
    );
    assert_eq!(list(), 404);
    assert!(tokens.all()[0].deleted);

    let (refused, truth) = setup(
        BatchConfig {
            enterprise: false,
            ..BatchConfig::default()
        },
        vec![3],
    );
    let reply = call(
        &refused,
        &truth,
        &tokens,
        &Method::POST,
        &HeaderMap::new(),
        &["acme", "signature_tokens"],
        &none,
        &body,
        true,
    );
    assert_eq!(reply.status, 403);
    assert_eq!(get(&refused, &truth, &preset(&refused), "reports", &[]).status, 404);
}

#[test]
fn members_mark_former_ones_with_banned_at() {
    let (mut cfg, truth) = setup(BatchConfig::default(), vec![1, 1, 1, 1, 1, 1]);
    let gone = truth.ws.users[0].username.clone();
    cfg.batch.former_members = vec![gone.clone()];
    let reply = get(&cfg, &truth, &preset(&cfg), "members", &[]);
    let members = reply.body["members"].as_array().unwrap();
    assert_eq!(members.len(), truth.ws.users.len());
    for m in members {
        assert_eq!(m["banned_at"].is_null(), m["member_username"] != gone.as_str());
    }
}
