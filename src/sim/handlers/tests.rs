//! Unit tests of the endpoint answers: filters, paging, 404s and body keys.

use serde_json::json;

use super::*;
use crate::sim::{PastEnd, Workspace, WorkspaceSpec};

fn setup(cfg: SimConfig) -> (SimConfig, Truth) {
    let truth = Truth::new(Workspace::generate(&cfg.workspace, &cfg.spec));
    (cfg, truth)
}

fn get(cfg: &SimConfig, truth: &Truth, path_and_query: &str) -> Reply {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let q: Query = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    handle(cfg, truth, &Endpoint::parse(path), &q)
}

fn tokens(reply: &Reply, key: &str) -> Vec<String> {
    reply.body["_embedded"][key]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["token"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn spaces_filter_semantics() {
    let (cfg, truth) = setup(SimConfig::default());
    let none = get(&cfg, &truth, "/api/acme/spaces");
    assert_eq!(none.status, 200);
    assert_eq!(none.body["_embedded"]["spaces"], json!([]));
    assert_eq!(none.body["_links"]["self"]["href"], "/api/acme/collections");
    assert_eq!(
        tokens(&get(&cfg, &truth, "/api/acme/spaces?filter=all"), "spaces").len(),
        6
    );
    let custom = tokens(&get(&cfg, &truth, "/api/acme/collections?filter=custom"), "spaces");
    assert_eq!(custom.len(), 5);
    assert!(!custom.contains(&truth.ws.collections[4].token));
}

#[test]
fn reports_are_paged_by_thirty() {
    let spec = WorkspaceSpec {
        sizes: Some(vec![61, 0]),
        personal: 0,
        community: false,
        ..Default::default()
    };
    let (cfg, truth) = setup(SimConfig {
        spec,
        ..Default::default()
    });
    let (big, empty) = (&truth.ws.collections[0], &truth.ws.collections[1]);
    let mut seen = Vec::new();
    for page in 1..=4 {
        let r = get(
            &cfg,
            &truth,
            &format!("/api/acme/spaces/{}/reports?page={page}", big.token),
        );
        seen.push(tokens(&r, "reports").len());
        assert!(r.body.get("pagination").is_none());
        assert_eq!(
            r.body["_links"]["self"]["href"],
            format!("/api/acme/collections/{}/reports", big.token)
        );
    }
    assert_eq!(seen, [30, 30, 1, 0]);
    let r = get(
        &cfg,
        &truth,
        &format!("/api/acme/spaces/{}/reports?per_page=100", big.token),
    );
    let expected: Vec<String> = big.reports.iter().map(|r| r.token.clone()).collect();
    assert_eq!(tokens(&r, "reports"), expected);
    assert!(
        tokens(
            &get(&cfg, &truth, &format!("/api/acme/spaces/{}/reports", empty.token)),
            "reports"
        )
        .is_empty()
    );
}

#[test]
fn paging_quirks_are_applied() {
    let spec = WorkspaceSpec {
        sizes: Some(vec![60]),
        personal: 0,
        community: false,
        ..Default::default()
    };
    let cfg = SimConfig {
        spec,
        past_end: PastEnd::RepeatLast,
        duplicates_across_pages: true,
        pagination_block: true,
        ..Default::default()
    };
    let (cfg, truth) = setup(cfg);
    let tok = &truth.ws.collections[0].token;
    let p = |n: usize| get(&cfg, &truth, &format!("/api/acme/spaces/{tok}/reports?page={n}"));
    let (p1, p2, p3, p9) = (p(1), p(2), p(3), p(9));
    assert_eq!(tokens(&p2, "reports")[0], tokens(&p1, "reports")[29]);
    assert_eq!(tokens(&p3, "reports").len(), 2);
    assert_eq!(tokens(&p9, "reports"), tokens(&p3, "reports"));
    assert_eq!(p1.body["pagination"]["total_count"], 60);
    assert!(
        p1.body["_links"]["next_page"]["href"]
            .as_str()
            .unwrap()
            .contains("page=2")
    );
}

#[test]
fn not_found_cases() {
    let (mut cfg, truth) = setup(SimConfig::default());
    let tok = truth.ws.collections[0].token.clone();
    cfg.inaccessible = vec![tok.clone()];
    let r = get(&cfg, &truth, &format!("/api/acme/spaces/{tok}/reports"));
    assert_eq!(
        (r.status, r.body.clone()),
        (404, json!({"id": "not_found", "message": "space not found"}))
    );
    assert_eq!(get(&cfg, &truth, &format!("/api/acme/spaces/{tok}")).status, 200);
    assert_eq!(get(&cfg, &truth, "/api/other/spaces?filter=all").status, 404);
    assert_eq!(get(&cfg, &truth, "/api/acme/spaces/ffffffffffff/reports").status, 404);
    assert_eq!(get(&cfg, &truth, "/api/acme/reports/ffffffffffff").status, 404);
    assert_eq!(get(&cfg, &truth, "/api/nobody").status, 404);
    assert_eq!(get(&cfg, &truth, "/api/acme/reports/x/runs").body["id"], "not_found");
    let bad = get(
        &cfg,
        &truth,
        &format!("/api/acme/spaces/{}/reports?filter=nope", truth.ws.collections[1].token),
    );
    assert_eq!((bad.status, bad.body["id"].as_str()), (400, Some("bad_request")));
}

#[test]
fn accounts_verify_and_users() {
    let (cfg, truth) = setup(SimConfig::default());
    let ws = get(&cfg, &truth, "/api/acme");
    assert_eq!(ws.status, 400);
    assert_eq!(ws.body["message"], "This endpoint is unsupported for use with Api Keys");
    assert_eq!(get(&cfg, &truth, "/api/account").status, 400);
    let v = get(&cfg, &truth, "/api/verify");
    assert_eq!(v.body["workspace"], "acme");
    assert_eq!(v.body["_links"]["self"]["href"], "/api/acme");
    let u = &truth.ws.users[0];
    let user = get(&cfg, &truth, &format!("/api/{}", u.username));
    assert_eq!(
        (user.body["email"].as_str(), user.body["token"].as_str()),
        (Some(&*u.email), Some(&*u.token))
    );
}

#[test]
fn schedules_and_subscriptions() {
    let spec = WorkspaceSpec {
        scheduled_share: 1.0,
        multi_schedule_share: 1.0,
        ..Default::default()
    };
    let (cfg, truth) = setup(SimConfig {
        spec,
        ..Default::default()
    });
    let (_, r) = truth.ws.reports().next().unwrap();
    let s = get(&cfg, &truth, &format!("/api/acme/reports/{}/schedules", r.token));
    assert_eq!(tokens(&s, "report_schedules").len(), 2);
    assert_eq!(
        tokens(
            &get(&cfg, &truth, &format!("/api/acme/reports/{}/schedules?page=2", r.token)),
            "report_schedules"
        )
        .len(),
        0
    );
    let one = get(
        &cfg,
        &truth,
        &format!("/api/acme/reports/{}/schedules/{}", r.token, r.schedules[1].token),
    );
    assert_eq!(one.body["token"], r.schedules[1].token.as_str());
    let subs = get(&cfg, &truth, &format!("/api/acme/reports/{}/subscriptions", r.token));
    let expected = r.schedules.iter().filter(|s| s.subscriber_count > 0).count();
    assert_eq!(
        subs.body["_embedded"]["report_subscriptions"].as_array().unwrap().len(),
        expected
    );
    let path = format!(
        "/api/acme/reports/{}/schedules/{}/subscriptions",
        r.token, r.schedules[0].token
    );
    assert!(get(&cfg, &truth, &path).body["_embedded"]["report_subscriptions"].is_array());
}

#[test]
fn runs_are_paged_with_a_total_and_filtered() {
    let (cfg, truth) = setup(SimConfig::default());
    let (_, r) = truth.ws.reports().find(|(_, r)| !r.schedules.is_empty()).unwrap();
    let cut = crate::sim::run_history::at(cfg.runs_until_ms - 30 * 86_400_000);
    let path = format!(
        "/api/acme/reports/{}/runs?filter=created_at.gt.{cut}&order=desc&order_by=created_at&per_page=50",
        r.token
    );
    let first = get(&cfg, &truth, &path);
    assert_eq!(first.status, 200);
    let expected = crate::sim::run_history::runs_of(r, cfg.runs_until_ms)
        .into_iter()
        .filter(|x| crate::sim::run_history::at(x.created_ms) > cut)
        .count();
    assert_eq!(first.body["pagination"]["total_count"], expected);
    let listed = first.body["_embedded"]["report_runs"].as_array().unwrap();
    assert_eq!(listed.len(), expected.min(50));
    let created: Vec<&str> = listed.iter().map(|x| x["created_at"].as_str().unwrap()).collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "newest first when asked");
    let dropped = SimConfig {
        list_totals: false,
        ..SimConfig::default()
    };
    assert!(get(&dropped, &truth, &path).body.get("pagination").is_none());
    let bad = format!("/api/acme/reports/{}/runs?filter=state.eq.failed", r.token);
    assert_eq!(get(&cfg, &truth, &bad).status, 400);
}

#[test]
fn memberships_mark_or_leave_out_who_left() {
    let cfg = SimConfig {
        departed_members: 2,
        ..SimConfig::default()
    };
    let (cfg, truth) = setup(cfg);
    let members = get(&cfg, &truth, "/api/acme/memberships");
    let listed = members.body["_embedded"]["memberships"].as_array().unwrap().clone();
    assert_eq!(listed.len(), truth.ws.users.len());
    assert_eq!(members.body["pagination"]["total_count"], truth.ws.users.len());
    let gone: Vec<&str> = cfg.departed(&truth.ws.users).collect();
    assert_eq!(gone.len(), 2);
    for m in &listed {
        let left = gone.contains(&m["member_username"].as_str().unwrap());
        assert_eq!(m["state"] == "active", !left);
    }
    let unlisted = SimConfig {
        departed_unlisted: true,
        ..cfg.clone()
    };
    let members = get(&unlisted, &truth, "/api/acme/memberships");
    assert_eq!(
        members.body["_embedded"]["memberships"].as_array().unwrap().len(),
        truth.ws.users.len() - 2
    );
}
