//! Posting a run alert: one JSON body to one URL, with a timeout per request and one retry (after
//! a 429's Retry-After, a 5xx, or a failed connection). Errors never carry the URL: a Slack
//! webhook URL is a secret.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{StatusCode, Url};

/// A Retry-After longer than this is not waited for: the alert is given up instead.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// The wait before the retry of a 5xx or a failed connection.
const RETRY_DELAY: Duration = Duration::from_secs(1);

/// The HTTP client of run alerts, with `timeout` per request.
pub fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("mode-audit/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", e.without_url()))
}

/// Posts `body` (JSON) to `url` with `headers`, retrying once; `headers` is rebuilt for each
/// attempt (a signature is per attempt). `Err` says what went wrong, without the URL.
pub async fn post(
    http: &reqwest::Client,
    url: &Url,
    body: &[u8],
    headers: impl Fn() -> HeaderMap,
) -> Result<(), String> {
    let mut last = String::new();
    for attempt in 0..2 {
        let sent = http
            .post(url.clone())
            .headers(headers())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .send()
            .await;
        let wait = match sent {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) => {
                let status = response.status();
                last = format!("the receiver answered HTTP {status}");
                match status {
                    StatusCode::TOO_MANY_REQUESTS => match retry_after(response.headers()) {
                        Some(wait) if wait <= MAX_RETRY_AFTER => wait,
                        Some(wait) => {
                            return Err(format!(
                                "{last} with Retry-After {}s, longer than {}s",
                                wait.as_secs(),
                                MAX_RETRY_AFTER.as_secs()
                            ));
                        }
                        None => RETRY_DELAY,
                    },
                    s if s.is_server_error() => RETRY_DELAY,
                    _ => return Err(last),
                }
            }
            Err(e) => {
                last = format!("cannot deliver: {}", e.without_url());
                RETRY_DELAY
            }
        };
        if attempt == 0 {
            tracing::info!(wait_seconds = wait.as_secs_f64(), error = %last, "notification not delivered; retrying once");
            tokio::time::sleep(wait).await;
        }
    }
    Err(last)
}

/// A Retry-After in seconds (Slack sends seconds).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?;
    text.trim().parse::<u64>().ok().map(Duration::from_secs)
}
