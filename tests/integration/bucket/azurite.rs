//! A real Azure Blob server for the tests: azurite's Blob service (`azurite-blob` from npm, found or
//! provisioned by `servers`) on a free loopback port, with its data in a temporary folder and the
//! container created. It knows one account, azurite's well-known `devstoreaccount1`, whose key
//! stands in for the secret that must never be shown.
//!
//! The binary reaches it as a user would reach azurite: `AZURE_STORAGE_USE_EMULATOR=true` (object_store's
//! `with_use_emulator(true)`) with `AZURITE_BLOB_STORAGE_URL`, set only in the child's environment.
//! The tests' own handle ([`Azurite::bucket`]) cannot take that URL but from the process
//! environment, so it names the same server as an account endpoint instead.

use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mode_audit::storage::{Bucket, BucketUrl};
use object_store::azure::MicrosoftAzureBuilder;

use super::moto::BUCKET;

/// azurite's one account and its published key.
pub const ACCOUNT: &str = "devstoreaccount1";
pub const KEY: &str = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

pub struct Azurite {
    child: Child,
    /// `http://127.0.0.1:PORT`, the Blob service (paths start with the account).
    pub endpoint: String,
    pub addr: std::net::SocketAddr,
    /// Where azurite keeps the blobs; removed with it.
    _data: tempfile::TempDir,
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts azurite with the container; `None` when its tests are skipped.
pub async fn start() -> Option<Azurite> {
    let executable = crate::servers::npm(&crate::servers::AZURITE)?;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let data = tempfile::tempdir().unwrap();
    let child = std::process::Command::new(executable)
        .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string(), "--location"])
        .arg(data.path())
        .arg("--skipApiVersionCheck")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start azurite-blob: {e}"));
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let azurite = Azurite {
        child,
        endpoint: format!("http://{addr}"),
        addr,
        _data: data,
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "azurite-blob did not start within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    azurite.create_container().await;
    Some(azurite)
}

/// `Authorization` of a Shared Key request with no body and no standard headers set.
fn shared_key(method: &str, ms_headers: &[(&str, &str)], resource: &str) -> String {
    let mut to_sign = format!("{method}\n{}", "\n".repeat(11));
    for (name, value) in ms_headers {
        to_sign += &format!("{name}:{value}\n");
    }
    to_sign += resource;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &STANDARD.decode(KEY).unwrap());
    let signature = STANDARD.encode(ring::hmac::sign(&key, to_sign.as_bytes()).as_ref());
    format!("SharedKey {ACCOUNT}:{signature}")
}

impl Azurite {
    /// Creates the container (object_store has no call for it).
    async fn create_container(&self) {
        let date = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        let version = "2021-08-06";
        let headers = [("x-ms-date", date.as_str()), ("x-ms-version", version)];
        let resource = format!("/{ACCOUNT}/{ACCOUNT}/{BUCKET}\nrestype:container");
        let _ = rustls::crypto::ring::default_provider().install_default();
        let created = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .put(format!("{}/{ACCOUNT}/{BUCKET}?restype=container", self.endpoint))
            .header("x-ms-date", &date)
            .header("x-ms-version", version)
            .header("Authorization", shared_key("PUT", &headers, &resource))
            .header("Content-Length", "0")
            .send()
            .await
            .unwrap();
        let status = created.status();
        assert!(
            status.is_success(),
            "create the container: {status} {}",
            created.text().await.unwrap_or_default()
        );
    }

    /// The environment that points the binary at this server (its Blob service at `endpoint`).
    pub fn env_at(&self, endpoint: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AZURE_STORAGE_USE_EMULATOR", "true".into()),
            ("AZURITE_BLOB_STORAGE_URL", endpoint.to_string()),
            ("AZURE_STORAGE_ACCOUNT_NAME", ACCOUNT.into()),
            ("AZURE_STORAGE_ACCOUNT_KEY", KEY.into()),
        ]
    }

    /// The container below `prefix`, opened directly (not through the environment).
    pub fn bucket(&self, prefix: &str) -> Bucket {
        let store = MicrosoftAzureBuilder::new()
            .with_account(ACCOUNT)
            .with_access_key(KEY)
            .with_endpoint(format!("{}/{ACCOUNT}", self.endpoint))
            .with_allow_http(true)
            .with_container_name(BUCKET)
            .build()
            .unwrap();
        let url = BucketUrl::parse(&format!("az://{BUCKET}/{prefix}")).unwrap();
        Bucket::with_store(url, Arc::new(store))
    }
}
