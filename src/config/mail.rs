//! The settings of `notify` (`--execute`, `--from`, `--renotify-after`, `--max-emails`, and
//! MODE_AUDIT_SMTP_URL from the environment or a secret file only), validated once.

use std::time::Duration;

use lettre::message::Mailbox;
use secrecy::SecretString;

use super::credentials::optional_secret;
use super::{ConfigError, Destination, Settings};
use crate::cli::NotifyFlags;

pub const DEFAULT_RENOTIFY_AFTER: Duration = Duration::from_secs(14 * 86_400);
pub const DEFAULT_MAX_EMAILS: usize = 50;
const MAX_MAX_EMAILS: usize = 10_000;
/// The sender of a dry run's .eml files when `--from` is not given.
const DRY_RUN_FROM: &str = "mode-audit <mode-audit@localhost>";

/// Validated settings of `notify`.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub execute: bool,
    pub from: Mailbox,
    pub renotify_after: Duration,
    pub max_emails: usize,
    /// The SMTP URL (holds a password); set when `execute` is.
    pub smtp: Option<SecretString>,
    /// Extra trusted certificates (PEM) for the SMTP server, from MODE_AUDIT_SMTP_CA_FILE.
    pub smtp_ca: Option<Vec<u8>>,
}

impl MailSettings {
    /// `flags` and the environment, checked against the run settings `all`.
    pub fn merge(
        flags: &NotifyFlags,
        all: &[Settings],
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<MailSettings, ConfigError> {
        if all.iter().any(|s| matches!(s.destination, Destination::Stdout)) {
            return Err(ConfigError(
                "notify reads the snapshots in --out (a folder or a bucket), not '-': name the output of your runs"
                    .into(),
            ));
        }
        let from = match (&flags.from, flags.execute) {
            (Some(text), _) => text.parse::<Mailbox>().map_err(|e| {
                ConfigError(format!(
                    "--from '{text}' is not an email address ({e}); write e.g. \"Data team <data@example.com>\""
                ))
            })?,
            (None, true) => {
                return Err(ConfigError(
                    "--execute needs --from: the sender of the emails, e.g. \"Data team <data@example.com>\"".into(),
                ));
            }
            (None, false) => DRY_RUN_FROM.parse().expect("a valid mailbox"),
        };
        let smtp = optional_secret(env, "MODE_AUDIT_SMTP_URL")?;
        if flags.execute && smtp.is_none() {
            return Err(ConfigError(
                "--execute sends over SMTP: set MODE_AUDIT_SMTP_URL (or MODE_AUDIT_SMTP_URL_FILE), e.g. smtp://user:password@host:587".into(),
            ));
        }
        let smtp_ca = match env("MODE_AUDIT_SMTP_CA_FILE").filter(|p| !p.trim().is_empty()) {
            Some(path) => Some(std::fs::read(path.trim()).map_err(|e| {
                ConfigError(format!("cannot read MODE_AUDIT_SMTP_CA_FILE ({}): {e}; it names a PEM file of the CA that signed the SMTP server's certificate", path.trim()))
            })?),
            None => None,
        };
        let max_emails = flags.max_emails.unwrap_or(DEFAULT_MAX_EMAILS);
        if !(1..=MAX_MAX_EMAILS).contains(&max_emails) {
            return Err(ConfigError(format!(
                "--max-emails {max_emails} is out of range: use 1 to {MAX_MAX_EMAILS}"
            )));
        }
        Ok(MailSettings {
            execute: flags.execute,
            from,
            renotify_after: flags.renotify_after.map_or(DEFAULT_RENOTIFY_AFTER, Duration::from),
            max_emails,
            smtp,
            smtp_ca,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(out: &str) -> Vec<Settings> {
        let args = crate::cli::RunArgs {
            workspace: vec!["acme".into()],
            out: Some(out.into()),
            ..Default::default()
        };
        let env = |name: &str| matches!(name, "MODE_API_TOKEN" | "MODE_API_SECRET").then(|| "x".to_string());
        super::super::load_all(&args, &env).unwrap()
    }

    #[test]
    fn execute_needs_a_sender_and_an_smtp_url_and_a_dry_run_neither() {
        let none = |_: &str| None;
        let dry = MailSettings::merge(&NotifyFlags::default(), &all("snaps"), &none).unwrap();
        assert!(!dry.execute && dry.smtp.is_none());
        assert_eq!(
            (dry.renotify_after, dry.max_emails),
            (DEFAULT_RENOTIFY_AFTER, DEFAULT_MAX_EMAILS)
        );
        let execute = NotifyFlags {
            execute: true,
            ..Default::default()
        };
        assert!(
            MailSettings::merge(&execute, &all("snaps"), &none)
                .unwrap_err()
                .0
                .contains("--from")
        );
        let with_from = NotifyFlags {
            execute: true,
            from: Some("Data team <data@example.com>".into()),
            ..Default::default()
        };
        let err = MailSettings::merge(&with_from, &all("snaps"), &none).unwrap_err().0;
        assert!(err.contains("MODE_AUDIT_SMTP_URL"), "{err}");
        let smtp = |name: &str| (name == "MODE_AUDIT_SMTP_URL").then(|| "smtp://u:MARKER@h:587".to_string());
        let ok = MailSettings::merge(&with_from, &all("snaps"), &smtp).unwrap();
        assert!(ok.execute && !format!("{ok:?}").contains("MARKER"));
        let bad_from = NotifyFlags {
            from: Some("not an address".into()),
            ..Default::default()
        };
        assert!(
            MailSettings::merge(&bad_from, &all("snaps"), &none)
                .unwrap_err()
                .0
                .contains("not an email address")
        );
        assert!(MailSettings::merge(&NotifyFlags::default(), &all("s3://b/p"), &none).is_ok());
        assert!(
            MailSettings::merge(&NotifyFlags::default(), &all("-"), &none)
                .unwrap_err()
                .0
                .contains("not '-'")
        );
        let zero = NotifyFlags {
            max_emails: Some(0),
            ..Default::default()
        };
        assert!(
            MailSettings::merge(&zero, &all("snaps"), &none)
                .unwrap_err()
                .0
                .contains("--max-emails 0")
        );
    }
}
