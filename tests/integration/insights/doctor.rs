//! doctor against the stand-in: good credentials, rejected credentials, no Personal collection visible.

use mode_audit::commands::doctor::{Grade, doctor};
use mode_audit::sim::{SimConfig, SimServer};

use super::{SIZES, binary};
use crate::harness::{fast_config, settings};

#[tokio::test]
async fn doctor_passes_with_good_credentials_in_two_requests() {
    let config = fast_config(SIZES.to_vec());
    let sim = SimServer::start(config.clone()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let checklist = doctor(&settings(&sim, &config, out.path())).await;
    assert!(checklist.passed(), "{checklist}");
    let names: Vec<&str> = checklist.checks.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "credentials",
            "workspace",
            "personal collections",
            "rate-limit headers",
            "output folder",
            "lease"
        ]
    );
    assert_eq!(checklist.check("lease").unwrap().verdict, Grade::Pass);
    assert_eq!(sim.counters().total, 2, "GET /api/verify and one page of collections");
    assert_eq!(checklist.requests, 2);
    let headers = &checklist.check("rate-limit headers").unwrap().detail;
    assert!(headers.contains("X-RateLimit-Limit 40"), "{headers}");
}

#[tokio::test]
async fn doctor_names_the_credentials_to_fix_when_mode_rejects_them() {
    let config = fast_config(SIZES.to_vec());
    let sim = SimServer::start(config.clone()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut s = settings(&sim, &config, out.path());
    s.client.credentials.secret = "wrong".to_string().into();
    let checklist = doctor(&s).await;
    assert!(!checklist.passed());
    let creds = checklist.check("credentials").unwrap();
    assert_eq!(creds.verdict, Grade::Fail);
    assert!(creds.detail.contains("401"), "{}", creds.detail);
    let fix = creds.fix.as_deref().unwrap();
    assert!(
        fix.contains("MODE_API_TOKEN") && fix.contains("MODE_API_SECRET"),
        "{fix}"
    );
    assert_eq!(checklist.check("workspace").unwrap().verdict, Grade::Skipped);
    assert_eq!(checklist.check("output folder").unwrap().verdict, Grade::Pass);
    assert_eq!(
        sim.counters().total,
        1,
        "nothing more is asked with rejected credentials"
    );

    // Through the binary: exit 1, the fix on stdout; exit 0 with the right secret.
    let url = sim.base_url();
    let args = ["doctor", "--workspace", "acme", "--base-url", &url, "--out", "snaps"];
    let tmp = tempfile::tempdir().unwrap();
    let bad = [("MODE_API_TOKEN", config.token.as_str()), ("MODE_API_SECRET", "nope")];
    let o = binary(tmp.path(), &args, &bad).await;
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("[FAIL] credentials") && text.contains("fix: check MODE_API_TOKEN"),
        "{text}"
    );
    let good = [
        ("MODE_API_TOKEN", config.token.as_str()),
        ("MODE_API_SECRET", config.secret.as_str()),
    ];
    let o = binary(tmp.path(), &args, &good).await;
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let o = binary(tmp.path(), &args, &[]).await;
    assert_eq!(o.status.code(), Some(2), "no credentials is a configuration error");
}

#[tokio::test]
async fn doctor_warns_when_no_personal_collection_is_visible() {
    let mut config: SimConfig = fast_config(SIZES.to_vec());
    config.spec.personal = 0;
    let sim = SimServer::start(config.clone()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut s = settings(&sim, &config, out.path());
    let checklist = doctor(&s).await;
    let personal = checklist.check("personal collections").unwrap();
    assert_eq!(personal.verdict, Grade::Warn, "{checklist}");
    assert!(personal.fix.as_deref().unwrap().contains("admin scope"));
    assert!(!checklist.passed(), "a warning is not a pass");
    assert_eq!(checklist.check("workspace").unwrap().verdict, Grade::Pass);
    s.crawl.exclude_personal = true;
    assert!(doctor(&s).await.passed(), "not needed with --exclude-personal");
}

#[tokio::test]
async fn doctor_names_the_holder_of_the_output_s_lease_and_takes_none() {
    let config = fast_config(SIZES.to_vec());
    let sim = SimServer::start(config.clone()).await.unwrap();
    let out = tempfile::tempdir().unwrap();
    let lease = out.path().join("acme/lease.json");
    std::fs::create_dir_all(lease.parent().unwrap()).unwrap();
    for (expires_at, grade, says) in [
        ("2999-01-01T00:00:00.000Z", Grade::Warn, "--break-lease"),
        ("2020-01-01T00:00:00.000Z", Grade::Warn, "takes it over"),
    ] {
        let held = serde_json::json!({
            "host": "build-7", "pid": 4242, "command": "apply",
            "started_at": "2020-01-01T00:00:00.000Z", "expires_at": expires_at, "id": "build-7-4242-1",
        });
        std::fs::write(&lease, held.to_string()).unwrap();
        let checklist = doctor(&settings(&sim, &config, out.path())).await;
        let check = checklist.check("lease").unwrap();
        assert_eq!(check.verdict, grade, "{checklist}");
        assert!(
            check.detail.contains("`apply` on host build-7, pid 4242"),
            "{}",
            check.detail
        );
        assert!(checklist.to_string().contains(says), "{checklist}");
        assert_eq!(
            std::fs::read_to_string(&lease).unwrap(),
            held.to_string(),
            "doctor only reads the lease"
        );
    }
}
