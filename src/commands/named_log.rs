//! NamedLog: the undo log named on `undo`'s command line — a file, or an object in a bucket
//! (`s3://BUCKET/PREFIX/<workspace>/actions/<snapshot>.jsonl`) read through a local copy — and
//! where it belongs: the log in its workspace output, which `undo --execute` writes to and whose
//! lease it takes. A log records where it belongs; a copy elsewhere is worked on only when `--out`
//! names that output (its log there is written, seeded from the copy if it is missing).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::config::{ConfigError, Destination};
use crate::output::Place;
use crate::output::actions::{ACTIONS, ActionsLog};
use crate::snapshot::undo_log::UNDO_LOG;
use crate::storage::{BucketUrl, StoreSettings};

/// A log in an output: the output and the log's parts below it (`<workspace>/actions/<x>.jsonl`).
type InOutput = (Place, Vec<String>);

/// The undo log named, and where it belongs.
pub struct NamedLog {
    /// The file, or the object's URL, for messages.
    pub shown: String,
    /// The output the log belongs to, once settled ([`NamedLog::settle`]).
    pub out: Option<Destination>,
    local: PathBuf,
    /// The named log's bucket (through a work folder), when it is in one.
    remote: Option<InOutput>,
    /// The log in its output that undo writes to, when it is not the one named.
    home: Option<InOutput>,
}

impl NamedLog {
    /// Finds the log `log` names; one in a bucket is downloaded into a work folder first.
    pub async fn find(log: &Path, store: &StoreSettings) -> Result<NamedLog> {
        let Some(text) = log.to_str().filter(|t| BucketUrl::looks_like_url(t)) else {
            return Ok(NamedLog {
                shown: log.display().to_string(),
                out: None,
                local: log.to_path_buf(),
                remote: None,
                home: None,
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
        let place = Place::bucket(&out, store)?;
        let keys = keys(&parts);
        let local = place.local(&keys);
        if !place.exists(&keys).await? {
            bail!("there is no undo log at {text}");
        }
        place.fetch(&keys, &local).await?;
        Ok(NamedLog {
            shown: place.shown(&keys, &local).display().to_string(),
            out: None,
            local,
            remote: Some((place, parts)),
            home: None,
        })
    }

    /// The log's local file (its copy, for one in a bucket).
    pub fn local(&self) -> &Path {
        &self.local
    }

    /// Settles where the log belongs: `recorded` (what the log says, or for a log of an older
    /// version where it lies, when that is `OUT/<workspace>/actions/`), or the output `--out`
    /// names (`named`). A copy outside its output, without `--out`, is refused (a usage error).
    pub async fn settle(
        &mut self,
        recorded: Option<&str>,
        workspace: &str,
        named: Option<&Destination>,
        store: &StoreSettings,
    ) -> Result<()> {
        let itself = self.itself();
        // A recorded home that is no longer there (the output moved): where the log lies counts.
        let there = recorded.filter(|r| BucketUrl::looks_like_url(r) || Path::new(r).is_file());
        let belongs = there.map(str::to_string).or_else(|| self.in_an_output(workspace));
        let Some(out) = named.filter(|d| !matches!(d, Destination::Stdout)) else {
            return match belongs {
                Some(home) if home == itself => {
                    self.out = Some(output_of(&home)?);
                    Ok(())
                }
                Some(home) => Err(ConfigError(format!(
                    "{} is a copy: the undo log belongs to {home}, in the output {}. Run `mode-audit undo {home}`, \
                     or name that output with --out so that what undo does is recorded there (apply reads it there)",
                    self.shown,
                    shown_output(&home)
                ))
                .into()),
                None => Err(ConfigError(format!(
                    "{} is not in an output's actions folder (OUT/{workspace}/actions/) and does not record where it \
                     belongs: name the output it came from with --out, so that what undo does is recorded there \
                     (apply reads it there)",
                    self.shown
                ))
                .into()),
            };
        };
        let name = log_file_name(recorded.or(belongs.as_deref()).unwrap_or(&itself));
        self.home_in(out, workspace, &name, belongs.as_deref(), store).await?;
        self.out = Some(out.clone());
        Ok(())
    }

    /// The home log `OUT/<workspace>/actions/<name>` in the output `out`; one that is neither the
    /// recorded home nor there already is refused.
    async fn home_in(
        &mut self,
        out: &Destination,
        workspace: &str,
        name: &str,
        belongs: Option<&str>,
        store: &StoreSettings,
    ) -> Result<()> {
        let place = match out {
            Destination::Dir(dir) => Place::folder(std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone())),
            _ => super::place::open(out, store)?.context("--out - is not an output")?,
        };
        let parts = vec![workspace.to_string(), ACTIONS.to_string(), name.to_string()];
        let keys = keys(&parts);
        let target = place.shown(&keys, &place.local(&keys)).display().to_string();
        let exists = place.exists(&keys).await?;
        if let Some(recorded) = belongs.filter(|b| *b != target && !exists) {
            return Err(ConfigError(format!(
                "the undo log {} belongs to {recorded}; the output --out names has no {target}: name the output the \
                 log came from",
                self.shown
            ))
            .into());
        }
        self.home = (target != self.itself()).then_some((place, parts));
        Ok(())
    }

    /// The named log as a log records where it belongs: its absolute path, or its URL.
    fn itself(&self) -> String {
        match &self.remote {
            Some(_) => self.shown.clone(),
            None => std::fs::canonicalize(&self.local)
                .unwrap_or_else(|_| self.local.clone())
                .display()
                .to_string(),
        }
    }

    /// Where the named log is, when that is in an output: `OUT/<workspace>/actions/<x>.jsonl`, or
    /// an older version's `OUT/<workspace>/<snapshot>/undo-log.jsonl`.
    fn in_an_output(&self, workspace: &str) -> Option<String> {
        let itself = self.itself();
        let parts: Vec<&str> = itself.rsplit(['/', '\\']).take(3).collect();
        let placed = parts.len() == 3
            && parts[2] == workspace
            && ((parts[1] == ACTIONS && parts[0].ends_with(".jsonl")) || parts[0] == UNDO_LOG);
        placed.then_some(itself)
    }

    /// Opens the log undo writes to, for appending: the one in its output (in a bucket, uploaded
    /// after each line). A home log that is missing is first seeded from the named copy.
    pub async fn open(&self) -> Result<ActionsLog> {
        match (&self.home, &self.remote) {
            (None, None) => ActionsLog::open(&self.local),
            (None, Some((place, parts))) => place.open_log(&keys(parts)).await,
            (Some((place, parts)), _) => {
                let keys = keys(parts);
                let local = place.local(&keys);
                if !local.exists() {
                    seed(&self.local, &local)?;
                }
                place.open_log(&keys).await
            }
        }
    }
}

fn keys(parts: &[String]) -> Vec<&str> {
    parts.iter().map(String::as_str).collect()
}

/// Copies the named log to where it belongs (its folder made first).
fn seed(from: &Path, to: &Path) -> Result<()> {
    let bytes = std::fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    crate::atomic::replace(to, "actions", None, |w| Ok(std::io::Write::write_all(w, &bytes)?))?;
    tracing::info!(from = %from.display(), to = %to.display(), "the undo log copied back into its output");
    Ok(())
}

/// The file name a log has in an actions folder (`<snapshot>.jsonl`, also for an older
/// version's `<snapshot>/undo-log.jsonl`).
fn log_file_name(home: &str) -> String {
    let mut parts = home.rsplit(['/', '\\']);
    match (parts.next(), parts.next()) {
        (Some(UNDO_LOG), Some(snapshot)) => crate::output::actions::log_name(snapshot),
        (Some(name), _) => name.to_string(),
        _ => home.to_string(),
    }
}

/// The output a home log is in (`OUT` of `OUT/<workspace>/actions/<x>.jsonl`).
fn output_of(home: &str) -> Result<Destination> {
    if BucketUrl::looks_like_url(home) {
        let mut url = BucketUrl::parse(home).map_err(anyhow::Error::msg)?;
        let keep = url.prefix.len().saturating_sub(3);
        url.prefix.truncate(keep);
        return Ok(Destination::Bucket(url));
    }
    Path::new(home)
        .ancestors()
        .nth(3)
        .map(|out| Destination::Dir(out.to_path_buf()))
        .with_context(|| format!("{home} is not in an output"))
}

fn shown_output(home: &str) -> String {
    match output_of(home) {
        Ok(Destination::Dir(dir)) => dir.display().to_string(),
        Ok(Destination::Bucket(url)) => url.to_string(),
        _ => home.to_string(),
    }
}
