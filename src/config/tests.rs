//! Tests of the configuration: precedence, validation, credentials, the example file.

use std::path::PathBuf;

use super::*;
use crate::cli::settings::{Findings, Output, Reading};
use crate::mode::Credentials;
use crate::storage::BucketUrl;
use secrecy::SecretString;

fn creds() -> Credentials {
    Credentials {
        token: SecretString::from("tok-123"),
        secret: SecretString::from("sec-456"),
    }
}

#[test]
fn the_example_config_parses_and_holds_the_defaults() {
    let file = FileConfig::parse(include_str!("../../config/example.toml")).expect("example.toml parses");
    let from_file = merge(&RunArgs::default(), &file, creds()).unwrap();
    let args = RunArgs {
        workspace: vec!["acme".into()],
        ..RunArgs::default()
    };
    let defaults = merge(&args, &FileConfig::default(), creds()).unwrap();
    assert_eq!(from_file.workspace, "acme");
    assert_eq!(from_file.destination, defaults.destination);
    assert_eq!(from_file.formats, defaults.formats);
    assert_eq!(from_file.client.base_url, defaults.client.base_url);
    assert_eq!(from_file.client.rate, defaults.client.rate);
    assert_eq!(from_file.client.retry, defaults.client.retry);
    assert_eq!(from_file.client.timeout, defaults.client.timeout);
    assert_eq!(format!("{:?}", from_file.crawl), format!("{:?}", defaults.crawl));
    assert_eq!(from_file.insights.findings, defaults.insights.findings);
    assert_eq!(from_file.insights.digests, defaults.insights.digests);
    assert_eq!(from_file.store, defaults.store);
}

#[test]
fn flags_beat_the_file_and_the_file_beats_defaults() {
    let file =
        FileConfig::parse("workspace = \"file-ws\"\nrate = \"20/10s\"\nconcurrency = 3\nexclude_archived = true\n")
            .unwrap();
    let args = RunArgs {
        workspace: vec!["flag-ws".into()],
        reading: Reading {
            exclude_archived: Some(false),
            ..Reading::default()
        },
        ..RunArgs::default()
    };
    let s = merge(&args, &file, creds()).unwrap();
    assert_eq!(s.workspace, "flag-ws");
    assert_eq!(s.client.rate, Some("20/10s".parse().unwrap()));
    assert_eq!(s.crawl.concurrency, 3);
    assert!(
        !s.crawl.exclude_archived,
        "an explicit false flag wins over the file's true"
    );
}

#[test]
fn unknown_keys_and_bad_values_say_what_to_fix() {
    let err = FileConfig::parse("workspace = \"a\"\nrates = \"1/s\"\n").unwrap_err();
    assert!(err.contains("rates") && err.contains("example.toml"), "{err}");
    let file = FileConfig::parse("workspace = \"a\"\nrate = \"forty\"\n").unwrap();
    let err = merge(&RunArgs::default(), &file, creds()).unwrap_err();
    assert!(err.0.contains("config key 'rate'") && err.0.contains("40/10s"), "{err}");
    let file = FileConfig::parse("workspace = \"a\"\ntimeout = \"soon\"\n").unwrap();
    assert!(
        merge(&RunArgs::default(), &file, creds())
            .unwrap_err()
            .0
            .contains("timeout")
    );
    let file = FileConfig::parse("workspace = \"a\"\nconcurrency = 0\n").unwrap();
    assert!(
        merge(&RunArgs::default(), &file, creds())
            .unwrap_err()
            .0
            .contains("concurrency")
    );
}

#[test]
fn credentials_come_from_env_or_secret_files_and_are_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, "file-token\n").unwrap();
    let path = token_file.to_string_lossy().into_owned();
    let env = |name: &str| match name {
        "MODE_API_TOKEN_FILE" => Some(path.clone()),
        "MODE_API_SECRET" => Some("env-secret".to_string()),
        _ => None,
    };
    let c = credentials(&env).unwrap();
    use secrecy::ExposeSecret;
    assert_eq!(c.token.expose_secret(), "file-token");
    assert_eq!(c.secret.expose_secret(), "env-secret");
    let args = RunArgs {
        workspace: vec!["acme".into()],
        ..RunArgs::default()
    };
    let shown = format!("{:?}", merge(&args, &FileConfig::default(), c).unwrap());
    assert!(
        !shown.contains("file-token") && !shown.contains("env-secret"),
        "{shown}"
    );

    let none = |_: &str| None;
    assert!(credentials(&none).unwrap_err().0.contains("MODE_API_TOKEN is not set"));
    let both = |name: &str| Some(format!("{name}-value"));
    assert!(credentials(&both).unwrap_err().0.contains("keep one"));
}

#[test]
fn base_urls_are_checked() {
    assert!(base_url("https://app.mode.com", false).is_ok());
    assert!(base_url("http://127.0.0.1:8080", false).is_ok());
    assert!(base_url("http://localhost:8080", false).is_ok());
    assert!(
        base_url("http://mode.internal", false)
            .unwrap_err()
            .0
            .contains("--allow-insecure-http")
    );
    assert!(base_url("http://mode.internal", true).is_ok());
    assert!(
        base_url("https://user:pw@app.mode.com", false)
            .unwrap_err()
            .0
            .contains("credentials")
    );
    assert!(base_url("ftp://app.mode.com", false).is_err());
    assert!(base_url("not a url", false).is_err());
}

#[test]
fn several_workspaces_come_from_flags_or_the_file_in_order_without_repeats() {
    let file = FileConfig::parse("workspaces = [\"a\", \"b\", \"a\"]\n").unwrap();
    assert_eq!(workspaces(&RunArgs::default(), &file).unwrap(), ["a", "b"]);
    let args = RunArgs {
        workspace: vec!["x".into(), "y".into()],
        ..RunArgs::default()
    };
    assert_eq!(workspaces(&args, &file).unwrap(), ["x", "y"], "flags win over the file");
    let both = FileConfig::parse("workspace = \"a\"\nworkspaces = [\"b\"]\n").unwrap();
    assert!(
        workspaces(&RunArgs::default(), &both)
            .unwrap_err()
            .0
            .contains("keep one")
    );
    for (name, shown) in [("acme/reports", "'/'"), ("Acme Corp", "a space"), ("@acme", "'@'")] {
        let bad = RunArgs {
            workspace: vec![name.into()],
            ..RunArgs::default()
        };
        let err = workspaces(&bad, &FileConfig::default()).unwrap_err().0;
        assert!(err.contains(&format!("it holds {shown}")), "{err}");
    }
    let good = RunArgs {
        workspace: vec!["acme_corp-2".into()],
        ..RunArgs::default()
    };
    assert_eq!(workspaces(&good, &FileConfig::default()).unwrap(), ["acme_corp-2"]);
}

#[test]
fn the_format_list_takes_xlsx_from_the_file_and_from_the_flag() {
    let file = FileConfig::parse("workspace = \"a\"\nformat = \"xlsx, csv\"\n").unwrap();
    let s = merge(&RunArgs::default(), &file, creds()).unwrap();
    assert!(s.formats.xlsx && s.formats.csv && !s.formats.json && !s.formats.jsonl);
    assert_eq!(s.formats.to_string(), "csv,xlsx");
    let args = RunArgs {
        output: Output {
            format: Some("xlsx".parse().unwrap()),
            ..Output::default()
        },
        ..RunArgs::default()
    };
    let s = merge(&args, &file, creds()).unwrap();
    assert!(s.formats.xlsx && !s.formats.csv, "the flag wins over the file");
    let file = FileConfig::parse("workspace = \"a\"\nformat = \"csv,xls\"\n").unwrap();
    let err = merge(&RunArgs::default(), &file, creds()).unwrap_err();
    assert!(err.0.contains("'xls'") && err.0.contains("xlsx"), "{err}");
}

#[test]
fn schedules_max_age_is_two_weeks_by_default_and_zero_turns_it_off() {
    let day = Duration::from_secs(86_400);
    let args = |age: Option<&str>| RunArgs {
        workspace: vec!["acme".into()],
        reading: Reading {
            schedules_max_age: age.map(|a| a.parse().unwrap()),
            ..Reading::default()
        },
        ..RunArgs::default()
    };
    let file = |text: &str| FileConfig::parse(text).unwrap();
    let age = |a: &RunArgs, f: &FileConfig| merge(a, f, creds()).map(|s| s.schedules_max_age);
    assert_eq!(
        age(&args(None), &FileConfig::default()),
        Ok(Some(14 * day)),
        "a nightly run is incremental without a flag"
    );
    assert_eq!(
        age(&args(Some("0s")), &FileConfig::default()),
        Ok(None),
        "0: a full run"
    );
    let weekly = file("schedules_max_age = \"7d\"\n");
    assert_eq!(age(&args(None), &weekly), Ok(Some(7 * day)));
    assert_eq!(age(&args(Some("3d")), &weekly), Ok(Some(3 * day)), "the flag wins");
    assert_eq!(
        age(&args(Some("0s")), &weekly),
        Ok(None),
        "0 turns the file's setting off"
    );
    let err = age(&args(None), &file("schedules_max_age = \"a week\"\n")).unwrap_err();
    assert!(
        err.0.contains("schedules_max_age") && err.0.contains("not a duration"),
        "{err}"
    );
}

#[test]
fn out_takes_a_bucket_url_a_folder_or_a_dash() {
    let url = |s: &str| destination(Some(PathBuf::from(s)));
    assert_eq!(
        url("s3://audit/mode").unwrap(),
        Destination::Bucket(BucketUrl::parse("s3://audit/mode").unwrap())
    );
    assert!(matches!(url("gs://audit").unwrap(), Destination::Bucket(_)));
    assert_eq!(url("snapshots").unwrap(), Destination::Dir(PathBuf::from("snapshots")));
    assert_eq!(url("-").unwrap(), Destination::Stdout);
    assert_eq!(destination(None).unwrap(), Destination::Dir(PathBuf::from(DEFAULT_OUT)));
    let err = url("ftp://host/x").unwrap_err().0;
    assert!(err.starts_with("--out:") && err.contains("s3://BUCKET/PREFIX"), "{err}");
    let file = FileConfig::parse("workspace = \"a\"\nstore_max_retries = 2\nstore_retry_timeout = \"20s\"\n").unwrap();
    let s = merge(&RunArgs::default(), &file, creds()).unwrap();
    assert_eq!(s.store.max_retries, 2);
    assert_eq!(s.store.retry_timeout, Duration::from_secs(20));
    assert_eq!(s.store.timeout, StoreSettings::default().timeout);
}

#[test]
fn each_shard_gets_whole_credential_groups_with_their_own_credentials() {
    use secrecy::ExposeSecret;
    let dir = tempfile::tempdir().unwrap();
    for team in ["team1", "team2"] {
        std::fs::create_dir(dir.path().join(team)).unwrap();
        std::fs::write(dir.path().join(team).join("token"), format!("{team}-token")).unwrap();
        std::fs::write(dir.path().join(team).join("secret"), format!("{team}-secret")).unwrap();
    }
    let entry = |name: &str, team: &str| {
        format!(
            "{{ name = \"{name}\", token_file = \"{0}/{team}/token\", secret_file = \"{0}/{team}/secret\" }}",
            dir.path().display()
        )
    };
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "workspaces = [{}, {}, {}, \"d\"]\n",
            entry("a", "team1"),
            entry("b", "team2"),
            entry("c", "team1")
        ),
    )
    .unwrap();
    let args = |shard: &str| RunArgs {
        config: Some(config.clone()),
        shard: Some(shard.into()),
        ..RunArgs::default()
    };
    let no_env = |_: &str| None;
    // team1 (a, c) fills shard 0; team2 (b) and the environment's group (d) share shard 1.
    let first = load_all(&args("0/2"), &no_env).expect("shard 0 needs no MODE_API_TOKEN");
    let names: Vec<&str> = first.iter().map(|s| s.workspace.as_str()).collect();
    assert_eq!(names, ["a", "c"]);
    assert!(
        first
            .iter()
            .all(|s| s.client.credentials.token.expose_secret() == "team1-token")
    );
    assert_eq!(first[0].credential_group, first[1].credential_group);
    let err = load_all(&args("1/2"), &no_env).unwrap_err().0;
    assert!(
        err.contains("MODE_API_TOKEN is not set"),
        "d uses the environment's credentials: {err}"
    );
    let env = |name: &str| match name {
        "MODE_API_TOKEN" => Some("env-token".to_string()),
        "MODE_API_SECRET" => Some("env-secret".to_string()),
        _ => None,
    };
    let second = load_all(&args("1/2"), &env).unwrap();
    let got: Vec<(&str, &str)> = second
        .iter()
        .map(|s| (s.workspace.as_str(), s.client.credentials.token.expose_secret()))
        .collect();
    assert_eq!(got, [("b", "team2-token"), ("d", "env-token")]);
    assert_ne!(second[0].credential_group, second[1].credential_group);
    assert!(
        load_all(&args("5/6"), &env).unwrap().is_empty(),
        "a shard with no group is empty"
    );
    // A flag naming a workspace of the list takes its credential files.
    let flagged = RunArgs {
        config: Some(config.clone()),
        workspace: vec!["b".into()],
        ..RunArgs::default()
    };
    let only = load_all(&flagged, &no_env).unwrap();
    assert_eq!(only[0].client.credentials.token.expose_secret(), "team2-token");
}

#[test]
fn one_page_of_runs_is_read_by_default_and_more_when_asked() {
    let args = |pages: Option<u32>| RunArgs {
        workspace: vec!["acme".into()],
        findings: Findings {
            runs_max_pages: pages,
            ..Findings::default()
        },
        ..RunArgs::default()
    };
    let pages = |a: &RunArgs| merge(a, &FileConfig::default(), creds()).map(|s| s.insights.runs_max_pages);
    assert_eq!(
        pages(&args(None)),
        Ok(1),
        "the newest 100 runs: exact for a regular schedule"
    );
    assert_eq!(pages(&args(Some(50))), Ok(50), "the exact count stays available");
}

#[test]
fn a_flag_wins_over_a_bad_value_in_the_file_which_is_read_only_when_used() {
    let file = FileConfig::parse("workspace = \"a\"\ntimeout = \"soon\"\nrate = \"forty\"\n").unwrap();
    let args = RunArgs {
        connection: crate::cli::settings::Connection {
            timeout: Some("5s".parse().unwrap()),
            rate: Some("20/10s".parse().unwrap()),
            ..Default::default()
        },
        ..RunArgs::default()
    };
    let s = merge(&args, &file, creds()).unwrap();
    assert_eq!(s.client.timeout, Duration::from_secs(5));
    let err = merge(&RunArgs::default(), &file, creds()).unwrap_err().0;
    assert_eq!(
        err,
        "config key 'rate': 'forty': expected REQUESTS/PERIOD such as 40/10s, 4/s or 100/1m"
    );
}
