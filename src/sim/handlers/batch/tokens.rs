//! Signature tokens of the stand-in's Discovery API: minted from the documented request body,
//! valid until deleted, visible to tests so they can check that a run deleted what it minted.

use std::sync::Mutex;

use serde::Deserialize;
use serde_json::json;

use super::{error, ok};
use crate::sim::handlers::Reply;
use crate::sim::render::derived_token;

/// A token minted through `POST /batch/{ws}/signature_tokens`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MintedToken {
    pub token: String,
    pub name: String,
    pub access_key: String,
    pub access_secret: String,
    pub expires_at: String,
    pub authorization_type: String,
    /// Set once `DELETE .../signature_tokens/{token}` removed it.
    pub deleted: bool,
}

/// Every token minted so far, deleted ones included.
#[derive(Debug, Default)]
pub struct SignatureTokens {
    minted: Mutex<Vec<MintedToken>>,
}

#[derive(Deserialize)]
struct MintBody {
    signature_token: MintFields,
}

#[derive(Deserialize)]
struct MintFields {
    name: String,
    expires_at: String,
    #[serde(default)]
    auth_scope: Option<AuthScope>,
}

#[derive(Deserialize)]
struct AuthScope {
    authentication_for: Option<String>,
    authorization_type: Option<String>,
}

impl SignatureTokens {
    pub fn all(&self) -> Vec<MintedToken> {
        self.minted.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn valid(&self, token: &str, key: &str, secret: &str) -> bool {
        self.all()
            .iter()
            .any(|t| !t.deleted && t.token == token && t.access_key == key && t.access_secret == secret)
    }

    pub(super) fn mint(&self, body: &[u8]) -> super::Reply {
        let Ok(MintBody { signature_token: f }) = serde_json::from_slice::<MintBody>(body) else {
            return error(
                400,
                "expected {\"signature_token\": {\"name\", \"expires_at\", \"auth_scope\"}}",
            );
        };
        if !(4..=64).contains(&f.name.chars().count()) {
            return error(400, "name must be 4 to 64 characters");
        }
        if chrono::DateTime::parse_from_rfc3339(&f.expires_at).is_err() {
            return error(400, "expires_at must be an ISO 8601 time with an offset");
        }
        let scope = f.auth_scope.unwrap_or(AuthScope {
            authentication_for: None,
            authorization_type: None,
        });
        if scope.authentication_for.as_deref().is_some_and(|a| a != "batch-api") {
            return error(400, "authentication_for must be batch-api");
        }
        let kind = scope.authorization_type.unwrap_or_else(|| "read-only".to_string());
        let mut minted = self.minted.lock().unwrap_or_else(|e| e.into_inner());
        let n = minted.len().to_string();
        let token = MintedToken {
            token: derived_token(&["signature token", &n]),
            name: f.name,
            access_key: derived_token(&["access key", &n]),
            access_secret: format!("{}{}", derived_token(&["secret", &n]), derived_token(&["secret2", &n])),
            expires_at: f.expires_at,
            authorization_type: kind,
            deleted: false,
        };
        minted.push(token.clone());
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        ok(json!({
            "token": token.token,
            "name": token.name,
            "creator_id": 1,
            "organization_id": 1,
            "access_key": token.access_key,
            "access_secret": token.access_secret,
            "created_at": now,
            "updated_at": now,
            "expires_at": token.expires_at,
            "authentication_for": "batch-api",
            "authorization_type": token.authorization_type,
        }))
    }

    pub(super) fn delete(&self, token: &str) -> Reply {
        let mut minted = self.minted.lock().unwrap_or_else(|e| e.into_inner());
        match minted.iter_mut().find(|t| t.token == token && !t.deleted) {
            Some(t) => {
                t.deleted = true;
                Reply {
                    status: 204,
                    body: serde_json::Value::Null,
                    location: None,
                }
            }
            None => error(404, "signature token not found"),
        }
    }
}
