//! ModeClient: Mode's REST API over HTTPS with Basic auth, every attempt paced and retried in one place.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue, USER_AGENT};
use serde::de::DeserializeOwned;

use super::error::ModeError;
use super::exchange::{Auth, Credentials, Transport};
use super::models::{Report, Verification};
use super::pacer::Pacer;
use super::page::{Listed, Page, PageError, decode_whole};
use super::rate::Rate;
use super::retry::RetryPolicy;
use super::stats::{RequestStats, Stats};

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
    transport: Transport,
    api: Url,
    workspace: String,
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
        let build = |redirects: reqwest::redirect::Policy| {
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
                .redirect(redirects)
                // HTTP/1.1 as before object storage came in: its client builds reqwest with http2, and
                // the in-flight sizing assumes one request per connection.
                .http1_only();
            if settings.base_url.host_str().is_some_and(is_loopback) {
                builder = builder.no_proxy();
            }
            builder.build().map_err(|e| ModeError::Setup(e.to_string()))
        };
        let http = build(reqwest::redirect::Policy::default())?;
        // Writes follow no redirect: a 3xx to a DELETE or POST is not the deletion or creation asked
        // for, and following it could send the write elsewhere. It is reported as a refusal.
        let writes = build(reqwest::redirect::Policy::none())?;
        let mut api = settings.base_url.clone();
        api.set_path("/api/");
        Ok(ModeClient {
            inner: Arc::new(Inner {
                transport: Transport {
                    http,
                    writes,
                    credentials: settings.credentials,
                    pacer,
                    retry: settings.retry,
                    stats: Stats::default(),
                },
                api,
                workspace: settings.workspace,
            }),
        })
    }

    /// The pool, pacer and counters this client's requests go through.
    pub(super) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    pub fn workspace(&self) -> &str {
        &self.inner.workspace
    }

    pub fn stats(&self) -> RequestStats {
        self.inner.transport.stats.snapshot()
    }

    /// The last `X-RateLimit-Limit` and `X-RateLimit-Remaining` Mode sent, if it sent them.
    /// The server's clock, from the `Date` header of the last answer read (`None`: none seen yet).
    pub fn server_date(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.inner.transport.stats.last_server_date()
    }

    pub fn rate_limit_headers(&self) -> (Option<u32>, Option<u32>) {
        self.inner.transport.stats.last_rate_limit_headers()
    }

    /// Requests to keep in flight now: enough to fill the budget at the latency seen, at most `max`.
    pub fn in_flight_target(&self, max: usize) -> usize {
        self.inner.transport.pacer.in_flight_target(max)
    }

    /// The pace in force (below the configured budget while another client shares it).
    pub fn current_rate(&self) -> Option<Rate> {
        self.inner.transport.pacer.current()
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

    /// `/batch/{ws}/{segments...}`: the Discovery API.
    pub(super) fn batch_url(&self, segments: &[&str]) -> Url {
        let mut url = self.inner.api.clone();
        url.set_path("/batch/");
        url.path_segments_mut()
            .expect("http(s) URLs have paths")
            .pop_if_empty()
            .push(&self.inner.workspace)
            .extend(segments);
        url
    }

    pub(super) fn url(&self, segments: &[&str]) -> Url {
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

    /// One list page, decoded item by item (see [`Page::decode`]); values out of their bounds are
    /// counted in the stats.
    pub async fn page<T: Listed>(&self, url: Url) -> Result<Page<T>, ModeError> {
        let page = self.fetch(url, Page::<T>::decode).await?;
        self.inner.transport.stats.out_of_range(page.out_of_range);
        Ok(page)
    }

    /// `GET /api/{ws}/reports/{report}`: one report as it is now.
    pub async fn report(&self, token: &str) -> Result<Report, ModeError> {
        self.get(self.url(&["reports", token])).await
    }

    /// `GET /api/{username}`: a member's email address as Mode sends it (trimmed; the caller checks
    /// it is one), `None` when Mode sends none or an empty one.
    pub async fn user_email(&self, username: &str) -> Result<Option<String>, ModeError> {
        #[derive(serde::Deserialize)]
        struct User {
            email: Option<String>,
        }
        let mut url = self.inner.api.clone();
        url.path_segments_mut()
            .expect("http(s) URLs have paths")
            .pop_if_empty()
            .push(username);
        let user: User = self.get(url).await?;
        Ok(user.email.map(|e| e.trim().to_string()).filter(|e| !e.is_empty()))
    }

    /// GETs `url` and decodes it whole, pacing every attempt and retrying what may succeed on a retry.
    pub async fn get<T: DeserializeOwned>(&self, url: Url) -> Result<T, ModeError> {
        self.fetch(url, decode_whole).await
    }

    /// GETs `url` and decodes it with `decode`: a body that is not JSON is asked again (bounded),
    /// JSON of the wrong shape is not (the same answer would come back).
    async fn fetch<T>(&self, url: Url, decode: impl Fn(&[u8]) -> Result<T, PageError> + Send) -> Result<T, ModeError> {
        self.fetch_as(Auth::Basic, url, decode).await
    }

    /// The retry policy every request follows.
    pub(super) fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.transport.retry
    }

    /// Counts one retry in the request statistics.
    pub(super) fn count_retry(&self) {
        self.inner.transport.stats.retried();
    }
}

pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
