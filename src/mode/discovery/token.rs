//! Discovery signature tokens: the three values a data call needs, and minting one for a run
//! (then deleting it) with a workspace admin's API key and secret (HTTP Basic).

use reqwest::Method;
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;

use super::unavailable;
use crate::mode::client::ModeClient;
use crate::mode::error::ModeError;
use crate::mode::exchange::Exchange;
use crate::mode::writes::Removal;

/// A signature token: its token, access key and access secret. Debug output is redacted.
#[derive(Debug, Clone)]
pub struct SignatureToken {
    pub token: SecretString,
    pub access_key: SecretString,
    pub access_secret: SecretString,
}

/// A token minted for this run: the values, and the name and token to delete it by.
#[derive(Debug, Clone)]
pub struct MintedToken {
    pub credential: SignatureToken,
    /// `mode-audit-<workspace>-<stamp>`, shown in a warning when it cannot be deleted.
    pub name: String,
    /// The token, to delete it by (not secret on its own, never logged all the same).
    id: String,
}

#[derive(Deserialize)]
struct Minted {
    token: String,
    access_key: String,
    access_secret: String,
    #[serde(default)]
    name: Option<String>,
}

impl ModeClient {
    /// `POST /batch/{ws}/signature_tokens`: a read-only token named `name`, expiring at
    /// `expires_at` (ISO 8601 with an offset). Sent once: a lost answer is not sent again, since
    /// the token may exist already (it expires on its own).
    pub async fn mint_signature_token(&self, name: &str, expires_at: &str) -> Result<MintedToken, ModeError> {
        let url = self.batch_url(&["signature_tokens"]);
        let shown = url.to_string();
        let body = json!({"signature_token": {
            "name": name,
            "expires_at": expires_at,
            "auth_scope": {"authentication_for": "batch-api", "authorization_type": "read-only"},
        }});
        let mut throttled = 0;
        let answer = match self
            .transport()
            .exchange(Method::POST, &url, &shown, Some(&body), &mut throttled)
            .await
        {
            Exchange::Answered(answer) => answer,
            Exchange::Transient(last) => {
                return Err(ModeError::GaveUp {
                    url: shown,
                    attempts: 1,
                    last,
                });
            }
            Exchange::Final(error) => return Err(unavailable(error)),
        };
        let minted: Minted = serde_json::from_slice(&answer.body).map_err(|e| ModeError::Shape {
            url: shown.clone(),
            message: format!("no signature token in the answer ({})", e.classify_message()),
        })?;
        Ok(MintedToken {
            name: minted.name.unwrap_or_else(|| name.to_string()),
            id: minted.token.clone(),
            credential: SignatureToken {
                token: SecretString::from(minted.token),
                access_key: SecretString::from(minted.access_key),
                access_secret: SecretString::from(minted.access_secret),
            },
        })
    }

    /// `DELETE /batch/{ws}/signature_tokens/{token}` with the admin's key, retried like a read.
    pub async fn delete_signature_token(&self, minted: &MintedToken) -> Result<Removal, ModeError> {
        let url = self.batch_url(&["signature_tokens", &minted.id]);
        // The token is not shown in logs or errors: the name says which one it was.
        let shown = self.batch_url(&["signature_tokens", &minted.name]).to_string();
        self.delete_at(&url, &shown).await
    }
}

/// What a JSON error says, without the input it read.
trait ClassifyMessage {
    fn classify_message(&self) -> String;
}

impl ClassifyMessage for serde_json::Error {
    fn classify_message(&self) -> String {
        format!("{:?} at line {} column {}", self.classify(), self.line(), self.column())
    }
}
