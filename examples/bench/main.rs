//! `bench`: measures the audit against the built-in Mode stand-in, scenario by scenario, and prints
//! the Markdown table of the performance targets (requests vs the minimum, rate vs the limit, 429s,
//! wall time vs the physical floor, peak RSS, and the naive loop's wall time on the same workspace).
//!
//! `cargo run --release --example bench -- [--short|--full] [--only NAME]...`

mod diff;
mod incremental;
mod naive;
mod prepare;
mod report;
mod scenario;
mod sources;
mod table;
mod tool_run;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use mode_audit::sim::minimum_requests;
use mode_audit::sim::{SimConfig, SimServer};
use tokio::runtime::Runtime;

use diff::{DiffMeasured, measure_diff};
use incremental::IncrementalMeasured;
use naive::naive_crawl;
use report::{ByKind, Measured, NaiveMeasured};
use scenario::{Before, DIFF_NAME, EARLIER_AGES, PER_PAGE, Scenario};
use table::{check_name, secs, table};
use tool_run::{Audit, tool_binary};

/// How long an audit without a limit may run before the bench gives up on it.
const UNLIMITED_DEADLINE: Duration = Duration::from_secs(600);

/// Benchmarks mode-audit against the built-in Mode stand-in (see BENCHMARKS.md).
#[derive(Parser, Debug)]
#[command(name = "bench")]
struct Args {
    /// The quick set, every limit at 10× Mode's (40 per 1 s); the default; about two minutes.
    #[arg(long, conflicts_with = "full")]
    short: bool,
    /// The quick set plus Mode's real clock (40 per 10 s) on smaller workspaces, the naive loop included;
    /// about 8 minutes.
    #[arg(long)]
    full: bool,
    /// Run only the scenarios whose name contains NAME (repeatable).
    #[arg(long, value_name = "NAME")]
    only: Vec<String>,
    /// List the scenarios and exit.
    #[arg(long)]
    list: bool,
    /// Only the sources comparison at 100,000 reports (`--source rest|discovery|both`, full and
    /// incremental), instead of the scenarios.
    #[arg(long)]
    sources: bool,
    /// Use target/*/mode-audit as it is instead of running `cargo build --bin mode-audit` first.
    #[arg(long)]
    no_build: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match bench(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("bench: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn bench(args: &Args) -> Result<ExitCode> {
    if args.sources {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let binary = tool_binary(!args.no_build)?;
        let runtime = Runtime::new().context("cannot start the tokio runtime")?;
        let started = Instant::now();
        print!("{}", sources::bench(&runtime, &binary, UNLIMITED_DEADLINE)?);
        eprintln!("bench: sources done in {}", secs(started.elapsed()));
        return Ok(ExitCode::SUCCESS);
    }
    let mode = if args.full { "--full" } else { "--short" };
    let all = if args.full { scenario::full() } else { scenario::short() };
    let all_incremental = incremental::scenarios();
    if args.list {
        for name in all.iter().map(|s| s.name).chain(all_incremental.iter().map(|s| s.name)) {
            println!("{name}");
        }
        println!("{DIFF_NAME}");
        return Ok(ExitCode::SUCCESS);
    }
    let chosen = |name: &str| args.only.is_empty() || args.only.iter().any(|n| name.contains(n.as_str()));
    let selected: Vec<Scenario> = all.iter().filter(|s| chosen(s.name)).cloned().collect();
    let selected_incremental: Vec<_> = all_incremental.iter().filter(|s| chosen(s.name)).cloned().collect();
    let with_diff = chosen(DIFF_NAME);
    if selected.is_empty() && selected_incremental.is_empty() && !with_diff {
        let mut names: Vec<&str> = all
            .iter()
            .map(|s| s.name)
            .chain(all_incremental.iter().map(|s| s.name))
            .collect();
        names.push(DIFF_NAME);
        anyhow::bail!(
            "no scenario matches --only {:?}; {mode} has {}",
            args.only,
            names.join(", ")
        );
    }
    if cfg!(debug_assertions) {
        eprintln!("bench: WARNING: a debug build; run `cargo run --release --example bench` for real numbers");
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let binary = tool_binary(!args.no_build)?;
    let runtime = Runtime::new().context("cannot start the tokio runtime")?;

    let started = Instant::now();
    let mut measured = Vec::new();
    let mut errors = Vec::new();
    for s in &selected {
        eprintln!("bench: {} ...", s.name);
        let one = Instant::now();
        match measure(&runtime, &binary, s) {
            Ok(m) => {
                eprintln!("bench: {} done in {}", s.name, secs(one.elapsed()));
                measured.push(m);
            }
            Err(e) => {
                eprintln!("bench: {} FAILED: {e:#}", s.name);
                errors.push(format!("{}: {e:#}", s.name));
            }
        }
    }
    let mut incremental_measured = Vec::new();
    for s in &selected_incremental {
        eprintln!("bench: {} ...", s.name);
        let one = Instant::now();
        match incremental::measure(&runtime, &binary, s, UNLIMITED_DEADLINE) {
            Ok(m) => {
                eprintln!("bench: {} done in {}", s.name, secs(one.elapsed()));
                incremental_measured.push(m);
            }
            Err(e) => {
                eprintln!("bench: {} FAILED: {e:#}", s.name);
                errors.push(format!("{}: {e:#}", s.name));
            }
        }
    }
    let mut diffed = None;
    if with_diff {
        eprintln!("bench: {DIFF_NAME} ...");
        match measure_diff(&runtime, &binary) {
            Ok(d) => diffed = Some(d),
            Err(e) => {
                eprintln!("bench: {DIFF_NAME} FAILED: {e:#}");
                errors.push(format!("{DIFF_NAME}: {e:#}"));
            }
        }
    }
    let elapsed = started.elapsed();
    print_results(
        mode,
        &measured,
        &incremental_measured,
        diffed.as_ref(),
        &errors,
        elapsed,
    );
    Ok(if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Runs one scenario: the audit as a child process against a fresh stand-in (after preparing the
/// output folder as the scenario says), then (if asked) the naive loop against another stand-in
/// serving the same workspace.
fn measure(runtime: &Runtime, binary: &std::path::Path, s: &Scenario) -> Result<Measured> {
    let config = s.sim_config();
    let sim = start(runtime, &config)?;
    let truth = sim.workspace();
    let truth_reports = truth.report_count() as u64;
    let scheduled = truth.reports().filter(|(_, r)| !r.schedules.is_empty()).count();
    let minimum = minimum_requests(&truth, s.page_size());
    let minimum_by_kind = ByKind::minimum(&truth, s.page_size());
    drop(truth);
    let per_sec = s.limit_per_sec();
    let deadline = per_sec.map_or(UNLIMITED_DEADLINE, |rate| {
        Duration::from_secs_f64(5.0 * minimum as f64 / rate) + Duration::from_secs(120)
    });
    let audit = Audit {
        binary,
        base_url: sim.base_url(),
        config: &config,
        per_page: PER_PAGE,
        formats: s.formats,
        extra_args: s.extra_args,
        deadline,
    };
    let out = tempfile::tempdir().context("cannot create a temporary output folder")?;
    let before = match s.before {
        Before::Nothing => None,
        Before::EarlierSnapshots(n) => {
            audit.run(out.path()).context("the run making the earlier snapshots")?;
            let ages = &EARLIER_AGES[..n.min(EARLIER_AGES.len())];
            prepare::backdate_copies(out.path(), &config.workspace, ages)?;
            sim.reset_counters();
            Some(format!(
                "{} earlier snapshots of the same workspace in the output folder, {} days old",
                ages.len(),
                ages.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
            ))
        }
        Before::StoppedAt(share) => {
            let pages = (share * minimum_by_kind.reports as f64) as u64;
            audit
                .run_stopped(out.path(), || sim.counters().reports >= pages)
                .context("the run to be stopped")?;
            let held = prepare::checkpoint_reports(out.path(), &config.workspace);
            let sent = sim.counters().total;
            // The stand-in's counters go on: the resumed snapshot counts the requests of both runs.
            Some(format!(
                "resumed from the checkpoint of a run sent SIGTERM once it had {pages} report pages ({:.0}% of them; {sent} requests in all), holding {} of {truth_reports} reports ({})",
                share * 100.0,
                held.map_or("?".to_string(), |n| n.to_string()),
                held.map_or("?".to_string(), |n| format!(
                    "{:.1}%",
                    n as f64 * 100.0 / truth_reports.max(1) as f64
                )),
            ))
        }
    };
    sim.record_arrivals();
    let tool = audit.run(out.path());
    let server = sim.counters();
    let sustained_rate = report::sustained_rate(&sim.arrivals());
    runtime.block_on(sim.shutdown());
    let tool = tool?;
    if s.formats.split(',').any(|f| f == "html") {
        let page = out.path().join(&config.workspace).join("latest").join("report.html");
        let size = std::fs::metadata(&page)
            .with_context(|| format!("no page at {}", page.display()))?
            .len();
        eprintln!("bench: {} report.html is {size} bytes", s.name);
    }
    if matches!(s.before, Before::StoppedAt(_)) && !tool.resumed {
        bail!("the measured run did not resume from the checkpoint");
    }

    let naive = match s.naive_sleep {
        Some(sleep) => {
            eprintln!("bench: {} naive loop ...", s.name);
            let sim = start(runtime, &config)?;
            let run = runtime.block_on(naive_crawl(
                &sim.base_url(),
                &config.workspace,
                &config.token,
                &config.secret,
                sleep,
            ));
            let server = sim.counters();
            runtime.block_on(sim.shutdown());
            Some(NaiveMeasured { run: run?, server })
        }
        None => None,
    };
    Ok(Measured {
        scenario: s.clone(),
        truth_reports,
        truth_scheduled_share: scheduled as f64 / truth_reports.max(1) as f64,
        minimum,
        minimum_by_kind,
        tool,
        server,
        sustained_rate,
        naive,
        before,
    })
}

fn start(runtime: &Runtime, config: &SimConfig) -> Result<SimServer> {
    runtime
        .block_on(SimServer::start(config.clone()))
        .context("cannot start the stand-in on 127.0.0.1")
}

fn print_results(
    mode: &str,
    measured: &[Measured],
    incremental: &[IncrementalMeasured],
    diffed: Option<&DiffMeasured>,
    errors: &[String],
    elapsed: Duration,
) {
    println!(
        "## mode-audit bench {mode}, {}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    println!();
    println!("machine: {}", machine());
    println!();
    if !measured.is_empty() {
        print!("{}", table(measured));
        println!();
    }
    if !incremental.is_empty() {
        println!("Incremental runs (`--schedules-max-age 7d`, the second run right after the first):");
        println!();
        print!("{}", incremental::table(incremental));
        println!();
    }
    let verdicts: Vec<(&str, bool, String)> = measured
        .iter()
        .flat_map(|m| {
            m.verdicts().into_iter().map(move |v| {
                let text = format!("{}: {} (target {})", check_name(v.check), v.measured, v.target);
                (m.scenario.name, v.pass, text)
            })
        })
        .chain(incremental.iter().flat_map(|m| {
            m.verdicts().into_iter().map(move |v| {
                let text = format!("{}: {} (target {})", v.check, v.measured, v.target);
                (m.scenario.name, v.pass, text)
            })
        }))
        .collect();
    let met = verdicts.iter().filter(|(_, pass, _)| *pass).count();
    println!("targets met: {met} of {}", verdicts.len());
    println!();
    for (name, pass, text) in &verdicts {
        let verdict = if *pass { "PASS" } else { "FAIL" };
        println!("- {verdict} {name} {text}");
    }
    let before: Vec<String> = measured
        .iter()
        .filter_map(|m| Some(format!("{}: {}", m.scenario.name, m.before.as_ref()?)))
        .collect();
    if !before.is_empty() {
        println!();
        println!("Before the measured run:");
        for b in &before {
            println!("- {b}");
        }
    }
    if let Some(d) = diffed {
        println!();
        print!("{}", d.render());
    }
    let extra: Vec<String> = measured.iter().filter_map(Measured::extra_requests).collect();
    if !extra.is_empty() {
        println!();
        println!("Where the requests above the minimum went (the stand-in's counts):");
        for e in &extra {
            println!("- {e}");
        }
    }
    let disagreements: Vec<String> = measured
        .iter()
        .flat_map(Measured::disagreements)
        .chain(incremental.iter().flat_map(IncrementalMeasured::disagreements))
        .collect();
    println!();
    if disagreements.is_empty() {
        println!("The audit's counts (requests, 429s, reports) agree with the stand-in's in every scenario.");
    } else {
        println!("Disagreements:");
        for d in &disagreements {
            println!("- {d}");
        }
    }
    for e in errors {
        println!("- ERROR {e}");
    }
    println!();
    println!("bench wall time: {}", secs(elapsed));
}

/// `N cores, CPU model, total memory` from /proc (Linux), as far as it can be read.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("MemTotal:")?
                .split_whitespace()
                .next()?
                .parse::<u64>()
                .ok()
        })
        .map_or("unknown memory".to_string(), |kib| {
            format!("{:.1} GiB RAM", kib as f64 / 1024.0 / 1024.0)
        });
    format!("{cores} cores, {model}, {memory}")
}
