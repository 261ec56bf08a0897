//! ToolRun: mode-audit under test, run as a child process (`mode-audit run`, or `diff`) against a
//! stand-in, with its wall time, the peak RSS it reports and the one sampled from /proc, and the
//! stats of its snapshot; a run can be sent SIGTERM midway, to leave a checkpoint.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
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
    /// Whether the run said it resumed from a checkpoint.
    pub resumed: bool,
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
    // The bench is an example: it lives in target/<profile>/examples/, beside which is the binary.
    let mut dir = exe.parent().context("the bench's executable has no folder")?;
    if dir.file_name().is_some_and(|n| n == "examples") {
        dir = dir.parent().unwrap_or(dir);
    }
    let binary = dir.join(format!("mode-audit{}", std::env::consts::EXE_SUFFIX));
    if build {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        // The profile the bench was built with is the name of its folder (debug is `dev`).
        let profile = match dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") | None => "dev",
            Some(name) => name,
        };
        let mut command = Command::new(cargo);
        command
            .args(["build", "--bin", "mode-audit", "--profile", profile, "--manifest-path"])
            .arg(&manifest);
        eprintln!("bench: cargo build --profile {profile} --bin mode-audit");
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

/// Runs `mode-audit run` (JSON only) into `out` (`OUT/<workspace>/...`, kept for the next run)
/// against the stand-in at `base_url` and reads its snapshot.
pub fn run_tool_in(
    out: &Path,
    binary: &Path,
    base_url: &str,
    config: &SimConfig,
    per_page: usize,
    extra_args: &[&str],
    deadline: Duration,
) -> Result<ToolRun> {
    let audit = Audit {
        binary,
        base_url: base_url.to_string(),
        config,
        per_page,
        formats: "json",
        extra_args,
        deadline,
    };
    audit.run(out)
}

/// `mode-audit run` against one stand-in, as each scenario calls it.
pub struct Audit<'a> {
    pub binary: &'a Path,
    pub base_url: String,
    pub config: &'a SimConfig,
    pub per_page: usize,
    /// `--format` of the run.
    pub formats: &'a str,
    pub extra_args: &'a [&'a str],
    /// How long a run may take before the bench gives up on it.
    pub deadline: Duration,
}

impl Audit<'_> {
    /// Runs the audit into `out` to its end and reads its snapshot.
    pub fn run(&self, out: &Path) -> Result<ToolRun> {
        let watched = self.watch(out, || false)?;
        if !watched.status.success() {
            bail!("mode-audit exited with {}:\n{}", watched.status, watched.stderr_tail);
        }
        let snapshot = out.join(&self.config.workspace).join("latest").join("snapshot.json");
        let file = File::open(&snapshot).with_context(|| format!("cannot open {}", snapshot.display()))?;
        let head: SnapshotHead = serde_json::from_reader(BufReader::new(file))
            .with_context(|| format!("cannot read {}", snapshot.display()))?;
        Ok(ToolRun {
            wall: watched.wall,
            stats: head.stats,
            status: head.status,
            sampled_peak_rss: watched.sampled_peak_rss,
            cpu: watched.cpu,
            resumed: watched.stderr.contains("resumed from a checkpoint"),
        })
    }

    /// Runs the audit into `out` and sends it SIGTERM once `stop_when` says so; it must exit 4
    /// (stopped, checkpoint saved).
    pub fn run_stopped(&self, out: &Path, stop_when: impl FnMut() -> bool) -> Result<()> {
        let watched = self.watch(out, stop_when)?;
        if watched.status.code() != Some(4) {
            bail!(
                "the run to be stopped exited with {} instead of 4 (stopped):\n{}",
                watched.status,
                watched.stderr_tail
            );
        }
        Ok(())
    }

    fn watch(&self, out: &Path, stop_when: impl FnMut() -> bool) -> Result<Watched> {
        let mut command = Command::new(self.binary);
        command
            .args([
                "run",
                "--workspace",
                &self.config.workspace,
                "--base-url",
                &self.base_url,
                "--format",
                self.formats,
            ])
            .args([
                "--rate",
                &rate_flag(self.config.limit),
                "--per-page",
                &self.per_page.to_string(),
            ])
            // The targets are the walk's: the runs and members steps (measured apart, BENCHMARKS.md
            // "Runs") would add requests the walk's minimum does not count.
            .args(["--runs", "off", "--departed-owners=false"])
            .args(self.extra_args)
            .arg("--out")
            .arg(out)
            .env("MODE_API_TOKEN", &self.config.token)
            .env("MODE_API_SECRET", &self.config.secret);
        watch(command, self.deadline, stop_when)
    }
}

/// A child process watched to its exit.
pub struct Watched {
    pub status: ExitStatus,
    /// From spawn to exit.
    pub wall: Duration,
    /// The highest `VmHWM` sampled while it ran.
    pub sampled_peak_rss: Option<u64>,
    /// CPU time (user + system) at the last sample before it exited.
    pub cpu: Option<Duration>,
    pub stderr: String,
    /// The last 15 lines of stderr.
    pub stderr_tail: String,
}

/// Runs `command` (environment cleared but for PATH and `RUST_LOG=warn`, and what it sets itself),
/// sampling its peak RSS and CPU time every few milliseconds, and sends it SIGTERM the first time
/// `stop_when` answers true.
pub fn watch(mut command: Command, deadline: Duration, mut stop_when: impl FnMut() -> bool) -> Result<Watched> {
    let logs = tempfile::tempdir().context("cannot create a folder for the child's output")?;
    let stderr_path = logs.path().join("stderr.log");
    let stderr = File::create(&stderr_path).context("cannot create the child's stderr log")?;
    let set: Vec<(std::ffi::OsString, std::ffi::OsString)> = command
        .get_envs()
        .filter_map(|(k, v)| Some((k.to_os_string(), v?.to_os_string())))
        .collect();
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .envs(set)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr);
    let started = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {}", command.get_program().to_string_lossy()))?;
    let proc_dir = PathBuf::from(format!("/proc/{}", child.id()));
    let mut sampled_peak_rss = None;
    let mut cpu = None;
    let mut signalled = false;
    let status = loop {
        if let Some(hwm) = vm_hwm(&proc_dir) {
            sampled_peak_rss = sampled_peak_rss.max(Some(hwm));
        }
        if let Some(used) = cpu_time(&proc_dir) {
            cpu = cpu.max(Some(used));
        }
        if let Some(status) = child.try_wait().context("waiting for the child")? {
            break status;
        }
        if !signalled && stop_when() {
            signalled = true;
            let sent = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status()
                .context("cannot run kill")?;
            if !sent.success() {
                bail!("kill -TERM {} failed ({sent})", child.id());
            }
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("the child ran longer than {deadline:?} and was stopped");
        }
        std::thread::sleep(RSS_SAMPLE_EVERY);
    };
    let wall = started.elapsed();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
    let stderr_tail = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
    Ok(Watched {
        status,
        wall,
        sampled_peak_rss,
        cpu,
        stderr,
        stderr_tail,
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
