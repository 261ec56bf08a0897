//! Deterministic workspace generator: a `WorkspaceSpec` (and its seed) in, the `Workspace` truth out.

use std::collections::HashSet;

use fastrand::Rng;

mod discovered;

use self::discovered::{explorations, last_viewed};
use super::timestamp::{BASE_MS, DAY_MS, HOUR_MS, MINUTE_MS, iso_offset, iso_z};
use super::vocab;
use super::workspace::{DEFAULT_TIMEOUT, SimCollection, SimReport, SimSchedule, SimUser, Workspace, WorkspaceSpec};

/// How far back report creation dates reach from `BASE_MS`.
const HISTORY_MS: i64 = 3 * 365 * DAY_MS;
/// Users beyond the owners of personal collections.
const EXTRA_USERS: usize = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Custom,
    Personal,
    Community,
}

pub(super) fn generate(name: &str, spec: &WorkspaceSpec) -> Workspace {
    let mut g = Gen {
        rng: Rng::with_seed(spec.seed),
        seen: HashSet::new(),
        next_collection_id: 1_905_000,
        next_report_id: 2_934_000,
    };
    let layout = layout(spec, &mut g.rng);
    let personal = layout.iter().filter(|(k, _)| *k == Kind::Personal).count();
    let users = g.users(personal + EXTRA_USERS);
    let customs = layout.iter().filter(|(k, _)| *k == Kind::Custom).count();
    let restricted_at = if customs >= 2 { 1 } else { 0 };

    let mut collections = Vec::with_capacity(layout.len());
    let (mut custom_i, mut personal_i) = (0, 0);
    for (kind, size) in layout {
        let (coll_name, space_type, owner) = match kind {
            Kind::Custom => {
                custom_i += 1;
                let owner = g.rng.usize(..users.len());
                (custom_name(custom_i - 1), "custom", owner)
            }
            Kind::Personal => {
                personal_i += 1;
                ("Personal".to_string(), "private", personal_i - 1)
            }
            Kind::Community => ("Community".to_string(), "community", personal % users.len()),
        };
        let description = match kind {
            Kind::Custom if g.rng.bool() => Some(format!("Reports owned by the {coll_name} team")),
            _ => None,
        };
        let token = g.token();
        let id = g.collection_id();
        let mut created: Vec<i64> = (0..size).map(|_| BASE_MS - g.rng.i64(HOUR_MS..HISTORY_MS)).collect();
        created.sort_unstable();
        let reports = created
            .into_iter()
            .map(|at| {
                let creator = match kind {
                    Kind::Personal => owner,
                    _ => g.rng.usize(..users.len()),
                };
                g.report(at, &users[creator].username, spec)
            })
            .collect();
        collections.push(SimCollection {
            token,
            id,
            name: Some(coll_name),
            space_type: space_type.to_string(),
            restricted: kind == Kind::Custom && custom_i - 1 == restricted_at,
            description,
            creator: users[owner].username.clone(),
            reports,
        });
    }
    Workspace {
        name: name.to_string(),
        collections,
        users,
    }
}

/// Kind and report count of every collection, in listing order.
fn layout(spec: &WorkspaceSpec, rng: &mut Rng) -> Vec<(Kind, usize)> {
    if let Some(sizes) = &spec.sizes {
        let n = sizes.len();
        let community = usize::from(spec.community && n > 0);
        let personal = spec.personal.min(n - community);
        let custom = n - community - personal;
        return sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| {
                let kind = if i < custom {
                    Kind::Custom
                } else if i < custom + personal {
                    Kind::Personal
                } else {
                    Kind::Community
                };
                (kind, size)
            })
            .collect();
    }
    let kinds: Vec<Kind> = std::iter::repeat_n(Kind::Custom, spec.collections)
        .chain(std::iter::repeat_n(Kind::Personal, spec.personal))
        .chain(spec.community.then_some(Kind::Community))
        .collect();
    let weights: Vec<f64> = kinds
        .iter()
        .map(|k| match k {
            Kind::Custom => 0.3 + 2.0 * rng.f64(),
            Kind::Personal => 0.05 + 0.3 * rng.f64(),
            Kind::Community => 0.2 + 0.5 * rng.f64(),
        })
        .collect();
    kinds.into_iter().zip(split(spec.reports, &weights)).collect()
}

/// Splits `total` into parts proportional to `weights`; the parts sum to exactly `total`.
fn split(total: usize, weights: &[f64]) -> Vec<usize> {
    if weights.is_empty() {
        return Vec::new();
    }
    let sum: f64 = weights.iter().sum();
    let mut parts: Vec<usize> = weights
        .iter()
        .map(|w| (total as f64 * w / sum).floor() as usize)
        .collect();
    let mut assigned: usize = parts.iter().sum();
    let mut i = 0;
    while assigned < total {
        parts[i % weights.len()] += 1;
        assigned += 1;
        i += 1;
    }
    while assigned > total {
        if let Some(max) = parts.iter_mut().max() {
            *max -= 1;
        }
        assigned -= 1;
    }
    parts
}

fn custom_name(i: usize) -> String {
    let names = vocab::COLLECTION_NAMES;
    match i / names.len() {
        0 => names[i].to_string(),
        round => format!("{} {}", names[i % names.len()], round + 1),
    }
}

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.usize(..items.len())]
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

struct Gen {
    rng: Rng,
    seen: HashSet<u64>,
    next_collection_id: u64,
    next_report_id: u64,
}

impl Gen {
    /// A fresh 12-hex-char token, unique within the workspace.
    fn token(&mut self) -> String {
        loop {
            let v = self.rng.u64(..) & 0xffff_ffff_ffff;
            if self.seen.insert(v) {
                return format!("{v:012x}");
            }
        }
    }

    fn collection_id(&mut self) -> u64 {
        self.next_collection_id += self.rng.u64(1..400);
        self.next_collection_id
    }

    fn report_id(&mut self) -> u64 {
        self.next_report_id += self.rng.u64(1..40);
        self.next_report_id
    }

    fn users(&mut self, count: usize) -> Vec<SimUser> {
        let mut taken = HashSet::new();
        (0..count)
            .map(|i| {
                let (first, last) = loop {
                    let first = pick(&mut self.rng, vocab::FIRST_NAMES);
                    let last = pick(&mut self.rng, vocab::LAST_NAMES);
                    if taken.insert((first, last)) || taken.len() > 300 {
                        break (first, last);
                    }
                };
                let suffix = if taken.len() > 300 {
                    format!("{i}")
                } else {
                    String::new()
                };
                SimUser {
                    username: format!("{first}_{last}{suffix}"),
                    name: format!("{} {}", capitalize(first), capitalize(last)),
                    email: format!("{first}.{last}{suffix}@example.com"),
                    token: self.token(),
                }
            })
            .collect()
    }

    fn report(&mut self, created: i64, creator: &str, spec: &WorkspaceSpec) -> SimReport {
        let token = self.token();
        let id = self.report_id();
        let rng = &mut self.rng;
        let name = (rng.f64() >= spec.null_name_share).then(|| {
            let (cadence, topic) = (pick(rng, vocab::CADENCES), pick(rng, vocab::TOPICS));
            format!("{cadence} {topic} {}", rng.u32(1..100))
        });
        let description = rng.bool().then(|| {
            let (topic, dim) = (pick(rng, vocab::TOPICS), pick(rng, vocab::DIMENSIONS));
            format!("{topic} by {dim}")
        });
        let archived = rng.f64() < spec.archived_share;
        let edited = created + ((BASE_MS - created) as f64 * rng.f64().powi(2)) as i64;
        let view_count = if rng.f64() < spec.views_zero_share {
            0
        } else {
            (5000f64.powf(rng.f64()) as u64).clamp(1, 5000)
        };
        let expected_runtime = ((0.2 + 90.0 * rng.f64().powi(3)) * 1e5).round() / 1e5;
        let n_schedules = match rng.f64() < spec.scheduled_share {
            true if rng.f64() < spec.multi_schedule_share => 2,
            true => 1,
            false => 0,
        };
        let never_run = n_schedules == 0 && rng.f64() < 0.08;

        let mut schedules = Vec::with_capacity(n_schedules);
        let mut last_run = (!never_run).then(|| edited + ((BASE_MS - edited) as f64 * rng.f64()) as i64);
        for _ in 0..n_schedules {
            let (schedule, ran_at) = self.schedule(created, name.as_deref());
            last_run = last_run.max(ran_at);
            schedules.push(schedule);
        }
        let rng = &mut self.rng;
        let runtime_ms = (expected_runtime * 1000.0) as i64;
        let (last_ok, runs_count) = match last_run {
            None => (None, 0),
            Some(ran) => {
                let roll = rng.f64();
                let ok = if roll < 0.91 {
                    Some(ran + runtime_ms + rng.i64(0..2_000))
                } else if roll < 0.98 {
                    Some(created + ((ran - created) as f64 * rng.f64()) as i64)
                } else {
                    None
                };
                let runs = if n_schedules > 0 {
                    20 + rng.u64(0..2_000)
                } else {
                    1 + 300f64.powf(rng.f64()) as u64
                };
                (ok, runs)
            }
        };
        let updated = edited
            .max(last_run.map_or(edited, |t| t + runtime_ms))
            .max(last_ok.unwrap_or(edited));
        SimReport {
            last_viewed_at: last_viewed(&token, view_count, created),
            explorations_count: explorations(&token),
            token,
            id,
            name,
            description,
            report_type: "Report".to_string(),
            archived,
            creator: creator.to_string(),
            created_at: iso_z(created),
            updated_at: iso_z(updated),
            edited_at: iso_z(edited),
            last_run_at: last_run.map(iso_z),
            last_successfully_run_at: last_ok.map(iso_z),
            view_count,
            runs_count,
            expected_runtime,
            schedules,
        }
    }

    /// A schedule of a report created at `report_created`, and the time it last ran.
    fn schedule(&mut self, report_created: i64, report_name: Option<&str>) -> (SimSchedule, Option<i64>) {
        let token = self.token();
        let rng = &mut self.rng;
        let total: u32 = vocab::FREQUENCIES.iter().map(|f| f.1).sum();
        let mut roll = rng.u32(0..total);
        let &(frequency, _, period_min) = vocab::FREQUENCIES
            .iter()
            .find(|f| {
                let hit = roll < f.1;
                roll = roll.saturating_sub(f.1);
                hit
            })
            .unwrap_or(&vocab::FREQUENCIES[0]);
        let period = period_min * MINUTE_MS;
        let hour = rng.u32(0..24);
        let minute = [0, 0, 0, 0, 15, 30, 45][rng.usize(..7)];
        let created = report_created + ((BASE_MS - report_created) as f64 * rng.f64() * 0.6) as i64;
        // Next run: the first slot after BASE_MS matching hour/minute (read as UTC) within
        // the period; a run exactly at BASE_MS counts as already done.
        let day = match frequency {
            "weekly" => rng.i64(0..7),
            "monthly" => rng.i64(0..28),
            _ => 0,
        };
        let offset_min = (day * 24 * 60 + i64::from(hour) * 60 + i64::from(minute)) % period_min;
        let next = BASE_MS
            + if offset_min == 0 {
                period
            } else {
                offset_min * MINUTE_MS
            };
        let last_scheduled = Some(next - period).filter(|&t| t > created);
        let retry_state = match rng.f64() {
            r if r < 0.90 => "ok",
            r if r < 0.96 => "failed",
            _ => "retrying",
        };
        let last_run = last_scheduled.map(|t| t + rng.i64(1_000..120_000));
        let last_ok = match last_run {
            Some(t) if retry_state == "ok" => Some(t + rng.i64(500..60_000)),
            Some(t) => Some(t - period * rng.i64(1..5) + rng.i64(500..60_000)).filter(|&s| s > created),
            None => None,
        };
        let subscriber_count = if rng.f64() < 0.2 {
            0
        } else {
            12f64.powf(rng.f64()) as u64
        };
        let name = (rng.f64() >= 0.1).then(|| {
            let label = frequency.replace('_', " ");
            format!("{} ({label})", report_name.unwrap_or("Untitled report"))
        });
        let schedule = SimSchedule {
            token,
            name,
            frequency: frequency.to_string(),
            time_zone: pick(rng, vocab::TIME_ZONES).to_string(),
            hour: vocab::hour_label(hour),
            minute: vocab::minute_label(minute),
            day_of_week: (frequency == "weekly").then_some(day as u32),
            day_of_month: (frequency == "monthly").then_some(day as u32 + 1),
            timeout: DEFAULT_TIMEOUT,
            parameters: serde_json::Map::new(),
            created_at: iso_z(created),
            next_scheduled_run: Some(iso_offset(next)),
            last_scheduled_run: last_scheduled.map(iso_offset),
            last_run_at: last_run.map(iso_z),
            last_succeeded_at: last_ok.map(iso_z),
            retry_state: retry_state.to_string(),
            subscriber_count,
        };
        (schedule, last_run)
    }
}

#[cfg(test)]
mod tests;
