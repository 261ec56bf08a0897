//! A capture server on loopback standing in for Slack and a webhook receiver: it records each
//! request's headers and body, and answers from a script (e.g. a 429 with Retry-After first).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Captured {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Captured {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Inner {
    seen: Vec<Captured>,
    /// Answers to give, in order: (status, Retry-After); then 200.
    script: VecDeque<(u16, Option<u64>)>,
}

/// The running server; its address is `url(path)`.
pub struct Capture {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
}

impl Capture {
    pub async fn start(script: Vec<(u16, Option<u64>)>) -> Capture {
        let inner = Arc::new(Mutex::new(Inner {
            seen: Vec::new(),
            script: script.into(),
        }));
        let app = Router::new().fallback(record).with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Capture { base, inner }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Requests received on `path`.
    pub fn seen(&self, path: &str) -> Vec<Captured> {
        let inner = self.inner.lock().unwrap();
        inner.seen.iter().filter(|c| c.path == path).cloned().collect()
    }
}

async fn record(State(inner): State<Arc<Mutex<Inner>>>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let mut inner = inner.lock().unwrap();
    inner.seen.push(Captured {
        path: uri.path().to_string(),
        headers,
        body: body.to_vec(),
    });
    match inner.script.pop_front() {
        None => (StatusCode::OK, "ok").into_response(),
        Some((status, retry_after)) => {
            let status = StatusCode::from_u16(status).unwrap();
            match retry_after {
                Some(secs) => (status, [("retry-after", secs.to_string())], "slow down").into_response(),
                None => (status, "no").into_response(),
            }
        }
    }
}
