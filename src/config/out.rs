//! Where the snapshot goes: `--out` as a folder, a bucket URL or `-` (stdout).

use std::path::PathBuf;

use super::{ConfigError, DEFAULT_OUT, bad};
use crate::storage::BucketUrl;

/// Where the snapshot goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Dir(PathBuf),
    /// `s3://`, `gs://` or `az://`: snapshots, `latest` and the checkpoint in a bucket.
    Bucket(BucketUrl),
    /// `--out -`: reports.csv on stdout, nothing written to disk.
    Stdout,
}

/// `--out`: `-` for stdout, a bucket URL (`s3://`, `gs://`, `az://`), or a folder.
pub fn destination(out: Option<PathBuf>) -> Result<Destination, ConfigError> {
    let Some(out) = out else {
        return Ok(Destination::Dir(PathBuf::from(DEFAULT_OUT)));
    };
    if out.as_os_str() == "-" {
        return Ok(Destination::Stdout);
    }
    match out.to_str().filter(|t| BucketUrl::looks_like_url(t)) {
        Some(text) => BucketUrl::parse(text)
            .map(Destination::Bucket)
            .map_err(|e| bad(format!("--out: {e}"))),
        None => Ok(Destination::Dir(out)),
    }
}
