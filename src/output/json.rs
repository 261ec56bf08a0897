//! JSON writers: the whole snapshot as snapshot.json, and reports.jsonl (one report per line).

use std::io::Write;

use serde::Serialize;

use crate::snapshot::{ReportRecord, Snapshot};

/// snapshot.json: `{schema_version, workspace, started_at, finished_at, status, stats, collections,
/// reports, failures}`, names kept exactly as Mode sent them (no spreadsheet escaping).
pub fn write_snapshot<W: Write>(snapshot: &Snapshot, mut out: W) -> std::io::Result<W> {
    serde_json::to_writer_pretty(&mut out, snapshot)?;
    out.write_all(b"\n")?;
    Ok(out)
}

#[derive(Serialize)]
struct ReportLine<'a> {
    workspace: &'a str,
    #[serde(flatten)]
    report: &'a ReportRecord,
}

/// reports.jsonl: one JSON object per report, with its workspace and schedules.
pub fn write_reports_jsonl<W: Write>(snapshot: &Snapshot, mut out: W) -> std::io::Result<W> {
    for report in snapshot.reports.iter() {
        serde_json::to_writer(
            &mut out,
            &ReportLine {
                workspace: &snapshot.workspace,
                report: &report,
            },
        )?;
        out.write_all(b"\n")?;
    }
    Ok(out)
}
