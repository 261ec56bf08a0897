//! Transport: one request to Mode, sent when the pacer allows, its answer read whole and classified;
//! 429s are waited out here, every other retry decision is the caller's (reads and writes differ).

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, DATE, HeaderMap, HeaderValue, LOCATION};
use reqwest::{Method, RequestBuilder, Response, Url};
use secrecy::{ExposeSecret, SecretString};

use super::error::ModeError;
use super::pacer::Pacer;
use super::retry::{RetryPolicy, Verdict, classify};
use super::stats::Stats;

/// The largest response body the client will read; Mode's pages are tens of kilobytes.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// An API token and its secret (HTTP Basic username and password). Debug output is redacted.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub token: SecretString,
    pub secret: SecretString,
}

/// How one request authenticates: the API token and secret (HTTP Basic, the REST API and the
/// minting of signature tokens), or a Discovery signature token (Bearer, the `/batch` listings).
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    Basic,
    /// The Bearer value, already encoded.
    Bearer(&'a SecretString),
}

/// The connection pool, credentials, pacer, retry policy and counters one client's requests share.
pub struct Transport {
    /// For reads: follows redirects.
    pub http: reqwest::Client,
    /// For writes (DELETE, POST): follows none.
    pub writes: reqwest::Client,
    pub credentials: Credentials,
    pub pacer: Arc<Pacer>,
    pub retry: RetryPolicy,
    pub stats: Stats,
}

impl Transport {
    /// Sends one request once it is this client's turn. A 429 is waited out and the request sent
    /// again (Mode refused it before acting on it, so this is safe for writes too), up to the
    /// policy's limit (`throttled` counts them across the attempts of one request).
    pub async fn exchange(
        &self,
        method: Method,
        url: &Url,
        shown: &str,
        body: Option<&serde_json::Value>,
        throttled: &mut u32,
    ) -> Exchange {
        self.exchange_as(Auth::Basic, method, url, shown, body, throttled).await
    }

    /// [`Transport::exchange`] with the given authentication.
    pub async fn exchange_as(
        &self,
        auth: Auth<'_>,
        method: Method,
        url: &Url,
        shown: &str,
        body: Option<&serde_json::Value>,
        throttled: &mut u32,
    ) -> Exchange {
        let inner = self;
        loop {
            inner.pacer.ready().await;
            inner.stats.sent();
            match self.attempt(auth, method.clone(), url, shown, body).await {
                Err(Retry::Throttled(asked)) => {
                    inner.stats.throttled();
                    *throttled += 1;
                    if *throttled as usize > inner.retry.max_throttled {
                        return Exchange::Final(ModeError::Throttled {
                            url: shown.to_string(),
                            throttled: *throttled,
                        });
                    }
                    let (wait, capped) = inner.retry.throttled_wait(asked, inner.pacer.window());
                    let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                    if capped {
                        let asked_s = asked.map_or(0, |a| a.as_secs());
                        tracing::warn!(url = %shown, asked_s, wait_ms, "rate limited (429) with a Retry-After longer than --max-retry-after; pausing all requests for that maximum only, then trying again");
                    } else {
                        tracing::warn!(url = %shown, wait_ms, "rate limited (429); pausing all requests");
                    }
                    inner.pacer.pause_for(wait);
                }
                Err(Retry::Fatal(error)) => return Exchange::Final(error),
                Ok(Err(message)) => return Exchange::Transient(message),
                Ok(Ok(answer)) => return Exchange::Answered(answer),
            }
        }
    }

    /// One attempt: `Ok(Ok)` a 2xx answer read whole, `Ok(Err)` a transient failure, `Err`
    /// throttled or final.
    async fn attempt(
        &self,
        auth: Auth<'_>,
        method: Method,
        url: &Url,
        shown: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Result<Answer, String>, Retry> {
        let began = tokio::time::Instant::now();
        let request = self.request(auth, method, url, body)?;
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Ok(Err(describe(&e))),
        };
        let status = response.status();
        let limit = header_number(response.headers(), "x-ratelimit-limit");
        let remaining = header_number(response.headers(), "x-ratelimit-remaining");
        self.stats.rate_limit_headers(limit, remaining);
        self.stats
            .server_date(response.headers().get(DATE).and_then(|v| v.to_str().ok()));
        self.pacer.observe(limit, remaining, began);
        match classify(status, response.headers()) {
            Verdict::Success => {}
            Verdict::Throttled { retry_after } => return Err(Retry::Throttled(retry_after)),
            Verdict::Transient => return Ok(Err(format!("HTTP {status}"))),
            Verdict::Unauthorized => return Err(Retry::Fatal(ModeError::Unauthorized { url: shown.into() })),
            Verdict::Forbidden => return Err(Retry::Fatal(ModeError::Forbidden { url: shown.into() })),
            Verdict::NotFound => return Err(Retry::Fatal(ModeError::NotFound { url: shown.into() })),
            Verdict::Rejected => {
                let message = match read_body(response, shown).await {
                    Ok(body) => error_message(&body),
                    Err(_) => String::new(),
                };
                return Err(Retry::Fatal(ModeError::Rejected {
                    url: shown.into(),
                    status: status.as_u16(),
                    message,
                }));
            }
        }
        self.answer(response, shown).await
    }

    /// The request of one attempt: the client for its method, its authentication, its JSON body.
    fn request(
        &self,
        auth: Auth<'_>,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Value>,
    ) -> Result<RequestBuilder, Retry> {
        let creds = &self.credentials;
        let http = if method == Method::GET {
            &self.http
        } else {
            &self.writes
        };
        let request = http.request(method, url.clone());
        let mut request = match auth {
            Auth::Basic => request.basic_auth(creds.token.expose_secret(), Some(creds.secret.expose_secret())),
            Auth::Bearer(value) => request
                .bearer_auth(value.expose_secret())
                .header(reqwest::header::ACCEPT, HeaderValue::from_static("application/json")),
        };
        if let Some(body) = body {
            let bytes = serde_json::to_vec(body).map_err(|e| Retry::Fatal(ModeError::Setup(e.to_string())))?;
            request = request
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(bytes);
        }
        Ok(request)
    }

    /// A 2xx answer read whole (`Ok(Err)` when its body breaks off, `Err` when it is too large).
    async fn answer(&self, response: Response, shown: &str) -> Result<Result<Answer, String>, Retry> {
        let status = response.status();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header(CONTENT_TYPE).unwrap_or_default().to_ascii_lowercase();
        let location = header(LOCATION);
        let body = match read_body(response, shown).await {
            Ok(body) => body,
            Err(BodyError::TooLarge(e)) => return Err(Retry::Fatal(e)),
            Err(BodyError::Broken(message)) => return Ok(Err(message)),
        };
        self.stats.read(body.len());
        Ok(Ok(Answer {
            status: status.as_u16(),
            content_type,
            location,
            body,
        }))
    }
}

/// A 2xx answer, read whole.
pub struct Answer {
    pub status: u16,
    /// Lower-cased `Content-Type`.
    pub content_type: String,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// What one paced request came to.
pub enum Exchange {
    /// A 2xx answer.
    Answered(Answer),
    /// A failure a retry may fix (5xx, 408, timeout, dropped connection). For a write, nothing
    /// says whether Mode acted on it.
    Transient(String),
    /// An answer no retry changes (401, 403, 404, other 4xx, too many 429s, a body over the limit).
    Final(ModeError),
}

enum Retry {
    Throttled(Option<Duration>),
    Fatal(ModeError),
}

enum BodyError {
    TooLarge(ModeError),
    Broken(String),
}

async fn read_body(mut response: Response, shown: &str) -> Result<Vec<u8>, BodyError> {
    let too_large = || {
        BodyError::TooLarge(ModeError::TooLarge {
            url: shown.to_string(),
            limit_bytes: MAX_BODY_BYTES,
        })
    };
    if response.content_length().is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(response.content_length().unwrap_or(16 * 1024).min(1 << 20) as usize);
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(BodyError::Broken(describe(&e))),
        }
    }
}

/// A header holding a whole number, such as `X-RateLimit-Remaining`.
fn header_number(headers: &HeaderMap, name: &str) -> Option<u32> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// Mode's error bodies are `{"id": "...", "message": "..."}`.
fn error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct ModeErrorBody {
        id: Option<String>,
        message: Option<String>,
    }
    match serde_json::from_slice::<ModeErrorBody>(body) {
        Ok(b) => [b.id, b.message].into_iter().flatten().collect::<Vec<_>>().join(": "),
        Err(_) => String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
    }
}

/// A transport error in one line, without the URL (callers add it) and never with credentials.
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else if error.is_body() || error.is_decode() {
        "connection dropped while reading the answer"
    } else {
        "request failed"
    };
    let mut detail = String::new();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind} ({detail})")
    }
}
