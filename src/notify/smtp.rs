//! The SMTP connection of the owner emails, from MODE_AUDIT_SMTP_URL: `smtp://user:pass@host:587`
//! (STARTTLS required), `smtps://user:pass@host:465` (TLS from the start). Plain SMTP only to this
//! machine, the rule of the base URL's plain `http://`: `smtp://` to a loopback address (a relay on
//! the same host or pod) uses STARTTLS when the server offers it and plain SMTP when it does not;
//! `?tls=none` there never uses TLS. The server's certificate is checked against the system's
//! trust store, plus the PEM certificates of MODE_AUDIT_SMTP_CA_FILE (a private CA). The URL holds
//! a password: no message here repeats it.

use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};

use super::smtp_failure::{Server, SmtpFailure, explain};
use crate::mode::is_loopback;

/// The result of handing one message over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handed {
    Accepted,
    /// The server answered with an error: it did not take the message.
    Refused(String),
    /// The connection failed after the message may have been handed over.
    Unsure(String),
}

/// An SMTP relay, ready to send.
pub struct Relay {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// Where it sends, for messages (never the credentials).
    pub server: Server,
    /// How it connects, for messages: `STARTTLS, a login`, `plain SMTP (tls=none), no login`...
    pub how: String,
}

/// Checks MODE_AUDIT_SMTP_URL without connecting: a URL, a host, `smtp://` or `smtps://`, and
/// `tls=none` only to this machine. `Err` says what to fix without repeating the URL.
pub fn check_url(url: &SecretString) -> Result<(), String> {
    target(url).map(|_| ())
}

/// The URL, its host, whether it asks for plain SMTP, and whether that host is this machine.
fn target(url: &SecretString) -> Result<(Url, String, bool, bool), String> {
    let url = Url::parse(url.expose_secret().trim()).map_err(|_| {
        "MODE_AUDIT_SMTP_URL is not a URL: write smtp://user:password@host:587 or smtps://user:password@host:465"
            .to_string()
    })?;
    if !matches!(url.scheme(), "smtp" | "smtps") {
        return Err("MODE_AUDIT_SMTP_URL must start with smtp:// (STARTTLS) or smtps:// (TLS)".into());
    }
    // An IPv6 address comes bracketed (`[::1]`); the connection and the TLS name take it bare.
    let host = url
        .host_str()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_string())
        .filter(|h| !h.is_empty())
        .ok_or("MODE_AUDIT_SMTP_URL has no host")?;
    let mut plain = false;
    for (key, value) in url.query_pairs() {
        match (key.to_ascii_lowercase().as_str(), value.as_ref()) {
            ("tls", "none") => plain = true,
            ("tls", _) => return Err("MODE_AUDIT_SMTP_URL's tls= takes only none (plain SMTP, to this machine only); leave it out for STARTTLS".into()),
            _ => {}
        }
    }
    let loopback = is_loopback(&host);
    if plain && !loopback {
        return Err("MODE_AUDIT_SMTP_URL asks for tls=none to another machine: the password would cross the network unencrypted; use smtp:// (STARTTLS) or smtps://".into());
    }
    Ok((url, host, plain, loopback))
}

impl Relay {
    /// Checks the URL; `Err` names what to fix without repeating the URL.
    pub fn new(url: &SecretString, timeout: Duration, ca_pem: Option<&[u8]>) -> Result<Relay, SmtpFailure> {
        Relay::build(url, timeout, ca_pem).map_err(SmtpFailure)
    }

    fn build(url: &SecretString, timeout: Duration, ca_pem: Option<&[u8]>) -> Result<Relay, String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (url, host, plain, loopback) = target(url)?;
        let parameters = || {
            let mut builder = TlsParameters::builder(host.clone());
            if let Some(pem) = ca_pem {
                let ca = Certificate::from_pem(pem)
                    .map_err(|e| format!("MODE_AUDIT_SMTP_CA_FILE does not hold a PEM certificate: {e}"))?;
                builder = builder.add_root_certificate(ca);
            }
            builder.build_rustls().map_err(|e| {
                format!(
                    "the certificates of MODE_AUDIT_SMTP_CA_FILE cannot be used ({e}); it must hold the PEM \
                     certificate of the CA that signed the SMTP server's (no server was contacted)"
                )
            })
        };
        let (port, tls, security) = match url.scheme() {
            "smtp" => {
                let port = url.port().unwrap_or(587);
                match (plain, loopback) {
                    (true, _) => (port, Tls::None, "plain SMTP (tls=none)"),
                    // The message never leaves this machine: plain SMTP when no STARTTLS is offered.
                    (false, true) => (port, Tls::Opportunistic(parameters()?), "STARTTLS when offered"),
                    (false, false) => (port, Tls::Required(parameters()?), "STARTTLS"),
                }
            }
            _ => (url.port().unwrap_or(465), Tls::Wrapper(parameters()?), "TLS"),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(port)
            .tls(tls)
            .timeout(Some(timeout));
        if !url.username().is_empty() {
            let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
            builder = builder.credentials(Credentials::new(
                decode(url.username()),
                decode(url.password().unwrap_or_default()),
            ));
        }
        let login = if url.username().is_empty() {
            "no login"
        } else {
            "a login"
        };
        Ok(Relay {
            how: format!("{security}, {login}"),
            transport: builder.build(),
            server: Server {
                address: format!("{host}:{port}"),
                host,
                loopback,
            },
        })
    }

    /// Connects, says hello, upgrades to TLS and logs in, sending nothing: a failure here leaves
    /// nothing unsure.
    pub async fn check(&self) -> Result<(), SmtpFailure> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(SmtpFailure(format!(
                "the SMTP server at {} did not answer as expected",
                self.server.address
            ))),
            Err(e) => Err(SmtpFailure(explain(&e, &self.server))),
        }
    }

    /// Hands one message over.
    pub async fn send(&self, message: Message) -> Handed {
        match self.transport.send(message).await {
            Ok(_) => Handed::Accepted,
            Err(e) if e.is_permanent() || e.is_transient() => Handed::Refused(e.to_string()),
            Err(e) => Handed::Unsure(explain(&e, &self.server)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_ipv6_relay_is_reached_by_its_bare_address() {
        let url = SecretString::from("smtp://[::1]:2525?tls=none");
        let relay = Relay::new(&url, Duration::from_secs(1), None).unwrap();
        assert_eq!(
            relay.server.host, "::1",
            "brackets are URL syntax, not part of the host"
        );
        assert!(relay.server.loopback);
    }
}
