//! The actions (undo) log: appends replay to the right state, torn tails are cut, damage is refused.

use std::fs::OpenOptions;
use std::io::Write;

use super::*;
use crate::mode::{Cron, ScheduleDefinition};
use crate::snapshot::undo_log::{ActionLine, Confirmed, Deletion, Recreation, UNDO_LOG, now, read};

fn definition() -> ScheduleDefinition {
    ScheduleDefinition {
        name: Some("Daily".into()),
        cron: Cron {
            freq: "daily".into(),
            day_of_month: None,
            day_of_week: None,
            hour: Some(8),
            minute: Some(0),
            time_zone: "UTC".into(),
        },
        timeout: Some(600),
        params: serde_json::Map::new(),
    }
}

fn intent(schedule: &str) -> ActionLine {
    ActionLine::DeleteIntent {
        at: now(),
        workspace: "acme".into(),
        report_token: "r1".into(),
        report_name: None,
        schedule_token: schedule.into(),
        definition: Box::new(definition()),
        observed: serde_json::json!({"token": schedule}),
    }
}

fn deleted(schedule: &str) -> ActionLine {
    ActionLine::Deleted {
        at: now(),
        workspace: "acme".into(),
        report_token: "r1".into(),
        schedule_token: schedule.into(),
        confirmed: Confirmed::Answered,
    }
}

#[tokio::test]
async fn appended_entries_replay_to_each_schedules_latest_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(UNDO_LOG);
    let mut log = ActionsLog::open(&path).unwrap();
    log.append(intent("s1")).await.unwrap();
    log.append(deleted("s1")).await.unwrap();
    log.append(intent("s2")).await.unwrap();
    log.append(ActionLine::RecreateIntent {
        at: now(),
        workspace: "acme".into(),
        report_token: "r1".into(),
        schedule_token: "s1".into(),
        before: vec!["x".into()],
    })
    .await
    .unwrap();
    drop(log);
    let replayed = read(&path).unwrap();
    assert_eq!(replayed.workspace.as_deref(), Some("acme"));
    let states: Vec<(&str, &Deletion)> = replayed
        .schedules
        .iter()
        .map(|l| (l.schedule_token.as_str(), &l.deletion))
        .collect();
    assert_eq!(
        states,
        [
            ("s1", &Deletion::Deleted(Confirmed::Answered)),
            ("s2", &Deletion::Intended)
        ]
    );
    assert_eq!(
        replayed.schedules[0].recreation,
        Some(Recreation::Intended {
            before: vec!["x".into()]
        })
    );
    assert_eq!(replayed.schedules[0].definition, definition());
    assert_eq!(replayed.of("r1").count(), 2);
    let reopened = ActionsLog::open(&path).unwrap();
    assert_eq!(
        reopened.replayed(),
        &replayed,
        "reopening continues from the same state"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 4);
}

#[tokio::test]
async fn a_torn_last_line_is_ignored_then_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(UNDO_LOG);
    let mut log = ActionsLog::open(&path).unwrap();
    log.append(intent("s1")).await.unwrap();
    drop(log);
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(br#"{"event":"deleted","at":"2026"#).unwrap();
    drop(f);
    assert_eq!(read(&path).unwrap().schedules[0].deletion, Deletion::Intended);
    let mut log = ActionsLog::open(&path).unwrap();
    log.append(deleted("s1")).await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.ends_with('\n'));
    assert_eq!(
        read(&path).unwrap().schedules[0].deletion,
        Deletion::Deleted(Confirmed::Answered)
    );
}

#[tokio::test]
async fn a_damaged_or_foreign_log_is_refused_with_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(UNDO_LOG);
    let good = serde_json::to_string(&intent("s1")).unwrap();
    std::fs::write(&path, format!("{good}\nnot json\n{good}\n")).unwrap();
    let err = format!("{:#}", read(&path).unwrap_err());
    assert!(
        err.contains(&format!("{}:2:", path.display())) && err.contains("damaged"),
        "{err}"
    );
    assert!(ActionsLog::open(&path).is_err());
    let other = good.replace("\"acme\"", "\"globex\"");
    std::fs::write(&path, format!("{good}\n{other}\n")).unwrap();
    let err = format!("{:#}", read(&path).unwrap_err());
    assert!(err.contains("workspace 'globex'"), "{err}");
}

fn already_gone(schedule: &str) -> ActionLine {
    ActionLine::AlreadyGone {
        at: now(),
        workspace: "acme".into(),
        report_token: "r1".into(),
        schedule_token: schedule.into(),
    }
}

#[tokio::test]
async fn a_deletion_is_never_forgotten_by_a_later_line_of_another_writer() {
    // Two applies at once: both intend, one deletes, the other finds it gone.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(UNDO_LOG);
    let mut log = ActionsLog::open(&path).unwrap();
    for entry in [
        intent("s1"),
        intent("s1"),
        deleted("s1"),
        already_gone("s1"),
        intent("s2"),
        deleted("s2"),
        intent("s2"),
        already_gone("s2"),
    ] {
        log.append(entry).await.unwrap();
    }
    let replayed = read(&path).unwrap();
    for l in &replayed.schedules {
        assert_eq!(
            l.deletion,
            Deletion::Deleted(Confirmed::Answered),
            "{}",
            l.schedule_token
        );
    }
    // Gone before any apply touched it: not ours to recreate.
    let mut log = ActionsLog::open(&dir.path().join("other.jsonl")).unwrap();
    log.append(intent("s3")).await.unwrap();
    log.append(already_gone("s3")).await.unwrap();
    assert_eq!(log.replayed().schedules[0].deletion, Deletion::AlreadyGone);
}

#[tokio::test]
async fn a_damaged_last_line_is_a_torn_write_and_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(UNDO_LOG);
    let good = serde_json::to_string(&intent("s1")).unwrap();
    std::fs::write(&path, format!("{good}\n\0\0\0{{\"event\":\"del\n")).unwrap();
    assert_eq!(read(&path).unwrap().schedules.len(), 1);
    let mut log = ActionsLog::open(&path).unwrap();
    log.append(deleted("s1")).await.unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert_eq!(
        read(&path).unwrap().schedules[0].deletion,
        Deletion::Deleted(Confirmed::Answered)
    );
}

#[tokio::test]
async fn a_deleted_line_without_its_intent_is_told_as_an_orphan() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(UNDO_LOG);
    // The log cut short after s1's intent: its `deleted` line is the first left.
    let mut log = ActionsLog::open(&path).unwrap();
    log.append(deleted("s1")).await.unwrap();
    log.append(intent("s2")).await.unwrap();
    log.append(deleted("s2")).await.unwrap();
    let replayed = read(&path).unwrap();
    assert_eq!(replayed.orphans, vec![("r1".to_string(), "s1".to_string())]);
    assert_eq!(replayed.schedules.len(), 1);
}
