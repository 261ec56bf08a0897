//! What the output folder holds before a measured run: earlier snapshots (backdated copies of a
//! real run's snapshot.json), or the checkpoint a stopped run left.

use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use mode_audit::snapshot::folder::folder_stamp;
use serde::Deserialize;

/// How far into snapshot.json `started_at` is looked for (it is the third field).
const HEAD: usize = 4096;

/// Turns the one snapshot in `OUT/<workspace>` into copies backdated by `ages` days (each in the
/// folder its time names, with `started_at` rewritten in place), then removes the original and
/// `latest`: the folder then holds `ages.len()` earlier snapshots and nothing newer.
pub fn backdate_copies(out: &Path, workspace: &str, ages: &[i64]) -> Result<()> {
    let dir = out.join(workspace);
    let latest = dir.join("latest");
    let original: PathBuf =
        fs::canonicalize(&latest).with_context(|| format!("cannot resolve {}", latest.display()))?;
    let source = original.join("snapshot.json");
    let (offset, started) = started_at(&source)?;
    for days in ages {
        let earlier = (started - Duration::days(*days)).to_rfc3339_opts(SecondsFormat::Millis, true);
        let folder = dir.join(folder_stamp(&earlier));
        fs::create_dir_all(&folder).with_context(|| format!("cannot create {}", folder.display()))?;
        let copy = folder.join("snapshot.json");
        fs::copy(&source, &copy).with_context(|| format!("cannot copy {}", source.display()))?;
        let mut file = OpenOptions::new().write(true).open(&copy)?;
        file.seek(SeekFrom::Start(offset))?;
        file.write_all(earlier.as_bytes())?;
    }
    fs::remove_file(&latest)?;
    fs::remove_dir_all(&original).with_context(|| format!("cannot remove {}", original.display()))?;
    Ok(())
}

/// Where the value of `started_at` starts in a snapshot.json, and the time it holds.
fn started_at(path: &Path) -> Result<(u64, DateTime<Utc>)> {
    let mut head = vec![0; HEAD];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8_lossy(&head[..n]);
    let key = "\"started_at\": \"";
    let Some(at) = text.find(key).map(|i| i + key.len()) else {
        bail!("{} has no started_at in its first {HEAD} bytes", path.display());
    };
    let value = text[at..].split('"').next().unwrap_or_default();
    let time = DateTime::parse_from_rfc3339(value)
        .with_context(|| format!("started_at '{value}' in {}", path.display()))?
        .with_timezone(&Utc);
    if time.to_rfc3339_opts(SecondsFormat::Millis, true).len() != value.len() {
        bail!("started_at '{value}' is not in the form the copies are written in");
    }
    Ok((at as u64, time))
}

#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    records: Option<Records>,
}

#[derive(Deserialize)]
struct Records {
    count: u64,
}

/// The reports the checkpoint in `OUT/<workspace>` holds, when it says.
pub fn checkpoint_reports(out: &Path, workspace: &str) -> Option<u64> {
    let file = File::open(out.join(workspace).join(".checkpoint.json")).ok()?;
    let header: Header = serde_json::from_reader(BufReader::new(file)).ok()?;
    header.records.map(|r| r.count)
}
