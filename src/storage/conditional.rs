//! Conditional writes to a bucket: an object written only if absent, or only if it is still the
//! version read (S3 `If-None-Match: *` / `If-Match`, GCS generations, Azure ETags), and a delete.

use object_store::{ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};

use super::bucket::Bucket;
use super::error::StoreError;

/// What a conditional write came to.
#[derive(Debug)]
pub enum Written {
    /// Written: the version it now has.
    Now(UpdateVersion),
    /// Not written: the object was there (or had changed since it was read).
    Lost,
}

const NEEDS: &str = "s3:PutObject (storage.objects.create)";

impl Bucket {
    /// Writes a small object only if there is none under `parts`.
    pub async fn put_if_absent(&self, parts: &[&str], bytes: Vec<u8>) -> Result<Written, StoreError> {
        self.put_mode(parts, bytes, PutMode::Create).await
    }

    /// Writes a small object only if it is still at `version` (the one read or written last).
    pub async fn put_if_version(
        &self,
        parts: &[&str],
        bytes: Vec<u8>,
        version: UpdateVersion,
    ) -> Result<Written, StoreError> {
        self.put_mode(parts, bytes, PutMode::Update(version)).await
    }

    async fn put_mode(&self, parts: &[&str], bytes: Vec<u8>, mode: PutMode) -> Result<Written, StoreError> {
        let options = PutOptions {
            mode,
            ..PutOptions::default()
        };
        match self
            .store
            .put_opts(&self.url.key(parts), PutPayload::from(bytes), options)
            .await
        {
            Ok(put) => Ok(Written::Now(UpdateVersion {
                e_tag: put.e_tag,
                version: put.version,
            })),
            Err(object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. }) => {
                Ok(Written::Lost)
            }
            Err(e) => Err(self.fail("write", parts, NEEDS, &e)),
        }
    }

    /// Reads a small object with its version; `None` when there is none.
    pub async fn get_versioned(&self, parts: &[&str]) -> Result<Option<(Vec<u8>, UpdateVersion)>, StoreError> {
        let read = async {
            let got = self.store.get(&self.url.key(parts)).await?;
            let version = UpdateVersion {
                e_tag: got.meta.e_tag.clone(),
                version: got.meta.version.clone(),
            };
            Ok::<_, object_store::Error>((got.bytes().await?.to_vec(), version))
        };
        match read.await {
            Ok(got) => Ok(Some(got)),
            Err(e) => match self.fail("read", parts, "s3:GetObject (storage.objects.get)", &e) {
                e if e.is_not_found() => Ok(None),
                e => Err(e),
            },
        }
    }

    /// Deletes one object (none there is not an error).
    pub async fn delete(&self, parts: &[&str]) -> Result<(), StoreError> {
        match self.store.delete(&self.url.key(parts)).await {
            Ok(()) => Ok(()),
            Err(e) => match self.fail("delete", parts, "s3:DeleteObject (storage.objects.delete)", &e) {
                e if e.is_not_found() => Ok(()),
                e => Err(e),
            },
        }
    }
}
