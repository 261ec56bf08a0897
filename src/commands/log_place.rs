//! Where the undo log named on `undo`'s command line is — a file, or an object in a bucket
//! (`s3://BUCKET/PREFIX/<workspace>/actions/<snapshot>.jsonl`) read through a local copy — and the
//! output it belongs to, whose lease `undo --execute` takes.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use tempfile::TempDir;

use crate::config::Destination;
use crate::output::actions::ActionsLog;
use crate::storage::{Bucket, BucketUrl, StoreSettings};

/// An undo log's place.
pub struct LogPlace {
    /// The file, or the object's URL, for messages.
    pub shown: String,
    /// The output the log lives in (`OUT` of `OUT/<workspace>/actions/<snapshot>.jsonl`, or of an
    /// older `OUT/<workspace>/<snapshot>/undo-log.jsonl`); `None` when the path says nothing of it.
    pub out: Option<Destination>,
    local: PathBuf,
    remote: Option<(Bucket, Vec<String>, TempDir)>,
}

impl LogPlace {
    /// Finds the log `log` names; one in a bucket is downloaded into a work folder first.
    pub async fn find(log: &Path, store: &StoreSettings) -> Result<LogPlace> {
        let Some(text) = log.to_str().filter(|t| BucketUrl::looks_like_url(t)) else {
            let out = log
                .parent()
                .and_then(Path::parent)
                .and_then(Path::parent)
                .map(|out| Destination::Dir(out.to_path_buf()));
            return Ok(LogPlace {
                shown: log.display().to_string(),
                out,
                local: log.to_path_buf(),
                remote: None,
            });
        };
        let url = BucketUrl::parse(text).map_err(anyhow::Error::msg)?;
        if url.prefix.len() < 3 {
            bail!(
                "{text} is not an undo log in a bucket: name s3://BUCKET/PREFIX/<workspace>/actions/<snapshot>.jsonl"
            );
        }
        let mut out = url.clone();
        let parts: Vec<String> = out.prefix.split_off(out.prefix.len() - 3);
        let bucket = Bucket::open(&out, store)?;
        let work = tempfile::Builder::new()
            .prefix("mode-audit-undo-")
            .tempdir()
            .context("cannot create a work folder in the system's temporary folder (set TMPDIR to a writable one)")?;
        let keys: Vec<&str> = parts.iter().map(String::as_str).collect();
        let local = work.path().join(parts.join("/"));
        if !bucket.exists(&keys).await? {
            bail!("there is no undo log at {text}");
        }
        bucket.download(&keys, &local).await?;
        Ok(LogPlace {
            shown: text.to_string(),
            out: Some(Destination::Bucket(out)),
            local,
            remote: Some((bucket, parts, work)),
        })
    }

    /// The log's local file (its copy, for one in a bucket).
    pub fn local(&self) -> &Path {
        &self.local
    }

    /// Opens the log for appending (in a bucket: uploaded after each line).
    pub async fn open(&self) -> Result<ActionsLog> {
        match &self.remote {
            None => ActionsLog::open_path(&self.local),
            Some((bucket, parts, work)) => {
                let keys: Vec<&str> = parts.iter().map(String::as_str).collect();
                ActionsLog::open_bucket(bucket, &keys, work.path()).await
            }
        }
    }
}
