//! The run summary printed on stderr at the end of every run (and of the demo): counts, findings,
//! where the files are, what was not collected, and one "next:" hint.

use std::fmt;

use crate::snapshot::{Failure, RunReport, RunStatus};

/// The summary of a run.
impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_summary(f, &[], None)
    }
}

impl RunReport {
    /// The summary, with `extra` rows (label, value) after the counts (the demo's check against
    /// the stand-in) and `next` instead of a run's own hint when given.
    pub fn write_summary(
        &self,
        f: &mut fmt::Formatter<'_>,
        extra: &[(&str, String)],
        next: Option<String>,
    ) -> fmt::Result {
        self.write_counts(f)?;
        for (label, value) in extra {
            writeln!(f, "  {label:<22}{value}")?;
        }
        self.write_places(f)?;
        self.write_failures(f)?;
        if let Some(next) = next.or_else(|| self.next()) {
            writeln!(f, "  next: {next}")?;
        }
        Ok(())
    }

    /// The status line and the counts, findings, reuse, sources, requests and time.
    fn write_counts(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_listed(f)?;
        self.write_findings(f)?;
        self.write_reused(f)?;
        self.write_sources(f)?;
        self.write_requests(f)
    }

    /// The status line, and what was listed.
    fn write_listed(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.summary;
        let status = match self.status {
            RunStatus::Complete => "complete".to_string(),
            RunStatus::Partial => "PARTIAL".to_string(),
            RunStatus::Stopped(reason) => format!("STOPPED ({reason})"),
        };
        let resumed = if self.resumed {
            ", resumed from a checkpoint"
        } else {
            ""
        };
        writeln!(f, "mode-audit: workspace {} — {status}{resumed}", self.workspace)?;
        writeln!(
            f,
            "  collections           {:>8}  ({} inaccessible)",
            s.collections, s.inaccessible_collections
        )?;
        match self.stats.source.as_deref() {
            Some("discovery") => writeln!(
                f,
                "  reports               {:>8}  (archived unknown: the Discovery API does not say)",
                s.reports
            )?,
            _ => writeln!(f, "  reports               {:>8}  ({} archived)", s.reports, s.archived)?,
        }
        writeln!(f, "  scheduled             {:>8}", s.scheduled)?;
        writeln!(f, "  scheduled, 0 views    {:>8}", s.scheduled_zero_views)?;
        Ok(())
    }

    /// The headline numbers and the findings per reason.
    fn write_findings(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(headline) = &self.headline {
            for line in headline.lines() {
                writeln!(f, "  {line}")?;
            }
        }
        if !self.findings.is_empty() {
            let total: u64 = self.findings.iter().map(|(_, n)| n).sum();
            writeln!(f, "  findings              {total:>8}")?;
            for (reason, n) in self.findings.iter().filter(|(_, n)| *n > 0) {
                writeln!(f, "                        {n:>8}  {}", reason.code())?;
            }
        }
        Ok(())
    }

    /// The schedule details reused from the last snapshot, when reuse is on.
    fn write_reused(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.stats.reports_reused, self.stats.schedules_reused) {
            (Some(0), _) | (_, Some(0)) => {
                writeln!(f, "  schedules reused      {:>8}  (every schedule read by this run)", 0)?
            }
            (Some(reports), Some(schedules)) => {
                let oldest = self.stats.oldest_schedule_age_seconds.map_or(String::new(), |secs| {
                    format!("; the oldest read {} before this run", age(secs))
                });
                writeln!(
                    f,
                    "  schedules reused      {schedules:>8}  (of {reports} reports, from the last snapshot{oldest})"
                )?
            }
            _ => {}
        }
        Ok(())
    }

    /// The listings' source when it is not REST, and what only one source listed.
    fn write_sources(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(source) = self.stats.source.as_deref().filter(|s| *s != "rest") {
            writeln!(
                f,
                "  source                {source:>8}  (listings from the Discovery API; docs/discovery.md)"
            )?;
        }
        if let Some(check) = &self.stats.cross_check {
            writeln!(
                f,
                "  listed by one source  {:>8}  ({} by REST only, {} by Discovery only; not a failure)",
                check.rest_only + check.discovery_only,
                check.rest_only,
                check.discovery_only
            )?;
        }
        Ok(())
    }

    /// The requests, the values out of bounds, and the time taken.
    fn write_requests(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "  requests              {:>8}  ({} throttled, {} retried)",
            self.stats.requests.requests, self.stats.requests.throttled, self.stats.requests.retries
        )?;
        if self.stats.requests.out_of_range_values > 0 {
            writeln!(
                f,
                "  values out of bounds  {:>8}  (left empty; see docs/data-dictionary.md#bounds)",
                self.stats.requests.out_of_range_values
            )?;
        }
        writeln!(
            f,
            "  time                  {:>7.1}s",
            self.stats.duration_ms as f64 / 1000.0
        )?;
        Ok(())
    }

    /// The snapshot (or checkpoint) and the files to open in it.
    fn write_places(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.published, &self.checkpoint) {
            (Some(path), _) => writeln!(f, "  snapshot              {}", path.display())?,
            (None, Some(path)) => {
                writeln!(
                    f,
                    "  snapshot              none yet; checkpoint saved to {}",
                    path.display()
                )?;
                writeln!(
                    f,
                    "                        run the same command again to resume (--fresh starts over)"
                )?;
            }
            (None, None) if matches!(self.status, RunStatus::Stopped(_)) => {
                writeln!(f, "  snapshot              none (stopped before the end)")?
            }
            (None, None) => writeln!(f, "  snapshot              reports.csv written to stdout")?,
        }
        let files = [
            ("findings file", &self.findings_file),
            ("by owner", &self.owners_file),
            ("workbook", &self.workbook),
            ("page", &self.page),
        ];
        for (label, path) in files {
            if let Some(path) = path {
                writeln!(f, "  {label:<22}{}", path.display())?;
            }
        }
        Ok(())
    }

    fn write_failures(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let listed: Vec<&Failure> = self.failures.iter().collect();
        if !listed.is_empty() {
            writeln!(f, "  not collected ({}):", listed.len())?;
            for failure in listed.iter().take(20) {
                writeln!(
                    f,
                    "    - {} {}: {}",
                    failure.scope,
                    failure.token.as_deref().unwrap_or(""),
                    failure.error
                )?;
            }
            if listed.len() > 20 {
                writeln!(f, "    … {} more in snapshot.json", listed.len() - 20)?;
            }
        }
        Ok(())
    }

    /// What to do now, in one line; `None` when the summary already says it (a checkpoint).
    fn next(&self) -> Option<String> {
        let ws = &self.workspace;
        match self.status {
            RunStatus::Stopped(_) => return None,
            RunStatus::Partial => {
                return Some(format!(
                    "what was not collected is listed above and in snapshot.json's failures; run again to read it \
                     (`mode-audit doctor --workspace {ws}` checks access)"
                ));
            }
            RunStatus::Complete => {}
        }
        let found: u64 = self.findings.iter().map(|(_, n)| n).sum();
        let open = (self.page.as_ref().map(|p| format!("{} in a browser", p.display()))).or_else(|| {
            self.owners_file
                .as_ref()
                .or(self.findings_file.as_ref())
                .map(|p| p.display().to_string())
        });
        Some(match (found, open) {
            (0, _) => "no findings: run this nightly (docs/deployment.md) to follow views over time".to_string(),
            (_, Some(path)) => format!(
                "open {path}, then `mode-audit apply --workspace {ws}` shows, without changing anything, the \
                 schedules it would delete"
            ),
            (_, None) => format!(
                "`mode-audit apply --workspace {ws}` shows, without changing anything, the schedules it would delete"
            ),
        })
    }
}

/// `6d 4h`, `3h 20m`, `45m` or `12s`: an age, to the two largest units.
fn age(secs: u64) -> String {
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{secs}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m}m"),
        (d, h, _) => format!("{d}d {h}h"),
    }
}
