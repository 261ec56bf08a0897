//! End-to-end tests of `SimServer` over real HTTP (reqwest): auth, paging walk against the
//! truth, rate-limit headers, faults, mutation and counters.

use std::time::Duration;

use serde_json::Value;

use super::*;

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().expect("client")
}

async fn get(server: &SimServer, path: &str) -> reqwest::Response {
    client()
        .get(format!("{}{path}", server.base_url()))
        .basic_auth("demo-token", Some("demo-secret"))
        .send()
        .await
        .expect("response")
}

async fn get_json(server: &SimServer, path: &str) -> Value {
    let resp = get(server, path).await;
    assert_eq!(resp.status(), 200, "{path}");
    serde_json::from_slice(&resp.bytes().await.expect("body")).expect("json")
}

fn header(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers().get(name).map(|v| v.to_str().unwrap().to_string())
}

fn unlimited() -> SimConfig {
    SimConfig {
        limit: None,
        ..SimConfig::default()
    }
}

#[tokio::test]
async fn smoke_verify_auth_and_headers() {
    let server = SimServer::start(SimConfig::default()).await.unwrap();
    assert!(server.base_url().starts_with("http://127.0.0.1:"));
    let resp = get(&server, "/api/verify").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        header(&resp, "content-type").as_deref(),
        Some("application/hal+json; charset=utf-8")
    );
    assert_eq!(header(&resp, "x-ratelimit-limit").as_deref(), Some("40"));
    assert_eq!(header(&resp, "x-ratelimit-remaining").as_deref(), Some("39"));

    let anonymous = client()
        .get(format!("{}/api/verify", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(header(&anonymous, "x-ratelimit-remaining").as_deref(), Some("40"));
    let body: Value = serde_json::from_slice(&anonymous.bytes().await.unwrap()).unwrap();
    assert_eq!(body["id"], "unauthorized");
    let wrong = client()
        .get(format!("{}/api/acme/spaces", server.base_url()))
        .basic_auth("demo-token", Some("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(header(&wrong, "x-ratelimit-remaining").as_deref(), Some("39"));

    let post = client()
        .post(format!("{}/api/acme/spaces", server.base_url()))
        .basic_auth("demo-token", Some("demo-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 404);
    let c = server.counters();
    assert_eq!((c.total, c.unauthorized, c.collections, c.other), (4, 2, 1, 3));
    server.shutdown().await;
}

#[tokio::test]
async fn walking_every_page_yields_the_truth() {
    let server = SimServer::start(unlimited()).await.unwrap();
    let truth = server.workspace();
    let mut seen = Vec::new();
    let spaces = get_json(&server, "/api/acme/spaces?filter=all").await;
    for space in spaces["_embedded"]["spaces"].as_array().unwrap() {
        let tok = space["token"].as_str().unwrap();
        for page in 1.. {
            let body = get_json(&server, &format!("/api/acme/spaces/{tok}/reports?page={page}")).await;
            let reports = body["_embedded"]["reports"].as_array().unwrap();
            if reports.is_empty() {
                break;
            }
            for r in reports {
                assert_eq!(r["space_token"], tok);
                seen.push(r["token"].as_str().unwrap().to_string());
            }
        }
    }
    let expected: Vec<String> = truth.reports().map(|(_, r)| r.token.clone()).collect();
    assert_eq!(seen, expected);
    let c = server.counters();
    assert_eq!(c.collections, 1);
    assert_eq!(c.total, c.collections + c.reports + c.schedules + c.other);
    server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn window_throttles_with_retry_after() {
    let cfg = SimConfig {
        limit: Some(RateWindow {
            requests: 3,
            window: Duration::from_secs(30),
        }),
        ..SimConfig::default()
    };
    let server = SimServer::start(cfg).await.unwrap();
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let resp = get(&server, "/api/verify").await;
        assert_eq!(resp.status(), 200);
        remaining.push(header(&resp, "x-ratelimit-remaining").unwrap());
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let resp = get(&server, "/api/verify").await;
    assert_eq!(resp.status(), 429);
    // The window runs on tokio's clock, paused here: no time passed since the first request.
    assert_eq!(header(&resp, "retry-after").as_deref(), Some("30"));
    let body: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"id": "rate_limited", "message": "Too many API requests"})
    );
    assert_eq!(server.counters().throttled, 1);
    // A millisecond short of the window, still full; at 30 s the three admitted requests (all
    // at virtual time 0) have left it.
    tokio::time::advance(Duration::from_millis(29_999)).await;
    assert_eq!(get(&server, "/api/verify").await.status(), 429);
    tokio::time::advance(Duration::from_millis(1)).await;
    let resp = get(&server, "/api/verify").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "x-ratelimit-remaining").as_deref(), Some("2"));
}

#[tokio::test(start_paused = true)]
async fn scripted_faults_reach_the_client() {
    let fault = |path: &str, fault: Fault| ScriptedFault {
        path_contains: path.into(),
        fault,
        times: 1,
    };
    let cfg = SimConfig {
        scripted: vec![
            fault("filter=all", Fault::Drop),
            fault("filter=all", Fault::Malformed),
            fault("filter=all", Fault::Html(502)),
            fault("filter=all", Fault::Status(503)),
            fault("filter=all", Fault::RateLimited { retry_after: Some(7) }),
            fault("filter=all", Fault::Slow(Duration::from_millis(50))),
        ],
        ..unlimited()
    };
    let server = SimServer::start(cfg).await.unwrap();
    let path = "/api/acme/spaces?filter=all";

    let dropped = get(&server, path).await;
    assert_eq!(dropped.status(), 200);
    assert!(
        dropped.bytes().await.is_err(),
        "a dropped connection must fail the body"
    );

    let malformed = get(&server, path).await.bytes().await.unwrap();
    assert!(serde_json::from_slice::<Value>(&malformed).is_err());

    let html = get(&server, path).await;
    assert_eq!(html.status(), 502);
    assert!(header(&html, "content-type").unwrap().starts_with("text/html"));

    let unavailable = get(&server, path).await;
    assert_eq!(unavailable.status(), 503);
    let body: Value = serde_json::from_slice(&unavailable.bytes().await.unwrap()).unwrap();
    assert_eq!(body["id"], "service_unavailable");

    let limited = get(&server, path).await;
    assert_eq!(
        (limited.status().as_u16(), header(&limited, "retry-after")),
        (429, Some("7".into()))
    );

    let started = tokio::time::Instant::now();
    let slow = get_json(&server, path).await;
    assert!(started.elapsed() >= Duration::from_millis(50), "the slow answer waited");
    assert_eq!(slow["_embedded"]["spaces"].as_array().unwrap().len(), 6);
    get_json(&server, path).await;

    let c = server.counters();
    assert_eq!((c.faults, c.throttled, c.collections), (5, 1, 7));
}

#[tokio::test]
async fn random_faults_only_hit_list_endpoints() {
    let cfg = SimConfig {
        error_rate: 1.0,
        fault_seed: 3,
        ..unlimited()
    };
    let server = SimServer::start(cfg).await.unwrap();
    let status = get(&server, "/api/acme/spaces?filter=all").await.status().as_u16();
    assert!([500, 502, 503].contains(&status), "{status}");
    assert_eq!(get(&server, "/api/verify").await.status(), 200);
    assert_eq!(server.counters().faults, 1);
}

#[tokio::test(start_paused = true)]
async fn mutations_show_up_and_latency_overlaps() {
    let cfg = SimConfig {
        latency: Duration::from_millis(100),
        ..unlimited()
    };
    let server = SimServer::start(cfg).await.unwrap();
    let (token, space) = {
        let ws = server.workspace();
        let (c, r) = ws.reports().next().unwrap();
        (r.token.clone(), c.token.clone())
    };
    server.mutate(|ws| ws.collections[0].reports[0].view_count = 424_242);
    let report = get_json(&server, &format!("/api/acme/reports/{token}")).await;
    assert_eq!(report["view_count"], 424_242);
    assert_eq!(report["space_token"], space.as_str());

    server.reset_counters();
    let calls = (0..4).map(|_| get(&server, "/api/verify"));
    let started = tokio::time::Instant::now();
    for resp in futures_util::future::join_all(calls).await {
        assert_eq!(resp.status(), 200);
    }
    // On the paused clock the latency is exact: four answers in sequence would take 400 ms.
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(100) && took < Duration::from_millis(200),
        "{took:?}"
    );
    assert_eq!(server.counters().max_in_flight, 4);
    server.shutdown().await;
}

#[tokio::test]
async fn writes_pass_auth_and_the_rate_window_before_they_change_anything() {
    let config = SimConfig {
        limit: Some(RateWindow {
            requests: 2,
            window: Duration::from_secs(60),
        }),
        ..SimConfig::default()
    };
    let server = SimServer::start(config).await.unwrap();
    let truth = server.workspace();
    let (_, r) = truth.reports().find(|(_, r)| !r.schedules.is_empty()).unwrap();
    let url = format!(
        "{}/api/acme/reports/{}/schedules/{}",
        server.base_url(),
        r.token,
        r.schedules[0].token
    );
    let anonymous = client().delete(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let deleted = client()
        .delete(&url)
        .basic_auth("demo-token", Some("demo-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(header(&deleted, "x-ratelimit-remaining").as_deref(), Some("1"));
    let create = format!("{}/api/acme/reports/{}/schedules", server.base_url(), r.token);
    let body = r#"{"report_schedule":{"cron":{"freq":"daily","hour":8,"minute":0,"time_zone":"UTC"}}}"#;
    let post = |url: String| {
        client()
            .post(url)
            .basic_auth("demo-token", Some("demo-secret"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    assert_eq!(post(create.clone()).await.unwrap().status(), 201);
    assert_eq!(post(create).await.unwrap().status(), 429, "over the window");
    let c = server.counters();
    assert_eq!(
        (c.writes, c.deletes, c.creates, c.unauthorized, c.throttled),
        (4, 1, 1, 1, 1)
    );
    let events: Vec<(String, u16)> = server.writes().into_iter().map(|w| (w.method, w.status)).collect();
    assert_eq!(events, [("DELETE".to_string(), 204), ("POST".to_string(), 201)]);
    assert_eq!(server.workspace().schedule_count(), truth.schedule_count());
}
