//! A real SMTP server for the tests: aiosmtpd (PyPI) on a free loopback port, with AUTH, storing
//! each message in a Maildir. It is provisioned as every test server is (`crate::servers`): found
//! on PATH or installed once into a virtual environment under target/; MODE_AUDIT_SKIP_SERVERS=1
//! (or MODE_AUDIT_SKIP_SMTP=1) skips these tests loudly where it cannot be; CI requires them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The user and password the server accepts; the password is a marker that must appear nowhere.
pub const USER: &str = "notifier";
pub const PASSWORD: &str = "MARKER-SMTP-PASSWORD-7";

const SERVER: &str = r#"
import asyncio, os, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult

port, maildir, user, password, slow = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
certs = sys.argv[6] if len(sys.argv) > 6 else ""

def authenticate(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == user.encode() and auth_data.password == password.encode()
    return AuthResult(success=ok, handled=False)

class Slow(Mailbox):
    stored = 0
    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        Slow.stored += 1
        if Slow.stored == 1:
            await asyncio.sleep(slow)
        return answer

tls = {}
if certs:
    import ssl
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs + "/leaf.pem", certs + "/leaf.key")
    tls = dict(tls_context=context, require_starttls=True)
controller = Controller(Slow(maildir), hostname="127.0.0.1", port=port, authenticator=authenticate,
                        auth_required=True, auth_require_tls=bool(certs), **tls)
controller.start()
print("ready", flush=True)
while True:
    time.sleep(3600)
"#;

/// Prints each message of a Maildir as JSON: its headers and its decoded text.
const READER: &str = r#"
import email, email.policy, json, mailbox, sys
out = []
for key, msg in mailbox.Maildir(sys.argv[1], factory=None).items():
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    out.append({"headers": {k.lower(): str(v) for k, v in parsed.items()}, "body": parsed.get_content()})
print(json.dumps(out))
"#;

/// The Python that runs aiosmtpd: the one beside its command, provisioned by
/// [`crate::servers::python`] (once, into `target/tmp/servers/aiosmtpd/`); `None` after a loud
/// line when the email tests are to be skipped.
pub fn python() -> Option<PathBuf> {
    let command = crate::servers::python(&crate::servers::AIOSMTPD)?;
    let beside = command.with_file_name("python");
    Some(if beside.is_file() {
        beside
    } else {
        PathBuf::from("python3")
    })
}

/// A running aiosmtpd; stopped when dropped.
pub struct Smtp {
    child: Child,
    pub port: u16,
    pub maildir: tempfile::TempDir,
    python: PathBuf,
    /// For a STARTTLS server: the folder of its CA (`ca.pem`) and certificate.
    certs: Option<tempfile::TempDir>,
}

impl Smtp {
    /// Starts the server; the first message, once stored, waits `slow` before it is answered.
    pub fn start(slow: Duration) -> Option<Smtp> {
        Smtp::launch(slow, None)
    }

    /// Starts a server that requires STARTTLS (before AUTH), with a certificate for 127.0.0.1
    /// signed by a CA made here (see [`Smtp::ca_pem`]).
    pub fn start_tls() -> Option<Smtp> {
        let certs = tempfile::tempdir().unwrap();
        make_certificates(certs.path());
        Smtp::launch(Duration::ZERO, Some(certs))
    }

    /// Starts a STARTTLS server that presents its CA's own certificate as its certificate (a
    /// mistake rustls reports as `CaUsedAsEndEntity`); [`Smtp::ca_pem`] is that CA.
    pub fn start_tls_serving_its_ca() -> Option<Smtp> {
        let certs = tempfile::tempdir().unwrap();
        make_certificates(certs.path());
        for (from, to) in [("ca.pem", "leaf.pem"), ("ca.key", "leaf.key")] {
            std::fs::copy(certs.path().join(from), certs.path().join(to)).unwrap();
        }
        Smtp::launch(Duration::ZERO, Some(certs))
    }

    fn launch(slow: Duration, certs: Option<tempfile::TempDir>) -> Option<Smtp> {
        let python = python()?;
        // aiosmtpd's Controller cannot take port 0: take a free port first.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let maildir = tempfile::tempdir().unwrap();
        let mut child = Command::new(&python)
            .args([
                "-c",
                SERVER,
                &port.to_string(),
                &maildir.path().join("mail").display().to_string(),
                USER,
                PASSWORD,
            ])
            .arg(slow.as_secs_f64().to_string())
            .args(certs.iter().map(|c| c.path().display().to_string()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
        assert_eq!(line.trim(), "ready", "aiosmtpd did not start");
        Some(Smtp {
            child,
            port,
            maildir,
            python,
            certs,
        })
    }

    /// MODE_AUDIT_SMTP_URL for this server: STARTTLS when it has a certificate, else plain.
    pub fn url(&self) -> String {
        let plain = if self.certs.is_some() { "" } else { "?tls=none" };
        format!("smtp://{USER}:{PASSWORD}@127.0.0.1:{}{plain}", self.port)
    }

    /// MODE_AUDIT_SMTP_URL as `smtp://` to 127.0.0.1 with no `?tls=`, logging in with `password`.
    pub fn bare_url(&self, password: &str) -> String {
        format!("smtp://{USER}:{password}@127.0.0.1:{}", self.port)
    }

    /// The PEM of the CA that signed a STARTTLS server's certificate.
    pub fn ca_pem(&self) -> Option<Vec<u8>> {
        self.certs
            .as_ref()
            .map(|c| std::fs::read(c.path().join("ca.pem")).unwrap())
    }

    /// The messages stored so far, parsed by Python's email package: (headers, text).
    pub fn messages(&self) -> Vec<serde_json::Value> {
        let output = Command::new(&self.python)
            .args(["-c", READER, &self.maildir.path().join("mail").display().to_string()])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let list: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        list.as_array().unwrap().clone()
    }

    /// Waits until `n` messages are stored (or 20 s pass).
    pub fn wait_for(&self, n: usize) -> Vec<serde_json::Value> {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.messages();
            if got.len() >= n || Instant::now() > until {
                return got;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A CA and a certificate it signs for 127.0.0.1, made with the openssl command.
fn make_certificates(dir: &Path) {
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    let steps: [&[&str]; 3] = [
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=mode-audit test CA",
        ],
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=localhost",
        ],
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
        ],
    ];
    for args in steps {
        let output = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("the openssl command makes the test certificates (apt-get install openssl)");
        assert!(
            output.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Parses one .eml file the same way.
pub fn parse_eml(python: &Path, eml: &Path) -> serde_json::Value {
    let script = r#"
import email, email.policy, json, sys
parsed = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
print(json.dumps({"headers": {k.lower(): str(v) for k, v in parsed.items()}, "body": parsed.get_content()}))
"#;
    let output = Command::new(python)
        .args(["-c", script, &eml.display().to_string()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
