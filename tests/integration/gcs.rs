//! `--out gs://...` without a GCS server: what `mode-audit doctor` tells a GCS user before any
//! byte reaches Google — which credential of the chain is used, and what to fix when it cannot be.
//!
//! No GCS emulator speaks the XML API that object_store uses, so nothing here claims uploads,
//! listings or conditional writes work against GCS (docs/storage.md says what is proven where).
//! The instance metadata server is pointed at a closed local port, so no test reaches the network.

use std::net::TcpListener;
use std::path::Path;
use std::process::Output;

use crate::binary::{code, creds, env_refs, mode_audit, stand_in};

/// Something that must never be printed: it stands in for a service-account key's private part.
const KEY_MATERIAL: &str = "NOTAKEYbutSECRETmaterial";

/// A service-account key file whose private key is not a key.
fn broken_key() -> String {
    format!(
        r#"{{"type": "service_account", "client_email": "audit@project.iam.gserviceaccount.com",
"private_key_id": "k1", "private_key": "-----BEGIN PRIVATE KEY-----\n{KEY_MATERIAL}\n-----END PRIVATE KEY-----\n"}}"#
    )
}

/// A local port nothing listens on.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `mode-audit doctor --out gs://audit-bucket/nightly` against the stand-in, with `google` added
/// to a clean environment whose metadata server is a closed port and whose HOME has no gcloud.
async fn doctor_gs(cwd: &Path, google: &[(&'static str, String)]) -> (Output, String) {
    let (sim, config) = stand_in(|_| {}).await;
    let metadata = format!("127.0.0.1:{}", closed_port());
    std::fs::write(
        cwd.join("store.toml"),
        "store_max_retries = 1\nstore_retry_timeout = \"2s\"\nstore_timeout = \"5s\"\n",
    )
    .unwrap();
    let mut env = creds(&config);
    env.extend([
        ("HOME", cwd.display().to_string()),
        ("TMPDIR", cwd.display().to_string()),
        ("GCE_METADATA_HOST", metadata.clone()),
        ("GCE_METADATA_IP", metadata),
    ]);
    env.extend(google.iter().cloned());
    let url = sim.base_url();
    let args = [
        "doctor",
        "--workspace",
        "acme",
        "--base-url",
        &url,
        "--out",
        "gs://audit-bucket/nightly",
        "--config",
        "store.toml",
    ];
    let o = mode_audit(cwd, &args, &env_refs(&env)).await;
    sim.shutdown().await;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o, text)
}

/// The line of the output-folder check.
fn output_check(text: &str) -> &str {
    text.lines()
        .find(|l| l.contains("output folder"))
        .unwrap_or_else(|| panic!("no output-folder check: {text}"))
}

#[tokio::test]
async fn without_credentials_doctor_says_the_metadata_server_gave_none_and_what_to_set() {
    let tmp = tempfile::tempdir().unwrap();
    let (o, text) = doctor_gs(tmp.path(), &[]).await;
    assert_eq!(code(&o), 1, "{text}");
    let line = output_check(&text);
    assert!(line.contains("[FAIL]"), "{line}");
    assert!(line.contains("no credentials for gs://audit-bucket"), "{line}");
    assert!(
        line.contains("/computeMetadata/"),
        "with no GOOGLE_* variable the chain ends at the metadata server: {line}"
    );
    assert!(
        line.contains("set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file"),
        "{line}"
    );
    assert!(!line.contains("AWS_"), "nothing about S3 for a GCS bucket: {line}");
}

#[tokio::test]
async fn an_unreadable_credentials_file_is_named_with_the_variable_that_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-key.json").display().to_string();
    let (o, text) = doctor_gs(tmp.path(), &[("GOOGLE_APPLICATION_CREDENTIALS", missing.clone())]).await;
    assert_eq!(code(&o), 1, "{text}");
    let line = output_check(&text);
    assert!(
        line.contains("[FAIL]") && line.contains("cannot open gs://audit-bucket/nightly"),
        "{line}"
    );
    assert!(line.contains(&missing), "the file is named: {line}");
    assert!(
        line.contains("GOOGLE_APPLICATION_CREDENTIALS: it names a service-account key file"),
        "{line}"
    );
    assert!(
        !line.contains("computeMetadata"),
        "a named file is used, not the metadata server: {line}"
    );
}

#[tokio::test]
async fn a_broken_service_account_key_is_refused_and_never_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("key.json");
    std::fs::write(&file, broken_key()).unwrap();
    let missing = tmp.path().join("no-such-key.json").display().to_string();
    for google in [
        vec![("GOOGLE_APPLICATION_CREDENTIALS", file.display().to_string())],
        // The key in the environment comes first in the chain: the file it would fall back to is
        // not read.
        vec![
            ("GOOGLE_SERVICE_ACCOUNT_KEY", broken_key()),
            ("GOOGLE_APPLICATION_CREDENTIALS", missing.clone()),
        ],
    ] {
        let (o, text) = doctor_gs(tmp.path(), &google).await;
        assert_eq!(code(&o), 1, "{text}");
        let line = output_check(&text);
        assert!(
            line.contains("[FAIL]") && line.contains("cannot open gs://audit-bucket/nightly"),
            "{line}"
        );
        assert!(line.contains("Invalid RSA key"), "the key is what failed: {line}");
        assert!(!line.contains("no-such-key.json"), "{line}");
        assert!(!text.contains(KEY_MATERIAL), "the key was printed: {text}");
    }
}
