//! StoreError: an object-store call that failed, said as what to fix — a missing bucket, refused
//! credentials, a missing permission, an unreachable store — and never with a credential in it.
//!
//! object_store reports a failed request as text carrying the HTTP status and the store's error
//! body. The body is read only for its error code (`<Code>NoSuchBucket</Code>`, GCS's JSON
//! message): S3 echoes the signed request in some bodies, which can hold a session token.

use std::fmt;

/// What went wrong, as far as the store's answer tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The bucket or container does not exist.
    MissingBucket,
    /// The credentials were refused (unknown key, wrong secret, expired token); the store's code.
    Credentials(String),
    /// No credentials were configured, and the instance metadata server the client then asks (the
    /// cloud's own identity) did not give any; what happened, in short.
    NoCredentials(String),
    /// The credentials are valid but may not do this; the store's code.
    Permission(String),
    /// The object is not there.
    NotFound,
    /// No answer: connection refused, timeouts, DNS; after every retry.
    Unreachable(String),
    /// Anything else, in a short form.
    Other(String),
}

/// A failed call: what was being done (`upload s3://b/p/acme/.../reports.csv`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError {
    pub doing: String,
    pub cause: Cause,
    /// The bucket (`s3://name`), to name in the fix.
    pub bucket: String,
    /// The permission the operation needs (`s3:PutObject`...), for `Permission`.
    pub needs: &'static str,
}

impl StoreError {
    /// Classifies an object_store error from `doing` on `bucket`.
    pub fn from_store(doing: String, bucket: String, needs: &'static str, error: &object_store::Error) -> StoreError {
        let cause = match error {
            object_store::Error::NotFound { .. } => match code(&chain(error)).as_deref() {
                Some("NoSuchBucket" | "ContainerNotFound") => Cause::MissingBucket,
                _ => Cause::NotFound,
            },
            other => classify(&chain(other)),
        };
        StoreError {
            doing,
            cause,
            bucket,
            needs,
        }
    }

    /// A local failure around a store call (reading the file to upload, writing a download).
    pub fn local(doing: String, bucket: String, error: impl fmt::Display) -> StoreError {
        StoreError {
            doing,
            cause: Cause::Other(redact(&error.to_string())),
            bucket,
            needs: "",
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.cause == Cause::NotFound
    }

    /// What to do about it.
    pub fn fix(&self) -> String {
        match &self.cause {
            Cause::MissingBucket => format!(
                "the bucket {} does not exist: create it, or correct the bucket name in the URL ({})",
                self.bucket,
                where_buckets_are(&self.bucket)
            ),
            Cause::Credentials(code) => format!(
                "the store refused the credentials ({code}): check the provider's credential chain — AWS_ACCESS_KEY_ID / \
                 AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or the pod's IAM role (IRSA), GOOGLE_APPLICATION_CREDENTIALS or \
                 workload identity, AZURE_STORAGE_ACCOUNT_KEY or managed identity"
            ),
            Cause::NoCredentials(detail) => format!(
                "no credentials for {}: none is set, and the instance metadata server, asked for the cloud's own \
                 identity, gave none ({detail}). {}",
                self.bucket,
                set_credentials(&self.bucket)
            ),
            Cause::Permission(code) => format!(
                "the credentials are valid but not allowed to do this ({code}): grant {} on {} and the prefix below it \
                 (docs/storage.md lists every permission a run needs)",
                grant(&self.bucket, self.needs),
                self.bucket
            ),
            Cause::NotFound => "the object does not exist".to_string(),
            Cause::Unreachable(detail) => format!(
                "cannot reach the object store ({detail}), after retrying: check the network, a proxy, and {}",
                endpoint_settings(&self.bucket)
            ),
            Cause::Other(detail) => detail.clone(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot {}: {}", self.doing, self.fix())
    }
}

impl std::error::Error for StoreError {}

/// The error and its sources, as one text.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(" | ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn classify(text: &str) -> Cause {
    let status = status(text);
    let code = code(text);
    let code_or = |fallback: &str| code.clone().unwrap_or_else(|| fallback.to_string());
    match (status, code.as_deref()) {
        (_, Some("NoSuchBucket" | "ContainerNotFound")) => Cause::MissingBucket,
        (_, Some(c)) if CREDENTIAL_CODES.contains(&c) => Cause::Credentials(c.to_string()),
        (_, Some(c)) if PERMISSION_CODES.contains(&c) => Cause::Permission(c.to_string()),
        (Some(401), _) => Cause::Credentials(code_or("HTTP 401")),
        (Some(403), _) => Cause::Permission(code_or("HTTP 403")),
        (Some(404), _) if text.contains("bucket does not exist") => Cause::MissingBucket,
        (Some(404), _) => Cause::NotFound,
        (Some(s), _) => Cause::Other(format!(
            "the store answered HTTP {s}{}",
            code.map(|c| format!(" ({c})")).unwrap_or_default()
        )),
        (None, _) if METADATA.iter().any(|w| text.contains(w)) => Cause::NoCredentials(short(text)),
        (None, _) if UNREACHABLE.iter().any(|w| text.contains(w)) => Cause::Unreachable(short(text)),
        (None, _) if text.contains("credential") || text.contains("Credential") => Cause::Credentials(short(text)),
        (None, _) => Cause::Other(short(text)),
    }
}

/// Codes of refused credentials: S3, GCS, Azure.
const CREDENTIAL_CODES: [&str; 8] = [
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "TokenRefreshRequired",
    "AuthenticationFailed",
    "InvalidAuthenticationInfo",
    "AuthenticationRequired",
];

/// Codes of a missing permission.
const PERMISSION_CODES: [&str; 4] = [
    "AccessDenied",
    "AllAccessDisabled",
    "AuthorizationPermissionMismatch",
    "AuthorizationFailure",
];

/// Words of a failed request to an instance metadata server, which object_store asks for a token
/// when no credentials are set (GCS: `computeMetadata`; S3: IMDS; Azure: managed identity).
const METADATA: [&str; 4] = [
    "/computeMetadata/",
    "/latest/api/token",
    "/latest/meta-data/iam/security-credentials",
    "/metadata/identity/oauth2/token",
];

/// What to set when no credentials were found, for the provider of `bucket` (`gs://name`...).
fn set_credentials(bucket: &str) -> &'static str {
    match bucket.split_once("://").map_or("", |(scheme, _)| scheme) {
        "gs" => {
            "Outside Google Cloud, set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file (or run \
             `gcloud auth application-default login`); on GKE, give the pod's service account workload identity"
        }
        "s3" => "Outside AWS, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; on EKS, give the pod an IAM role (IRSA)",
        _ => {
            "Set AZURE_STORAGE_ACCOUNT_KEY, AZURE_STORAGE_SAS_KEY or a service principal (AZURE_CLIENT_ID, \
             AZURE_CLIENT_SECRET, AZURE_TENANT_ID); on AKS, give the pod workload identity"
        }
    }
}

/// The permission to grant for `needs` (`s3:PutObject (storage.objects.create)`...) on `bucket`:
/// on Azure, the role that holds it.
fn grant(bucket: &str, needs: &'static str) -> &'static str {
    match needs {
        "" => "access",
        _ if !bucket.starts_with("az://") => needs,
        _ if needs.starts_with("s3:Get") || needs.starts_with("s3:List") => "the Storage Blob Data Reader role",
        _ => "the Storage Blob Data Contributor role",
    }
}

/// The settings that say where the store of `bucket` is, for its provider.
fn endpoint_settings(bucket: &str) -> &'static str {
    match bucket.split_once("://").map_or("", |(scheme, _)| scheme) {
        "az" => "AZURE_STORAGE_ACCOUNT_NAME (for azurite, AZURITE_BLOB_STORAGE_URL and AZURE_STORAGE_USE_EMULATOR)",
        "gs" => "that storage.googleapis.com and oauth2.googleapis.com can be reached from here",
        _ => "AWS_ENDPOINT_URL / AWS_ALLOW_HTTP for an S3-compatible store",
    }
}

/// What else names the store a bucket is looked for in, for the provider of `bucket`.
fn where_buckets_are(bucket: &str) -> &'static str {
    if bucket.starts_with("az://") {
        "for Azure, check AZURE_STORAGE_ACCOUNT_NAME; for azurite, AZURITE_BLOB_STORAGE_URL"
    } else {
        "for an S3-compatible store, check AWS_ENDPOINT_URL"
    }
}

/// Words of transport failures in object_store's and reqwest's messages.
const UNREACHABLE: [&str; 7] = [
    "error sending request",
    "Connect",
    "connection",
    "Timeout",
    "timed out",
    "dns error",
    "Encountered transport error",
];

fn status(text: &str) -> Option<u16> {
    let at = text.find("status code: ")? + "status code: ".len();
    text[at..].get(..3)?.parse().ok()
}

/// `<Code>X</Code>` (S3, Azure) or GCS's `"message": "The specified bucket does not exist."`.
fn code(text: &str) -> Option<String> {
    let start = text.find("<Code>")? + "<Code>".len();
    let end = text[start..].find("</Code>")? + start;
    let code = &text[start..end];
    code.chars()
        .all(|c| c.is_ascii_alphanumeric())
        .then(|| code.to_string())
}

/// The first part of an error text, without bodies, query strings or known secrets.
fn short(text: &str) -> String {
    let first = text.split(" | ").next().unwrap_or(text);
    let first = first.split(" - Server returned").next().unwrap_or(first);
    let mut out = redact(first);
    if out.chars().count() > 300 {
        out = out.chars().take(300).collect::<String>() + "…";
    }
    out
}

/// Environment variables whose values must never be shown.
const SECRET_VARS: [&str; 7] = [
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AZURE_STORAGE_ACCOUNT_KEY",
    "AZURE_STORAGE_SAS_KEY",
    "AZURE_CLIENT_SECRET",
    "GOOGLE_SERVICE_ACCOUNT_KEY",
    "AZURE_STORAGE_TOKEN",
];

/// Drops query strings from URLs (Azure SAS signatures ride there) and any secret value the
/// provider chains read from the environment.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_query = false;
    for c in text.chars() {
        if c == '?' {
            in_query = true;
            out.push_str("?…");
            continue;
        }
        if in_query && (c.is_whitespace() || c == ')' || c == '"') {
            in_query = false;
        }
        if !in_query {
            out.push(c);
        }
    }
    for var in SECRET_VARS {
        if let Ok(value) = std::env::var(var)
            && value.len() >= 4
        {
            out = out.replace(&value, "[redacted]");
        }
    }
    out
}

#[cfg(test)]
mod tests;
