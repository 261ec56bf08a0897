//! The naive loop from Mode's help article, for comparison: sequential, every listing page by page
//! until a short page, then the schedules of every report, sleeping after each response.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use reqwest::StatusCode;
use serde_json::Value;

/// Mode's default page size; the naive loop sends no `per_page` and stops at a shorter page.
const MODE_PAGE: usize = 30;
/// A 429 without `Retry-After` waits this long (the naive loop has no better idea).
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// What the naive loop did.
#[derive(Clone, Debug, Default)]
pub struct NaiveRun {
    pub wall: Duration,
    pub requests: u64,
    pub throttled: u64,
    pub reports: u64,
}

/// One sequential client with its counters.
struct NaiveClient {
    http: reqwest::Client,
    api: String,
    token: String,
    secret: String,
    sleep: Duration,
    run: NaiveRun,
}

/// Crawls workspace `ws` at `base_url` the naive way, sleeping `sleep` after each response.
pub async fn naive_crawl(base_url: &str, ws: &str, token: &str, secret: &str, sleep: Duration) -> Result<NaiveRun> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .context("cannot build the naive loop's HTTP client")?;
    let mut client = NaiveClient {
        http,
        api: format!("{base_url}/api/{ws}"),
        token: token.to_string(),
        secret: secret.to_string(),
        sleep,
        run: NaiveRun::default(),
    };
    let started = Instant::now();
    let collections = client.list("/spaces?filter=all", "spaces").await?;
    let mut reports = Vec::new();
    for collection in &collections {
        reports.extend(
            client
                .list(&format!("/spaces/{collection}/reports?"), "reports")
                .await?,
        );
    }
    for report in &reports {
        client.get(&format!("/reports/{report}/schedules")).await?;
    }
    client.run.reports = reports.len() as u64;
    client.run.wall = started.elapsed();
    Ok(client.run)
}

impl NaiveClient {
    /// Tokens of every item under `_embedded.<key>`, page by page until a page shorter than Mode's.
    async fn list(&mut self, path_and_query: &str, key: &str) -> Result<Vec<String>> {
        let separator = if path_and_query.ends_with('?') { "" } else { "&" };
        let mut tokens = Vec::new();
        for page in 1.. {
            let body = self.get(&format!("{path_and_query}{separator}page={page}")).await?;
            let items = body["_embedded"][key].as_array().map(Vec::as_slice).unwrap_or_default();
            tokens.extend(items.iter().filter_map(|i| i["token"].as_str()).map(str::to_string));
            if items.len() < MODE_PAGE {
                break;
            }
        }
        Ok(tokens)
    }

    /// One GET, sleeping after the response; a 429 waits `Retry-After` and asks again.
    async fn get(&mut self, path: &str) -> Result<Value> {
        let url = format!("{}{path}", self.api);
        loop {
            let response = self
                .http
                .get(&url)
                .basic_auth(&self.token, Some(&self.secret))
                .send()
                .await
                .with_context(|| format!("GET {url}"))?;
            self.run.requests += 1;
            let status = response.status();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()?.parse().ok())
                .map_or(DEFAULT_RETRY_AFTER, Duration::from_secs);
            let body = response.bytes().await.with_context(|| format!("GET {url}: body"))?;
            tokio::time::sleep(self.sleep).await;
            if status == StatusCode::TOO_MANY_REQUESTS {
                self.run.throttled += 1;
                tokio::time::sleep(retry_after).await;
                continue;
            }
            if !status.is_success() {
                bail!("GET {url}: {status}");
            }
            return serde_json::from_slice(&body).with_context(|| format!("GET {url}: not JSON"));
        }
    }
}
