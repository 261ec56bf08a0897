//! The run table: the short summary printed on stderr at the end of every run.

use std::fmt;

use crate::snapshot::{Failure, RunReport, RunStatus};

/// The short table printed on stderr at the end of every run.
impl fmt::Display for RunReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
        if !self.findings.is_empty() {
            let total: u64 = self.findings.iter().map(|(_, n)| n).sum();
            writeln!(f, "  findings              {total:>8}")?;
            for (reason, n) in self.findings.iter().filter(|(_, n)| *n > 0) {
                writeln!(f, "                        {n:>8}  {}", reason.code())?;
            }
        }
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
