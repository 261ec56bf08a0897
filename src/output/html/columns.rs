//! Columns: which of the findings table's columns the page shows. A column unknown for every row
//! of the snapshot (the views windows before any earlier snapshot is that old, last viewed on a
//! REST-only run) is left out, and one line says which and why.

use super::data::Row;

/// The table's optional columns; report, owner, cost, reasons, collection and frequencies are
/// always shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    pub last_viewed: bool,
    pub apply_from: bool,
    pub subscribers: bool,
    /// Views over 7, 30 and 90 days.
    pub views: [bool; 3],
    /// What was left out and why; empty when nothing was.
    pub note: String,
}

const WINDOWS: [&str; 3] = ["7d", "30d", "90d"];

impl Columns {
    /// The columns of `rows`, `planned` when an apply plan was made for the snapshot.
    pub fn of(rows: &[Row], planned: bool) -> Columns {
        let any = |known: &dyn Fn(&Row) -> bool| rows.iter().any(known);
        let views = [0, 1, 2].map(|i| any(&|r: &Row| r.views[i].known));
        let mut columns = Columns {
            last_viewed: any(&|r: &Row| r.last_viewed.known),
            apply_from: planned,
            subscribers: any(&|r: &Row| r.subscribers.known),
            views,
            note: String::new(),
        };
        columns.note = columns.left_out(rows.is_empty());
        columns
    }

    fn left_out(&self, empty: bool) -> String {
        if empty {
            return String::new();
        }
        let mut why = Vec::new();
        let unknown: Vec<&str> = WINDOWS
            .iter()
            .zip(self.views)
            .filter(|(_, shown)| !shown)
            .map(|(w, _)| *w)
            .collect();
        if !unknown.is_empty() {
            why.push(format!(
                "views {} (unknown for every report: no earlier snapshot of this workspace is that old yet; \
                 they fill in as snapshots accumulate)",
                list(&unknown)
            ));
        }
        if !self.last_viewed {
            why.push(
                "last viewed (unknown for every report: Mode's REST API does not give it; a run with \
                 --source both or discovery reads it)"
                    .to_string(),
            );
        }
        if !self.subscribers {
            why.push("subscribers (unknown for every report: no schedule could be read)".to_string());
        }
        if !self.apply_from {
            why.push(
                "when apply may unschedule them (no apply plan was made for this snapshot: --digests makes one)"
                    .to_string(),
            );
        }
        match why.is_empty() {
            true => String::new(),
            false => format!("Left out of the table: {}.", why.join("; ")),
        }
    }
}

/// `a`, `a and b`, `a, b and c`.
fn list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_a_sentence() {
        assert_eq!(list(&["7d"]), "7d");
        assert_eq!(list(&["7d", "30d"]), "7d and 30d");
        assert_eq!(list(&["7d", "30d", "90d"]), "7d, 30d and 90d");
    }
}
