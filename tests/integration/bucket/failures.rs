//! A bucket that fails: the store going down at publication (exit 3, the snapshot kept locally,
//! nothing marked complete), on each store; a missing bucket, refused keys and a missing
//! permission (exit 3 before any request to Mode, with what to fix and never the secret), on S3; a
//! missing container, on Azure.

use super::moto::{self, BUCKET, Keys};
use super::store::{Kind, Server};
use super::{env, names, on_each_store, run_into};
use crate::binary::{code, stand_in, stderr};

on_each_store!(a_store_down_at_publication_exits_3_keeps_the_snapshot_locally_and_nothing_counts_as_complete);

async fn a_store_down_at_publication_exits_3_keeps_the_snapshot_locally_and_nothing_counts_as_complete(kind: Kind) {
    let Some(server) = Server::start(kind).await else {
        return;
    };
    let (sim, config) = stand_in(|_| {}).await;
    let tmp = tempfile::tempdir().unwrap();
    let url = sim.base_url();
    let out = server.out("mode");
    let bucket = server.bucket("mode");

    // Down before the first file of the snapshot goes up.
    let first_file = format!("PUT {}", server.request_path("mode/acme/20"));
    let before = moto::proxy(server.addr(), &first_file).await;
    let env_before = env(&config, server.env_at(&before.endpoint), tmp.path());
    let o = run_into(tmp.path(), &url, &out, &[], &env_before).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("could not publish the snapshot") && err.contains("cannot reach the object store"),
        "{err}"
    );
    let kept = tmp.path().join("mode-audit-unpublished/acme");
    assert!(
        err.contains(&kept.display().to_string()),
        "the message names the local copy: {err}"
    );
    let folders: Vec<_> = std::fs::read_dir(&kept).unwrap().flatten().collect();
    assert_eq!(folders.len(), 1);
    let csv = std::fs::read_to_string(folders[0].path().join("reports.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 87, "every record is kept");
    assert!(!err.contains(server.secret()));
    // The lease could not be removed with the store down: the next run takes it over (its
    // process no longer runs).
    let left: Vec<String> = names(&bucket).await.into_iter().filter(|n| n != "lease.json").collect();
    assert_eq!(left, [".write-check"], "nothing of the snapshot reached the bucket");

    // Down halfway through: some files are up, the marker and latest are not.
    let halfway = moto::proxy(server.addr(), "/snapshot.json").await;
    let env_halfway = env(&config, server.env_at(&halfway.endpoint), tmp.path());
    let o = run_into(tmp.path(), &url, &out, &[], &env_halfway).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let partial = bucket.snapshot_names("acme").await.unwrap();
    assert_eq!(partial.len(), 1);
    let uploaded = names(&bucket).await;
    assert!(
        uploaded.contains(&format!("{}/reports.csv", partial[0])),
        "{uploaded:?}"
    );
    assert!(
        !uploaded.iter().any(|n| n.ends_with("_COMPLETE") || n == "latest"),
        "{uploaded:?}"
    );

    // The next run, with the store back, takes nothing from the unfinished upload.
    let env_direct = env(&config, server.env(), tmp.path());
    let o = run_into(tmp.path(), &url, &out, &[], &env_direct).await;
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("not marked complete"), "{}", stderr(&o));
    assert!(stderr(&o).contains("earlier_snapshots=0"), "{}", stderr(&o));
    let latest = bucket.latest("acme").await.unwrap().unwrap();
    assert!(bucket.is_complete("acme", &latest).await.unwrap());
    if latest == partial[0] {
        // Started in the same second: the unfinished folder's name is reused, its leftovers first deleted.
        assert!(stderr(&o).contains("replacing an unfinished upload"), "{}", stderr(&o));
    }
}

/// Runs against `out` with `keys`: exit 3 before any request to Mode; returns stderr.
async fn refused(moto: &moto::Moto, out: &str, keys: &Keys) -> String {
    let (sim, config) = stand_in(|_| {}).await;
    let tmp = tempfile::tempdir().unwrap();
    let env = env(&config, moto.env(keys), tmp.path());
    let o = run_into(tmp.path(), &sim.base_url(), out, &[], &env).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert_eq!(sim.counters().total, 0, "nothing was asked of Mode");
    let err = stderr(&o);
    assert!(!err.contains(&keys.secret), "the secret key appears in stderr:\n{err}");
    err
}

#[tokio::test]
async fn a_missing_bucket_refused_keys_and_a_missing_permission_say_what_to_fix() {
    let Some(moto) = moto::start_checking_keys().await else {
        return;
    };
    let err = refused(&moto, "s3://no-such-bucket/mode", &moto.admin).await;
    assert!(err.contains("the bucket s3://no-such-bucket does not exist"), "{err}");

    let out = format!("s3://{BUCKET}/mode");
    let wrong_secret = Keys {
        id: moto.admin.id.clone(),
        secret: "MARKER-wrong-secret-0123456789".into(),
    };
    let err = refused(&moto, &out, &wrong_secret).await;
    assert!(err.contains("refused the credentials (SignatureDoesNotMatch)"), "{err}");
    assert!(
        err.contains("AWS_SECRET_ACCESS_KEY"),
        "the fix names the variables: {err}"
    );

    let unknown = Keys {
        id: "AKIAUNKNOWNKEY000000".into(),
        secret: "MARKER-unknown-key-secret-987654".into(),
    };
    let err = refused(&moto, &out, &unknown).await;
    assert!(err.contains("refused the credentials (InvalidAccessKeyId)"), "{err}");

    let err = refused(&moto, &out, &moto.reader).await;
    assert!(
        err.contains("not allowed to do this (AccessDenied)") && err.contains("grant s3:PutObject"),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_container_on_azure_says_so_and_names_the_account_setting() {
    let Some(server) = Server::start(Kind::Azure).await else {
        return;
    };
    let (sim, config) = stand_in(|_| {}).await;
    let tmp = tempfile::tempdir().unwrap();
    let env = env(&config, server.env(), tmp.path());
    let o = run_into(tmp.path(), &sim.base_url(), "az://no-such-container/mode", &[], &env).await;
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert_eq!(sim.counters().total, 0, "nothing was asked of Mode");
    let err = stderr(&o);
    assert!(
        err.contains("the bucket az://no-such-container does not exist") && err.contains("AZURE_STORAGE_ACCOUNT_NAME"),
        "{err}"
    );
    assert!(!err.contains("AWS_") && !err.contains(server.secret()), "{err}");
}
