//! The settings' documentation, checked: every config key, and every flag and environment variable
//! of the commands that take settings, appears in `config/example.toml` and in
//! `docs/configuration.md`; the stand-in's own flags (`sim`, `demo`) appear in `docs/commands.md`.

use std::collections::BTreeSet;

use clap::CommandFactory;

use super::FileConfig;
use crate::cli::Cli;

const EXAMPLE: &str = include_str!("../../config/example.toml");
const DOCS: &str = include_str!("../../docs/configuration.md");
const COMMANDS: &str = include_str!("../../docs/commands.md");

/// Commands that configure the stand-in, not an audit: their flags are documented with them.
const STAND_IN: [&str; 2] = ["sim", "demo"];

/// The keys the config file accepts, as its groups name them.
fn file_keys() -> Vec<String> {
    FileConfig::keys().into_iter().map(str::to_string).collect()
}

/// Every `--flag` and environment variable of every command, with the command that takes it.
fn flags_and_variables() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let cli = Cli::command();
    let mut commands = vec![cli.clone()];
    commands.extend(cli.get_subcommands().cloned());
    for command in &commands {
        for arg in command.get_arguments() {
            let name = command.get_name().to_string();
            if let Some(long) = arg.get_long().filter(|l| !["help", "version"].contains(l)) {
                found.insert((name.clone(), format!("--{long}")));
            }
            if let Some(env) = arg.get_env() {
                found.insert((name, env.to_string_lossy().into_owned()));
            }
        }
    }
    found
}

/// Whether `text` names `word` whole: not as the start of a longer flag or variable.
fn names(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        let next = text[at + word.len()..].chars().next();
        !next.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
    })
}

#[test]
fn every_config_key_is_in_the_example_and_the_docs() {
    let keys = file_keys();
    assert!(keys.len() > 30, "{keys:?}");
    let missing: Vec<String> = keys
        .iter()
        .filter(|key| {
            let in_example = EXAMPLE.lines().any(|l| {
                let l = l.trim_start_matches(['#', ' ']);
                l.strip_prefix(key.as_str())
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            });
            !in_example || !names(DOCS, &format!("`{key}`"))
        })
        .cloned()
        .collect();
    assert!(
        missing.is_empty(),
        "config keys missing from config/example.toml (as `key = …`) or docs/configuration.md (as `key`): {missing:?}"
    );
}

#[test]
fn every_flag_and_environment_variable_is_in_the_example_and_the_docs() {
    let all = flags_and_variables();
    assert!(all.len() > 40, "{all:?}");
    let missing: Vec<String> = all
        .iter()
        .filter(|(command, name)| match STAND_IN.contains(&command.as_str()) {
            true => !names(COMMANDS, name),
            false => !names(EXAMPLE, name) || !names(DOCS, name),
        })
        .map(|(command, name)| format!("{command} {name}"))
        .collect();
    assert!(
        missing.is_empty(),
        "flags and environment variables missing from config/example.toml or docs/configuration.md \
         (docs/commands.md for sim and demo):\n{}",
        missing.join("\n")
    );
}
