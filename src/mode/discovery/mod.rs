//! Mode's Discovery API (`/batch/{ws}/...`, Enterprise plan): whole-workspace listings of
//! collections, reports, report statistics and members, 1,000 to a page, read with a signature
//! token (HTTP Bearer), through the same pacer, retry policy and counters as the REST API.
//!
//! A 401, 403 or 404 anywhere under `/batch` means Discovery is not available to these credentials
//! (Mode answers a bad signature token with 404); it comes back as
//! [`ModeError::DiscoveryUnavailable`], whose message names the plan and the admin key.

mod listing;
mod models;
mod token;

use secrecy::{ExposeSecret, SecretString};

use super::client::ModeClient;
use super::error::ModeError;
use super::exchange::Auth;

pub use listing::{Listed, Listing, PER_PAGE};
pub use models::{BatchItem, BatchMember, BatchReport, BatchReportStats, BatchSpace};
pub use token::{MintedToken, SignatureToken};

/// A Discovery reader: a REST client (its pool, pacer, retries and counters) and a signature token.
#[derive(Clone)]
pub struct Discovery {
    client: ModeClient,
    /// `base64("{token}:{access_key}:{access_secret}")`, the Bearer value.
    bearer: SecretString,
    /// Ask for members' personal collections too (`include_spaces=all`).
    include_personal: bool,
    max_pages: u32,
}

impl Discovery {
    pub fn new(client: &ModeClient, token: &SignatureToken, include_personal: bool, max_pages: u32) -> Discovery {
        Discovery {
            client: client.clone(),
            bearer: token.bearer(),
            include_personal,
            max_pages,
        }
    }

    /// Every collection (personal ones when asked for).
    pub async fn spaces(&self) -> Result<Listing<BatchSpace>, ModeError> {
        self.list().await
    }

    /// Every report, handed to `keep` page by page (it answers whether it kept the report:
    /// `false` for a token it has seen).
    pub async fn reports(&self, keep: impl FnMut(BatchReport) -> bool) -> Result<Listed, ModeError> {
        self.each(keep).await
    }

    /// Every report's statistics (schedules, views, explorations), handed to `keep` as `reports` does.
    pub async fn report_stats(&self, keep: impl FnMut(BatchReportStats) -> bool) -> Result<Listed, ModeError> {
        self.each(keep).await
    }

    /// Every member of the workspace, former ones (`banned_at` set) included.
    pub async fn members(&self) -> Result<Listing<BatchMember>, ModeError> {
        self.list().await
    }

    /// One small request (a page of one collection): whether the token reads this workspace.
    pub async fn probe(&self) -> Result<(), ModeError> {
        self.page::<BatchSpace>(1, 1).await.map(|_| ())
    }

    /// The URL of one page of a listing.
    pub fn page_url(&self, key: &str, page: u32, per_page: u32) -> reqwest::Url {
        let mut url = self.client.batch_url(&[key]);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("page", &page.to_string())
                .append_pair("per_page", &per_page.to_string());
            if self.include_personal {
                q.append_pair("include_spaces", "all");
            }
        }
        url
    }

    async fn page<T: BatchItem>(&self, page: u32, per_page: u32) -> Result<listing::RawPage, ModeError> {
        let url = self.page_url(T::KEY, page, per_page);
        let auth = Auth::Bearer(&self.bearer);
        self.client
            .fetch_as(auth, url, |body| listing::decode_page(body, T::KEY))
            .await
            .map_err(unavailable)
    }

    /// A whole listing in memory, each token once.
    async fn list<T: BatchItem>(&self) -> Result<Listing<T>, ModeError> {
        let mut items = Vec::new();
        let listed = self.each(listing::collect(&mut items)).await?;
        Ok(Listing { items, listed })
    }

    /// A listing's items handed to `keep` page by page; only one page is held at a time.
    async fn each<T: BatchItem>(&self, mut keep: impl FnMut(T) -> bool) -> Result<Listed, ModeError> {
        let mut walker = listing::Walker::<T>::new(PER_PAGE, self.max_pages);
        let mut next = Some(1);
        while let Some(page) = next {
            next = walker.take(self.page::<T>(page, walker.per_page()).await?, &mut keep);
        }
        Ok(walker.finish())
    }
}

/// 401, 403 and 404 under `/batch` all mean "no Discovery for these credentials".
fn unavailable(error: ModeError) -> ModeError {
    match error {
        ModeError::Unauthorized { url } => ModeError::DiscoveryUnavailable { url, status: 401 },
        ModeError::Forbidden { url } => ModeError::DiscoveryUnavailable { url, status: 403 },
        ModeError::NotFound { url } => ModeError::DiscoveryUnavailable { url, status: 404 },
        other => other,
    }
}

impl SignatureToken {
    /// The Bearer value: standard, padded base64 of `token:access_key:access_secret`.
    fn bearer(&self) -> SecretString {
        use base64::Engine as _;
        let joined = format!(
            "{}:{}:{}",
            self.token.expose_secret(),
            self.access_key.expose_secret(),
            self.access_secret.expose_secret()
        );
        SecretString::from(base64::engine::general_purpose::STANDARD.encode(joined))
    }
}
