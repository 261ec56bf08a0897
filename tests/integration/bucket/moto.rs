//! A real S3 server for the tests: `moto_server` (Python package `moto[server]`, found or
//! provisioned by `servers`) on a free loopback port with a bucket; and a proxy in front of it
//! that cuts the connection when a request matches, to play a store that goes down mid-run.
//!
//! moto takes any keys unless it checks IAM, and when it does (5.2) it also refuses correctly
//! signed listings whose query holds an encoded `/`. So only the test of refused credentials
//! turns IAM on ([`start_checking_keys`]), with two users: one may do anything, one may only
//! list and read.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mode_audit::storage::{Bucket, BucketUrl};
use object_store::aws::AmazonS3Builder;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const BUCKET: &str = "audit-bucket";
/// Requests moto serves before it checks signatures: the setup below makes exactly these.
const SETUP_REQUESTS: usize = 7;

/// A pair of keys moto knows.
#[derive(Debug, Clone)]
pub struct Keys {
    pub id: String,
    pub secret: String,
}

pub struct Moto {
    child: std::process::Child,
    pub endpoint: String,
    pub addr: SocketAddr,
    /// May do anything.
    pub admin: Keys,
    /// May only list and read (s3:ListBucket, s3:GetObject).
    pub reader: Keys,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts moto with the bucket; the keys are any (the secret a marker that must never be shown).
/// moto is found or provisioned as every server of the tests is (see `servers`); `None` when
/// its tests are skipped.
pub async fn start() -> Option<Moto> {
    launch(false).await
}

/// Starts moto checking keys and permissions, with an admin and a read-only user.
pub async fn start_checking_keys() -> Option<Moto> {
    launch(true).await
}

async fn launch(check_keys: bool) -> Option<Moto> {
    let executable = crate::servers::python(&crate::servers::MOTO)?;
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut command = std::process::Command::new(executable);
    command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
    if check_keys {
        command.env("INITIAL_NO_AUTH_ACTION_COUNT", SETUP_REQUESTS.to_string());
    }
    let child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start moto_server: {e}"));
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let mut moto = Moto {
        child,
        endpoint: format!("http://{addr}"),
        addr,
        admin: Keys {
            id: "AKIAMOTOADMIN0000000".into(),
            secret: format!("MARKER-secret-{port}-never-printed"),
        },
        reader: Keys {
            id: "AKIAMOTOREADER000000".into(),
            secret: format!("MARKER-reader-{port}-never-printed"),
        },
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(addr).await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "moto_server did not start within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if !check_keys {
        moto.create_bucket().await;
        return Some(moto);
    }
    moto.admin = moto
        .user(
            "admin",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        )
        .await;
    moto.reader = moto
        .user(
            "reader",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket","s3:GetObject"],"Resource":"*"}]}"#,
        )
        .await;
    moto.create_bucket().await;
    Some(moto)
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// An Authorization header that only routes the request: moto does not check it during setup.
fn setup_auth(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=setup/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
    )
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> &'a str {
    let start = text.find(open).unwrap_or_else(|| panic!("no {open} in {text}")) + open.len();
    let end = text[start..].find(close).unwrap() + start;
    &text[start..end]
}

fn form_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Moto {
    async fn create_bucket(&self) {
        let created = http()
            .put(format!("{}/{BUCKET}", self.endpoint))
            .header("Authorization", setup_auth("s3"))
            .send()
            .await
            .unwrap();
        assert!(created.status().is_success(), "create the bucket: {}", created.status());
    }

    async fn iam(&self, body: String) -> String {
        let response = http()
            .post(&self.endpoint)
            .header("Authorization", setup_auth("iam"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body + "&Version=2010-05-08")
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "IAM setup: {status} {text}");
        text
    }

    /// A user with an access key and an inline policy (three setup requests).
    async fn user(&self, name: &str, policy: &str) -> Keys {
        self.iam(format!("Action=CreateUser&UserName={name}")).await;
        let key = self.iam(format!("Action=CreateAccessKey&UserName={name}")).await;
        self.iam(format!(
            "Action=PutUserPolicy&UserName={name}&PolicyName=p&PolicyDocument={}",
            form_encode(policy)
        ))
        .await;
        Keys {
            id: between(&key, "<AccessKeyId>", "</AccessKeyId>").to_string(),
            secret: between(&key, "<SecretAccessKey>", "</SecretAccessKey>").to_string(),
        }
    }

    /// The environment that points the binary at this server with `keys`.
    pub fn env(&self, keys: &Keys) -> Vec<(&'static str, String)> {
        self.env_at(keys, &self.endpoint)
    }

    /// The same, at another endpoint (a proxy in front of moto).
    pub fn env_at(&self, keys: &Keys, endpoint: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", keys.id.clone()),
            ("AWS_SECRET_ACCESS_KEY", keys.secret.clone()),
            ("AWS_ENDPOINT_URL", endpoint.to_string()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_REGION", "us-east-1".into()),
        ]
    }

    /// The bucket below `prefix`, opened directly (not through the environment) as the admin.
    pub fn bucket(&self, prefix: &str) -> Bucket {
        let store = AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id(&self.admin.id)
            .with_secret_access_key(&self.admin.secret)
            .with_bucket_name(BUCKET)
            .build()
            .unwrap();
        let url = BucketUrl::parse(&format!("s3://{BUCKET}/{prefix}")).unwrap();
        Bucket::with_store(url, Arc::new(store))
    }
}

/// A TCP proxy to `target` that, once a request contains `cut_at`, drops that connection and
/// every connection after it (the store is "down" from then on).
pub struct Proxy {
    pub endpoint: String,
}

pub async fn proxy(target: SocketAddr, cut_at: &str) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let cut = Arc::new(AtomicBool::new(false));
    let pattern = cut_at.as_bytes().to_vec();
    let down = Arc::clone(&cut);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            if down.load(Ordering::SeqCst) {
                drop(client);
                continue;
            }
            let Ok(server) = TcpStream::connect(target).await else {
                continue;
            };
            tokio::spawn(relay(client, server, pattern.clone(), Arc::clone(&down)));
        }
    });
    Proxy { endpoint }
}

async fn relay(client: TcpStream, server: TcpStream, pattern: Vec<u8>, down: Arc<AtomicBool>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let back = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    });
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match client_read.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if down.load(Ordering::SeqCst) || buffer[..n].windows(pattern.len()).any(|w| w == pattern) {
            down.store(true, Ordering::SeqCst);
            break;
        }
        if server_write.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
    back.abort();
}
