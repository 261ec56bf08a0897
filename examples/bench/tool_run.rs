//! ToolRun: mode-audit under test, run as a child process (`mode-audit run`) against a stand-in, with its wall
//! time, the peak RSS it reports and the one sampled from /proc, and the stats of its snapshot.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use mode_audit::sim::{RateWindow, SimConfig};
use mode_audit::snapshot::SnapshotStats;
use serde::Deserialize;

/// Clock ticks per second of `/proc/<pid>/stat` (Linux's USER_HZ, 100 on every mainstream platform).
const CLOCK_TICKS_PER_SEC: u64 = 100;
/// How often the child's `VmHWM` is sampled and its exit looked for (bounds the wall-time error).
const RSS_SAMPLE_EVERY: Duration = Duration::from_millis(5);

/// What one audit run measured.
#[derive(Clone, Debug)]
pub struct ToolRun {
    /// From spawn to exit.
    pub wall: Duration,
    /// `stats` of the snapshot (requests, throttled, duration_ms, reports, peak_rss_bytes, ...).
    pub stats: SnapshotStats,
    /// `"complete"` or `"partial"`.
    pub status: String,
    /// The highest `VmHWM` sampled from outside while the child ran (includes publishing).
    pub sampled_peak_rss: Option<u64>,
    /// CPU time (user + system) the child had used at the last sample before it exited.
    pub cpu: Option<Duration>,
}

#[derive(Deserialize)]
struct SnapshotHead {
    status: String,
    stats: SnapshotStats,
}

/// The `mode-audit` binary of the same build (`target/<profile>/`), built (or refreshed) with cargo unless
/// `build` is false.
pub fn tool_binary(build: bool) -> Result<PathBuf> {
    let exe = std::env::current_exe().context("cannot find the bench's own executable")?;
    // Examples are built into target/<profile>/examples/, binaries into target/<profile>/.
    let dir = exe.parent().context("the bench's executable has no folder")?;
    let dir = match dir.file_name() {
        Some(name) if name == "examples" => dir.parent().unwrap_or(dir),
        _ => dir,
    };
    let binary = dir.join(format!("mode-audit{}", std::env::consts::EXE_SUFFIX));
    if build {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let mut command = Command::new(cargo);
        command
            .args(["build", "--bin", "mode-audit", "--manifest-path"])
            .arg(&manifest);
        if !cfg!(debug_assertions) {
            command.arg("--release");
        }
        eprintln!(
            "bench: cargo build{} --bin mode-audit",
            if cfg!(debug_assertions) { "" } else { " --release" }
        );
        let status = command.status().context("cannot run cargo to build mode-audit")?;
        if !status.success() {
            bail!("cargo build --bin mode-audit failed ({status})");
        }
    }
    if !binary.is_file() {
        bail!(
            "{} does not exist; run `cargo build --release --bin mode-audit` first",
            binary.display()
        );
    }
    Ok(binary)
}

/// `--rate` for the stand-in's window (`40/1s`), or `off`.
pub fn rate_flag(limit: Option<RateWindow>) -> String {
    match limit {
        Some(w) => format!("{}/{}", w.requests, humantime::format_duration(w.window)),
        None => "off".to_string(),
    }
}

/// Runs `mode-audit run` against the stand-in at `base_url` and reads its snapshot.
pub fn run_tool(
    binary: &Path,
    base_url: &str,
    config: &SimConfig,
    per_page: usize,
    extra_args: &[&str],
    deadline: Duration,
) -> Result<ToolRun> {
    let out = tempfile::tempdir().context("cannot create a temporary output folder")?;
    run_tool_in(out.path(), binary, base_url, config, per_page, extra_args, deadline)
}

/// [`run_tool`] with the snapshots going to `out` (`OUT/<workspace>/...`, kept for the next run).
pub fn run_tool_in(
    out: &Path,
    binary: &Path,
    base_url: &str,
    config: &SimConfig,
    per_page: usize,
    extra_args: &[&str],
    deadline: Duration,
) -> Result<ToolRun> {
    let stderr_path = out.join("stderr.log");
    let stderr = File::create(&stderr_path).context("cannot create the child's stderr log")?;
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args([
            "run",
            "--workspace",
            &config.workspace,
            "--base-url",
            base_url,
            "--format",
            "json",
        ])
        .args(["--rate", &rate_flag(config.limit), "--per-page", &per_page.to_string()])
        .args(extra_args)
        .arg("--out")
        .arg(out)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .env("MODE_API_TOKEN", &config.token)
        .env("MODE_API_SECRET", &config.secret)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let proc_dir = PathBuf::from(format!("/proc/{}", child.id()));
    let mut sampled_peak_rss = None;
    let mut cpu = None;
    let status = loop {
        if let Some(hwm) = vm_hwm(&proc_dir) {
            sampled_peak_rss = sampled_peak_rss.max(Some(hwm));
        }
        if let Some(used) = cpu_time(&proc_dir) {
            cpu = cpu.max(Some(used));
        }
        if let Some(status) = child.try_wait().context("waiting for mode-audit")? {
            break status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("mode-audit ran longer than {deadline:?} and was stopped");
        }
        std::thread::sleep(RSS_SAMPLE_EVERY);
    };
    let wall = started.elapsed();
    if !status.success() {
        let log = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!("mode-audit exited with {status}:\n{}", tail.join("\n"));
    }
    let snapshot = latest_snapshot(out, config);
    let file = File::open(&snapshot).with_context(|| format!("cannot open {}", snapshot.display()))?;
    let head: SnapshotHead =
        serde_json::from_reader(BufReader::new(file)).with_context(|| format!("cannot read {}", snapshot.display()))?;
    Ok(ToolRun {
        wall,
        stats: head.stats,
        status: head.status,
        sampled_peak_rss,
        cpu,
    })
}

/// The snapshot.json of the last run published in `out`.
pub fn latest_snapshot(out: &Path, config: &SimConfig) -> PathBuf {
    out.join(&config.workspace).join("latest").join("snapshot.json")
}

/// `VmHWM` of a live process, in bytes.
fn vm_hwm(proc_dir: &Path) -> Option<u64> {
    let status = std::fs::read_to_string(proc_dir.join("status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// User + system CPU time of a live process (`utime` and `stime` of `/proc/<pid>/stat`).
fn cpu_time(proc_dir: &Path) -> Option<Duration> {
    let stat = std::fs::read_to_string(proc_dir.join("stat")).ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces: state is the
    // first of them, utime the 12th and stime the 13th.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 1000 / CLOCK_TICKS_PER_SEC))
}
