//! Standard Webhooks signing: the `webhook-id`, `webhook-timestamp` and `webhook-signature`
//! headers (HMAC-SHA256 over `id.timestamp.body`, base64, `v1,` prefix), so receivers can check a
//! body with any Standard Webhooks verifier.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::hmac;

/// The prefix of a Standard Webhooks secret; the rest is the key, base64.
const PREFIX: &str = "whsec_";

/// A signing key, read from a `whsec_...` secret (or its base64 part alone).
#[derive(Clone)]
pub struct SigningKey(hmac::Key);

impl SigningKey {
    /// `Err` says what the secret must look like, never the secret itself.
    pub fn parse(secret: &str) -> Result<SigningKey, String> {
        let encoded = secret.trim();
        let encoded = encoded.strip_prefix(PREFIX).unwrap_or(encoded);
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| "MODE_AUDIT_WEBHOOK_SECRET is not a Standard Webhooks secret: write whsec_ followed by base64 (e.g. the output of `openssl rand -base64 32`, prefixed)".to_string())?;
        if key.len() < 16 {
            return Err(
                "MODE_AUDIT_WEBHOOK_SECRET is too short: use at least 16 random bytes (24 base64 characters)".into(),
            );
        }
        Ok(SigningKey(hmac::Key::new(hmac::HMAC_SHA256, &key)))
    }

    /// The value of `webhook-signature` for one message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut context = hmac::Context::with_key(&self.0);
        context.update(id.as_bytes());
        context.update(b".");
        context.update(timestamp.to_string().as_bytes());
        context.update(b".");
        context.update(body);
        format!("v1,{}", STANDARD.encode(context.sign().as_ref()))
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of the Standard Webhooks reference libraries.
    #[test]
    fn matches_the_reference_test_vector() {
        let key = SigningKey::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        assert_eq!(
            key.sign(
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                1649367553,
                br#"{"email":"test@example.com","username":"test_user"}"#
            ),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
        let other_body = key.sign("msg_27UH4WbU6Z5A5EzD8u03UvzRbpk", 1649367553, b"{}");
        assert_ne!(other_body, "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=");
    }

    #[test]
    fn a_bad_secret_is_refused_without_echoing_it() {
        let err = SigningKey::parse("whsec_not base64 MARKER-SECRET").unwrap_err();
        assert!(err.contains("whsec_") && !err.contains("MARKER-SECRET"), "{err}");
        assert!(SigningKey::parse("whsec_c2hvcnQ=").unwrap_err().contains("too short"));
        assert!(!format!("{:?}", SigningKey::parse("C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap()).contains("C2FV"));
    }
}
