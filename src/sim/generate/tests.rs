//! Unit tests of the workspace generator: determinism, exact sizes, shares and formats.

use std::collections::HashSet;

use super::*;

fn is_token(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn is_ts_z(s: &str) -> bool {
    s.len() == 24 && s.ends_with('Z') && &s[10..11] == "T" && &s[19..20] == "."
}

#[test]
fn same_spec_same_workspace() {
    let spec = WorkspaceSpec::default();
    assert_eq!(Workspace::generate("acme", &spec), Workspace::generate("acme", &spec));
    let other = WorkspaceSpec {
        seed: 2,
        ..spec.clone()
    };
    assert_ne!(Workspace::generate("acme", &spec), Workspace::generate("acme", &other));
}

#[test]
fn default_spec_layout() {
    let ws = Workspace::generate("acme", &WorkspaceSpec::default());
    assert_eq!(ws.report_count(), 100);
    let types: Vec<&str> = ws.collections.iter().map(|c| c.space_type.as_str()).collect();
    assert_eq!(types, ["custom", "custom", "custom", "custom", "private", "community"]);
    assert_eq!(ws.collections[4].name.as_deref(), Some("Personal"));
    assert_eq!(ws.collections[5].name.as_deref(), Some("Community"));
    assert_eq!(ws.collections.iter().filter(|c| c.restricted).count(), 1);
    assert_eq!(ws.users.len(), 1 + EXTRA_USERS);
    let owner = &ws.collections[4].creator;
    assert!(ws.collections[4].reports.iter().all(|r| &r.creator == owner));
}

#[test]
fn report_totals_are_exact() {
    for (seed, collections, personal, community, reports) in [
        (3, 0, 0, true, 7),
        (4, 9, 3, true, 1_000),
        (5, 1, 0, false, 0),
        (6, 2, 5, false, 31),
    ] {
        let spec = WorkspaceSpec {
            seed,
            collections,
            personal,
            community,
            reports,
            ..Default::default()
        };
        let ws = Workspace::generate("acme", &spec);
        assert_eq!(ws.collections.len(), collections + personal + usize::from(community));
        assert_eq!(ws.report_count(), reports, "seed {seed}");
    }
}

#[test]
fn explicit_sizes_are_honoured() {
    let sizes = vec![0, 60, 31, 30, 5, 2, 9];
    let spec = WorkspaceSpec {
        sizes: Some(sizes.clone()),
        personal: 2,
        community: true,
        ..Default::default()
    };
    let ws = Workspace::generate("acme", &spec);
    let got: Vec<usize> = ws.collections.iter().map(|c| c.reports.len()).collect();
    assert_eq!(got, sizes);
    let types: Vec<&str> = ws.collections.iter().map(|c| c.space_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "custom",
            "custom",
            "custom",
            "custom",
            "private",
            "private",
            "community"
        ]
    );

    let tiny = WorkspaceSpec {
        sizes: Some(vec![4]),
        personal: 3,
        community: true,
        ..Default::default()
    };
    let ws = Workspace::generate("acme", &tiny);
    assert_eq!(ws.collections.len(), 1);
    assert_eq!(ws.collections[0].space_type, "community");
}

#[test]
fn tokens_are_unique_hex() {
    let spec = WorkspaceSpec {
        reports: 5_000,
        scheduled_share: 0.5,
        ..Default::default()
    };
    let ws = Workspace::generate("acme", &spec);
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    all.extend(ws.users.iter().map(|u| u.token.as_str()));
    all.extend(ws.collections.iter().map(|c| c.token.as_str()));
    for (_, r) in ws.reports() {
        all.push(&r.token);
        all.extend(r.schedules.iter().map(|s| s.token.as_str()));
    }
    for t in all {
        assert!(is_token(t), "{t}");
        assert!(seen.insert(t), "duplicate {t}");
    }
    let ids: HashSet<u64> = ws.reports().map(|(_, r)| r.id).collect();
    assert_eq!(ids.len(), 5_000);
}

#[test]
fn timestamps_are_fixed_format_and_ordered() {
    let spec = WorkspaceSpec {
        reports: 2_000,
        ..Default::default()
    };
    let ws = Workspace::generate("acme", &spec);
    let base = crate::sim::timestamp::iso_z(BASE_MS);
    for c in &ws.collections {
        for pair in c.reports.windows(2) {
            assert!(pair[0].created_at <= pair[1].created_at);
        }
        for r in &c.reports {
            for ts in [&r.created_at, &r.updated_at, &r.edited_at] {
                assert!(is_ts_z(ts), "{ts}");
            }
            assert!(r.created_at <= r.edited_at && r.edited_at <= r.updated_at);
            assert!(r.last_successfully_run_at.iter().all(|ok| ok <= &r.updated_at));
            assert!(r.created_at < base);
            if let Some(run) = &r.last_run_at {
                assert!(is_ts_z(run) && run >= &r.created_at);
            } else {
                assert_eq!(r.runs_count, 0);
                assert!(r.last_successfully_run_at.is_none());
            }
            for s in &r.schedules {
                assert!(
                    s.next_scheduled_run
                        .as_deref()
                        .is_some_and(|t| t.ends_with(".000+00:00"))
                );
                assert!(s.last_scheduled_run.iter().all(|t| t.ends_with("+00:00")));
                assert!(s.last_run_at.iter().all(|t| is_ts_z(t)));
            }
        }
    }
}

#[test]
fn daily_schedules_run_at_their_hour_and_minute() {
    let spec = WorkspaceSpec {
        reports: 2_000,
        scheduled_share: 0.5,
        ..Default::default()
    };
    let ws = Workspace::generate("acme", &spec);
    let daily: Vec<&SimSchedule> = ws
        .reports()
        .flat_map(|(_, r)| r.schedules.iter())
        .filter(|s| s.frequency == "daily")
        .collect();
    assert!(daily.len() > 100);
    for s in daily {
        let next = s.next_scheduled_run.as_deref().unwrap();
        let (h12, pm) = s
            .hour
            .trim_end_matches(":00 am")
            .trim_end_matches(":00 pm")
            .parse::<u32>()
            .map(|h| (h % 12, s.hour.ends_with("pm")))
            .unwrap();
        let minute = if s.minute == "the top of the hour" {
            0
        } else {
            s.minute[..2].parse::<u32>().unwrap()
        };
        assert_eq!(
            &next[11..16],
            format!("{:02}:{minute:02}", h12 + if pm { 12 } else { 0 }),
            "{s:?}"
        );
        assert!(next > "2026-11-01T00:00:00.000+00:00" && next <= "2026-11-02T00:00:00.000+00:00");
    }
}

#[test]
fn shares_are_roughly_respected() {
    let spec = WorkspaceSpec {
        reports: 20_000,
        scheduled_share: 0.2,
        multi_schedule_share: 0.3,
        archived_share: 0.08,
        null_name_share: 0.05,
        views_zero_share: 0.15,
        ..Default::default()
    };
    let ws = Workspace::generate("acme", &spec);
    let n = ws.report_count() as f64;
    let share = |f: &dyn Fn(&SimReport) -> bool| ws.reports().filter(|(_, r)| f(r)).count() as f64 / n;
    let near = |got: f64, want: f64| (got - want).abs() < 0.015;
    assert!(near(share(&|r| !r.schedules.is_empty()), 0.2));
    assert!(near(share(&|r| r.schedules.len() == 2), 0.06));
    assert!(near(share(&|r| r.archived), 0.08));
    assert!(near(share(&|r| r.name.is_none()), 0.05));
    assert!(near(share(&|r| r.view_count == 0), 0.15));
    assert!(
        ws.reports()
            .all(|(_, r)| r.view_count <= 5_000 && r.schedules.len() <= 2)
    );
    assert!(ws.reports().any(|(_, r)| r.view_count > 1_000));
    let states: HashSet<&str> = ws
        .reports()
        .flat_map(|(_, r)| r.schedules.iter().map(|s| s.retry_state.as_str()))
        .collect();
    assert_eq!(states, HashSet::from(["ok", "failed", "retrying"]));
}

#[test]
fn split_sums_exactly() {
    assert_eq!(split(10, &[1.0, 1.0, 1.0]).iter().sum::<usize>(), 10);
    assert_eq!(split(0, &[0.3, 2.0]), vec![0, 0]);
    assert!(split(5, &[]).is_empty());
    assert_eq!(custom_name(0), "Finance");
    assert_eq!(custom_name(vocab::COLLECTION_NAMES.len()), "Finance 2");
}
