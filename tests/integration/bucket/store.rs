//! The stores every bucket test runs against, each a real server on this machine: S3 (moto) and
//! Azure Blob (azurite). A test body takes a [`Kind`]; [`on_each_store!`](crate::bucket::on_each_store)
//! makes one test of it per store (`...::s3::name` and `...::azure::name`).

use std::net::SocketAddr;

use mode_audit::storage::Bucket;

use super::azurite::{self, Azurite};
use super::moto::{self, BUCKET, Moto};

/// Which store a test runs against.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    S3,
    Azure,
}

/// A started store server, stopped when dropped.
pub enum Server {
    Moto(Moto),
    Azurite(Azurite),
}

impl Server {
    /// Starts the server of `kind` with the bucket (container) created; `None` when its tests are skipped.
    pub async fn start(kind: Kind) -> Option<Server> {
        Some(match kind {
            Kind::S3 => Server::Moto(moto::start().await?),
            Kind::Azure => Server::Azurite(azurite::start().await?),
        })
    }

    /// `--out` for `prefix` in the bucket: `s3://audit-bucket/PREFIX` or `az://audit-bucket/PREFIX`.
    pub fn out(&self, prefix: &str) -> String {
        let scheme = match self {
            Server::Moto(_) => "s3",
            Server::Azurite(_) => "az",
        };
        format!("{scheme}://{BUCKET}/{prefix}")
    }

    /// The environment that points the binary at this server, with credentials that may write.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        self.env_at(&self.endpoint())
    }

    /// The same, at another endpoint (a proxy in front of the server).
    pub fn env_at(&self, endpoint: &str) -> Vec<(&'static str, String)> {
        match self {
            Server::Moto(m) => m.env_at(&m.admin, endpoint),
            Server::Azurite(a) => a.env_at(endpoint),
        }
    }

    /// The secret in [`Server::env`], which must appear in no output.
    pub fn secret(&self) -> &str {
        match self {
            Server::Moto(m) => &m.admin.secret,
            Server::Azurite(_) => azurite::KEY,
        }
    }

    /// The bucket below `prefix`, opened directly by the test.
    pub fn bucket(&self, prefix: &str) -> Bucket {
        match self {
            Server::Moto(m) => m.bucket(prefix),
            Server::Azurite(a) => a.bucket(prefix),
        }
    }

    pub fn endpoint(&self) -> String {
        match self {
            Server::Moto(m) => m.endpoint.clone(),
            Server::Azurite(a) => a.endpoint.clone(),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        match self {
            Server::Moto(m) => m.addr,
            Server::Azurite(a) => a.addr,
        }
    }

    /// How the path of a request to `key` in the bucket starts (for a proxy to match it).
    pub fn request_path(&self, key: &str) -> String {
        match self {
            Server::Moto(_) => format!("/{BUCKET}/{key}"),
            Server::Azurite(_) => format!("/{}/{BUCKET}/{key}", azurite::ACCOUNT),
        }
    }
}

/// One `#[tokio::test]` per store for each named test body (`async fn name(kind: Kind)` in the
/// calling module): `s3::name` against moto, `azure::name` against azurite.
macro_rules! on_each_store {
    ($($test:ident),+ $(,)?) => {
        /// The tests above, against moto.
        mod s3 {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test($crate::bucket::store::Kind::S3).await
                }
            )+
        }
        /// The tests above, against azurite.
        mod azure {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test($crate::bucket::store::Kind::Azure).await
                }
            )+
        }
    };
}
pub(crate) use on_each_store;
