//! Tests of the store errors: each answer mapped to what to fix, per provider, with no secret.

use super::*;

fn generic(text: &str) -> object_store::Error {
    object_store::Error::Generic {
        store: "S3",
        source: text.to_string().into(),
    }
}

fn cause(text: &str) -> Cause {
    StoreError::from_store("list".into(), "s3://b".into(), "s3:ListBucket", &generic(text)).cause
}

#[test]
fn store_answers_map_to_what_to_fix() {
    let body = |status: &str, code: &str| {
        format!(
            "Error performing GET http://127.0.0.1:9/b in 2ms - Server returned non-2xx status code: {status}: <?xml version=\"1.0\"?><Error><Code>{code}</Code><CanonicalRequest>x-amz-security-token:TOKEN</CanonicalRequest></Error>"
        )
    };
    assert_eq!(cause(&body("404 Not Found", "NoSuchBucket")), Cause::MissingBucket);
    assert_eq!(
        cause(&body("403 Forbidden", "InvalidAccessKeyId")),
        Cause::Credentials("InvalidAccessKeyId".into())
    );
    assert_eq!(
        cause(&body("403 Forbidden", "SignatureDoesNotMatch")),
        Cause::Credentials("SignatureDoesNotMatch".into())
    );
    assert_eq!(
        cause(&body("403 Forbidden", "AccessDenied")),
        Cause::Permission("AccessDenied".into())
    );
    assert_eq!(
        cause("status code: 403 Forbidden: "),
        Cause::Permission("HTTP 403".into())
    );
    assert_eq!(
        cause("status code: 404 Not Found: {\"error\":{\"message\":\"The specified bucket does not exist.\"}}"),
        Cause::MissingBucket
    );
    assert!(matches!(
        cause("Error performing PUT http://127.0.0.1:9/b/k in 1s, after 3 retries - HTTP error: error sending request"),
        Cause::Unreachable(_)
    ));
    let e = StoreError::from_store(
        "upload x".into(),
        "s3://b".into(),
        "s3:PutObject",
        &generic(&body("403 Forbidden", "AccessDenied")),
    );
    let text = e.to_string();
    assert!(text.contains("grant s3:PutObject on s3://b"), "{text}");
    assert!(!text.contains("TOKEN"), "the body is never shown: {text}");
}

#[test]
fn on_azure_the_fix_names_the_role_to_grant_and_the_account() {
    let denied = generic(
        "Error performing PUT http://127.0.0.1:9/c/k in 2ms - Server returned non-2xx status code: 403 Forbidden: \
         <?xml version=\"1.0\"?><Error><Code>AuthorizationPermissionMismatch</Code></Error>",
    );
    let fix = |needs| StoreError::from_store("x".into(), "az://c".into(), needs, &denied).fix();
    let write = fix("s3:PutObject (storage.objects.create)");
    assert!(
        write.contains("grant the Storage Blob Data Contributor role on az://c"),
        "{write}"
    );
    let read = fix("s3:GetObject (storage.objects.get)");
    assert!(
        read.contains("grant the Storage Blob Data Reader role on az://c"),
        "{read}"
    );
    let missing = StoreError {
        cause: Cause::MissingBucket,
        ..StoreError::local("x".into(), "az://c".into(), "")
    };
    assert!(
        missing.fix().contains("AZURE_STORAGE_ACCOUNT_NAME") && !missing.fix().contains("AWS_"),
        "{}",
        missing.fix()
    );
}

#[test]
fn a_not_found_object_is_told_apart_from_a_missing_bucket() {
    let missing = object_store::Error::NotFound {
        path: "p".into(),
        source: "status code: 404 Not Found: <Error><Code>NoSuchKey</Code></Error>".into(),
    };
    let e = StoreError::from_store("read".into(), "s3://b".into(), "", &missing);
    assert!(e.is_not_found());
    let bucket = object_store::Error::NotFound {
        path: "p".into(),
        source: "status code: 404 Not Found: <Error><Code>NoSuchBucket</Code></Error>".into(),
    };
    assert_eq!(
        StoreError::from_store("read".into(), "s3://b".into(), "", &bucket).cause,
        Cause::MissingBucket
    );
}

#[test]
fn a_gcs_client_without_credentials_is_told_what_to_set_not_to_check_an_s3_endpoint() {
    // What object_store 0.14 says when no GOOGLE_* credentials are set and no metadata server answers.
    let text = "Generic GCS error: Error performing token request: Error performing GET \
                http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token?audience=x \
                in 107ms, after 1 retries - HTTP error: error sending request";
    let e = StoreError::from_store(
        "write gs://audit/nightly/acme/.write-check".into(),
        "gs://audit".into(),
        "storage.objects.create",
        &generic(text),
    );
    assert!(matches!(e.cause, Cause::NoCredentials(_)), "{:?}", e.cause);
    let fix = e.fix();
    assert!(fix.starts_with("no credentials for gs://audit"), "{fix}");
    assert!(
        fix.contains("set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file"),
        "{fix}"
    );
    assert!(fix.contains("workload identity"), "{fix}");
    assert!(!fix.contains("AWS_"), "nothing about S3 for a GCS bucket: {fix}");
    let s3 = StoreError::from_store(
        "list s3://b".into(),
        "s3://b".into(),
        "s3:ListBucket",
        &generic("Error performing PUT http://169.254.169.254/latest/api/token in 1s - error sending request"),
    );
    assert!(s3.fix().contains("set AWS_ACCESS_KEY_ID"), "{}", s3.fix());
}

#[test]
fn urls_lose_their_query_strings() {
    assert_eq!(
        redact("error sending request for url (https://a.blob.core.windows.net/c/k?sig=SECRET&se=1) done"),
        "error sending request for url (https://a.blob.core.windows.net/c/k?…) done"
    );
}

#[test]
fn an_unreachable_store_is_told_where_its_own_provider_is_set() {
    let unreachable = |bucket: &str| {
        StoreError::from_store(
            "list".into(),
            bucket.into(),
            "",
            &generic("error sending request: Connect refused"),
        )
        .fix()
    };
    let az = unreachable("az://audit");
    assert!(
        az.contains("AZURE_STORAGE_ACCOUNT_NAME") && !az.contains("AWS_"),
        "{az}"
    );
    let gs = unreachable("gs://audit");
    assert!(gs.contains("storage.googleapis.com") && !gs.contains("AWS_"), "{gs}");
    assert!(unreachable("s3://audit").contains("AWS_ENDPOINT_URL"));
}
