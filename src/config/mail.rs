//! The settings of `notify` (`--execute`, `--from`, `--renotify-after`, `--max-emails`, and
//! MODE_AUDIT_SMTP_URL from the environment or a secret file only), validated once.
//!
//! As for `apply`'s guards, what widens who is written to comes only from the command line.
//! `MODE_AUDIT_RENOTIFY_AFTER` may lengthen the default wait before a finding is told again and
//! `MODE_AUDIT_MAX_EMAILS` may lower the default cap; a value that would do the opposite is a
//! configuration error naming the flag to use instead. The config file has no key for either.

use std::time::Duration;

use lettre::message::Mailbox;
use secrecy::SecretString;

use super::credentials::optional_secret;
use super::narrowing::Narrowing;
use super::{ConfigError, Destination, Settings};
use crate::cli::NotifyFlags;

pub const DEFAULT_RENOTIFY_AFTER: Duration = Duration::from_secs(14 * 86_400);
pub const DEFAULT_MAX_EMAILS: usize = 50;
const MAX_MAX_EMAILS: usize = 10_000;

/// `MODE_AUDIT_RENOTIFY_AFTER`: may only lengthen the wait; `--renotify-after` may shorten it.
const RENOTIFY_AFTER_FROM_ENV: Narrowing = Narrowing::new(
    "MODE_AUDIT_RENOTIFY_AFTER",
    "the wait before a finding is mailed again",
    "--renotify-after",
    "notify",
);

/// `MODE_AUDIT_MAX_EMAILS`: may only lower the cap; `--max-emails` may raise it.
const MAX_EMAILS_FROM_ENV: Narrowing = Narrowing::new(
    "MODE_AUDIT_MAX_EMAILS",
    "the emails sent a run",
    "--max-emails",
    "notify",
);
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
        let from = sender(flags)?;
        let (smtp, smtp_ca) = smtp_server(env)?;
        match (&smtp, flags.execute) {
            (None, true) => {
                return Err(ConfigError(
                    "--execute sends over SMTP: set MODE_AUDIT_SMTP_URL (or MODE_AUDIT_SMTP_URL_FILE), e.g. smtp://user:password@host:587".into(),
                ));
            }
            (Some(url), true) => crate::notify::smtp::check_url(url).map_err(ConfigError)?,
            _ => {}
        }
        let max_emails = match flags.max_emails {
            Some(flag) => flag,
            None => MAX_EMAILS_FROM_ENV.no_more(env, DEFAULT_MAX_EMAILS, 10)?,
        };
        if !(1..=MAX_MAX_EMAILS).contains(&max_emails) {
            return Err(ConfigError(format!(
                "--max-emails {max_emails} is out of range: use 1 to {MAX_MAX_EMAILS}"
            )));
        }
        Ok(MailSettings {
            execute: flags.execute,
            from,
            renotify_after: match flags.renotify_after {
                Some(flag) => flag.into(),
                None => RENOTIFY_AFTER_FROM_ENV.no_shorter(env, DEFAULT_RENOTIFY_AFTER)?,
            },
            max_emails,
            smtp,
            smtp_ca,
        })
    }
}

/// `--from`, required with `--execute`.
fn sender(flags: &NotifyFlags) -> Result<Mailbox, ConfigError> {
    match (&flags.from, flags.execute) {
        (Some(text), _) => text.parse::<Mailbox>().map_err(|e| {
            ConfigError(format!(
                "--from '{text}' is not an email address ({e}); write e.g. \"Data team <data@example.com>\""
            ))
        }),
        (None, true) => Err(ConfigError(
            "--execute needs --from: the sender of the emails, e.g. \"Data team <data@example.com>\"".into(),
        )),
        (None, false) => Ok(DRY_RUN_FROM.parse().expect("a valid mailbox")),
    }
}

/// The SMTP server of the environment: MODE_AUDIT_SMTP_URL (or `_FILE`) and the PEM file
/// MODE_AUDIT_SMTP_CA_FILE names. `notify --execute` sends through it; `doctor` checks it.
pub fn smtp_server(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Option<SecretString>, Option<Vec<u8>>), ConfigError> {
    let smtp = optional_secret(env, "MODE_AUDIT_SMTP_URL")?;
    let smtp_ca = match env("MODE_AUDIT_SMTP_CA_FILE").filter(|p| !p.trim().is_empty()) {
        Some(path) => Some(ca_file(path.trim())?),
        None => None,
    };
    Ok((smtp, smtp_ca))
}

/// The PEM file MODE_AUDIT_SMTP_CA_FILE names, which must hold a certificate (a key alone, or
/// another file, would leave the private CA untrusted without a word).
fn ca_file(path: &str) -> Result<Vec<u8>, ConfigError> {
    let what = "it names a PEM file of the CA that signed the SMTP server's certificate";
    let pem = std::fs::read(path)
        .map_err(|e| ConfigError(format!("cannot read MODE_AUDIT_SMTP_CA_FILE ({path}): {e}; {what}")))?;
    if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
        return Err(ConfigError(format!(
            "MODE_AUDIT_SMTP_CA_FILE ({path}) holds no certificate (no -----BEGIN CERTIFICATE----- block); {what}"
        )));
    }
    Ok(pem)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(out: &str) -> Vec<Settings> {
        let args = crate::cli::RunArgs {
            workspace: vec!["acme".into()],
            output: crate::cli::settings::Output {
                out: Some(out.into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let env = |name: &str| matches!(name, "MODE_API_TOKEN" | "MODE_API_SECRET").then(|| "x".to_string());
        super::super::load_all(&args, &env).unwrap()
    }

    #[test]
    fn an_smtp_url_or_ca_file_that_cannot_work_is_a_configuration_error_before_anything_starts() {
        let flags = NotifyFlags {
            execute: true,
            from: Some("Data team <data@example.com>".into()),
            ..Default::default()
        };
        let url = |value: &'static str| move |name: &str| (name == "MODE_AUDIT_SMTP_URL").then(|| value.to_string());
        for (value, why) in [
            (
                "smtp://u:MARKER@mail.example.com:25?tls=none",
                "tls=none to another machine",
            ),
            ("http://u:MARKER@mail.example.com:25", "must start with smtp://"),
            ("not a url MARKER", "is not a URL"),
            ("smtp://u:MARKER@mail.example.com:587?tls=off", "tls= takes only none"),
            ("smtp://u:MARKER@mail.example.com:587?TLS=NONE", "tls= takes only none"),
        ] {
            let err = MailSettings::merge(&flags, &all("snaps"), &url(value)).unwrap_err().0;
            assert!(err.contains(why) && !err.contains("MARKER"), "{value}: {err}");
        }
        for local in ["smtp://u:p@127.0.0.1:2525?tls=none", "smtp://u:p@[::1]:2525?tls=none"] {
            assert!(
                MailSettings::merge(&flags, &all("snaps"), &url(local)).is_ok(),
                "{local}"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("ca.pem");
        std::fs::write(&key, "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n").unwrap();
        let key_path = key.display().to_string();
        let env = |name: &str| match name {
            "MODE_AUDIT_SMTP_URL" => Some("smtp://u:p@mail.example.com:587".to_string()),
            "MODE_AUDIT_SMTP_CA_FILE" => Some(key_path.clone()),
            _ => None,
        };
        let err = MailSettings::merge(&flags, &all("snaps"), &env).unwrap_err().0;
        assert!(err.contains("holds no certificate"), "{err}");
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

    #[test]
    fn the_environment_may_only_lengthen_renotify_after_and_lower_max_emails() {
        let env = |pairs: Vec<(&'static str, &'static str)>| {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
        };
        let flags = NotifyFlags::default();
        let tight = env(vec![
            ("MODE_AUDIT_RENOTIFY_AFTER", "30d"),
            ("MODE_AUDIT_MAX_EMAILS", "5"),
        ]);
        let m = MailSettings::merge(&flags, &all("snaps"), &tight).unwrap();
        assert_eq!((m.renotify_after, m.max_emails), (Duration::from_secs(30 * 86_400), 5));
        for (name, value, flag) in [
            ("MODE_AUDIT_RENOTIFY_AFTER", "0s", "--renotify-after"),
            ("MODE_AUDIT_RENOTIFY_AFTER", "1d", "--renotify-after"),
            ("MODE_AUDIT_MAX_EMAILS", "500", "--max-emails"),
        ] {
            let err = MailSettings::merge(&flags, &all("snaps"), &env(vec![(name, value)]))
                .unwrap_err()
                .0;
            assert!(
                err.contains(name) && err.contains(flag) && err.contains("command line"),
                "{err}"
            );
        }
        let loose = NotifyFlags {
            renotify_after: Some("0s".parse().unwrap()),
            max_emails: Some(500),
            ..Default::default()
        };
        let widening = env(vec![
            ("MODE_AUDIT_RENOTIFY_AFTER", "0s"),
            ("MODE_AUDIT_MAX_EMAILS", "500"),
        ]);
        let m = MailSettings::merge(&loose, &all("snaps"), &widening).unwrap();
        assert_eq!(
            (m.renotify_after, m.max_emails),
            (Duration::ZERO, 500),
            "the command line decides"
        );
    }
}
