//! Owner digests (`--digests`): `owners/<username>.csv` with each owner's findings, and
//! `owners/README.md`, a Markdown table of findings by reason and estimated runtime per owner, then
//! the reports whose schedules `apply` will delete from a date unless they are kept.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::io::Write;

use super::csv::Cells;
use super::findings::write_findings;
use crate::insights::eligibility::UnschedulePlan;
use crate::insights::findings::Reason;
use crate::snapshot::Snapshot;
use crate::snapshot::headline::{Headline, HeadlineTally};

/// The file stem for an owner: letters, digits, `.`, `_` and `-` kept, anything else `_`; no
/// leading dot; an unknown or empty username is `_unknown`.
pub fn owner_stem(owner: Option<&str>) -> String {
    let raw = owner.map(str::trim).unwrap_or_default();
    let mut stem: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.starts_with('.') {
        stem.replace_range(0..1, "_");
    }
    if stem.is_empty() {
        return "_unknown".to_string();
    }
    // File names are limited to 255 bytes; the stem is ASCII, so this cut is on a character boundary.
    stem.truncate(100);
    stem
}

/// One owner's share of the findings: where they are in the snapshot's store, and their totals.
pub struct OwnerDigest {
    pub owner: Option<String>,
    /// File name inside `owners/`, unique (case-insensitively) among the digests.
    pub file: String,
    /// Positions of the owner's findings in `snapshot.findings`, in its order.
    pub findings: Vec<usize>,
    /// Findings per reason, in [`Reason::ALL`] order.
    counts: [usize; Reason::ALL.len()],
    /// The owner's share of the headline: each report counted once, unviewed apart from failing.
    pub headline: Headline,
}

impl OwnerDigest {
    /// Warehouse seconds of the runs of 30 days of this owner's unviewed scheduled reports.
    pub fn runtime_seconds(&self) -> Option<f64> {
        self.headline.unviewed.run_seconds_30d
    }

    pub fn count(&self, reason: Reason) -> usize {
        Reason::ALL
            .iter()
            .position(|r| *r == reason)
            .map_or(0, |i| self.counts[i])
    }
}

/// The findings grouped by owner, largest estimated runtime first, then most findings, then name.
/// One pass over the findings; only positions, counts and report tokens are held.
pub fn digests(snapshot: &Snapshot) -> Vec<OwnerDigest> {
    struct Group {
        findings: Vec<usize>,
        counts: [usize; Reason::ALL.len()],
        tally: HeadlineTally,
    }
    let mut by_owner: BTreeMap<Option<String>, Group> = BTreeMap::new();
    for (at, f) in snapshot.findings.iter().enumerate() {
        let owner = f.owner.clone().filter(|o| !o.trim().is_empty());
        let group = by_owner.entry(owner).or_insert_with(|| Group {
            findings: Vec::new(),
            counts: [0; Reason::ALL.len()],
            tally: HeadlineTally::default(),
        });
        group.findings.push(at);
        if let Some(i) = Reason::ALL.iter().position(|r| *r == f.reason) {
            group.counts[i] += 1;
        }
        group.tally.add(&f);
    }
    let mut used: HashSet<String> = HashSet::new();
    let mut out: Vec<OwnerDigest> = by_owner
        .into_iter()
        .map(|(owner, group)| {
            let stem = owner_stem(owner.as_deref());
            let mut file = format!("{stem}.csv");
            let mut n = 2;
            while !used.insert(file.to_ascii_lowercase()) {
                file = format!("{stem}-{n}.csv");
                n += 1;
            }
            OwnerDigest {
                owner,
                file,
                findings: group.findings,
                counts: group.counts,
                headline: group.tally.finish(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        let cost = |d: &OwnerDigest| d.runtime_seconds().unwrap_or(-1.0);
        cost(b)
            .total_cmp(&cost(a))
            .then(b.findings.len().cmp(&a.findings.len()))
            .then(a.owner.cmp(&b.owner))
    });
    out
}

/// Writes one owner's CSV, its findings read back one at a time.
pub fn write_owner<W: Write>(snapshot: &Snapshot, digest: &OwnerDigest, cells: Cells, out: W) -> csv::Result<W> {
    let findings = digest.findings.iter().filter_map(|&at| snapshot.findings.get(at));
    write_findings(&snapshot.workspace, findings, cells, out)
}

/// owners/README.md: one row per owner, then the upcoming unscheduling of `plan`.
pub fn readme(snapshot: &Snapshot, digests: &[OwnerDigest], plan: &UnschedulePlan) -> String {
    let mut md = findings_table(snapshot, digests);
    md.push_str(&upcoming(plan));
    md
}

/// The reports `apply` will unschedule unless kept, by owner, with the date it may from.
fn upcoming(plan: &UnschedulePlan) -> String {
    let mut rows: Vec<_> = plan.upcoming().collect();
    let mut md = String::from("\n## Schedules to be deleted unless kept\n\n");
    if rows.is_empty() {
        md.push_str("None: no report is unused and unsubscribed.\n");
        return md;
    }
    let days = plan.min_age_seconds / 86_400;
    let _ = writeln!(
        md,
        "Nobody has viewed these scheduled reports (or they are archived) and no schedule has a subscriber. \
         `mode-audit apply --execute` deletes their schedules from the date shown (once unused for {days} days), \
         at most {} reports a run. To keep one, open it in Mode or add it to the keep list \
         (`[[keep]] token = \"<report token>\" reason = \"why\"`).\n",
        plan.max_actions
    );
    md.push_str("| owner | report | token | schedules | runs / month | est. runtime / month | from |\n");
    md.push_str("|---|---|---|---:|---:|---:|---|\n");
    rows.sort_by(|a, b| a.owner.cmp(&b.owner).then(a.eligible_from.cmp(&b.eligible_from)));
    for c in rows {
        let owner = c.owner.as_deref().map_or_else(|| "(unknown)".to_string(), escape);
        let name = c.report_name.as_deref().map_or_else(|| "(no name)".to_string(), escape);
        let runs = c
            .runs_per_month
            .map_or_else(|| "unknown".to_string(), |r| format!("{r}"));
        let runtime = c.runtime_per_month_seconds.map_or_else(|| "unknown".to_string(), hours);
        let from = c
            .eligible_from
            .as_deref()
            .filter(|from| *from > plan.snapshot_started_at.as_str())
            .unwrap_or(&plan.snapshot_started_at);
        let _ = writeln!(
            md,
            "| {owner} | {name} | {} | {} | {runs} | {runtime} | {} |",
            escape(&c.report_token),
            c.schedules.len(),
            &from[..from.len().min(10)]
        );
    }
    md
}

fn findings_table(snapshot: &Snapshot, digests: &[OwnerDigest]) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Findings by owner: workspace {}, snapshot of {}\n",
        escape(&snapshot.workspace),
        snapshot.started_at
    );
    if digests.is_empty() {
        md.push_str("No findings: no scheduled report needs a look.\n");
        return md;
    }
    let _ = writeln!(
        md,
        "Each owner's file lists their scheduled reports worth a look, one row per report and reason. \
         Warehouse hours are those of the runs of the 30 days before the run of the owner's scheduled \
         reports nobody viewed in the window (measured, sampled, or runs per month × Mode's expected \
         runtime), each report counted once; reports that fail but are viewed are not in them.\n"
    );
    md.push_str("| owner | findings |");
    for reason in Reason::ALL {
        let _ = write!(md, " {} |", reason.code());
    }
    md.push_str(" unviewed: warehouse hours / 30 d | file |\n|---|---:|");
    md.push_str(&"---:|".repeat(Reason::ALL.len()));
    md.push_str("---:|---|\n");
    for d in digests {
        let owner = d.owner.as_deref().map_or_else(|| "(unknown)".to_string(), escape);
        let _ = write!(md, "| {owner} | {} |", d.findings.len());
        for reason in Reason::ALL {
            let _ = write!(md, " {} |", d.count(reason));
        }
        let runtime = d.headline.unviewed.hours().unwrap_or_else(|| "unknown".to_string());
        let _ = writeln!(md, " {runtime} | [{0}]({0}) |", d.file);
    }
    departed_owners(&mut md, digests);
    md
}

/// `departed owners`: whose scheduled reports need a new owner, so an admin can hand them over.
fn departed_owners(md: &mut String, digests: &[OwnerDigest]) {
    let gone: Vec<&OwnerDigest> = digests.iter().filter(|d| d.headline.departed.reports > 0).collect();
    if gone.is_empty() {
        return;
    }
    md.push_str("\n## departed owners\n\nScheduled reports whose creator is no longer an active member of the workspace (OWNER_DEPARTED): hand them over to someone who is.\n\n| owner | scheduled reports | runs / 30 d | warehouse hours / 30 d | file |\n|---|---:|---:|---:|---|\n");
    for d in gone {
        let g = &d.headline.departed;
        let owner = d.owner.as_deref().map_or_else(|| "(unknown)".to_string(), escape);
        let runs = g.runs_30d.map_or_else(|| "unknown".to_string(), |n| n.to_string());
        let hours = g.hours().unwrap_or_else(|| "unknown".to_string());
        let _ = writeln!(
            md,
            "| {owner} | {} | {runs} | {hours} | [{1}]({1}) |",
            g.reports, d.file
        );
    }
}

/// `2.5 h` or `45 min`.
fn hours(seconds: f64) -> String {
    if seconds >= 3600.0 {
        format!("{:.1} h", seconds / 3600.0)
    } else {
        format!("{:.0} min", seconds / 60.0)
    }
}

/// Text safe inside a Markdown table cell.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '*' | '[' | ']' | '<' | '>' | '`' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_become_safe_file_names() {
        assert_eq!(owner_stem(Some("ana_lima")), "ana_lima");
        assert_eq!(owner_stem(Some("../../etc/passwd")), "_._.._etc_passwd");
        assert_eq!(owner_stem(Some("a/b\\c")), "a_b_c");
        assert_eq!(owner_stem(Some(".hidden")), "_hidden");
        assert_eq!(owner_stem(Some("Zoë")), "Zo_");
        assert_eq!(owner_stem(None), "_unknown");
        assert_eq!(owner_stem(Some("  ")), "_unknown");
        for name in ["..", ".", "/", "a/../b"] {
            let stem = owner_stem(Some(name));
            assert!(
                !stem.contains('/') && !stem.starts_with('.') && !stem.is_empty(),
                "{name} -> {stem}"
            );
        }
    }

    #[test]
    fn the_readme_names_what_will_be_unscheduled_and_from_when() {
        use crate::insights::eligibility::{Candidate, Hold};
        let candidate = |token: &str, owner: &str, eligible_from: &str, held: Vec<Hold>| Candidate {
            report_token: token.into(),
            report_name: Some(format!("{token} | name")),
            owner: Some(owner.into()),
            collection_token: "c1".into(),
            url: None,
            reasons: vec![Reason::ScheduledNeverViewed],
            view_count: Some(0),
            archived: false,
            created_at: None,
            schedules: vec![],
            runs_per_month: Some(30.0),
            expected_runtime_seconds: Some(120.0),
            runtime_per_month_seconds: Some(3600.0),
            runs: Default::default(),
            unused_since: None,
            eligible_from: Some(eligible_from.into()),
            planned: held.is_empty(),
            held,
        };
        let plan = UnschedulePlan {
            workspace: "acme".into(),
            snapshot_started_at: "2026-11-28T03:00:00.000Z".into(),
            min_age_seconds: 14 * 86_400,
            max_actions: 20,
            candidates: vec![
                candidate("now", "ana", "2026-11-01T00:00:00Z", vec![]),
                candidate(
                    "later",
                    "bo",
                    "2026-12-09T03:00:00Z",
                    vec![Hold::TooRecent {
                        since: "2026-11-25T03:00:00.000Z".into(),
                        eligible_from: "2026-12-09T03:00:00Z".into(),
                    }],
                ),
                candidate(
                    "subscribed",
                    "cy",
                    "2026-11-01T00:00:00Z",
                    vec![Hold::Subscribed {
                        schedule: "s".into(),
                        subscribers: 2,
                    }],
                ),
            ],
        };
        let snapshot = crate::test_support::snapshot(vec![]);
        let md = readme(&snapshot, &[], &plan);
        assert!(md.contains("## Schedules to be deleted unless kept"), "{md}");
        assert!(md.contains("once unused for 14 days"), "{md}");
        assert!(
            md.contains("| ana | now \\| name | now | 0 | 30 | 1.0 h | 2026-11-28 |"),
            "{md}"
        );
        assert!(
            md.contains("| bo | later \\| name | later | 0 | 30 | 1.0 h | 2026-12-09 |"),
            "{md}"
        );
        assert!(
            !md.contains("subscribed"),
            "a subscribed report is never announced: {md}"
        );
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(escape("a|b\nc"), "a\\|b c");
        assert_eq!(hours(9000.0), "2.5 h");
        assert_eq!(hours(600.0), "10 min");
    }
}
