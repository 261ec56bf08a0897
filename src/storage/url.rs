//! BucketUrl: an object-store location named on the command line — `s3://bucket/prefix`,
//! `gs://bucket/prefix` or `az://container/prefix` — and the object keys below it.

use std::fmt;

use object_store::path::Path as Key;

/// Which object store a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// Amazon S3 and S3-compatible stores (MinIO, moto; `AWS_ENDPOINT_URL` points at them).
    S3,
    /// Google Cloud Storage.
    Gcs,
    /// Azure Blob Storage (the storage account comes from `AZURE_STORAGE_ACCOUNT_NAME`).
    Azure,
}

impl Provider {
    /// The scheme written back in messages.
    pub fn scheme(self) -> &'static str {
        match self {
            Provider::S3 => "s3",
            Provider::Gcs => "gs",
            Provider::Azure => "az",
        }
    }
}

/// A bucket (or Azure container) and a key prefix inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketUrl {
    pub provider: Provider,
    pub bucket: String,
    /// The prefix's segments (no empty ones).
    pub prefix: Vec<String>,
}

/// The schemes `--out` and `diff` accept, with what each maps to.
const SCHEMES: [(&str, Provider); 6] = [
    ("s3", Provider::S3),
    ("s3a", Provider::S3),
    ("gs", Provider::Gcs),
    ("az", Provider::Azure),
    ("azure", Provider::Azure),
    ("abfs", Provider::Azure),
];

impl BucketUrl {
    /// Whether `text` is meant as a URL (`scheme://...`) rather than a folder.
    pub fn looks_like_url(text: &str) -> bool {
        text.split_once("://")
            .is_some_and(|(scheme, _)| !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric()))
    }

    /// Parses `s3://bucket/prefix` (and `gs://`, `az://`); the message says what is accepted.
    pub fn parse(text: &str) -> Result<BucketUrl, String> {
        let accepted = "use s3://BUCKET/PREFIX, gs://BUCKET/PREFIX or az://CONTAINER/PREFIX (or a folder)";
        let (scheme, rest) = text
            .trim()
            .split_once("://")
            .ok_or_else(|| format!("'{text}' is not a bucket URL: {accepted}"))?;
        let provider = SCHEMES
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(scheme))
            .map(|(_, p)| *p)
            .ok_or_else(|| format!("'{scheme}://' is not a supported object store: {accepted}"))?;
        if rest.contains(['?', '#']) {
            return Err(format!("'{text}' has a query or fragment: {accepted}"));
        }
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        if authority.contains('@') {
            return Err(
                "a bucket URL must not carry credentials: they come from the provider's own environment \
                 (AWS_*, GOOGLE_APPLICATION_CREDENTIALS, AZURE_*), workload identity or instance metadata"
                    .into(),
            );
        }
        if authority.is_empty() {
            return Err(format!("'{text}' names no bucket: {accepted}"));
        }
        let prefix: Vec<String> = path.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect();
        if let Some(bad) = prefix.iter().find(|s| *s == "." || *s == "..") {
            return Err(format!("'{text}' has a '{bad}' segment: write the prefix out in full"));
        }
        Ok(BucketUrl {
            provider,
            bucket: authority.to_string(),
            prefix,
        })
    }

    /// The object key of `parts` below the prefix.
    pub fn key(&self, parts: &[&str]) -> Key {
        Key::from_iter(
            self.prefix
                .iter()
                .map(String::as_str)
                .chain(parts.iter().flat_map(|p| p.split('/')))
                .filter(|s| !s.is_empty()),
        )
    }

    /// `s3://bucket/prefix/parts...`, for messages.
    pub fn show(&self, parts: &[&str]) -> String {
        let mut text = self.to_string();
        for part in parts {
            text.push('/');
            text.push_str(part);
        }
        text
    }

    /// The same bucket with `parts` appended to the prefix.
    pub fn join(&self, parts: &[&str]) -> BucketUrl {
        let mut url = self.clone();
        url.prefix.extend(
            parts
                .iter()
                .flat_map(|p| p.split('/'))
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        );
        url
    }

    /// The prefix without its last segment, and that segment.
    pub fn split_last(&self) -> Option<(BucketUrl, String)> {
        let mut parent = self.clone();
        let last = parent.prefix.pop()?;
        Some((parent, last))
    }
}

impl fmt::Display for BucketUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.provider.scheme(), self.bucket)?;
        for segment in &self.prefix {
            write!(f, "/{segment}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_provider_and_keeps_the_prefix() {
        let url = BucketUrl::parse("s3://audit-bucket/mode/nightly/").unwrap();
        assert_eq!(url.provider, Provider::S3);
        assert_eq!(url.bucket, "audit-bucket");
        assert_eq!(url.prefix, ["mode", "nightly"]);
        assert_eq!(url.to_string(), "s3://audit-bucket/mode/nightly");
        assert_eq!(
            url.key(&["acme", "20261128T032200Z/reports.csv"]).as_ref(),
            "mode/nightly/acme/20261128T032200Z/reports.csv"
        );
        assert_eq!(BucketUrl::parse("gs://b").unwrap().provider, Provider::Gcs);
        assert_eq!(BucketUrl::parse("az://container/x").unwrap().provider, Provider::Azure);
        assert_eq!(BucketUrl::parse("S3A://b/p").unwrap().provider, Provider::S3);
        assert!(BucketUrl::parse("gs://b").unwrap().prefix.is_empty());
    }

    #[test]
    fn rejects_what_it_cannot_use_and_says_what_it_accepts() {
        let err = BucketUrl::parse("ftp://b/p").unwrap_err();
        assert!(
            err.contains("not a supported object store") && err.contains("s3://BUCKET/PREFIX"),
            "{err}"
        );
        let err = BucketUrl::parse("s3://AKIA:secret@bucket/p").unwrap_err();
        assert!(
            err.contains("must not carry credentials") && !err.contains("secret@"),
            "{err}"
        );
        assert!(BucketUrl::parse("s3:///p").unwrap_err().contains("names no bucket"));
        assert!(BucketUrl::parse("s3://b/../x").unwrap_err().contains("'..'"));
        assert!(BucketUrl::parse("s3://b/p?versionId=1").is_err());
    }

    #[test]
    fn a_gcs_url_names_the_bucket_and_the_keys_below_its_prefix() {
        let url = BucketUrl::parse(" gs://audit-snapshots/mode/nightly/ ").unwrap();
        assert_eq!(url.provider, Provider::Gcs);
        assert_eq!(url.bucket, "audit-snapshots");
        assert_eq!(url.to_string(), "gs://audit-snapshots/mode/nightly");
        assert_eq!(
            url.key(&["acme", "20261128T032200Z", "_COMPLETE"]).as_ref(),
            "mode/nightly/acme/20261128T032200Z/_COMPLETE"
        );
        let at_root = BucketUrl::parse("GS://audit-snapshots").unwrap();
        assert_eq!(at_root.to_string(), "gs://audit-snapshots", "written back as gs://");
        assert_eq!(at_root.key(&["acme/latest"]).as_ref(), "acme/latest");
        // GCS bucket names may hold dots (domain-named buckets): kept whole.
        assert_eq!(
            BucketUrl::parse("gs://audit.example.com/p").unwrap().bucket,
            "audit.example.com"
        );
        let err = BucketUrl::parse("gcs://audit/p").unwrap_err();
        assert!(
            err.contains("'gcs://' is not a supported object store") && err.contains("gs://BUCKET"),
            "{err}"
        );
        let err = BucketUrl::parse("gs://svc@project.iam.gserviceaccount.com@audit/p").unwrap_err();
        assert!(
            err.contains("GOOGLE_APPLICATION_CREDENTIALS") && !err.contains("svc@"),
            "{err}"
        );
    }

    #[test]
    fn only_scheme_colon_slash_slash_reads_as_a_url() {
        assert!(BucketUrl::looks_like_url("s3://b"));
        assert!(!BucketUrl::looks_like_url("snapshots"));
        assert!(!BucketUrl::looks_like_url("./odd://name"));
        assert!(!BucketUrl::looks_like_url("-"));
    }
}
