//! apply and undo against the stand-in: a dry run writes nothing, --execute deletes exactly the
//! eligible schedules, undo restores their definitions, and every guard holds (keep list,
//! --min-age, --max-actions, the re-check, 4xx on one report, a stop and a rerun).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use mode_audit::commands::apply::{ApplyReport, Outcome, apply};
use mode_audit::commands::run::{RunStatus, run};
use mode_audit::commands::undo::{Restored, undo};
use mode_audit::config::{ApplySettings, LocalClock, Settings};
use mode_audit::insights::eligibility::{Hold, Rules};
use mode_audit::insights::findings::runs_per_month;
use mode_audit::insights::keep::KeepList;
use mode_audit::sim::{SimConfig, SimReport, SimSchedule, SimServer, Workspace};
use mode_audit::snapshot::undo_log::{self, Deletion};
use mode_audit::stop::Stop;
use serde_json::json;

use crate::harness::{backdate, fast_config, settings};

// Writes at the client: lost answers, body shapes, answers without a token.
mod writes;
// The guards: the re-check, a 4xx on one report, a stop and a rerun.
mod guards;
// The built binary: dry run, SIGTERM mid-apply and a rerun, undo.
mod binary;
// The listing the guard reads: every item counts, an unreadable one fails it.
mod listing;
// Guards only the command line loosens, the last look before a DELETE, clocks, undo's checks.
mod safety;
// Two writers at once: the lease, in a folder and in a bucket.
mod concurrent;
// The actions logs: damage, an older version's log, another workspace's, refused credentials.
mod logs;
// The actions log watched while apply writes it: deleted from under it, another writer's lines.
mod watched;
// Where undo records what it does: the output the log belongs to; a schedule made again by hand.
mod belongs;
// The last look's subscriptions answer: only the expected list can say "none".
mod subscriptions;
// The evidence of disuse: snapshots taken with a wrong clock, view counts that rose or fell.
mod evidence;

pub(super) const OLD: &str = "2020-01-01T00:00:00.000Z";

/// A stand-in and a snapshot of it whose unused, unsubscribed reports are known.
pub(super) struct Stage {
    pub sim: SimServer,
    pub config: SimConfig,
    pub out: tempfile::TempDir,
    /// The snapshot folder apply plans from.
    pub snapshot: PathBuf,
    /// Eligible report token → its schedules as they were.
    pub eligible: BTreeMap<String, Vec<SimSchedule>>,
}

impl Stage {
    pub fn settings(&self) -> Settings {
        settings(&self.sim, &self.config, self.out.path())
    }

    /// The actions log of the snapshot: `OUT/<workspace>/actions/<snapshot>.jsonl`.
    pub fn log(&self) -> PathBuf {
        let name = self.snapshot.file_name().unwrap().to_string_lossy();
        self.out
            .path()
            .join("acme")
            .join("actions")
            .join(format!("{name}.jsonl"))
    }

    pub fn eligible_schedules(&self) -> BTreeSet<String> {
        self.eligible.values().flatten().map(|s| s.token.clone()).collect()
    }
}

pub(super) fn all_reports(ws: &mut Workspace) -> impl Iterator<Item = &mut SimReport> {
    ws.collections.iter_mut().flat_map(|c| c.reports.iter_mut())
}

/// Stages `eligible` unused reports (never viewed, no subscriber, old) among subscribed ones,
/// audits them once with digests, and copies that snapshot back `history_days` days.
pub(super) async fn stage(eligible: usize, history_days: &[i64], tune: impl FnOnce(&mut SimConfig)) -> Stage {
    let mut config = fast_config(vec![30, 12, 0, 45]);
    tune(&mut config);
    let sim = SimServer::start(config.clone()).await.unwrap();
    sim.mutate(|ws| {
        let mut chosen = 0;
        for r in all_reports(ws) {
            r.created_at = OLD.into();
            if r.schedules.is_empty() {
                continue;
            }
            if chosen < eligible {
                chosen += 1;
                r.view_count = 0;
                for s in &mut r.schedules {
                    s.subscriber_count = 0;
                }
                let first = &mut r.schedules[0];
                first.timeout = 3600 + chosen as u64;
                first.parameters = json!({"region": "EU", "rank": chosen}).as_object().unwrap().clone();
            } else {
                r.schedules[0].subscriber_count = r.schedules[0].subscriber_count.max(2);
            }
        }
        assert_eq!(chosen, eligible, "the stand-in has enough scheduled reports");
    });
    let eligible = sim
        .workspace()
        .reports()
        .filter(|(_, r)| !r.schedules.is_empty() && r.schedules.iter().all(|s| s.subscriber_count == 0))
        .map(|(_, r)| (r.token.clone(), r.schedules.clone()))
        .collect();
    let out = tempfile::tempdir().unwrap();
    let mut s = settings(&sim, &config, out.path());
    s.insights.digests = true;
    let report = run(&s, &Stop::default()).await.unwrap();
    assert_eq!(report.status, RunStatus::Complete);
    let snapshot = report.published.unwrap();
    for days in history_days {
        backdate(&snapshot, *days);
    }
    sim.reset_counters();
    Stage {
        sim,
        config,
        out,
        snapshot,
        eligible,
    }
}

pub(super) fn options(execute: bool) -> ApplySettings {
    ApplySettings {
        execute,
        rules: Rules {
            min_age: Duration::from_secs(14 * 86_400),
            max_actions: 100,
        },
        findings_window: None,
        clock: LocalClock::default(),
    }
}

pub(super) fn planned(report: &ApplyReport) -> BTreeSet<String> {
    report.plan.planned().map(|c| c.report_token.clone()).collect()
}

/// What a schedule is created from, as the stand-in holds it (token and run times left out).
pub(super) fn definition(s: &SimSchedule) -> String {
    format!(
        "{:?} {} {} {} {} {:?} {:?} {} {}",
        s.name,
        s.frequency,
        s.time_zone,
        s.hour,
        s.minute,
        s.day_of_week,
        s.day_of_month,
        s.timeout,
        serde_json::Value::Object(s.parameters.clone())
    )
}

/// Each schedule token with the statuses of the DELETEs it received.
pub(super) fn deletes(sim: &SimServer) -> BTreeMap<String, Vec<u16>> {
    let mut out: BTreeMap<String, Vec<u16>> = BTreeMap::new();
    for w in sim.writes().into_iter().filter(|w| w.method == "DELETE") {
        out.entry(w.schedule.unwrap()).or_default().push(w.status);
    }
    out
}

pub(super) fn schedules_of(sim: &SimServer, report: &str) -> Vec<SimSchedule> {
    sim.workspace().report(report).unwrap().1.schedules.clone()
}

#[tokio::test]
async fn dry_run_changes_nothing_execute_deletes_exactly_the_eligible_and_undo_restores_them() {
    let st = stage(5, &[10, 20], |_| {}).await;
    let before = st.sim.workspace();
    let s = st.settings();

    // The run recorded how far its clock was from Mode's (the stand-in's Date header).
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(st.snapshot.join("snapshot.json")).unwrap()).unwrap();
    let offset = json["stats"]["clock_offset_seconds"].as_i64().expect("recorded");
    assert!(offset.abs() <= 2, "{offset}");

    // The digests of the run announced the eligible reports.
    let readme = std::fs::read_to_string(st.snapshot.join("owners/README.md")).unwrap();
    for token in st.eligible.keys() {
        assert!(
            readme.contains(token.as_str()),
            "{token} missing from the digest:\n{readme}"
        );
    }

    // Dry run: the plan, written beside the snapshot, and not one write.
    let dry = apply(&s, &options(false), &Stop::default()).await.unwrap();
    assert_eq!(planned(&dry), st.eligible.keys().cloned().collect());
    assert_eq!(st.sim.counters().total, 0, "a dry run sends no request at all");
    assert_eq!(st.sim.workspace(), before);
    let plan_csv = std::fs::read_to_string(st.snapshot.join("apply-plan.csv")).unwrap();
    assert_eq!(plan_csv.lines().filter(|l| l.contains(",planned,")).count(), 5);
    assert!(
        plan_csv.contains("has 2 subscribers"),
        "held reports say why:\n{plan_csv}"
    );
    assert!(!st.log().exists(), "a dry run writes no undo log");
    let text = dry.to_string();
    assert!(text.contains("DRY RUN") && text.contains("add --execute"), "{text}");

    // --execute: exactly the eligible schedules go, each with one DELETE.
    let done = apply(&s, &options(true), &Stop::default()).await.unwrap();
    assert_eq!(done.status, RunStatus::Complete, "{done}");
    assert!(
        done.acted.iter().all(|a| matches!(a.outcome, Outcome::Deleted(_))),
        "{done}"
    );
    let after = st.sim.workspace();
    for (_, r) in before.reports() {
        let now = &after.report(&r.token).unwrap().1.schedules;
        if st.eligible.contains_key(&r.token) {
            assert!(now.is_empty(), "{} keeps schedules", r.token);
        } else {
            assert_eq!(now, &r.schedules, "{} was touched", r.token);
        }
    }
    let want: BTreeMap<String, Vec<u16>> = st.eligible_schedules().into_iter().map(|t| (t, vec![204])).collect();
    assert_eq!(deletes(&st.sim), want);
    assert_eq!(st.sim.counters().deletes, want.len() as u64);
    let logged = undo_log::read(&st.log()).unwrap();
    assert_eq!(logged.schedules.len(), want.len());
    assert!(
        logged
            .schedules
            .iter()
            .all(|l| matches!(l.deletion, Deletion::Deleted(_)))
    );

    // A rerun repeats nothing.
    st.sim.reset_counters();
    let again = apply(&s, &options(true), &Stop::default()).await.unwrap();
    assert!(again.acted.iter().all(|a| a.outcome == Outcome::AlreadyDone), "{again}");
    assert_eq!(st.sim.counters().writes, 0);

    // undo: a dry run lists, --execute recreates every definition as it was, a second run nothing.
    let listed = undo(&s, &st.log(), false, &Stop::default()).await.unwrap();
    assert!(listed.restorations.iter().all(|r| r.outcome == Restored::Planned));
    assert_eq!(st.sim.counters().writes, 0);
    let restored = undo(&s, &st.log(), true, &Stop::default()).await.unwrap();
    assert_eq!(restored.status, RunStatus::Complete, "{restored}");
    assert_eq!(st.sim.counters().creates, want.len() as u64);
    for (report, original) in &st.eligible {
        let mut now: Vec<String> = schedules_of(&st.sim, report).iter().map(definition).collect();
        let mut was: Vec<String> = original.iter().map(definition).collect();
        now.sort();
        was.sort();
        assert_eq!(now, was, "{report}'s definitions");
    }
    let logged = undo_log::read(&st.log()).unwrap();
    for l in &logged.schedules {
        let Some(undo_log::Recreation::Done { new_token }) = &l.recreation else {
            panic!("{} not recorded as recreated", l.schedule_token)
        };
        assert!(
            schedules_of(&st.sim, &l.report_token)
                .iter()
                .any(|s| &s.token == new_token)
        );
    }
    let twice = undo(&s, &st.log(), true, &Stop::default()).await.unwrap();
    assert!(
        twice
            .restorations
            .iter()
            .all(|r| matches!(r.outcome, Restored::AlreadyDone(_))),
        "{twice}"
    );
    assert_eq!(
        st.sim.counters().creates,
        want.len() as u64,
        "running undo twice creates nothing twice"
    );

    // Applying the same plan again leaves the recreated schedules alone: they are not the snapshot's.
    st.sim.reset_counters();
    let after_undo = apply(&s, &options(true), &Stop::default()).await.unwrap();
    assert_eq!(st.sim.counters().writes, 0, "{after_undo}");
    assert!(
        planned(&after_undo).is_empty(),
        "restored reports are held back: {after_undo}"
    );
    for token in st.eligible.keys() {
        let c = after_undo
            .plan
            .candidates
            .iter()
            .find(|c| &c.report_token == token)
            .unwrap();
        assert!(c.held.contains(&Hold::Restored), "{token}: {:?}", c.held);
    }
}

#[tokio::test]
async fn keep_list_min_age_and_max_actions_are_honoured() {
    let st = stage(5, &[5, 10], |_| {}).await;
    let mut s = st.settings();

    // The finding has stood 10 days, in three snapshots: the default 14 days plans nothing, 7 days plans all.
    let none = apply(&s, &options(false), &Stop::default()).await.unwrap();
    assert!(planned(&none).is_empty());
    let eligible: Vec<_> = none
        .plan
        .candidates
        .iter()
        .filter(|c| st.eligible.contains_key(&c.report_token))
        .collect();
    assert_eq!(eligible.len(), 5);
    for c in eligible {
        let why: Vec<String> = c.held.iter().map(ToString::to_string).collect();
        assert!(why.len() == 1 && why[0].contains("not long enough"), "{why:?}");
    }
    let week = ApplySettings {
        rules: Rules {
            min_age: Duration::from_secs(7 * 86_400),
            max_actions: 100,
        },
        ..options(false)
    };
    assert_eq!(planned(&apply(&s, &week, &Stop::default()).await.unwrap()).len(), 5);

    // A report created 3 days ago is too new; a kept one stays; --max-actions 2 takes the two
    // with the most runtime a month.
    let tokens: Vec<String> = st.eligible.keys().cloned().collect();
    let (young, kept) = (tokens[0].clone(), tokens[1].clone());
    let young_at = (chrono::Utc::now() - chrono::Duration::days(3)).to_rfc3339();
    let mut snap: serde_json::Value =
        serde_json::from_slice(&std::fs::read(st.snapshot.join("snapshot.json")).unwrap()).unwrap();
    for r in snap["reports"].as_array_mut().unwrap() {
        if r["token"] == young.as_str() {
            r["created_at"] = young_at.clone().into();
        }
    }
    std::fs::write(st.snapshot.join("snapshot.json"), snap.to_string()).unwrap();
    s.insights.keep = KeepList::parse(&format!("[[keep]]\ntoken = \"{kept}\"\nreason = \"board\"\n")).unwrap();
    let two = ApplySettings {
        execute: true,
        rules: Rules {
            min_age: Duration::from_secs(7 * 86_400),
            max_actions: 2,
        },
        ..options(true)
    };
    let truth = st.sim.workspace();
    let cost = |t: &str| {
        let r = truth.report(t).unwrap().1;
        let runs: f64 = r.schedules.iter().filter_map(|s| runs_per_month(&s.frequency)).sum();
        runs * r.expected_runtime
    };
    let mut rest: Vec<&String> = tokens.iter().filter(|t| **t != young && **t != kept).collect();
    rest.sort_by(|a, b| cost(b).total_cmp(&cost(a)));
    let report = apply(&s, &two, &Stop::default()).await.unwrap();
    assert_eq!(planned(&report), rest[..2].iter().map(|t| t.to_string()).collect());
    let why = |t: &str| {
        let c = report.plan.candidates.iter().find(|c| c.report_token == t).unwrap();
        c.held.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    };
    assert!(why(&young).contains("too new"), "{}", why(&young));
    assert!(why(&kept).contains("keep list (board)"), "{}", why(&kept));
    assert!(why(rest[2]).contains("--max-actions 2"), "{}", why(rest[2]));
    let gone: BTreeSet<String> = deletes(&st.sim).into_keys().collect();
    let want: BTreeSet<String> = rest[..2]
        .iter()
        .flat_map(|t| st.eligible[*t].iter().map(|s| s.token.clone()))
        .collect();
    assert_eq!(gone, want);
    assert_eq!(schedules_of(&st.sim, &kept), st.eligible[&kept]);
    assert_eq!(schedules_of(&st.sim, &young), st.eligible[&young]);
}
