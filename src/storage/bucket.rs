//! Bucket: an opened object store (S3, GCS, Azure, or in memory for tests) with the few calls a
//! run makes — small objects, folder listings, streamed uploads and downloads, deletes — each
//! retried with backoff by object_store and failing as a [`StoreError`] that says what to fix.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};
use object_store::{
    BackoffConfig, ClientConfigKey, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig, WriteMultipart,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::error::StoreError;
use super::url::{BucketUrl, Provider};

/// Files up to this size go up in one request; larger ones as a multipart upload of such parts.
pub const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts of one multipart upload in flight at once.
const PARTS_IN_FLIGHT: usize = 4;

/// How patiently to talk to the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreSettings {
    /// Retries of one call after 5xx answers, timeouts or dropped connections.
    pub max_retries: usize,
    /// No retry starts this long after a call's first attempt.
    pub retry_timeout: Duration,
    /// Deadline of one HTTP attempt.
    pub timeout: Duration,
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings {
            max_retries: 10,
            retry_timeout: Duration::from_secs(180),
            timeout: Duration::from_secs(60),
        }
    }
}

/// An opened bucket and the URL it was opened from.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub(super) store: Arc<dyn ObjectStore>,
    pub(super) url: BucketUrl,
    part_size: usize,
}

impl Bucket {
    /// Opens the bucket `url` names with the provider's standard credential chain (its
    /// environment variables, web identity / workload identity, instance metadata); nothing is
    /// sent until the first call.
    pub fn open(url: &BucketUrl, settings: &StoreSettings) -> Result<Bucket, StoreError> {
        // object_store's reqwest has no crypto provider built in, like Mode's client.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = ClientSettings::of(settings);
        let built = match url.provider {
            Provider::S3 => client.s3(&url.bucket),
            Provider::Gcs => client.gcs(&url.bucket),
            Provider::Azure => client.azure(&url.bucket),
        };
        let root = format!("{}://{}", url.provider.scheme(), url.bucket);
        let store = built.map_err(|e| StoreError::local(format!("open {url}"), root, setup_hint(url.provider, &e)))?;
        Ok(Bucket::with_store(url.clone(), store))
    }

    /// A bucket over any object store (the in-memory one in tests).
    pub fn with_store(url: BucketUrl, store: Arc<dyn ObjectStore>) -> Bucket {
        Bucket {
            store,
            url,
            part_size: PART_SIZE,
        }
    }

    /// The same bucket, uploading files larger than `bytes` in parts of that size.
    pub fn with_part_size(mut self, bytes: usize) -> Bucket {
        self.part_size = bytes.max(1);
        self
    }

    /// `s3://bucket`, without the prefix.
    pub fn root(&self) -> String {
        format!("{}://{}", self.url.provider.scheme(), self.url.bucket)
    }

    /// `s3://bucket/prefix/parts...`.
    pub fn show(&self, parts: &[&str]) -> String {
        self.url.show(parts)
    }

    pub(super) fn fail(&self, doing: &str, parts: &[&str], needs: &'static str, e: &object_store::Error) -> StoreError {
        StoreError::from_store(format!("{doing} {}", self.show(parts)), self.root(), needs, e)
    }

    /// Writes a small object in one request.
    pub async fn put(&self, parts: &[&str], bytes: Vec<u8>) -> Result<(), StoreError> {
        self.store
            .put(&self.url.key(parts), PutPayload::from(bytes))
            .await
            .map(drop)
            .map_err(|e| self.fail("write", parts, "s3:PutObject (storage.objects.create)", &e))
    }

    /// Reads a small object whole; `None` when there is none.
    pub async fn get(&self, parts: &[&str]) -> Result<Option<Vec<u8>>, StoreError> {
        let read = async { self.store.get(&self.url.key(parts)).await?.bytes().await };
        match read.await {
            Ok(bytes) => Ok(Some(bytes.to_vec())),
            Err(e) => match self.fail("read", parts, "s3:GetObject (storage.objects.get)", &e) {
                e if e.is_not_found() => Ok(None),
                e => Err(e),
            },
        }
    }

    /// Whether an object is there.
    pub async fn exists(&self, parts: &[&str]) -> Result<bool, StoreError> {
        match self.store.head(&self.url.key(parts)).await {
            Ok(_) => Ok(true),
            Err(e) => match self.fail("read", parts, "s3:GetObject (storage.objects.get)", &e) {
                e if e.is_not_found() => Ok(false),
                e => Err(e),
            },
        }
    }

    /// The names of the "folders" right below `parts` (common prefixes), sorted.
    pub async fn folders(&self, parts: &[&str]) -> Result<Vec<String>, StoreError> {
        let key = self.url.key(parts);
        let listed = self
            .store
            .list_with_delimiter(Some(&key))
            .await
            .map_err(|e| self.fail("list", parts, "s3:ListBucket (storage.objects.list)", &e))?;
        let mut names: Vec<String> = listed
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_string))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Every object below `parts`, as (name relative to `parts`, size), sorted by name.
    pub async fn objects(&self, parts: &[&str]) -> Result<Vec<(String, u64)>, StoreError> {
        let key = self.url.key(parts);
        let below = format!("{}/", key.as_ref());
        let listed: Vec<_> = self
            .store
            .list(Some(&key))
            .try_collect()
            .await
            .map_err(|e| self.fail("list", parts, "s3:ListBucket (storage.objects.list)", &e))?;
        let mut out: Vec<(String, u64)> = listed
            .into_iter()
            .filter_map(|m| {
                let name = m.location.as_ref().strip_prefix(&below)?.to_string();
                Some((name, m.size))
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// Uploads a local file, streamed: in one request up to the part size, else as a multipart
    /// upload (aborted if it fails, so no stray parts are left behind). Returns its size.
    pub async fn upload(&self, local: &Path, parts: &[&str]) -> Result<u64, StoreError> {
        let local_fail =
            |e: std::io::Error| StoreError::local(format!("read {} to upload it", local.display()), self.root(), e);
        let mut file = tokio::fs::File::open(local).await.map_err(local_fail)?;
        let size = file.metadata().await.map_err(local_fail)?.len();
        let key = self.url.key(parts);
        let needs = "s3:PutObject (storage.objects.create)";
        if size <= self.part_size as u64 {
            let mut bytes = Vec::with_capacity(size as usize);
            file.read_to_end(&mut bytes).await.map_err(local_fail)?;
            self.store
                .put(&key, PutPayload::from(bytes))
                .await
                .map_err(|e| self.fail("upload", parts, needs, &e))?;
            return Ok(size);
        }
        let upload = self
            .store
            .put_multipart(&key)
            .await
            .map_err(|e| self.fail("start a multipart upload of", parts, needs, &e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.part_size);
        let mut buffer = vec![0u8; 256 * 1024];
        let result: Result<(), StoreError> = async {
            loop {
                let n = file.read(&mut buffer).await.map_err(local_fail)?;
                if n == 0 {
                    return Ok(());
                }
                writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(|e| self.fail("upload a part of", parts, needs, &e))?;
                writer.write(&buffer[..n]);
            }
        }
        .await;
        match result {
            Ok(()) => {
                writer
                    .finish()
                    .await
                    .map_err(|e| self.fail("complete the multipart upload of", parts, needs, &e))?;
                Ok(size)
            }
            Err(e) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(object = %self.show(parts), error = %self.fail("abort", parts, needs, &abort), "could not abort a multipart upload");
                }
                Err(e)
            }
        }
    }

    /// Downloads an object into `local`, streamed to disk through a temporary file beside it
    /// that is renamed into place once whole. Returns its size.
    pub async fn download(&self, parts: &[&str], local: &Path) -> Result<u64, StoreError> {
        let dir = crate::atomic::folder(local).to_path_buf();
        let local_fail =
            |e: &dyn std::fmt::Display| StoreError::local(format!("write {}", local.display()), self.root(), e);
        tokio::fs::create_dir_all(&dir).await.map_err(|e| local_fail(&e))?;
        let temp = tempfile::Builder::new()
            .prefix(".download-")
            .tempfile_in(&dir)
            .map_err(|e| local_fail(&e))?;
        let (file, temp_path) = temp.into_parts();
        let mut file = tokio::fs::File::from_std(file);
        let got = self
            .store
            .get(&self.url.key(parts))
            .await
            .map_err(|e| self.fail("download", parts, "s3:GetObject (storage.objects.get)", &e))?;
        let mut stream = got.into_stream();
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.fail("download", parts, "s3:GetObject (storage.objects.get)", &e))?;
            size += chunk.len() as u64;
            file.write_all(&chunk).await.map_err(|e| local_fail(&e))?;
        }
        file.flush().await.map_err(|e| local_fail(&e))?;
        drop(file);
        temp_path.persist(local).map_err(|e| local_fail(&e))?;
        Ok(size)
    }

    /// Deletes every object below `parts`, those named in `first` first; returns how many. Asks
    /// for no delete when there is nothing (so a bucket without the delete permission only
    /// notices when something is there to delete).
    pub async fn delete_below(&self, parts: &[&str], first: &[&str]) -> Result<usize, StoreError> {
        let needs = "s3:DeleteObject (storage.objects.delete)";
        let mut objects = self.objects(parts).await?;
        objects.sort_by_key(|(name, _)| !first.contains(&name.as_str()));
        for (name, _) in &objects {
            let mut key = parts.to_vec();
            key.push(name);
            match self.store.delete(&self.url.key(&key)).await {
                Ok(()) => {}
                Err(e) => match self.fail("delete", &key, needs, &e) {
                    e if e.is_not_found() => {}
                    e => return Err(e),
                },
            }
        }
        Ok(objects.len())
    }
}

/// A provider's store builder with the client's timeouts (each unless the environment set it),
/// built; `$key` wraps a client config key in the provider's own key type. The builders share no
/// trait, hence a macro.
macro_rules! build_with_timeouts {
    ($builder:expr, $key:path, $client:expr) => {{
        let mut b = $builder;
        for (key, value) in $client.timeouts() {
            let key = $key(key);
            if b.get_config_value(&key).is_none() {
                b = b.with_config(key, value);
            }
        }
        b.build().map(|s| Arc::new(s) as Arc<dyn ObjectStore>)
    }};
}

/// The HTTP client settings every provider's store is built with: the retries, and the request
/// and connect timeouts (each unless the environment sets it).
struct ClientSettings {
    retry: RetryConfig,
    timeout: String,
    connect: String,
}

impl ClientSettings {
    fn of(settings: &StoreSettings) -> ClientSettings {
        ClientSettings {
            retry: RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: settings.max_retries,
                retry_timeout: settings.retry_timeout,
            },
            timeout: humantime::format_duration(settings.timeout).to_string(),
            connect: humantime::format_duration(settings.timeout.min(Duration::from_secs(10))).to_string(),
        }
    }

    /// The timeouts as client config keys, with their values.
    fn timeouts(&self) -> [(ClientConfigKey, &String); 2] {
        [
            (ClientConfigKey::Timeout, &self.timeout),
            (ClientConfigKey::ConnectTimeout, &self.connect),
        ]
    }

    fn s3(&self, bucket: &str) -> object_store::Result<Arc<dyn ObjectStore>> {
        let builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_retry(self.retry.clone());
        build_with_timeouts!(builder, AmazonS3ConfigKey::Client, self)
    }

    fn gcs(&self, bucket: &str) -> object_store::Result<Arc<dyn ObjectStore>> {
        let builder = GoogleCloudStorageBuilder::from_env()
            .with_bucket_name(bucket)
            .with_retry(self.retry.clone());
        build_with_timeouts!(builder, GoogleConfigKey::Client, self)
    }

    fn azure(&self, container: &str) -> object_store::Result<Arc<dyn ObjectStore>> {
        let builder = MicrosoftAzureBuilder::from_env()
            .with_container_name(container)
            .with_retry(self.retry.clone());
        build_with_timeouts!(builder, AzureConfigKey::Client, self)
    }
}

/// A builder's error, with what each provider needs to be configured.
fn setup_hint(provider: Provider, e: &object_store::Error) -> String {
    let need = match provider {
        Provider::S3 => "AWS_REGION (or AWS_DEFAULT_REGION), and AWS_ENDPOINT_URL for an S3-compatible store",
        Provider::Gcs => {
            "GOOGLE_APPLICATION_CREDENTIALS: it names a service-account key file or gcloud's application-default \
             credentials; GOOGLE_SERVICE_ACCOUNT_KEY holds such a key itself"
        }
        Provider::Azure => "AZURE_STORAGE_ACCOUNT_NAME, and a key, SAS or managed identity",
    };
    format!("{} (check {need})", super::error::redact(&e.to_string()))
}
