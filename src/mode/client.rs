//! ModeClient: Mode's REST API over HTTPS with Basic auth, every attempt paced and retried in one place.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use reqwest::{Response, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use super::error::ModeError;
use super::models::{Listed, Page, Verification};
use super::pacer::Pacer;
use super::rate::Rate;
use super::retry::{RetryPolicy, Verdict, classify};
use super::stats::{RequestStats, Stats};

/// The largest response body the client will read; Mode's pages are tens of kilobytes.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// An API token and its secret (HTTP Basic username and password). Debug output is redacted.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub token: SecretString,
    pub secret: SecretString,
}

/// Everything the client needs; built once from the validated configuration.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Scheme and host, e.g. `https://app.mode.com`; `/api/...` is appended.
    pub base_url: Url,
    pub workspace: String,
    pub credentials: Credentials,
    /// `None` disables pacing (benchmarks only).
    pub rate: Option<Rate>,
    pub retry: RetryPolicy,
    /// Deadline for one attempt, body included.
    pub timeout: Duration,
}

/// A cheap-to-clone handle; all clones share one connection pool, pacer and set of counters.
#[derive(Clone)]
pub struct ModeClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    api: Url,
    workspace: String,
    credentials: Credentials,
    pacer: Arc<Pacer>,
    retry: RetryPolicy,
    stats: Stats,
}

/// One failed attempt that may be retried.
enum Transient {
    Http(String),
    Decode(String),
}

impl ModeClient {
    /// A client with a pacer of its own, at `settings.rate`.
    pub fn new(settings: ClientSettings) -> Result<ModeClient, ModeError> {
        let pacer = Arc::new(Pacer::new(settings.rate));
        ModeClient::with_pacer(settings, pacer)
    }

    /// A client whose requests pass `pacer`, shared with every other client of the same
    /// credentials: Mode's budget is per user, whatever the workspace.
    pub fn with_pacer(settings: ClientSettings, pacer: Arc<Pacer>) -> Result<ModeClient, ModeError> {
        // reqwest is built without a default crypto provider; installing one twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/hal+json"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("mode-audit/", env!("CARGO_PKG_VERSION"))),
        );
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .timeout(settings.timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            // HTTP/1.1 as before object storage came in: its client builds reqwest with http2, and
            // the in-flight sizing assumes one request per connection.
            .http1_only();
        if settings.base_url.host_str().is_some_and(is_loopback) {
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| ModeError::Setup(e.to_string()))?;
        let mut api = settings.base_url.clone();
        api.set_path("/api/");
        Ok(ModeClient {
            inner: Arc::new(Inner {
                http,
                api,
                workspace: settings.workspace,
                credentials: settings.credentials,
                pacer,
                retry: settings.retry,
                stats: Stats::default(),
            }),
        })
    }

    pub fn workspace(&self) -> &str {
        &self.inner.workspace
    }

    pub fn stats(&self) -> RequestStats {
        self.inner.stats.snapshot()
    }

    /// The last `X-RateLimit-Limit` and `X-RateLimit-Remaining` Mode sent, if it sent them.
    pub fn rate_limit_headers(&self) -> (Option<u32>, Option<u32>) {
        self.inner.stats.last_rate_limit_headers()
    }

    /// Requests to keep in flight now: enough to fill the budget at the latency seen, at most `max`.
    pub fn in_flight_target(&self, max: usize) -> usize {
        self.inner.pacer.in_flight_target(max)
    }

    /// The pace in force (below the configured budget while another client shares it).
    pub fn current_rate(&self) -> Option<Rate> {
        self.inner.pacer.current()
    }

    /// `/api/{ws}/spaces?filter=all&page=N&per_page=P`: every collection, personal ones included.
    pub fn collections_url(&self, page: u32, per_page: u32) -> Url {
        let mut url = self.url(&["spaces"]);
        url.query_pairs_mut()
            .append_pair("filter", "all")
            .append_pair("page", &page.to_string())
            .append_pair("per_page", &per_page.to_string());
        url
    }

    /// `/api/{ws}/spaces/{collection}/reports?page=N&per_page=P`.
    pub fn reports_url(&self, collection: &str, page: u32, per_page: u32) -> Url {
        self.paged(self.url(&["spaces", collection, "reports"]), page, per_page)
    }

    /// `/api/{ws}/reports/{report}/schedules?page=N&per_page=P`.
    pub fn schedules_url(&self, report: &str, page: u32, per_page: u32) -> Url {
        self.paged(self.url(&["reports", report, "schedules"]), page, per_page)
    }

    fn paged(&self, mut url: Url, page: u32, per_page: u32) -> Url {
        url.query_pairs_mut()
            .append_pair("page", &page.to_string())
            .append_pair("per_page", &per_page.to_string());
        url
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.api.clone();
        url.path_segments_mut()
            .expect("http(s) URLs have paths")
            .pop_if_empty()
            .push(&self.inner.workspace)
            .extend(segments);
        url
    }

    /// `GET /api/verify`: checks the credentials and says which workspace they belong to.
    pub async fn verify(&self) -> Result<Verification, ModeError> {
        let mut url = self.inner.api.clone();
        url.set_path("/api/verify");
        self.get(url).await
    }

    /// One list page.
    pub async fn page<T: Listed>(&self, url: Url) -> Result<Page<T>, ModeError> {
        self.get(url).await
    }

    /// GETs `url` and decodes it, pacing every attempt and retrying what may succeed on a retry.
    pub async fn get<T: DeserializeOwned>(&self, url: Url) -> Result<T, ModeError> {
        let inner = &self.inner;
        let shown = url.as_str().to_string();
        let mut backoff = inner.retry.backoff();
        let mut attempts = 0u32;
        let mut throttled = 0u32;
        loop {
            inner.pacer.ready().await;
            attempts += 1;
            inner.stats.sent();
            let failure = match self.attempt::<T>(&url, &shown).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(failure)) => failure,
                Err(Retry::Throttled(wait)) => {
                    inner.stats.throttled();
                    throttled += 1;
                    if throttled as usize > inner.retry.max_throttled {
                        return Err(ModeError::Throttled { url: shown, throttled });
                    }
                    let wait = wait.unwrap_or_else(|| inner.pacer.window());
                    tracing::warn!(url = %shown, wait_ms = wait.as_millis() as u64, "rate limited (429); pausing all requests");
                    inner.pacer.pause_for(wait);
                    continue;
                }
                Err(Retry::Fatal(error)) => return Err(error),
            };
            let Some(delay) = backoff.next() else {
                return Err(match failure {
                    Transient::Decode(message) => ModeError::Decode {
                        url: shown,
                        attempts,
                        message,
                    },
                    Transient::Http(last) => ModeError::GaveUp {
                        url: shown,
                        attempts,
                        last,
                    },
                });
            };
            let reason = match &failure {
                Transient::Decode(m) | Transient::Http(m) => m.as_str(),
            };
            tracing::debug!(url = %shown, attempt = attempts, delay_ms = delay.as_millis() as u64, reason, "retrying");
            inner.stats.retried();
            tokio::time::sleep(delay).await;
        }
    }

    /// One attempt: `Ok(Ok)` decoded, `Ok(Err)` a transient failure, `Err` throttled or final.
    async fn attempt<T: DeserializeOwned>(&self, url: &Url, shown: &str) -> Result<Result<T, Transient>, Retry> {
        let creds = &self.inner.credentials;
        let began = std::time::Instant::now();
        let sent = self
            .inner
            .http
            .get(url.clone())
            .basic_auth(creds.token.expose_secret(), Some(creds.secret.expose_secret()))
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Ok(Err(Transient::Http(describe(&e)))),
        };
        let status = response.status();
        let limit = header_number(response.headers(), "x-ratelimit-limit");
        let remaining = header_number(response.headers(), "x-ratelimit-remaining");
        self.inner.stats.rate_limit_headers(limit, remaining);
        self.inner.pacer.observe(limit, remaining, began);
        match classify(status, response.headers()) {
            Verdict::Success => {}
            Verdict::Throttled { retry_after } => return Err(Retry::Throttled(retry_after)),
            Verdict::Transient => return Ok(Err(Transient::Http(format!("HTTP {status}")))),
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
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let body = match read_body(response, shown).await {
            Ok(body) => body,
            Err(BodyError::TooLarge(e)) => return Err(Retry::Fatal(e)),
            Err(BodyError::Broken(message)) => return Ok(Err(Transient::Http(message))),
        };
        self.inner.stats.read(body.len());
        if content_type.contains("html") {
            return Ok(Err(Transient::Decode(format!(
                "expected JSON but got an HTML page ({content_type}), probably from a proxy or login page in front of Mode"
            ))));
        }
        let de = &mut serde_json::Deserializer::from_slice(&body);
        Ok(serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            Transient::Decode(format!("invalid JSON at path '{path}': {}", e.inner()))
        }))
    }
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

pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
