//! ModeError: why a request to Mode failed for good, with the URL (never credentials) and what to do.

use thiserror::Error;

/// A request that did not succeed, after whatever retries its kind allows.
#[derive(Debug, Error)]
pub enum ModeError {
    #[error(
        "Mode rejected the credentials (HTTP 401) at {url}: check MODE_API_TOKEN and MODE_API_SECRET \
         (or the files named by MODE_API_TOKEN_FILE / MODE_API_SECRET_FILE); they must be an API token \
         and its secret with access to this workspace"
    )]
    Unauthorized { url: String },
    #[error("access denied (HTTP 403) at {url}: the token is not allowed to read this resource")]
    Forbidden { url: String },
    #[error("not found (HTTP 404) at {url}")]
    NotFound { url: String },
    #[error("Mode refused the request with HTTP {status} at {url}: {message}")]
    Rejected { url: String, status: u16, message: String },
    #[error("the answer from {url} is over the {limit_bytes}-byte limit; refusing to read it")]
    TooLarge { url: String, limit_bytes: usize },
    #[error("could not read the answer from {url} after {}: {message}", attempts_text(*attempts))]
    Decode {
        url: String,
        attempts: u32,
        message: String,
    },
    #[error(
        "the answer from {url} is JSON but not of the shape Mode documents ({message}); not retried, as the same answer would come back"
    )]
    Shape { url: String, message: String },
    /// A listing read to its last answer that still may not hold every item (short of its
    /// `total_count`, cut by the page cap, items that could not be read).
    #[error("the listing {url} may be incomplete: {message}")]
    Incomplete { url: String, message: String },
    #[error("gave up on {url} after {}: {last}", attempts_text(*attempts))]
    GaveUp { url: String, attempts: u32, last: String },
    #[error(
        "gave up on {url} after {throttled} rate-limit answers (HTTP 429): another client may be using the same credentials' budget; lower --rate"
    )]
    Throttled { url: String, throttled: u32 },
    #[error("reading {url} failed inside mode-audit ({message}); recorded, and the rest of the run went on")]
    Internal { url: String, message: String },
    #[error("Mode answered {url} with success, but {message}")]
    Unconfirmed { url: String, message: String },
    #[error(
        "the Discovery API is not available at {url} (HTTP {status}): it needs Mode's Enterprise plan and a \
         signature token minted with a workspace admin's API key (set MODE_DISCOVERY_TOKEN, \
         MODE_DISCOVERY_ACCESS_KEY and MODE_DISCOVERY_ACCESS_SECRET, or let mode-audit mint one with an \
         admin's MODE_API_TOKEN and MODE_API_SECRET); run with --source rest to audit through the REST API alone"
    )]
    DiscoveryUnavailable { url: String, status: u16 },
    #[error("cannot set up the HTTP client: {0}")]
    Setup(String),
}

impl ModeError {
    /// Failures that make every further request pointless (the credentials are refused).
    pub fn is_credentials(&self) -> bool {
        matches!(self, ModeError::Unauthorized { .. })
    }

    /// A branch the credentials cannot read (404 or 403): recorded as inaccessible, the walk goes on.
    pub fn is_inaccessible(&self) -> bool {
        matches!(self, ModeError::NotFound { .. } | ModeError::Forbidden { .. })
    }

    /// Whether Mode could not be reached at all (no connection, a timeout): the network, DNS, a
    /// proxy or the address are to check, not the credentials.
    pub fn is_unreachable(&self) -> bool {
        match self {
            ModeError::GaveUp { last, .. } => {
                last.starts_with("could not connect")
                    || last.starts_with("timed out")
                    || last.starts_with("request failed")
            }
            ModeError::Setup(_) => true,
            _ => false,
        }
    }

    /// How many attempts the request took, where known.
    pub fn attempts(&self) -> u32 {
        match self {
            ModeError::GaveUp { attempts, .. } | ModeError::Decode { attempts, .. } => *attempts,
            ModeError::Throttled { throttled, .. } => *throttled,
            _ => 1,
        }
    }
}

/// "1 attempt", "6 attempts".
fn attempts_text(attempts: u32) -> String {
    if attempts == 1 {
        "1 attempt".to_string()
    } else {
        format!("{attempts} attempts")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_attempt_is_singular() {
        let one = ModeError::GaveUp {
            url: "u".into(),
            attempts: 1,
            last: "timed out".into(),
        };
        assert_eq!(one.to_string(), "gave up on u after 1 attempt: timed out");
        let six = ModeError::Decode {
            url: "u".into(),
            attempts: 6,
            message: "invalid JSON".into(),
        };
        assert_eq!(
            six.to_string(),
            "could not read the answer from u after 6 attempts: invalid JSON"
        );
    }
}
