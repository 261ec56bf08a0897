//! An SMTP failure in words: what is wrong with the server's certificate, its login or the
//! connection, and what to do about it. It is typed, so that the hint under a fatal error speaks of
//! the SMTP server and not of Mode.

use std::error::Error as StdError;
use std::fmt;

use lettre::transport::smtp::Error as LettreError;
use rustls::{CertificateError, Error as TlsError};

/// A failure to set up, reach, secure or log in to the SMTP server (never repeats the password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpFailure(pub String);

impl fmt::Display for SmtpFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for SmtpFailure {}

/// The server a failure is about.
#[derive(Debug, Clone)]
pub struct Server {
    /// `host:port`.
    pub address: String,
    pub host: String,
    pub loopback: bool,
}

/// `error`, met talking to `server`, in words that say what to do.
pub fn explain(error: &LettreError, server: &Server) -> String {
    let at = &server.address;
    if let Some(tls) = tls_error(error) {
        let mut text = match tls {
            TlsError::InvalidCertificate(cert) => {
                format!(
                    "the SMTP server at {at} presented a certificate that is refused: {}",
                    certificate(cert, server)
                )
            }
            other => format!(
                "the TLS handshake with the SMTP server at {at} failed ({other}): check the port and the scheme \
                 (smtps:// speaks TLS from the start, usually on port 465; smtp:// upgrades with STARTTLS, usually on 587)"
            ),
        };
        if server.loopback {
            text.push_str("; for a relay on this machine, smtp://…?tls=none sends without TLS");
        }
        return text;
    }
    if let Some(code) = error.status().map(|c| c.to_string()) {
        if code == "535" || code == "530" || code == "534" {
            return format!(
                "the SMTP server at {at} refused the login ({error}): check the user and password of MODE_AUDIT_SMTP_URL \
                 (percent-encode special characters)"
            );
        }
        return format!("the SMTP server at {at} answered with an error: {error}");
    }
    let text = error.to_string();
    if text.contains("STARTTLS") {
        return format!(
            "the SMTP server at {at} does not offer STARTTLS, and smtp:// to another machine requires it: use smtps:// \
             if it speaks TLS from the start (port 465); plain SMTP is allowed only to this machine"
        );
    }
    if error.is_timeout() {
        return format!("the SMTP server at {at} did not answer in time: check the host, the port and the firewall");
    }
    format!("cannot talk to the SMTP server at {at} ({text}): check the host and the port of MODE_AUDIT_SMTP_URL")
}

/// What is wrong with the certificate, and what to do.
fn certificate(error: &CertificateError, server: &Server) -> String {
    let host = &server.host;
    match error {
        CertificateError::UnknownIssuer => "it is signed by a CA this machine does not trust; if the server uses a \
             private CA, set MODE_AUDIT_SMTP_CA_FILE to that CA's certificate (PEM)"
            .into(),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "it has expired; the server's administrator must renew it".into()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "it is not valid yet; check this machine's clock".into()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => format!(
            "it is not issued for {host}; name the server in MODE_AUDIT_SMTP_URL by a host name its certificate lists"
        ),
        CertificateError::Revoked => "it has been revoked; the server's administrator must replace it".into(),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "it is not a server certificate; the server's administrator must install one issued for TLS servers".into()
        }
        CertificateError::Other(other) if format!("{other:?}").contains("CaUsedAsEndEntity") => {
            "it is a CA's certificate, not one issued to the server; the server must present a certificate that CA \
             issued for it (and its key), and MODE_AUDIT_SMTP_CA_FILE names the CA"
                .into()
        }
        other => format!(
            "{other:?}; check the certificate the server presents (openssl s_client -starttls smtp -connect {})",
            server.address
        ),
    }
}

/// The rustls error among `error`'s sources: an `io::Error` holds it without giving it as its
/// source, so each is looked into.
fn tls_error(error: &LettreError) -> Option<&TlsError> {
    let mut next: Option<&(dyn StdError + 'static)> = error.source();
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<TlsError>() {
            return Some(tls);
        }
        let inner = e.downcast_ref::<std::io::Error>().and_then(std::io::Error::get_ref);
        if let Some(tls) = inner.and_then(|i| i.downcast_ref::<TlsError>()) {
            return Some(tls);
        }
        next = e.source();
    }
    None
}
