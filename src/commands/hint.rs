//! The hint printed under a fatal error: what to check or run next, as `doctor` gives one for each
//! failed check.

use crate::config::Settings;
use crate::mode::ModeError;
use crate::notify::smtp_failure::SmtpFailure;

/// The proxy variables the HTTP client honours (loopback addresses never go through a proxy).
pub const PROXY_VARIABLES: &str = "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY";

/// One line saying what to do about `error`, which ended a command on `settings`' workspace.
pub fn for_fatal(error: &anyhow::Error, settings: Option<&Settings>) -> String {
    if error.chain().any(|e| e.is::<SmtpFailure>()) {
        // Mode is not involved: the error itself says what to fix at the SMTP server.
        return "`mode-audit doctor` with MODE_AUDIT_SMTP_URL (and MODE_AUDIT_SMTP_CA_FILE) set checks the SMTP \
                server: it connects, secures the connection and logs in, and sends nothing"
            .to_string();
    }
    let mode_error = error.chain().find_map(|e| e.downcast_ref::<ModeError>());
    match mode_error {
        Some(e) if e.is_unreachable() => {
            let at = settings.map_or(String::new(), |s| format!(" at {}", s.client.base_url));
            format!(
                "Mode did not answer{at}: check the network and DNS, --base-url / MODE_BASE_URL, and the proxy \
                 variables {PROXY_VARIABLES} (used when set); `mode-audit doctor` with the same flags checks the \
                 connection, the credentials and the workspace one by one"
            )
        }
        _ => "`mode-audit doctor` with the same flags checks the credentials, the workspace, Mode's rate-limit \
              headers and the output, and says what to fix for each"
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_mode_names_the_address_proxies_and_doctor() {
        let error = anyhow::Error::new(ModeError::GaveUp {
            url: "https://app.mode.com/api/acme/spaces".into(),
            attempts: 6,
            last: "could not connect (dns error)".into(),
        })
        .context("cannot list the collections of workspace 'acme'");
        let hint = for_fatal(&error, None);
        for part in ["--base-url", "HTTPS_PROXY", "NO_PROXY", "mode-audit doctor"] {
            assert!(hint.contains(part), "{part} missing from {hint}");
        }
        let other = anyhow::anyhow!("cannot write the snapshot");
        assert!(for_fatal(&other, None).contains("mode-audit doctor"));
    }

    #[test]
    fn an_smtp_failure_gets_no_word_about_mode() {
        let error = anyhow::Error::new(SmtpFailure("the SMTP server at 127.0.0.1:25 presented ...".into()))
            .context("nothing was sent");
        let hint = for_fatal(&error, None);
        assert!(hint.contains("SMTP") && hint.contains("doctor"), "{hint}");
        for mode in ["credentials", "Mode", "workspace"] {
            assert!(!hint.contains(mode), "{mode} in {hint}");
        }
    }
}
