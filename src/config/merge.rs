//! The merge of one run's settings: the flag (clap has already put its environment variable in it)
//! over the config file's key over the default, then checked. One short function per group.

use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;

use super::defaults::*;
use super::{
    ConfigError, DiscoverySettings, FileConfig, Insights, ResumePolicy, Settings, bad, base_url, destination, retry,
    workspaces,
};
use crate::cli::{FromText, RunArgs};
use crate::crawl::CrawlOptions;
use crate::mode::{Budget, ClientSettings, Credentials, Rate, is_loopback};
use crate::notify::AlertTargets;
use crate::output::Cells;
use crate::storage::StoreSettings;

/// How a duration is written, for the message when one is not.
pub(super) const DURATION_EXAMPLE: &str = "\"30s\" or \"1m 30s\"";

/// Requests in flight at most that `--concurrency` may ask for.
const MAX_CONCURRENCY: usize = 64;

/// Flags (with their environment variables, already applied by clap) over the file over defaults.
pub fn merge(args: &RunArgs, file: &FileConfig, credentials: Credentials) -> Result<Settings, ConfigError> {
    // The first workspace named; `load_all` makes one copy per workspace.
    let workspace = workspaces(args, file)?.remove(0);
    let destination = destination(args.output.out.clone().or_else(|| file.output.out.clone()))?;
    let formats = text(&args.output.format, &file.output.format, "format")?.unwrap_or_default();
    let client = client(args, file, workspace.clone(), credentials)?;
    let crawl = crawl(args, file)?;
    let (resume, max_duration) = stopping(args, file)?;
    let schedules_max_age = schedules_max_age(args, file)?;
    let store = store(file)?;
    let (flag, set) = (&args.findings, &file.findings);
    Ok(Settings {
        workspace,
        destination,
        formats,
        cells: Cells {
            neutralise_formulas: !flag.raw_csv.or(set.raw_csv).unwrap_or(false),
        },
        client,
        crawl,
        resume,
        max_duration,
        schedules_max_age,
        progress: !args.stopping.no_progress.unwrap_or(false) && file.stopping.progress.unwrap_or(true),
        log_format: file.only.log_format,
        insights: Insights::merge(args, file)?,
        store,
        credential_group: workspaces::ENV_GROUP.to_string(),
        break_lease: args.lease.break_lease,
        discovery: DiscoverySettings {
            source: args.reading.source.or(file.reading.source).unwrap_or_default(),
            token: None,
        },
        alerts: AlertTargets::default(),
    })
}

/// Mode's address, the pacing, the deadline and the retries of each request.
fn client(
    args: &RunArgs,
    file: &FileConfig,
    workspace: String,
    credentials: Credentials,
) -> Result<ClientSettings, ConfigError> {
    let (flag, set) = (&args.connection, &file.connection);
    let base_url = base_url(
        flag.base_url
            .as_deref()
            .or(set.base_url.as_deref())
            .unwrap_or(DEFAULT_BASE_URL),
        flag.allow_insecure_http.or(set.allow_insecure_http).unwrap_or(false),
    )?;
    let rate = text(&flag.rate, &set.rate, "rate")?.map_or(Some(Rate::MODE), |Budget(rate)| rate);
    if rate.is_none() && !base_url.host_str().is_some_and(is_loopback) {
        return Err(bad(
            "--rate off is only for a stand-in on this machine; Mode needs a budget such as 40/10s",
        ));
    }
    let timeout = duration(&flag.timeout, &set.timeout, "timeout", DURATION_EXAMPLE)?.unwrap_or(DEFAULT_TIMEOUT);
    let retry = retry::policy(flag, set)?;
    if timeout.is_zero() {
        return Err(bad("timeout must be longer than zero"));
    }
    Ok(ClientSettings {
        base_url,
        workspace,
        credentials,
        rate,
        retry,
        timeout,
    })
}

/// How to walk: page sizes, requests in flight, and what is read.
fn crawl(args: &RunArgs, file: &FileConfig) -> Result<CrawlOptions, ConfigError> {
    let (flag, set) = (&args.connection, &file.connection);
    let concurrency = flag.concurrency.or(set.concurrency).unwrap_or(DEFAULT_CONCURRENCY);
    if !(1..=MAX_CONCURRENCY).contains(&concurrency) {
        return Err(bad(format!(
            "concurrency {concurrency} is out of range: use 1 to {MAX_CONCURRENCY} (the rate limit, not concurrency, bounds the speed)"
        )));
    }
    let per_page = flag.per_page.or(set.per_page).unwrap_or(DEFAULT_PER_PAGE);
    if !(1..=1000).contains(&per_page) {
        return Err(bad(format!(
            "per_page {per_page} is out of range: use 1 to 1000 (Mode's default is 30)"
        )));
    }
    let max_pages = flag.max_pages.or(set.max_pages).unwrap_or(DEFAULT_MAX_PAGES);
    if max_pages == 0 {
        return Err(bad("max_pages must be at least 1"));
    }
    let (flag, set) = (&args.reading, &file.reading);
    Ok(CrawlOptions {
        per_page,
        concurrency,
        max_pages,
        verify_schedules: flag.verify_schedules.or(set.verify_schedules).unwrap_or(false),
        exclude_archived: flag.exclude_archived.or(set.exclude_archived).unwrap_or(false),
        exclude_personal: flag.exclude_personal.or(set.exclude_personal).unwrap_or(false),
        ..CrawlOptions::default()
    })
}

/// Whether a stopped run's checkpoint is resumed, and when this run stops by itself.
fn stopping(args: &RunArgs, file: &FileConfig) -> Result<(ResumePolicy, Option<Duration>), ConfigError> {
    let (flag, set) = (&args.stopping, &file.stopping);
    let max_age = duration(
        &flag.resume_max_age,
        &set.resume_max_age,
        "resume_max_age",
        DURATION_EXAMPLE,
    )?
    .unwrap_or(DEFAULT_RESUME_MAX_AGE);
    let max_duration = duration(&flag.max_duration, &set.max_duration, "max_duration", DURATION_EXAMPLE)?;
    if max_duration.is_some_and(|d| d.is_zero()) {
        return Err(bad("max_duration must be longer than zero"));
    }
    let resume = ResumePolicy {
        enabled: !flag.fresh.unwrap_or(false),
        max_age,
    };
    Ok((resume, max_duration))
}

/// How old a reused schedule may be; `None` (0) reads every report's schedules.
fn schedules_max_age(args: &RunArgs, file: &FileConfig) -> Result<Option<Duration>, ConfigError> {
    let (flag, set) = (&args.reading.schedules_max_age, &file.reading.schedules_max_age);
    let age = duration(flag, set, "schedules_max_age", DURATION_EXAMPLE)?.unwrap_or(DEFAULT_SCHEDULES_MAX_AGE);
    Ok(Some(age).filter(|d| !d.is_zero()))
}

/// The object store's retries and deadlines (config file only).
fn store(file: &FileConfig) -> Result<StoreSettings, ConfigError> {
    let (set, defaults) = (&file.output, StoreSettings::default());
    let store = StoreSettings {
        max_retries: set.store_max_retries.unwrap_or(defaults.max_retries),
        retry_timeout: duration(&None, &set.store_retry_timeout, "store_retry_timeout", DURATION_EXAMPLE)?
            .unwrap_or(defaults.retry_timeout),
        timeout: duration(&None, &set.store_timeout, "store_timeout", DURATION_EXAMPLE)?.unwrap_or(defaults.timeout),
    };
    if store.timeout.is_zero() {
        return Err(bad("store_timeout must be longer than zero"));
    }
    Ok(store)
}

/// A setting written as text: the flag's (already read by clap), else the file's, read now so the
/// message names its key.
pub(super) fn text<T>(
    flag: &Option<FromText<T>>,
    file: &Option<FromText<T>>,
    key: &str,
) -> Result<Option<T>, ConfigError>
where
    T: FromStr + Clone,
    T::Err: Display,
{
    let chosen = flag.as_ref().or(file.as_ref()).cloned();
    chosen
        .map(|t| t.value().map_err(|(_, e)| bad(format!("config key '{key}': {e}"))))
        .transpose()
}

/// A duration: the flag's, else the file's; a file's that is no duration says how to write one
/// (`example`, e.g. [`DURATION_EXAMPLE`]).
pub(super) fn duration(
    flag: &Option<FromText<humantime::Duration>>,
    file: &Option<FromText<humantime::Duration>>,
    key: &str,
    example: &str,
) -> Result<Option<Duration>, ConfigError> {
    let chosen = flag.as_ref().or(file.as_ref()).cloned();
    chosen
        .map(|t| {
            t.value().map(Into::into).map_err(|(text, e)| {
                bad(format!(
                    "config key '{key}': '{text}' is not a duration ({e}); write e.g. {example}"
                ))
            })
        })
        .transpose()
}
