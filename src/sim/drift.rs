//! Drift: deterministic changes to a stand-in workspace between two runs. [`drift`] is the fixed
//! set the `demo --changed` run shows `mode-audit diff`; [`Drift`] changes a given share of reports,
//! picked by a seed, for incremental runs and their benchmarks.

use super::render::derived_token;
use super::timestamp::{DAY_MS, HOUR_MS, iso_offset, iso_z, parse_iso};
use super::vocab::{hour_label, minute_label};
use super::workspace::{DEFAULT_TIMEOUT, SimReport, SimSchedule};
use crate::sim::Workspace;

/// Changes `share` of the reports (0 to 1), picked and changed deterministically by `seed`:
///
/// - one picked report in four only gains views (Mode does not move `updated_at` for views);
/// - the others gain views and run again, successfully, a few hours later, which moves their
///   `updated_at`, `last_run_at` and `last_successfully_run_at` (and the first schedule's run times);
///   on top of that, a scheduled one has, one time in three, a schedule moved to another hour, one
///   in six a weekly schedule added, one in six a schedule removed; an unscheduled one gains a
///   weekly schedule one time in four.
///
/// Every change to a report's schedules moves its `updated_at`, as the reuse rules of
/// `--schedules-max-age` assume of Mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drift {
    pub share: f64,
    pub seed: u64,
}

/// What one [`Drift::apply`] changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drifted {
    /// Reports picked.
    pub reports: usize,
    /// Of them, those whose `updated_at` moved.
    pub updated: usize,
    /// Of those, the ones whose schedules changed (edited, added or removed).
    pub schedules: usize,
}

impl Drift {
    pub fn apply(&self, ws: &mut Workspace) -> Drifted {
        let mut rng = fastrand::Rng::with_seed(self.seed);
        let mut done = Drifted::default();
        for r in ws.reports_mut() {
            if rng.f64() >= self.share {
                continue;
            }
            done.reports += 1;
            r.view_count += 1 + rng.u64(0..50);
            if rng.f64() < 0.25 {
                continue;
            }
            done.updated += 1;
            let at = parse_iso(&r.updated_at).unwrap_or(0) + rng.i64(HOUR_MS..2 * DAY_MS);
            r.updated_at = iso_z(at);
            r.last_run_at = Some(iso_z(at - 60_000));
            r.last_successfully_run_at = Some(iso_z(at - 30_000));
            if let Some(s) = r.schedules.first_mut() {
                s.last_run_at = Some(iso_z(at - 60_000));
                s.last_succeeded_at = Some(iso_z(at - 30_000));
                s.retry_state = "ok".to_string();
            }
            let roll = rng.f64();
            let changed = if r.schedules.is_empty() {
                roll < 0.25 && {
                    r.schedules.push(new_schedule(r, at, self.seed));
                    true
                }
            } else if roll < 1.0 / 3.0 {
                let s = &mut r.schedules[0];
                let hour = rng.u32(0..24);
                let label = hour_label(hour);
                s.hour = if label == s.hour {
                    hour_label((hour + 1) % 24)
                } else {
                    label
                };
                true
            } else if roll < 0.5 {
                let s = new_schedule(r, at, self.seed);
                r.schedules.push(s);
                true
            } else if roll < 2.0 / 3.0 {
                r.schedules.pop();
                true
            } else {
                false
            };
            done.schedules += usize::from(changed);
        }
        done
    }
}

/// A weekly schedule added to `r` at `at`.
fn new_schedule(r: &SimReport, at: i64, seed: u64) -> SimSchedule {
    SimSchedule {
        token: derived_token(&[&r.token, "drift", &seed.to_string(), &r.schedules.len().to_string()]),
        name: Some(format!("{} (weekly)", r.name.as_deref().unwrap_or("Untitled report"))),
        frequency: "weekly".to_string(),
        time_zone: "UTC".to_string(),
        hour: hour_label(9),
        minute: minute_label(0),
        day_of_week: Some(1),
        day_of_month: None,
        timeout: DEFAULT_TIMEOUT,
        parameters: serde_json::Map::new(),
        created_at: iso_z(at),
        next_scheduled_run: Some(iso_offset(at + 7 * DAY_MS)),
        last_scheduled_run: None,
        last_run_at: None,
        last_succeeded_at: None,
        retry_state: "ok".to_string(),
        subscriber_count: 1,
    }
}

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
    use crate::sim::{SimConfig, SimReport};

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

    #[test]
    fn a_share_of_reports_drifts_deterministically_and_schedule_changes_move_updated_at() {
        let config = SimConfig::demo();
        let before = Workspace::generate(&config.workspace, &config.spec);
        let knob = Drift { share: 0.2, seed: 9 };
        let mut after = before.clone();
        let done = knob.apply(&mut after);
        let n = before.report_count();
        assert!(
            (n / 10..n * 3 / 10).contains(&done.reports),
            "about 20% of {n}: {done:?}"
        );
        assert!(done.updated > done.reports / 2 && done.schedules > 0, "{done:?}");
        let pairs: Vec<(&SimReport, &SimReport)> = before
            .reports()
            .zip(after.reports())
            .map(|((_, a), (_, b))| (a, b))
            .collect();
        let changed = pairs.iter().filter(|(a, b)| a != b).count();
        assert_eq!(changed, done.reports);
        let updated = pairs.iter().filter(|(a, b)| a.updated_at != b.updated_at).count();
        assert_eq!(updated, done.updated);
        for (a, b) in &pairs {
            let schedules_changed = a.schedules.len() != b.schedules.len()
                || a.schedules.iter().zip(&b.schedules).any(|(x, y)| x.hour != y.hour);
            assert!(
                !schedules_changed || a.updated_at != b.updated_at,
                "{}: schedules changed without updated_at",
                a.token
            );
        }
        let mut again = before.clone();
        assert_eq!(knob.apply(&mut again), done);
        assert_eq!(again, after, "deterministic by seed");
        let mut other = before.clone();
        Drift { share: 0.2, seed: 10 }.apply(&mut other);
        assert_ne!(other, after, "another seed, other reports");
    }
}
