//! mode-audit's entry point: parse the command line, turn it into settings, run the command over
//! its workspaces (one way for all, [`each`]), map the results to an exit code.

use std::sync::Arc;

use clap::{CommandFactory, FromArgMatches};
use mode_audit::cli::{ApplyArgs, Cli, Command, DemoArgs, DiffArgs, LogFormat, NotifyArgs, RunArgs, SimArgs, UndoArgs};
use mode_audit::commands::demo::DemoOptions;
use mode_audit::commands::diff::DiffError;
use mode_audit::commands::turns::in_turn;
use mode_audit::commands::{apply, demo, diff, doctor, hint, lease, notify, plan, run, undo};
use mode_audit::config::{self, ApplySettings, ConfigError, MailSettings, Settings};
use mode_audit::exit::Exit;
use mode_audit::logging;
use mode_audit::mode::Pacer;
use mode_audit::stop::Stop;

fn main() -> std::process::ExitCode {
    tune_malloc();
    let matches = Cli::command().after_help(Exit::help()).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mode-audit: cannot start the async runtime: {e}");
            return Exit::Fatal.into();
        }
    };
    runtime.block_on(dispatch(cli, &matches)).into()
}

/// Tunes glibc's allocator before any thread starts, for a run's peak memory (BENCHMARKS.md).
///
/// Left to itself, glibc raises its mmap threshold to the size of every large block freed, up to
/// 32 MiB: the response buffers of a walk (hundreds of KiB each, many in flight) then come from
/// the heap instead of their own mappings, and what they leave behind when freed is kept as
/// fragments that later reads cannot all use; each thread that allocates also gets an arena of its
/// own (up to 8 per core), whose free space the others cannot use. At 100,000 reports that doubled
/// the resident size over the live heap. A fixed threshold (128 KiB, glibc's starting value: large
/// buffers are mapped and handed back whole when freed) and two arenas keep it near the live heap.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_malloc() {
    use std::ffi::c_int;
    // mallopt(3)'s parameters, from glibc's malloc.h.
    const M_MMAP_THRESHOLD: c_int = -3;
    const M_ARENA_MAX: c_int = -8;
    unsafe extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    // SAFETY: mallopt only sets the allocator's parameters; it is called first thing in main,
    // before any other thread exists. A parameter it refuses leaves the default in place.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 128 * 1024);
        mallopt(M_ARENA_MAX, 2);
    }
}

/// Other allocators are left as they are.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_malloc() {}

/// The settings of every workspace named (in this shard), with logging started; a usage error is
/// printed, and so is an empty shard (exit 0).
fn settings(args: &RunArgs, log_format: Option<LogFormat>) -> Result<Vec<Settings>, Exit> {
    match config::load_all(args, &environment) {
        Ok(all) if all.is_empty() => {
            logging::init(log_format.unwrap_or(LogFormat::Text));
            eprintln!(
                "mode-audit: this shard has no workspaces (there are fewer credential groups than shards); nothing to do"
            );
            Err(Exit::Complete)
        }
        Ok(all) => {
            logging::init(log_format.or(all[0].log_format).unwrap_or(LogFormat::Text));
            tracing::debug!(settings = ?all[0], workspaces = all.len(), "configuration loaded");
            for caution in config::cautions(&all[0]) {
                tracing::warn!("{caution}");
            }
            Ok(all)
        }
        Err(ConfigError(message)) => {
            logging::init(log_format.unwrap_or(LogFormat::Text));
            eprintln!("mode-audit: configuration error: {message}");
            Err(Exit::Usage)
        }
    }
}

/// Runs a command over every workspace named, in turn (one pacer per credential group, see
/// [`in_turn`]), then shows each outcome and returns the worst exit code of them: a workspace not
/// started because the run was stopped is `not_started`.
async fn each<T>(
    all: &[Settings],
    stop: &Stop,
    not_started: Exit,
    one: impl AsyncFn(&Settings, &Arc<Pacer>) -> anyhow::Result<T>,
    show: impl Fn(&T) -> Exit,
) -> Exit {
    let mut worst = Exit::Complete;
    for (workspace, outcome) in in_turn(all, stop, one).await {
        let code = match outcome {
            Some(outcome) => {
                let settings = all.iter().find(|s| s.workspace == workspace);
                exit_of(&format!("workspace {workspace}: "), outcome, settings, &show)
            }
            None => {
                eprintln!("mode-audit: workspace {workspace}: not started (the run was stopped)");
                not_started
            }
        };
        worst = worst.worse(code);
    }
    worst
}

/// The exit code of a command's outcome: what `show` says of a result; a usage error (2) or a
/// fatal one (3, printed with a hint) for an error, its message after `prefix`.
fn exit_of<T>(
    prefix: &str,
    outcome: anyhow::Result<T>,
    settings: Option<&Settings>,
    show: impl Fn(&T) -> Exit,
) -> Exit {
    match outcome {
        Ok(value) => show(&value),
        Err(error) if usage(&error) => {
            eprintln!("mode-audit: {prefix}{error:#}");
            Exit::Usage
        }
        Err(error) => {
            eprintln!(
                "mode-audit: {prefix}fatal: {error:#}\n  hint: {}",
                hint::for_fatal(&error, settings)
            );
            Exit::Fatal
        }
    }
}

/// `--findings-window` of `apply` when the command line gave it (not its environment variable):
/// only the command line may accept a short window for deleting.
fn findings_window_flag(matches: &clap::ArgMatches) -> Option<std::time::Duration> {
    let apply = matches.subcommand_matches("apply")?;
    (apply.value_source("findings_window") == Some(clap::parser::ValueSource::CommandLine))
        .then(|| {
            apply
                .get_one::<mode_audit::cli::FromText<humantime::Duration>>("findings_window")
                .and_then(|d| d.clone().value().ok())
                .map(Into::into)
        })
        .flatten()
}

/// Whether a command's error is the user's to fix before anything starts (exit 2): another writer
/// holds the output's lease, or the arguments do not fit together.
fn usage(error: &anyhow::Error) -> bool {
    lease::is_held(error) || error.downcast_ref::<ConfigError>().is_some()
}

async fn dispatch(cli: Cli, matches: &clap::ArgMatches) -> Exit {
    let log_format = cli.log_format;
    let outcome = match cli.command {
        Command::Run(args) => run_command(&args, log_format).await,
        Command::Plan(args) => plan_command(&args, log_format).await,
        Command::Doctor(args) => doctor_command(&args, log_format).await,
        Command::Apply(args) => apply_command(&args, log_format, matches).await,
        Command::Notify(args) => notify_command(&args, log_format).await,
        Command::Undo(args) => undo_command(args, log_format).await,
        Command::Diff(args) => Ok(diff_command(&args, log_format).await),
        Command::Demo(args) => Ok(demo_command(args, log_format).await),
        Command::Sim(args) => sim_command(&args, log_format).await,
    };
    outcome.unwrap_or_else(|exit| exit)
}

/// The settings of every workspace named, and the stop (signal or `--max-duration`) they run under.
fn started(args: &RunArgs, log_format: Option<LogFormat>) -> Result<(Vec<Settings>, Stop), Exit> {
    let all = settings(args, log_format)?;
    let stop = Stop::default();
    stop.install(all[0].max_duration);
    Ok((all, stop))
}

/// A command's own settings, or exit 2 with what to fix.
fn merged<T>(merged: Result<T, ConfigError>) -> Result<T, Exit> {
    merged.map_err(|ConfigError(message)| {
        eprintln!("mode-audit: configuration error: {message}");
        Exit::Usage
    })
}

fn environment(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

async fn run_command(args: &RunArgs, log_format: Option<LogFormat>) -> Result<Exit, Exit> {
    let (all, stop) = started(args, log_format)?;
    let one = async |settings: &Settings, pacer: &Arc<Pacer>| run::run_paced(settings, &stop, pacer).await;
    Ok(each(&all, &stop, Exit::Stopped, one, |report| {
        eprint!("{report}");
        Exit::from(report.status)
    })
    .await)
}

async fn plan_command(args: &RunArgs, log_format: Option<LogFormat>) -> Result<Exit, Exit> {
    let (all, stop) = started(args, log_format)?;
    let one = async |settings: &Settings, pacer: &Arc<Pacer>| plan::plan_paced(settings, &stop, pacer).await;
    Ok(each(&all, &stop, Exit::Partial, one, |plan| {
        print!("{plan}");
        if plan.complete { Exit::Complete } else { Exit::Partial }
    })
    .await)
}

async fn doctor_command(args: &RunArgs, log_format: Option<LogFormat>) -> Result<Exit, Exit> {
    let all = settings(args, log_format)?;
    let mut worst = Exit::Complete;
    for checklist in doctor::doctor_each(&all).await {
        print!("{checklist}");
        worst = worst.worse(if checklist.passed() {
            Exit::Complete
        } else {
            Exit::Partial
        });
    }
    Ok(worst)
}

async fn apply_command(
    args: &ApplyArgs,
    log_format: Option<LogFormat>,
    matches: &clap::ArgMatches,
) -> Result<Exit, Exit> {
    let (all, stop) = started(&args.run, log_format)?;
    let window = findings_window_flag(matches);
    let options = merged(ApplySettings::merge(&args.apply, &all, &environment, window))?;
    let one =
        async |settings: &Settings, pacer: &Arc<Pacer>| apply::apply_paced(settings, &options, &stop, pacer).await;
    Ok(each(&all, &stop, Exit::Stopped, one, |report| {
        print!("{report}");
        match report.fatal {
            Some(_) => Exit::Fatal,
            None => Exit::from(report.status),
        }
    })
    .await)
}

async fn notify_command(args: &NotifyArgs, log_format: Option<LogFormat>) -> Result<Exit, Exit> {
    let (all, stop) = started(&args.run, log_format)?;
    let options = merged(MailSettings::merge(&args.notify, &all, &environment))?;
    let one =
        async |settings: &Settings, pacer: &Arc<Pacer>| notify::notify_paced(settings, &options, &stop, pacer).await;
    Ok(each(&all, &stop, Exit::Stopped, one, |report| {
        print!("{report}");
        Exit::from(report.status)
    })
    .await)
}

async fn undo_command(mut args: UndoArgs, log_format: Option<LogFormat>) -> Result<Exit, Exit> {
    if args.run.workspace.is_empty() {
        let workspace = undo::log_workspace(&args.log).await;
        args.run.workspace = vec![workspace.map_err(|error| exit_of::<()>("", Err(error), None, |_| Exit::Complete))?];
    }
    let (all, stop) = started(&args.run, log_format)?;
    let named = args.run.output.out.is_some().then_some(&all[0].destination);
    let undone = undo::undo_in(&all[0], &args.log, named, args.execute, &stop).await;
    Ok(exit_of("", undone, all.first(), |report| {
        print!("{report}");
        Exit::from(report.status)
    }))
}

async fn diff_command(args: &DiffArgs, log_format: Option<LogFormat>) -> Exit {
    logging::init(log_format.unwrap_or(LogFormat::Text));
    match diff::diff_command(&args.old, &args.new, args.out.as_deref()).await {
        Ok(table) => {
            print!("{table}");
            Exit::Complete
        }
        Err(DiffError::NotASnapshot(message)) => {
            eprintln!("mode-audit: {message}");
            Exit::Usage
        }
        Err(error) => {
            eprintln!("mode-audit: diff failed: {error}");
            Exit::Fatal
        }
    }
}

async fn demo_command(args: DemoArgs, log_format: Option<LogFormat>) -> Exit {
    logging::init(log_format.unwrap_or(LogFormat::Text));
    let options = DemoOptions {
        out: args.out,
        formats: args.format,
        seed: args.seed,
        changed: args.changed,
    };
    match demo::demo(&options).await {
        Ok(report) => {
            // On stderr like run's summary: stdout is kept for data (`run --out -`).
            eprint!("{report}");
            Exit::from(report.run.status)
        }
        Err(error) => {
            eprintln!("mode-audit: demo failed: {error:#}");
            Exit::Fatal
        }
    }
}

async fn sim_command(args: &SimArgs, log_format: Option<LogFormat>) -> Result<Exit, Exit> {
    logging::init(log_format.unwrap_or(LogFormat::Text));
    let config = config::sim_config(args).map_err(|ConfigError(message)| {
        eprintln!("mode-audit: {message}");
        Exit::Usage
    })?;
    Ok(match demo::serve(config, args.listen).await {
        Ok(()) => Exit::Complete,
        Err(error) => {
            eprintln!("mode-audit: sim failed: {error:#}");
            Exit::Fatal
        }
    })
}
