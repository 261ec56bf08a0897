//! The Kubernetes manifests in deploy/, parsed (serde_norway) and checked for what matters: the
//! bucket variants have no PersistentVolumeClaim, write only to an emptyDir, run as a service
//! account with the IRSA annotation (and show GKE's and AKS's), and pass `--out s3://...`; the
//! Indexed Job's completions and parallelism match `--shards`, every credential file its config
//! names is mounted from a Secret, and no pod is left without a credential group.

use std::path::Path;

use mode_audit::cli::RunArgs;
use mode_audit::config::shard::{Shard, pick};
use mode_audit::config::workspaces::groups;
use mode_audit::config::{FileConfig, entries};
use serde::Deserialize;
use serde_norway::Value;

fn documents(name: &str) -> (String, Vec<Value>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let docs = serde_norway::Deserializer::from_str(&text)
        .map(|d| Value::deserialize(d).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect();
    (text, docs)
}

fn kind<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d["kind"].as_str() == Some(kind)).collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence()
        .map(|s| s.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// The value after `flag` in `args`.
fn after<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

/// Checks a bucket CronJob; returns its job spec and container.
fn check_bucket_cronjob<'a>(name: &str, text: &str, docs: &'a [Value]) -> (&'a Value, &'a Value) {
    assert!(
        !text.contains("persistentVolumeClaim") && kind(docs, "PersistentVolumeClaim").is_empty(),
        "{name} uses a PVC"
    );
    let accounts = kind(docs, "ServiceAccount");
    assert_eq!(accounts.len(), 1, "{name}: one service account");
    let account = accounts[0];
    let role = account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].as_str();
    assert!(
        role.is_some_and(|r| r.starts_with("arn:aws:iam::")),
        "{name}: the IRSA annotation"
    );
    let cron = kind(docs, "CronJob");
    assert_eq!(cron.len(), 1);
    let job = &cron[0]["spec"]["jobTemplate"]["spec"];
    let pod = &job["template"]["spec"];
    assert_eq!(
        pod["serviceAccountName"], account["metadata"]["name"],
        "{name}: the pod runs as the annotated account"
    );
    let container = &pod["containers"][0];
    let args = strings(&container["args"]);
    assert_eq!(args[0], "run");
    assert!(
        after(&args, "--out").is_some_and(|o| o.starts_with("s3://")),
        "{name}: --out s3://... in {args:?}"
    );
    // The only writable disk is an emptyDir, and TMPDIR points at it.
    assert_eq!(
        container["securityContext"]["readOnlyRootFilesystem"].as_bool(),
        Some(true),
        "{name}"
    );
    let tmp = pod["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|v| v.get("emptyDir").is_some())
        .unwrap_or_else(|| panic!("{name}: an emptyDir volume"));
    let mount = container["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|m| m["name"] == tmp["name"])
        .expect("the emptyDir is mounted");
    let tmpdir = container["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|e| e["name"].as_str() == Some("TMPDIR"))
        .expect("TMPDIR is set");
    assert_eq!(tmpdir["value"], mount["mountPath"], "{name}: TMPDIR is the emptyDir");
    let env_names: Vec<&str> = container["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(
        !env_names
            .iter()
            .any(|n| n.starts_with("AWS_SECRET") || *n == "AWS_ACCESS_KEY_ID"),
        "{name}: no static keys"
    );
    (job, container)
}

#[test]
fn the_bucket_cronjob_needs_no_volume_claim_and_shows_each_cloud_s_workload_identity() {
    let (text, docs) = documents("cronjob-bucket.yaml");
    let (job, container) = check_bucket_cronjob("cronjob-bucket.yaml", &text, &docs);
    for shown in ["iam.gke.io/gcp-service-account", "azure.workload.identity/client-id"] {
        assert!(text.contains(shown), "the {shown} annotation is shown");
    }
    let args = strings(&container["args"]);
    assert!(after(&args, "--workspace").is_some());
    // --max-duration stops before the deadline kills the pod, so the checkpoint reaches the bucket.
    let max: std::time::Duration = humantime::parse_duration(after(&args, "--max-duration").unwrap()).unwrap();
    let deadline = job["activeDeadlineSeconds"].as_u64().unwrap();
    assert!(
        max.as_secs() < deadline,
        "--max-duration {max:?} under activeDeadlineSeconds {deadline}"
    );
}

#[test]
fn the_indexed_job_runs_one_pod_per_shard_and_mounts_every_credential_its_config_names() {
    let (text, docs) = documents("indexed-job.yaml");
    let (job, container) = check_bucket_cronjob("indexed-job.yaml", &text, &docs);
    assert_eq!(job["completionMode"].as_str(), Some("Indexed"));
    let args = strings(&container["args"]);
    let shards: u32 = after(&args, "--shards").expect("--shards").parse().unwrap();
    assert_eq!(
        job["completions"].as_u64(),
        Some(shards as u64),
        "completions = --shards"
    );
    assert_eq!(
        job["parallelism"].as_u64(),
        Some(shards as u64),
        "parallelism = --shards"
    );

    // The config file comes from the ConfigMap mounted where --config points.
    let config_path = after(&args, "--config").expect("--config");
    let map = kind(&docs, "ConfigMap")[0];
    let pod = &job["template"]["spec"];
    let mounts = container["volumeMounts"].as_sequence().unwrap();
    let volumes = pod["volumes"].as_sequence().unwrap();
    let volume_of = |path: &str| {
        let mount = mounts
            .iter()
            .find(|m| path.starts_with(m["mountPath"].as_str().unwrap()))
            .unwrap_or_else(|| panic!("{path} is not mounted"));
        volumes.iter().find(|v| v["name"] == mount["name"]).unwrap()
    };
    assert_eq!(volume_of(config_path)["configMap"]["name"], map["metadata"]["name"]);
    let file_name = Path::new(config_path).file_name().unwrap().to_str().unwrap();
    let config = FileConfig::parse(map["data"][file_name].as_str().unwrap()).expect("the config parses");

    // Every token and secret file is in a mounted Secret of this manifest.
    let secrets: Vec<&str> = kind(&docs, "Secret")
        .iter()
        .filter_map(|s| s["metadata"]["name"].as_str())
        .collect();
    let listed = entries(&RunArgs::default(), &config).unwrap();
    for entry in &listed {
        let (token, secret) = entry.files.as_ref().expect("each workspace names its credential files");
        for file in [token, secret] {
            let volume = volume_of(file.to_str().unwrap());
            let name = volume["secret"]["secretName"].as_str().expect("mounted from a Secret");
            assert!(secrets.contains(&name), "{name} is defined");
        }
    }
    // Each pod gets at least one whole credential group, and every workspace one pod.
    let all = groups(listed.clone());
    let mut audited = 0;
    for index in 0..shards {
        let mine = pick(all.clone(), Shard { index, count: shards });
        assert!(!mine.is_empty(), "shard {index} has no workspace");
        audited += mine.iter().map(|(_, l)| l.len()).sum::<usize>();
    }
    assert_eq!(audited, listed.len());
}

#[test]
fn the_folder_cronjob_still_parses() {
    let (_, docs) = documents("cronjob.yaml");
    let cron = kind(&docs, "CronJob");
    let args = strings(&cron[0]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]);
    assert!(after(&args, "--out").is_some_and(|o| o.starts_with('/')));
}

/// Every `*_FILE` variable of every container points into a volume mounted from a Secret the
/// manifest defines, and holds one of that Secret's keys.
#[test]
fn every_secret_file_a_container_names_is_mounted_from_a_secret_of_the_manifest() {
    for name in ["cronjob.yaml", "cronjob-bucket.yaml", "indexed-job.yaml"] {
        let (_, docs) = documents(name);
        let secrets: Vec<&Value> = kind(&docs, "Secret");
        for job in kind(&docs, "CronJob").into_iter().chain(kind(&docs, "Job")) {
            let pod = match job["kind"].as_str() {
                Some("CronJob") => &job["spec"]["jobTemplate"]["spec"]["template"]["spec"],
                _ => &job["spec"]["template"]["spec"],
            };
            let container = &pod["containers"][0];
            let mounts = container["volumeMounts"].as_sequence().unwrap();
            let volumes = pod["volumes"].as_sequence().unwrap();
            for env in container["env"].as_sequence().into_iter().flatten() {
                let var = env["name"].as_str().unwrap();
                if !var.ends_with("_FILE") {
                    continue;
                }
                let path = env["value"].as_str().unwrap();
                let mount = mounts
                    .iter()
                    .find(|m| path.starts_with(m["mountPath"].as_str().unwrap()))
                    .unwrap_or_else(|| panic!("{name}: {var}={path} is not mounted"));
                let volume = volumes.iter().find(|v| v["name"] == mount["name"]).unwrap();
                let secret_name = volume["secret"]["secretName"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{name}: {var} not from a Secret"));
                let secret = secrets
                    .iter()
                    .find(|s| s["metadata"]["name"].as_str() == Some(secret_name))
                    .unwrap_or_else(|| panic!("{name}: Secret {secret_name} is not defined"));
                let file = path.rsplit('/').next().unwrap();
                let items = volume["secret"]["items"].as_sequence().unwrap();
                let item = items
                    .iter()
                    .find(|i| i["path"].as_str() == Some(file))
                    .unwrap_or_else(|| panic!("{name}: {var}: no item writes {file}"));
                let key = item["key"].as_str().unwrap();
                assert!(
                    secret["stringData"].get(key).is_some(),
                    "{name}: Secret {secret_name} has no key {key}"
                );
            }
        }
    }
}

/// The notify CronJob's arguments are ones `mode-audit notify` takes, and it sends (`--execute`)
/// from a sender, with its SMTP URL from a secret file.
#[test]
fn the_notify_cronjob_parses_as_a_notify_command() {
    use clap::Parser;
    let (_, docs) = documents("cronjob.yaml");
    let cron = kind(&docs, "CronJob");
    let notify = cron
        .iter()
        .find(|c| {
            strings(&c["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"])[0] == "notify"
        })
        .expect("a notify CronJob");
    let container = &notify["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
    let args = strings(&container["args"]);
    let cli = mode_audit::cli::Cli::try_parse_from(std::iter::once("mode-audit".to_string()).chain(args)).unwrap();
    let mode_audit::cli::Command::Notify(parsed) = cli.command else {
        panic!("not notify")
    };
    assert!(parsed.notify.execute && parsed.notify.from.is_some());
    let env = strings(&serde_norway::Value::Sequence(
        container["env"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|e| e["name"].clone())
            .collect(),
    ));
    assert!(env.contains(&"MODE_AUDIT_SMTP_URL_FILE".to_string()) && !env.contains(&"MODE_AUDIT_SMTP_URL".to_string()));
    // The run CronJob's alert flags parse too.
    let run_args = strings(&cron[0]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]);
    mode_audit::cli::Cli::try_parse_from(std::iter::once("mode-audit".to_string()).chain(run_args)).unwrap();
}
