//! Retrying: the one loop every request of the client runs. Each attempt is numbered and given the
//! request's count of 429s (the exchange waits those out, through the pacer); after a transient
//! failure the loop waits the policy's next backoff delay, or gives up with that failure.

use std::time::Duration;

use super::client::ModeClient;
use super::error::ModeError;

/// One failed attempt that may be retried.
pub(super) enum Transient {
    Http(String),
    Decode(String),
}

/// What one attempt of a request came to.
pub(super) enum Step<T> {
    /// The request is over: its value, or its error.
    Done(Result<T, ModeError>),
    /// Send again at once, without a backoff delay (the body was changed).
    Again,
    /// A transient failure: wait the backoff's next delay and send again, or give up with it.
    Retry(Transient),
}

/// One request as the loop sends it: each attempt is given the client, its number (from 1) and
/// the request's count of 429s, and says what it came to.
pub(super) trait Attempt {
    type Output;

    fn attempt(
        &mut self,
        client: &ModeClient,
        number: u32,
        throttled: &mut u32,
    ) -> impl Future<Output = Step<Self::Output>> + Send;
}

impl ModeClient {
    /// Sends `request` until it is done, waiting the backoff between transient failures; `shown`
    /// is what logs and errors name.
    pub(super) async fn retrying<A: Attempt>(&self, shown: &str, mut request: A) -> Result<A::Output, ModeError> {
        let mut backoff = self.retry_policy().backoff();
        let mut attempts = 0u32;
        let mut throttled = 0u32;
        loop {
            attempts += 1;
            match request.attempt(self, attempts, &mut throttled).await {
                Step::Done(result) => return result,
                Step::Again => {}
                Step::Retry(failure) => self.wait_to_retry(&mut backoff, shown, attempts, failure).await?,
            }
        }
    }

    /// After a transient failure: counts the retry, logs it and waits the backoff's next delay; once
    /// the backoff is spent, the error the request ends with (the last failure).
    async fn wait_to_retry(
        &self,
        backoff: &mut (impl Iterator<Item = Duration> + Send),
        shown: &str,
        attempts: u32,
        failure: Transient,
    ) -> Result<(), ModeError> {
        let url = shown.to_string();
        let Some(delay) = backoff.next() else {
            return Err(match failure {
                Transient::Decode(message) => ModeError::Decode { url, attempts, message },
                Transient::Http(last) => ModeError::GaveUp { url, attempts, last },
            });
        };
        let reason = match &failure {
            Transient::Decode(m) | Transient::Http(m) => m.as_str(),
        };
        let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        tracing::debug!(url = %shown, attempt = attempts, delay_ms, reason, "retrying");
        self.count_retry();
        tokio::time::sleep(delay).await;
        Ok(())
    }
}
