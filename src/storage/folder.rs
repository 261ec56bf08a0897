//! Folders in a bucket: a local folder uploaded file by file with a [`Marker`] written last, and
//! such a folder downloaded back only when its marker is there and matches what is listed.

use std::path::{Component, Path, PathBuf};

use super::bucket::Bucket;
use super::error::StoreError;
use super::marker::{MARKER, MarkedFile, Marker};

/// What the marker says besides the file list.
#[derive(Debug, Clone)]
pub struct MarkerInfo {
    pub workspace: String,
    pub kind: &'static str,
    pub status: String,
    pub started_at: String,
}

impl Bucket {
    /// Uploads every file below `local` (recursively, dot-files left out) under `parts`, then the
    /// marker. Until the marker is written, readers see an unfinished folder.
    pub async fn upload_folder(&self, local: &Path, parts: &[&str], info: &MarkerInfo) -> Result<Marker, StoreError> {
        let names =
            files_below(local).map_err(|e| StoreError::local(format!("list {}", local.display()), self.root(), e))?;
        self.upload_files(local, &names, parts, info).await
    }

    /// Uploads the named files of `local` under `parts`, then the marker.
    pub async fn upload_files(
        &self,
        local: &Path,
        names: &[String],
        parts: &[&str],
        info: &MarkerInfo,
    ) -> Result<Marker, StoreError> {
        let mut files = Vec::with_capacity(names.len());
        for name in names {
            let mut key = parts.to_vec();
            key.push(name);
            let size = self.upload(&local.join(name), &key).await?;
            files.push(MarkedFile {
                name: name.clone(),
                size,
            });
        }
        let marker = Marker {
            version: super::marker::MARKER_VERSION,
            workspace: info.workspace.clone(),
            kind: info.kind.to_string(),
            status: info.status.clone(),
            started_at: info.started_at.clone(),
            written_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            files,
        };
        let mut key = parts.to_vec();
        key.push(MARKER);
        self.put(&key, marker.to_bytes()).await?;
        Ok(marker)
    }

    /// The folder's marker, if it has a readable one.
    pub async fn marker(&self, parts: &[&str]) -> Result<Option<Marker>, StoreError> {
        let mut key = parts.to_vec();
        key.push(MARKER);
        Ok(self.get(&key).await?.and_then(|b| Marker::from_bytes(&b)))
    }

    /// Downloads a marked folder into `local`: `None` when it has no marker or a file it lists
    /// is missing or of another size (an upload that was cut short, or overwritten halfway).
    pub async fn download_folder(&self, parts: &[&str], local: &Path) -> Result<Option<Vec<PathBuf>>, StoreError> {
        let Some(marker) = self.marker(parts).await? else {
            return Ok(None);
        };
        let listed = self.objects(parts).await?;
        // Listed names are keys, percent-encoded where a character is unsafe in one.
        let whole = marker.files.iter().all(|f| {
            let key = object_store::path::Path::from_iter(f.name.split('/'));
            listed
                .iter()
                .any(|(name, size)| name == key.as_ref() && *size == f.size)
        });
        if !whole {
            tracing::warn!(folder = %self.show(parts), "ignoring a folder whose files do not match its marker");
            return Ok(None);
        }
        if let Some(f) = marker.files.iter().find(|f| !plain_relative(&f.name)) {
            tracing::warn!(folder = %self.show(parts), file = %f.name, "ignoring a folder whose marker names a file outside it");
            return Ok(None);
        }
        let mut out = Vec::with_capacity(marker.files.len());
        for f in &marker.files {
            let mut key = parts.to_vec();
            key.push(&f.name);
            let path = local.join(&f.name);
            self.download(&key, &path).await?;
            out.push(path);
        }
        Ok(Some(out))
    }
}

/// A relative path that stays below the folder it is joined to (no root, no `..`, no `.`).
fn plain_relative(name: &str) -> bool {
    !name.is_empty() && Path::new(name).components().all(|c| matches!(c, Component::Normal(_)))
}

/// Files below `dir`, relative and `/`-separated, sorted; dot-files and symlinks left out.
pub fn files_below(dir: &Path) -> std::io::Result<Vec<String>> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let kind = entry.file_type()?;
            let rel = format!("{prefix}{name}");
            if kind.is_dir() {
                walk(&entry.path(), &format!("{rel}/"), out)?;
            } else if kind.is_file() {
                out.push(rel);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out)?;
    out.sort();
    Ok(out)
}
