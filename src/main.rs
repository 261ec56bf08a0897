//! mode-audit's entry point: parse the command line, run the command, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;
use mode_audit::cli::{Cli, Command, LogFormat};
use mode_audit::config::{self, ConfigError};
use mode_audit::run::RunStatus;
use mode_audit::stop::Stop;
use mode_audit::{demo, logging, run};

/// Exit codes, as documented in the README.
const COMPLETE: u8 = 0;
const PARTIAL: u8 = 1;
const USAGE: u8 = 2;
const FATAL: u8 = 3;
const STOPPED: u8 = 4;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mode-audit: cannot start the async runtime: {e}");
            return ExitCode::from(FATAL);
        }
    };
    ExitCode::from(runtime.block_on(dispatch(cli)))
}

/// The exit code of several workspaces: the worst of theirs (fatal, then stopped, then partial).
fn worse(a: u8, b: u8) -> u8 {
    let rank = |c: u8| match c {
        FATAL => 3,
        STOPPED => 2,
        PARTIAL => 1,
        _ => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

fn exit_code(status: RunStatus) -> u8 {
    match status {
        RunStatus::Complete => COMPLETE,
        RunStatus::Partial => PARTIAL,
        RunStatus::Stopped(_) => STOPPED,
    }
}

async fn dispatch(cli: Cli) -> u8 {
    match cli.command {
        Command::Run(args) => {
            let env = |name: &str| std::env::var(name).ok();
            let all = match config::load_all(&args, &env) {
                Ok(all) => all,
                Err(ConfigError(message)) => {
                    logging::init(cli.log_format.unwrap_or(LogFormat::Text));
                    eprintln!("mode-audit: configuration error: {message}");
                    return USAGE;
                }
            };
            logging::init(cli.log_format.or(all[0].log_format).unwrap_or(LogFormat::Text));
            tracing::debug!(settings = ?all[0], workspaces = all.len(), "configuration loaded");
            let stop = Stop::default();
            stop.install(all[0].max_duration);
            let mut worst = COMPLETE;
            for (workspace, outcome) in run::run_each(&all, &stop).await {
                let code = match outcome {
                    Some(Ok(report)) => {
                        eprint!("{report}");
                        exit_code(report.status)
                    }
                    Some(Err(error)) => {
                        eprintln!("mode-audit: workspace {workspace}: fatal: {error:#}");
                        FATAL
                    }
                    None => {
                        eprintln!("mode-audit: workspace {workspace}: not started (the run was stopped)");
                        STOPPED
                    }
                };
                worst = worse(worst, code);
            }
            worst
        }
        Command::Plan(args) => {
            let env = |name: &str| std::env::var(name).ok();
            let settings = match config::load(&args, &env) {
                Ok(settings) => settings,
                Err(ConfigError(message)) => {
                    logging::init(cli.log_format.unwrap_or(LogFormat::Text));
                    eprintln!("mode-audit: configuration error: {message}");
                    return USAGE;
                }
            };
            logging::init(cli.log_format.or(settings.log_format).unwrap_or(LogFormat::Text));
            let stop = Stop::default();
            stop.install(settings.max_duration);
            match mode_audit::plan::plan(&settings, &stop).await {
                Ok(plan) => {
                    print!("{plan}");
                    if plan.complete { COMPLETE } else { PARTIAL }
                }
                Err(error) => {
                    eprintln!("mode-audit: fatal: {error:#}");
                    FATAL
                }
            }
        }
        Command::Doctor(args) => {
            let env = |name: &str| std::env::var(name).ok();
            let settings = match config::load(&args, &env) {
                Ok(settings) => settings,
                Err(ConfigError(message)) => {
                    logging::init(cli.log_format.unwrap_or(LogFormat::Text));
                    eprintln!("mode-audit: configuration error: {message}");
                    return USAGE;
                }
            };
            logging::init(cli.log_format.or(settings.log_format).unwrap_or(LogFormat::Text));
            let checklist = mode_audit::doctor::doctor(&settings).await;
            print!("{checklist}");
            if checklist.passed() { COMPLETE } else { PARTIAL }
        }
        Command::Diff(args) => {
            logging::init(cli.log_format.unwrap_or(LogFormat::Text));
            match mode_audit::diff::command(&args) {
                Ok(table) => {
                    print!("{table}");
                    COMPLETE
                }
                Err(mode_audit::diff::DiffError::NotASnapshot(message)) => {
                    eprintln!("mode-audit: {message}");
                    USAGE
                }
                Err(error) => {
                    eprintln!("mode-audit: diff failed: {error}");
                    FATAL
                }
            }
        }
        Command::Demo(args) => {
            logging::init(cli.log_format.unwrap_or(LogFormat::Text));
            match demo::demo(&args).await {
                Ok(report) => {
                    print!("{report}");
                    exit_code(report.run.status)
                }
                Err(error) => {
                    eprintln!("mode-audit: demo failed: {error:#}");
                    FATAL
                }
            }
        }
        Command::Sim(args) => {
            logging::init(cli.log_format.unwrap_or(LogFormat::Text));
            match demo::serve(&args).await {
                Ok(()) => COMPLETE,
                Err(error) => {
                    eprintln!("mode-audit: sim failed: {error:#}");
                    if error.is::<ConfigError>() { USAGE } else { FATAL }
                }
            }
        }
    }
}
