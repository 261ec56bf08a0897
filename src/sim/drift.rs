//! Drift: deterministic changes to a stand-in workspace, as if some weeks had passed, so that two
//! `demo` runs (the second with `--changed`) give `mode-audit diff` something to show.

use crate::sim::Workspace;

/// Views grow on every third report; one daily schedule becomes hourly; one scheduled report loses
/// its first schedule; one unscheduled report gains a weekly schedule; the first report moves to
/// the last collection; and the last report of the first collection is deleted.
pub fn drift(ws: &mut Workspace) {
    for (i, r) in ws.collections.iter_mut().flat_map(|c| c.reports.iter_mut()).enumerate() {
        if i % 3 == 0 {
            r.view_count += (i % 11) as u64 + 1;
        }
    }
    let mut schedules = ws
        .collections
        .iter_mut()
        .flat_map(|c| c.reports.iter_mut())
        .flat_map(|r| r.schedules.iter_mut());
    let template = match schedules.find(|s| s.frequency == "daily") {
        Some(s) => {
            s.frequency = "hourly".into();
            let mut copy = s.clone();
            copy.frequency = "weekly".into();
            copy.token = "d1f7ed5c4ed0".into();
            Some(copy)
        }
        None => None,
    };
    let mut reports = ws.collections.iter_mut().flat_map(|c| c.reports.iter_mut());
    if let Some(r) = reports.rfind(|r| !r.schedules.is_empty()) {
        r.schedules.remove(0);
    }
    let mut reports = ws.collections.iter_mut().flat_map(|c| c.reports.iter_mut()).skip(1);
    if let (Some(r), Some(s)) = (reports.find(|r| r.schedules.is_empty()), template) {
        r.schedules.push(s);
    }
    let last = ws.collections.len().saturating_sub(1);
    if last > 0 && !ws.collections[0].reports.is_empty() {
        let moved = ws.collections[0].reports.remove(0);
        ws.collections[last].reports.push(moved);
        ws.collections[0].reports.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimConfig;

    #[test]
    fn drift_changes_views_schedules_and_places() {
        let config = SimConfig::demo();
        let before = Workspace::generate(&config.workspace, &config.spec);
        let mut after = before.clone();
        drift(&mut after);
        assert_eq!(after.report_count(), before.report_count() - 1, "one report deleted");
        let views = |ws: &Workspace| ws.reports().map(|(_, r)| r.view_count).sum::<u64>();
        assert!(views(&after) > views(&before));
        let hourly = |ws: &Workspace| {
            ws.reports()
                .flat_map(|(_, r)| &r.schedules)
                .filter(|s| s.frequency == "hourly")
                .count()
        };
        assert_eq!(hourly(&after), hourly(&before) + 1);
        let first = &before.collections[0].reports[0].token;
        assert_eq!(
            after.report(first).unwrap().0.token,
            before.collections.last().unwrap().token
        );
        assert!(
            after
                .reports()
                .any(|(_, r)| r.schedules.iter().any(|s| s.token == "d1f7ed5c4ed0"))
        );
        let mut again = before.clone();
        drift(&mut again);
        assert_eq!(again, after, "deterministic");
    }
}
