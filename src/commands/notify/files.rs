//! Where `notify` reads and keeps its files in the output of the snapshot it works from (a
//! [`Newest`]): the notify log beside the snapshots (`OUT/<workspace>/notify-log.jsonl`), and, for
//! a bucket (whose marked snapshot folders are never changed), the drafts and the address cache
//! under `<workspace>/notify/<snapshot>/`.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::notify::log::{self, NOTIFY_LOG, NotifyLog, ReplayedNotices};
use crate::output::Newest;

/// The folder of a bucket's notify files below the workspace.
const NOTIFY: &str = "notify";

/// The address cache's name in a bucket's notify folder.
const ADDRESSES: &str = "addresses.json";

fn log_parts(source: &Newest) -> [&str; 2] {
    [&source.workspace, NOTIFY_LOG]
}

/// The log as the user finds it: its file, or its URL in the bucket.
pub fn log_shown(source: &Newest) -> PathBuf {
    let parts = log_parts(source);
    source.place.shown(&parts, &source.place.local(&parts))
}

/// The log opened for appending (in a bucket: downloaded, and uploaded after each line).
pub async fn open_log(source: &Newest) -> Result<NotifyLog> {
    source.place.open_log(&log_parts(source)).await
}

/// What the log holds, read only (the dry run).
pub async fn read_log(source: &Newest) -> Result<ReplayedNotices> {
    let parts = log_parts(source);
    let local = source.place.local(&parts);
    source.place.fetch(&parts, &local).await?;
    log::read(&local)
}

/// Brings a bucket's address cache (`<workspace>/notify/<snapshot>/addresses.json`) into the
/// local snapshot folder, where the lookups read and extend it.
pub async fn fetch_addresses(source: &Newest, local: &Path) -> Result<()> {
    source.place.fetch(&parts(source, ADDRESSES), local).await
}

/// Keeps the address cache in the bucket once the lookups changed it.
pub async fn keep_addresses(source: &Newest, local: &Path) -> Result<()> {
    if local.is_file() {
        source.place.keep(local, &parts(source, ADDRESSES)).await?;
    }
    Ok(())
}

/// Keeps the drafts: where they were written in a folder, uploaded below
/// `<workspace>/notify/<snapshot>/` in a bucket. Returns where they are.
pub async fn keep_drafts(source: &Newest, files: Vec<PathBuf>) -> Result<Vec<PathBuf>> {
    let mut kept = Vec::with_capacity(files.len());
    for file in files {
        let name = file.file_name().unwrap_or_default().to_string_lossy().into_owned();
        kept.push(source.place.keep(&file, &parts(source, &name)).await?);
    }
    Ok(kept)
}

fn parts<'a>(source: &'a Newest, file: &'a str) -> [&'a str; 4] {
    [&source.workspace, NOTIFY, &source.name, file]
}
