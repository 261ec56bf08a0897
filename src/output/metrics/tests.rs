//! Tests of metrics.rs: one file per workspace, the shared file retired, names, and a render-parse round trip.

use super::*;

#[test]
fn labels_with_quotes_and_backslashes_round_trip() {
    let samples = vec![Sample {
        name: "mode_audit_reports".into(),
        labels: vec![("workspace".into(), "we\"ird\\ws\nx".into())],
        value: 12.0,
    }];
    let text = render(&samples);
    assert!(text.starts_with("# HELP mode_audit_reports "), "{text}");
    assert!(text.contains("# TYPE mode_audit_reports gauge\n"));
    // The exposition format's escapes, written out by hand: \" for a quote, \\ for a backslash, \n.
    assert!(
        text.contains("mode_audit_reports{workspace=\"we\\\"ird\\\\ws\\nx\"} 12\n"),
        "{text}"
    );
    assert_eq!(parse(&text), samples);
    assert_eq!(
        parse("m{a=\"1\",b=\"x y\"} 2.5 1700000000\nbroken{\n# comment\nplain 3"),
        vec![
            Sample {
                name: "m".into(),
                labels: vec![("a".into(), "1".into()), ("b".into(), "x y".into())],
                value: 2.5
            },
            Sample {
                name: "plain".into(),
                labels: vec![],
                value: 3.0
            },
        ]
    );
}

fn run_report(workspace: &str, status: RunStatus, reports: u64) -> RunReport {
    RunReport {
        workspace: workspace.into(),
        status,
        published: None,
        workbook: None,
        findings_file: None,
        owners_file: None,
        page: None,
        checkpoint: None,
        resumed: false,
        summary: crate::snapshot::summary::Summary {
            reports,
            ..Default::default()
        },
        stats: Default::default(),
        failures: Vec::new(),
        findings: Vec::new(),
        headline: None,
        top_findings: Vec::new(),
        new_findings: None,
        notifications_failed: 0,
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn each_workspace_has_a_file_of_its_own_named_after_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(file_for(d, "acme"), d.join("mode_audit-acme.prom"), "a folder");
    let trailing = format!("{}/", d.join("not-yet").display());
    assert_eq!(
        file_for(Path::new(&trailing), "acme"),
        d.join("not-yet").join("mode_audit-acme.prom"),
        "a name ending in a separator is a folder"
    );
    assert_eq!(
        file_for(&d.join("mode_audit.prom"), "acme"),
        d.join("mode_audit-acme.prom")
    );
    assert_eq!(file_for(&d.join("audit.prom"), "beta"), d.join("audit-beta.prom"));
    assert_eq!(file_for(Path::new("metrics"), "acme"), Path::new("./metrics-acme"));
}

#[test]
fn a_run_writes_only_its_own_file_and_keeps_its_last_success_through_a_stopped_run() {
    let dir = tempfile::tempdir().unwrap();
    let setting = dir.path().join("mode_audit.prom");
    record(&setting, &run_report("acme", RunStatus::Complete, 10)).unwrap();
    record(&setting, &run_report("beta", RunStatus::Complete, 20)).unwrap();
    assert_eq!(names(dir.path()), vec!["mode_audit-acme.prom", "mode_audit-beta.prom"]);
    let acme = parse(&std::fs::read_to_string(dir.path().join("mode_audit-acme.prom")).unwrap());
    assert!(acme.iter().all(|s| s.label("workspace") == Some("acme")));
    let success = acme.iter().find(|s| s.name == LAST_SUCCESS).unwrap().value;
    let stopped = RunStatus::Stopped(crate::stop::StopReason::Terminated);
    record(&setting, &run_report("acme", stopped, 0)).unwrap();
    let acme = parse(&std::fs::read_to_string(dir.path().join("mode_audit-acme.prom")).unwrap());
    let get = |name: &str| acme.iter().find(|s| s.name == name).map(|s| s.value);
    assert_eq!(get(LAST_SUCCESS), Some(success), "kept from its own file");
    assert_eq!(get("mode_audit_reports"), Some(10.0), "a stopped run publishes nothing");
    let beta = parse(&std::fs::read_to_string(dir.path().join("mode_audit-beta.prom")).unwrap());
    assert!(beta.iter().any(|s| s.name == "mode_audit_reports" && s.value == 20.0));
}

#[test]
fn the_file_earlier_versions_shared_is_removed_only_when_it_holds_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("mode_audit.prom");
    std::fs::write(
        &shared,
        "# HELP mode_audit_requests_total x\n# TYPE mode_audit_requests_total gauge\nmode_audit_requests_total{workspace=\"acme\"} 5\n",
    )
    .unwrap();
    record(&shared, &run_report("acme", RunStatus::Complete, 1)).unwrap();
    assert_eq!(names(dir.path()), vec!["mode_audit-acme.prom"]);
    std::fs::write(&shared, "mode_audit_reports{workspace=\"acme\"} 5\nsomeone_else 1\n").unwrap();
    record(&shared, &run_report("acme", RunStatus::Complete, 1)).unwrap();
    assert!(shared.exists(), "another program's samples are not ours to remove");
}

#[test]
fn no_family_is_a_gauge_named_like_a_counter() {
    for (name, _) in FAMILIES {
        assert!(!name.ends_with("_total"), "{name}: _total is for counters");
    }
    let text = render(&samples_of(&run_report("acme", RunStatus::Complete, 3), 1.0, &[]));
    assert!(
        text.contains("mode_audit_last_run_requests{workspace=\"acme\"} 0\n"),
        "{text}"
    );
    assert!(
        text.contains("mode_audit_last_run_throttled{workspace=\"acme\"} 0\n"),
        "{text}"
    );
}

mod round_trip {
    use super::*;
    use proptest::prelude::*;

    fn sample() -> impl Strategy<Value = Sample> {
        let name = proptest::sample::select(FAMILIES.iter().map(|(n, _)| n.to_string()).collect::<Vec<_>>());
        // Label values: the characters the format escapes or splits on, often; any text, sometimes.
        let value = prop_oneof![
            3 => "[a-z \"\\\\\n\r{}=,#\t]{0,12}",
            1 => any::<String>(),
        ];
        let labels = proptest::collection::btree_map("[a-zA-Z_][a-zA-Z0-9_]{0,8}", value, 0..4);
        (name, labels, any::<f64>()).prop_map(|(name, labels, value)| Sample {
            name,
            labels: labels.into_iter().collect(),
            value,
        })
    }

    /// Equal, NaN included (the same value read back, bit for bit).
    fn same(a: &Sample, b: &Sample) -> bool {
        a.name == b.name
            && a.labels == b.labels
            && (a.value.to_bits() == b.value.to_bits() || (a.value.is_nan() && b.value.is_nan()))
    }

    proptest! {
        #[test]
        fn render_then_parse_gives_back_every_sample(samples in proptest::collection::vec(sample(), 0..12)) {
            let text = render(&samples);
            let back = parse(&text);
            // render groups by family in FAMILIES order and sorts each family by labels.
            let mut expected: Vec<&Sample> = Vec::new();
            for (name, _) in FAMILIES {
                let mut family: Vec<&Sample> = samples.iter().filter(|s| s.name == name).collect();
                family.sort_by(|a, b| a.labels.cmp(&b.labels));
                expected.extend(family);
            }
            prop_assert_eq!(back.len(), expected.len(), "{}", text);
            for (b, e) in back.iter().zip(&expected) {
                prop_assert!(same(b, e), "{:?} read back as {:?} from\n{}", e, b, text);
            }
        }
    }
}
