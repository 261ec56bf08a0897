//! The request pipeline of the simulator as one axum handler: count, Basic auth, the rate
//! window, scripted/random faults and latency around the endpoint answer, rate headers.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use base64::Engine as _;
use serde_json::Value;
use tokio::time::Instant;

use super::config::SimConfig;
use super::counters::{Category, Counters};
use super::endpoint::Endpoint;
use super::faults::{Fault, FaultPlan, edit_item, html_page};
use super::handlers::batch::{self, SignatureTokens};
use super::handlers::{Reply, handle, not_found, writes};
use super::render::error_body;
use super::truth::Truth;
use super::window::{Admission, CredentialWindows, retry_after_secs};

const HAL_JSON: &str = "application/hal+json; charset=utf-8";

/// Everything the handler shares across requests.
#[derive(Debug)]
pub struct AppState {
    pub config: SimConfig,
    pub truth: RwLock<Arc<Truth>>,
    pub counters: Counters,
    pub limiter: CredentialWindows,
    pub faults: FaultPlan,
    /// Discovery signature tokens minted through `/batch/{ws}/signature_tokens`.
    pub signature_tokens: SignatureTokens,
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new().fallback(dispatch).with_state(state)
}

async fn dispatch(
    State(st): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let endpoint = Endpoint::parse(uri.path());
    let category = if method == Method::GET {
        endpoint.category()
    } else {
        Category::Other
    };
    let _in_flight = st.counters.arrive(category);
    if method != Method::GET {
        st.counters.write_arrived();
    }
    let now = Instant::now();

    if let Some(path) = batch::segments(uri.path()) {
        return discovery(&st, &method, &uri, &headers, &path, &body, now);
    }
    if let Some(refused) = unauthorized(&st, &headers, now) {
        return refused;
    }
    let remaining = match admit(&st, now) {
        ControlFlow::Continue(remaining) => remaining,
        ControlFlow::Break(rejected) => return rejected,
    };
    let fault = choose_fault(&st, &method, &uri, &endpoint).await;
    let response = fault_response(&st, fault, || answer(&st, &method, &endpoint, &uri, &body));
    finish(response, &st.config, remaining)
}

/// The 401 for a request without the configured Basic credentials (`None`: they match).
fn unauthorized(st: &AppState, headers: &HeaderMap, now: Instant) -> Option<Response> {
    let cfg = &st.config;
    let presented = basic_credentials(headers);
    if presented
        .as_ref()
        .is_some_and(|(u, p)| *u == cfg.token && *p == cfg.secret)
    {
        return None;
    }
    st.counters.unauthorized();
    let user = presented.map(|(u, _)| u).unwrap_or_default();
    let remaining = st.limiter.peek(&user, now);
    Some(finish(json(401, &error_body(401, None)), cfg, remaining))
}

/// The rate window: go on with the requests left in it (`None`: no limit configured), or
/// stop with the 429 of a full window.
fn admit(st: &AppState, now: Instant) -> ControlFlow<Response, Option<u32>> {
    let cfg = &st.config;
    match st.limiter.admit(&cfg.token, now) {
        None => ControlFlow::Continue(None),
        Some(Admission::Admitted { remaining }) => ControlFlow::Continue(Some(remaining)),
        Some(Admission::Rejected { retry_after }) => {
            st.counters.throttled();
            let secs = cfg.retry_after.then(|| retry_after_secs(retry_after));
            ControlFlow::Break(finish(rate_limited(secs), cfg, Some(0)))
        }
    }
}

/// The fault for this request, after sleeping its slow-down and the configured latency: the
/// scripted one, else (for a `GET` of a fault target) a random one.
async fn choose_fault(st: &AppState, method: &Method, uri: &Uri, endpoint: &Endpoint) -> Option<Fault> {
    // Scripted faults match `METHOD /path?query`, so a fault can target one method.
    let path_and_query = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
    let mut fault = st.faults.scripted(&format!("{method} {path_and_query}"));
    if let Some(Fault::Slow(extra)) = fault {
        st.counters.fault();
        tokio::time::sleep(extra).await;
        fault = None;
    }
    let latency = st.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if fault.is_none() && *method == Method::GET && endpoint.is_fault_target() {
        fault = st.faults.random();
    }
    fault
}

/// The response under `fault`; `answer` (the endpoint's normal answer) is called only by the
/// faults that show it, once.
fn fault_response(st: &AppState, fault: Option<Fault>, answer: impl FnOnce() -> Reply) -> Response {
    match fault {
        None | Some(Fault::Slow(_)) => respond(&answer()),
        Some(Fault::RateLimited { retry_after }) => {
            st.counters.throttled();
            rate_limited(retry_after)
        }
        Some(Fault::Status(429)) => {
            st.counters.throttled();
            json(429, &error_body(429, None))
        }
        Some(Fault::Status(code)) => {
            st.counters.fault();
            json(code, &error_body(code, None))
        }
        Some(Fault::Html(code)) => {
            st.counters.fault();
            build(code, "text/html; charset=utf-8", None, Body::from(html_page(code)))
        }
        Some(Fault::Malformed) => {
            st.counters.fault();
            truncated(serialize(&answer().body))
        }
        Some(Fault::EditItem { index, field, value }) => {
            st.counters.fault();
            let mut reply = answer();
            edit_item(&mut reply.body, index, &field, value);
            json(reply.status, &reply.body)
        }
        Some(Fault::Drop) => {
            st.counters.fault();
            dropped(serialize(&answer().body))
        }
        Some(Fault::Body {
            status,
            content_type,
            body,
        }) => {
            st.counters.fault();
            build(status, &content_type, None, Body::from(body))
        }
        Some(Fault::Redirect { status, location }) => {
            st.counters.fault();
            redirect(status, &location)
        }
    }
}

/// 200 with the first half of the body (at least one byte of a non-empty one).
fn truncated(full: Vec<u8>) -> Response {
    let cut = (full.len() / 2).max(1).min(full.len());
    build(200, HAL_JSON, None, Body::from(full[..cut].to_vec()))
}

/// An empty HTML page with this redirect status, to `location` when it is a valid header.
fn redirect(status: u16, location: &str) -> Response {
    let mut resp = build(status, "text/html; charset=utf-8", None, Body::empty());
    if let Ok(value) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, value);
    }
    resp
}

/// A Discovery API request: the same rate window as the REST API (whether Mode shares the budget is
/// not documented; sharing it is the stricter assumption), then the `/batch` answer. Scripted
/// status faults apply, matched like the REST ones.
fn discovery(
    st: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    path: &[&str],
    body: &[u8],
    now: Instant,
) -> Response {
    let cfg = &st.config;
    st.counters.batch();
    let remaining = match admit(st, now) {
        ControlFlow::Continue(remaining) => remaining,
        ControlFlow::Break(rejected) => return rejected,
    };
    let path_and_query = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
    match st.faults.scripted(&format!("{method} {path_and_query}")) {
        Some(Fault::Status(429)) | Some(Fault::RateLimited { .. }) => {
            st.counters.throttled();
            return finish(rate_limited(Some(0)), cfg, remaining);
        }
        Some(Fault::Status(code)) => {
            st.counters.fault();
            return finish(json(code, &error_body(code, None)), cfg, remaining);
        }
        _ => {}
    }
    let basic_ok = basic_credentials(headers).is_some_and(|(u, p)| u == cfg.token && p == cfg.secret);
    let query: HashMap<String, String> = Query::try_from_uri(uri).map(|Query(q)| q).unwrap_or_default();
    let truth = Arc::clone(&st.truth.read().unwrap_or_else(|e| e.into_inner()));
    let request = batch::BatchRequest {
        method,
        headers,
        path,
        query: &query,
        body,
        basic_ok,
    };
    let reply = batch::answer(cfg, &truth, &st.signature_tokens, &request);
    let mut response = respond(&reply);
    if reply.status < 300 && !reply.body.is_null() {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    finish(response, cfg, remaining)
}

/// The endpoint's normal answer. Writes change a copy of the workspace, which replaces the truth
/// when they succeed; other methods and paths are unknown resources.
fn answer(st: &AppState, method: &Method, endpoint: &Endpoint, uri: &Uri, body: &[u8]) -> Reply {
    if *method == Method::GET {
        let query: HashMap<String, String> = Query::try_from_uri(uri).map(|Query(q)| q).unwrap_or_default();
        let truth = Arc::clone(&st.truth.read().unwrap_or_else(|e| e.into_inner()));
        return handle(&st.config, &truth, endpoint, &query);
    }
    if endpoint.workspace().is_some_and(|ws| ws != st.config.workspace) {
        return not_found("account not found");
    }
    let mut truth = st.truth.write().unwrap_or_else(|e| e.into_inner());
    let mut ws = truth.ws.clone();
    let (reply, event) = match (method, endpoint) {
        (&Method::DELETE, Endpoint::Schedule { report, schedule, .. }) => {
            writes::delete(&st.config, &mut ws, report, schedule)
        }
        (&Method::POST, Endpoint::Schedules { report, .. }) => writes::create(&st.config, &mut ws, report, body),
        _ => return not_found("Not found"),
    };
    if (200..300).contains(&reply.status) {
        *truth = Arc::new(Truth::new(ws));
    }
    st.counters.written(event);
    reply
}

/// A reply as an HTTP response: no body when it is `null`, `Location` when it names one.
fn respond(reply: &Reply) -> Response {
    let mut resp = if reply.body.is_null() {
        let mut resp = Response::new(Body::empty());
        *resp.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        resp
    } else {
        json(reply.status, &reply.body)
    };
    if let Some(location) = reply.location.as_deref().and_then(|l| HeaderValue::from_str(l).ok()) {
        resp.headers_mut().insert(header::LOCATION, location);
    }
    resp
}

/// `(username, password)` of an `Authorization: Basic ...` header.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, pass) = decoded.split_once(':')?;
    Some((user.to_string(), pass.to_string()))
}

fn serialize(body: &Value) -> Vec<u8> {
    if body.is_null() {
        return Vec::new();
    }
    serde_json::to_vec(body).unwrap_or_default()
}

fn json(status: u16, body: &Value) -> Response {
    build(status, HAL_JSON, None, Body::from(serialize(body)))
}

fn rate_limited(retry_after: Option<u64>) -> Response {
    let mut resp = json(429, &error_body(429, Some("Too many API requests")));
    if let Some(secs) = retry_after {
        resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

/// 200 headers announcing the whole body, half of it, then (after the head and that half
/// have had time to reach the client) a broken stream.
fn dropped(full: Vec<u8>) -> Response {
    use futures_util::StreamExt as _;
    let declared = full.len().max(2);
    let part = Bytes::from(full[..full.len() / 2].to_vec());
    let first = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(part) });
    let broken = futures_util::stream::once(async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated dropped connection",
        ))
    });
    build(200, HAL_JSON, Some(declared), Body::from_stream(first.chain(broken)))
}

fn build(status: u16, content_type: &str, content_length: Option<usize>, body: Body) -> Response {
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    let content_type =
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, content_type);
    if let Some(len) = content_length {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    resp
}

/// Adds `X-RateLimit-Limit` / `X-RateLimit-Remaining` (when a limit is configured).
fn finish(mut resp: Response, cfg: &SimConfig, remaining: Option<u32>) -> Response {
    if let (Some(limit), Some(remaining)) = (cfg.limit, remaining) {
        let h = resp.headers_mut();
        h.insert("x-ratelimit-limit", HeaderValue::from(limit.requests));
        h.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn parses_basic_credentials() {
        let encoded = base64::engine::general_purpose::STANDARD.encode("tok:sec:ret");
        assert_eq!(
            basic_credentials(&auth(&format!("Basic {encoded}"))),
            Some(("tok".into(), "sec:ret".into()))
        );
        assert_eq!(basic_credentials(&auth(&format!("Bearer {encoded}"))), None);
        assert_eq!(basic_credentials(&auth("Basic !!!")), None);
        assert_eq!(basic_credentials(&HeaderMap::new()), None);
    }
}
