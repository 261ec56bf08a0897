//! Shared setup: a stand-in with a shrunken rate window, and settings that audit it quickly.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::path::Path;
use std::time::Duration;

use mode_audit::commands::demo::settings_for;
use mode_audit::config::{ResumePolicy, Settings};
use mode_audit::crawl::{CrawlOptions, CrawlOutcome, crawl};
use mode_audit::mode::{ModeClient, Rate, RequestStats, RetryPolicy};
use mode_audit::output::Formats;
use mode_audit::sim::{RateWindow, SimConfig, SimServer, WorkspaceSpec};
use mode_audit::stop::Stop;

/// A stand-in whose 40-request window lasts 100 ms instead of 10 s, so tests stay fast.
pub fn fast_config(sizes: Vec<usize>) -> SimConfig {
    SimConfig {
        spec: WorkspaceSpec {
            seed: 7,
            sizes: Some(sizes),
            scheduled_share: 0.3,
            multi_schedule_share: 0.3,
            archived_share: 0.1,
            null_name_share: 0.05,
            views_zero_share: 0.3,
            ..WorkspaceSpec::default()
        },
        limit: Some(RateWindow {
            requests: 40,
            window: Duration::from_millis(100),
        }),
        ..SimConfig::default()
    }
}

/// Settings that audit `sim`: the stand-in's own budget, millisecond backoff.
pub fn settings(sim: &SimServer, config: &SimConfig, out: &Path) -> Settings {
    let mut s = settings_for(
        sim,
        config,
        out,
        Formats {
            csv: true,
            json: true,
            jsonl: true,
            xlsx: false,
            html: true,
        },
    )
    .expect("settings");
    s.client.retry = RetryPolicy {
        max_retries: 4,
        min_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(20),
        max_throttled: 20,
        ..RetryPolicy::default()
    };
    s.client.timeout = Duration::from_secs(5);
    // 25% under the stand-in's 40 per 100 ms: timer jitter on a busy machine is a large share of a
    // 2.5 ms spacing, and exact request counts must not depend on it.
    s.client.rate = Some(Rate {
        requests: NonZeroU32::new(30).unwrap(),
        per: Duration::from_millis(100),
    });
    s.crawl.per_page = 30;
    // Request counts in the tests are the walk's: runs and members are asked for where tested.
    s.insights.runs = mode_audit::insights::costs::RunsChoice::Off;
    s.insights.departed_owners = false;
    s.resume = ResumePolicy {
        enabled: true,
        max_age: Duration::from_secs(3600),
    };
    s
}

/// Mode's documented paging (30 a page), for tests that count pages.
pub fn mode_paging() -> CrawlOptions {
    CrawlOptions {
        per_page: 30,
        ..CrawlOptions::default()
    }
}

/// Crawls `sim` with `options`; returns what was collected and the client's counters.
pub async fn crawl_sim(sim: &SimServer, config: &SimConfig, options: CrawlOptions) -> (CrawlOutcome, RequestStats) {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(sim, config, dir.path());
    let client = ModeClient::new(s.client).unwrap();
    let outcome = crawl(&client, &options, &Stop::default(), None)
        .await
        .expect("crawl succeeds");
    (outcome, client.stats())
}

/// A CSV file as its header and one map (column -> cell) per row.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows = reader
        .records()
        .map(|r| {
            headers
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect();
    (headers, rows)
}

/// Copies `snapshot`'s snapshot.json into a sibling folder as if it had started `days` earlier.
pub fn backdate(snapshot: &Path, days: i64) -> String {
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(snapshot.join("snapshot.json")).unwrap()).unwrap();
    let started = chrono::DateTime::parse_from_rfc3339(json["started_at"].as_str().unwrap()).unwrap();
    let earlier = (started - chrono::Duration::days(days))
        .with_timezone(&chrono::Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    json["started_at"] = earlier.clone().into();
    let folder = snapshot
        .parent()
        .unwrap()
        .join(mode_audit::snapshot::folder::folder_stamp(&earlier));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("snapshot.json"), serde_json::to_vec(&json).unwrap()).unwrap();
    earlier
}

/// The built binary, to run in `cwd` with a clean environment: PATH plus `env`.
pub fn binary_command(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_mode-audit"));
    command
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied());
    command
}

/// Starts the built binary (see [`binary_command`]) with stdout and stderr piped, to stop it midway.
pub fn spawn_binary(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> tokio::process::Child {
    binary_command(cwd, args, env)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}
