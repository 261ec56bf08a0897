//! Get: a GET as the retry loop sends it, its answer decoded; a body that is not JSON (or an HTML
//! page from a proxy) is asked again, bounded, JSON of the wrong shape is not.

use std::marker::PhantomData;

use reqwest::{Method, Url};

use super::client::ModeClient;
use super::error::ModeError;
use super::exchange::{Auth, Exchange};
use super::page::PageError;
use super::retrying::{Attempt, Step, Transient};

impl ModeClient {
    /// [`ModeClient::fetch`] with the given authentication.
    pub(super) async fn fetch_as<T>(
        &self,
        auth: Auth<'_>,
        url: Url,
        decode: impl Fn(&[u8]) -> Result<T, PageError> + Send,
    ) -> Result<T, ModeError> {
        let shown = url.as_str().to_string();
        let get = Get {
            auth,
            url: &url,
            shown: &shown,
            decode,
            decoded: PhantomData,
        };
        self.retrying(&shown, get).await
    }
}

/// A GET: its answer decoded, a body that is not JSON asked again (bounded), JSON of the wrong
/// shape not (the same answer would come back).
struct Get<'a, T, D> {
    auth: Auth<'a>,
    url: &'a Url,
    shown: &'a str,
    decode: D,
    decoded: PhantomData<fn() -> T>,
}

impl<T, D: Fn(&[u8]) -> Result<T, PageError> + Send> Attempt for Get<'_, T, D> {
    type Output = T;

    async fn attempt(&mut self, client: &ModeClient, _: u32, throttled: &mut u32) -> Step<T> {
        let exchange = client
            .transport()
            .exchange_as(self.auth, Method::GET, self.url, self.shown, None, throttled)
            .await;
        match exchange {
            Exchange::Answered(answer) if answer.content_type.contains("html") => {
                Step::Retry(Transient::Decode(format!(
                    "expected JSON but got an HTML page ({}), probably from a proxy or login page in front of Mode",
                    answer.content_type
                )))
            }
            Exchange::Answered(answer) => match (self.decode)(&answer.body) {
                Ok(value) => Step::Done(Ok(value)),
                Err(PageError::Unreadable(message)) => {
                    Step::Retry(Transient::Decode(format!("invalid JSON {message}")))
                }
                Err(PageError::Shape(message)) => Step::Done(Err(ModeError::Shape {
                    url: self.shown.to_string(),
                    message,
                })),
            },
            Exchange::Transient(message) => Step::Retry(Transient::Http(message)),
            Exchange::Final(error) => Step::Done(Err(error)),
        }
    }
}
