//! The re-check just before deleting: a report and its schedules as Mode has them now, against the
//! snapshot the plan came from. Anything that moved is a reason to leave the report alone.

use std::collections::{BTreeSet, HashSet};

use crate::mode::{LiveSchedule, Report};
use crate::snapshot::ReportRecord;

/// `Ok` when the report is as the snapshot saw it (less the schedules already deleted, `done`):
/// the same views and archived flag, the same schedules, none with a subscriber, each definition
/// readable whole (so it can be recreated). Otherwise why not.
pub fn unchanged(
    record: &ReportRecord,
    now: &Report,
    live: &[LiveSchedule],
    done: &HashSet<String>,
) -> Result<(), String> {
    match (record.view_count, now.view_count.value()) {
        (Some(then), Some(now)) if then == now => {}
        (_, None) => return Err("its view count is unreadable now".into()),
        (then, Some(now)) => {
            let then = then.map_or_else(|| "unknown".to_string(), |v| v.to_string());
            return Err(format!("its views changed since the snapshot ({then} → {now})"));
        }
    }
    match now.archived.0 {
        None => return Err("its archived flag is unreadable now".into()),
        Some(archived) if archived != record.archived => {
            let what = if archived { "archived" } else { "unarchived" };
            return Err(format!("it was {what} since the snapshot"));
        }
        Some(_) => {}
    }
    let expected: BTreeSet<&str> = record
        .schedules
        .iter()
        .map(|s| s.token.as_str())
        .filter(|t| !done.contains(*t))
        .collect();
    let listed: BTreeSet<&str> = live.iter().map(|s| s.schedule.token.as_str()).collect();
    if expected != listed {
        let added: Vec<&str> = listed.difference(&expected).copied().collect();
        let removed: Vec<&str> = expected.difference(&listed).copied().collect();
        let mut what = Vec::new();
        if !added.is_empty() {
            what.push(format!("added {}", added.join(", ")));
        }
        if !removed.is_empty() {
            what.push(format!("removed {}", removed.join(", ")));
        }
        return Err(format!(
            "its schedules changed since the snapshot ({})",
            what.join("; ")
        ));
    }
    for s in live {
        let token = &s.schedule.token;
        match s.schedule.subscriber_count.value() {
            Some(0) => {}
            Some(n) => return Err(format!("schedule {token} has {n} subscribers now")),
            None => return Err(format!("schedule {token}'s subscriber count is unreadable now")),
        }
        if let Err(why) = &s.definition {
            return Err(format!(
                "schedule {token} could not be recreated ({why}), so it is not deleted"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{report, schedule};
    use serde_json::json;

    fn now(views: u64, archived: bool) -> Report {
        serde_json::from_value(json!({"token": "r", "view_count": views, "archived": archived})).unwrap()
    }

    fn live(token: &str, subs: u64) -> LiveSchedule {
        serde_json::from_value(json!({"token": token, "subscriber_count": subs, "frequency": "daily",
            "time_zone": "UTC", "hour": "8:00 am", "minute": "the top of the hour", "name": null,
            "timeout": 600, "parameters": {}}))
        .unwrap()
    }

    #[test]
    fn every_change_since_the_snapshot_is_named() {
        let record = report("r", Some(0), vec![schedule("a", "daily", 0), schedule("b", "daily", 0)]);
        let none = HashSet::new();
        let both = [live("a", 0), live("b", 0)];
        assert_eq!(unchanged(&record, &now(0, false), &both, &none), Ok(()));
        let err = |r: Result<(), String>| r.unwrap_err();
        assert_eq!(
            err(unchanged(&record, &now(3, false), &both, &none)),
            "its views changed since the snapshot (0 → 3)"
        );
        assert_eq!(
            err(unchanged(&record, &now(0, true), &both, &none)),
            "it was archived since the snapshot"
        );
        let unreadable: Report =
            serde_json::from_value(json!({"token": "r", "view_count": 0, "archived": "perhaps"})).unwrap();
        assert_eq!(
            err(unchanged(&record, &unreadable, &both, &none)),
            "its archived flag is unreadable now"
        );
        assert_eq!(
            err(unchanged(&record, &now(0, false), &[live("a", 0), live("c", 0)], &none)),
            "its schedules changed since the snapshot (added c; removed b)"
        );
        assert_eq!(
            err(unchanged(&record, &now(0, false), &[live("a", 0), live("b", 2)], &none)),
            "schedule b has 2 subscribers now"
        );
        let mut weekly = live("b", 0);
        weekly.definition = Err("a weekly schedule without a day of the week".into());
        assert!(
            err(unchanged(&record, &now(0, false), &[live("a", 0), weekly], &none)).contains("could not be recreated")
        );
        let done: HashSet<String> = ["a".to_string()].into();
        assert_eq!(
            unchanged(&record, &now(0, false), &[live("b", 0)], &done),
            Ok(()),
            "a schedule deleted by an earlier run is not missed"
        );
    }
}
