//! The changes between two snapshots (what `mode-audit diff` prints) — reports added, removed or moved
//! to another collection, schedules added, removed or changed (frequency or time), and view counts.
//!
//! Schedules are compared only for reports present in both snapshots (an added report's schedules
//! show in its row). A view count that is unknown on either side is not compared.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::snapshot::folder::SNAPSHOT_FILE;
use crate::snapshot::{CollectionRecord, ReportRecord, SCHEMA_VERSION, ScheduleRecord, Snapshot, Status};

/// What kind of change a row is. The order here is the order of the table and files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    ReportAdded,
    ReportRemoved,
    /// `collection_token` changed.
    ReportMoved,
    ScheduleAdded,
    ScheduleRemoved,
    /// `frequency`, or the time (`hour`, `minute`, `time_zone`), changed.
    ScheduleChanged,
    ViewsChanged,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::ReportAdded,
        Kind::ReportRemoved,
        Kind::ReportMoved,
        Kind::ScheduleAdded,
        Kind::ScheduleRemoved,
        Kind::ScheduleChanged,
        Kind::ViewsChanged,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::ReportAdded => "report_added",
            Kind::ReportRemoved => "report_removed",
            Kind::ReportMoved => "report_moved",
            Kind::ScheduleAdded => "schedule_added",
            Kind::ScheduleRemoved => "schedule_removed",
            Kind::ScheduleChanged => "schedule_changed",
            Kind::ViewsChanged => "views_changed",
        }
    }
}

/// One change; `old`/`new` are display text (a collection, a schedule, a view count).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub change: Kind,
    pub report_token: String,
    pub report_name: Option<String>,
    pub schedule_token: Option<String>,
    /// `collection`, `schedule`, `frequency`, `time` or `view_count`.
    pub field: &'static str,
    pub old: Option<String>,
    pub new: Option<String>,
    /// New minus old, for view counts.
    pub delta: Option<i64>,
}

/// One of the two snapshots compared.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub path: PathBuf,
    pub workspace: String,
    pub started_at: String,
    pub status: Status,
    pub reports: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub old: Side,
    pub new: Side,
    pub changes: Vec<Change>,
}

impl Diff {
    pub fn count(&self, kind: Kind) -> usize {
        self.changes.iter().filter(|c| c.change == kind).count()
    }
}

/// An argument that is not a snapshot (exit 2); the message says what was expected.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NotASnapshot(pub String);

/// Reads a snapshot from a snapshot folder or its snapshot.json.
pub fn load(arg: &Path) -> Result<(PathBuf, Snapshot), NotASnapshot> {
    let expected = "a snapshot folder (OUT/<workspace>/<time>/ or OUT/<workspace>/latest) or its snapshot.json";
    let path = if arg.is_dir() {
        let file = arg.join(SNAPSHOT_FILE);
        if !file.is_file() {
            let hint = if arg.join("latest").exists() {
                format!(
                    "; it looks like a workspace folder: try {}",
                    arg.join("latest").display()
                )
            } else if arg.join("reports.csv").is_file() {
                "; the snapshot was written without json (--format csv), and diff needs snapshot.json".to_string()
            } else {
                String::new()
            };
            return Err(NotASnapshot(format!(
                "{} is not a snapshot: it has no snapshot.json. Give {expected}{hint}",
                arg.display()
            )));
        }
        file
    } else if arg.is_file() {
        arg.to_path_buf()
    } else {
        return Err(NotASnapshot(format!(
            "{} does not exist. Give {expected}",
            arg.display()
        )));
    };
    let file = File::open(&path).map_err(|e| NotASnapshot(format!("cannot read {}: {e}", path.display())))?;
    let snapshot: Snapshot = serde_json::from_reader(BufReader::new(file)).map_err(|e| {
        NotASnapshot(format!(
            "{} is not a mode-audit snapshot.json ({e}). Give {expected}",
            path.display()
        ))
    })?;
    if snapshot.schema_version > SCHEMA_VERSION {
        return Err(NotASnapshot(format!(
            "{} has schema_version {}, newer than this mode-audit reads ({SCHEMA_VERSION}): upgrade mode-audit",
            path.display(),
            snapshot.schema_version
        )));
    }
    Ok((path, snapshot))
}

fn side(path: PathBuf, s: &Snapshot) -> Side {
    Side {
        path,
        workspace: s.workspace.clone(),
        started_at: s.started_at.clone(),
        status: s.status,
        reports: s.reports.len(),
    }
}

/// Compares two snapshots.
pub fn diff(old_path: PathBuf, old: &Snapshot, new_path: PathBuf, new: &Snapshot) -> Diff {
    let (old_names, new_names) = (CollectionNames::of(old), CollectionNames::of(new));
    // Of the old side only each token's position is held; its records are read back as needed,
    // and the new side is read through once.
    let before: HashMap<Box<str>, usize> = old
        .reports
        .iter()
        .enumerate()
        .map(|(at, r)| (r.token.into_boxed_str(), at))
        .collect();
    let mut matched = vec![false; old.reports.len()];
    let mut changes = Vec::new();
    for r in new.reports.iter() {
        let found = before.get(r.token.as_str()).and_then(|&at| {
            matched[at] = true;
            old.reports.get(at)
        });
        match found.as_ref() {
            Some(o) => report_changes(o, &r, [&old_names, &new_names], &mut changes),
            None => {
                let mut c = change(Kind::ReportAdded, &r, "collection");
                c.new = Some(new_names.shown(&r.collection_token));
                changes.push(c);
            }
        }
    }
    // By token, as listed in `before` (a token listed twice counts once).
    let removed = old
        .reports
        .iter()
        .filter(|r| before.get(r.token.as_str()).is_some_and(|&at| !matched[at]));
    for r in removed {
        let mut c = change(Kind::ReportRemoved, &r, "collection");
        c.old = Some(old_names.shown(&r.collection_token));
        changes.push(c);
    }
    // Stable: kinds in order, the largest view gains first.
    changes.sort_by(|a, b| {
        a.change
            .cmp(&b.change)
            .then(b.delta.unwrap_or(0).cmp(&a.delta.unwrap_or(0)))
    });
    Diff {
        old: side(old_path, old),
        new: side(new_path, new),
        changes,
    }
}

/// How a snapshot's collections are shown in a change: `name (token)`, or the token alone.
struct CollectionNames(HashMap<String, String>);

impl CollectionNames {
    fn of(s: &Snapshot) -> CollectionNames {
        let shown = |c: &CollectionRecord| match &c.name {
            Some(name) => format!("{name} ({})", c.token),
            None => c.token.clone(),
        };
        CollectionNames(s.collections.iter().map(|c| (c.token.clone(), shown(c))).collect())
    }

    /// Collection `token` as shown; the token itself when the snapshot has no such collection.
    fn shown(&self, token: &str) -> String {
        self.0.get(token).cloned().unwrap_or(token.to_string())
    }
}

/// The changes of a report in both snapshots (`o` old, `r` new): a move to another collection,
/// its schedules' changes, a change in its view count.
fn report_changes(o: &ReportRecord, r: &ReportRecord, names: [&CollectionNames; 2], changes: &mut Vec<Change>) {
    let [old_names, new_names] = names;
    if o.collection_token != r.collection_token {
        let mut c = change(Kind::ReportMoved, r, "collection");
        c.old = Some(old_names.shown(&o.collection_token));
        c.new = Some(new_names.shown(&r.collection_token));
        changes.push(c);
    }
    schedules(o, r, changes);
    if let (Some(a), Some(b)) = (o.view_count, r.view_count.filter(|b| Some(*b) != o.view_count)) {
        let mut c = change(Kind::ViewsChanged, r, "view_count");
        c.old = Some(a.to_string());
        c.new = Some(b.to_string());
        c.delta = Some(b as i64 - a as i64);
        changes.push(c);
    }
}

fn change(kind: Kind, r: &ReportRecord, field: &'static str) -> Change {
    Change {
        change: kind,
        report_token: r.token.clone(),
        report_name: r.name.clone(),
        schedule_token: None,
        field,
        old: None,
        new: None,
        delta: None,
    }
}

fn schedules(old: &ReportRecord, new: &ReportRecord, out: &mut Vec<Change>) {
    let before: HashMap<&str, &ScheduleRecord> = old.schedules.iter().map(|s| (s.token.as_str(), s)).collect();
    let after: HashMap<&str, &ScheduleRecord> = new.schedules.iter().map(|s| (s.token.as_str(), s)).collect();
    let row = |kind, s: &ScheduleRecord, field| Change {
        schedule_token: Some(s.token.clone()),
        ..change(kind, new, field)
    };
    for s in &new.schedules {
        match before.get(s.token.as_str()) {
            None => out.push(Change {
                new: Some(describe(s)),
                ..row(Kind::ScheduleAdded, s, "schedule")
            }),
            Some(o) => {
                if o.frequency != s.frequency {
                    out.push(Change {
                        old: o.frequency.clone(),
                        new: s.frequency.clone(),
                        ..row(Kind::ScheduleChanged, s, "frequency")
                    });
                }
                if (&o.hour, &o.minute, &o.time_zone) != (&s.hour, &s.minute, &s.time_zone) {
                    out.push(Change {
                        old: Some(time(o)),
                        new: Some(time(s)),
                        ..row(Kind::ScheduleChanged, s, "time")
                    });
                }
            }
        }
    }
    for s in old.schedules.iter().filter(|s| !after.contains_key(s.token.as_str())) {
        out.push(Change {
            old: Some(describe(s)),
            ..row(Kind::ScheduleRemoved, s, "schedule")
        });
    }
}

/// `daily, 8:00 pm, the top of the hour, UTC`.
fn describe(s: &ScheduleRecord) -> String {
    format!("{}, {}", s.frequency.as_deref().unwrap_or("frequency unknown"), time(s))
}

fn time(s: &ScheduleRecord) -> String {
    [&s.hour, &s.minute, &s.time_zone]
        .iter()
        .map(|v| v.as_deref().unwrap_or("?"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
