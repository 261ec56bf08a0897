//! The output checks of `doctor`: the folder or bucket a run writes to, its lease, and the
//! metrics file when one is set.

use super::{Check, Grade, not_passed, pass};
use crate::config::{Destination, Settings};
use crate::output;
use crate::output::Place;
use crate::output::metrics;

/// The output folder (or bucket), its lease (none for `--out -`), the metrics file (when set).
pub(super) async fn checks(settings: &Settings) -> Vec<Check> {
    let mut checks = vec![folder(settings).await];
    if !matches!(settings.destination, Destination::Stdout) {
        checks.push(lease_check(settings).await);
    }
    checks.extend(metrics_file(settings));
    checks
}

/// Whether the output folder is writable, or the bucket can be listed and written.
async fn folder(settings: &Settings) -> Check {
    let ws = &settings.workspace;
    match &settings.destination {
        Destination::Dir(out) => match output::check_writable(out, ws) {
            Ok(()) => pass(
                "output folder",
                format!("{} is writable", output::workspace_dir(out, ws).display()),
            ),
            Err(e) => not_passed(
                "output folder",
                Grade::Fail,
                format!("{e:#}"),
                "create the folder or choose another with --out / MODE_AUDIT_OUT; the job's user must be able to write in it",
            ),
        },
        Destination::Bucket(url) => {
            let checked = match Place::bucket(url, &settings.store) {
                Ok(place) => place.check(ws).await,
                Err(e) => Err(e),
            };
            match checked {
                Ok(()) => pass(
                    "output folder",
                    format!("{} can be listed and written", url.join(&[ws])),
                ),
                Err(e) => not_passed(
                    "output folder",
                    Grade::Fail,
                    format!("{e:#}"),
                    "see docs/storage.md for the URL forms, the credential chain of each provider and the permissions a run needs",
                ),
            }
        }
        Destination::Stdout => pass(
            "output folder",
            "--out -: reports.csv goes to stdout, nothing is written".into(),
        ),
    }
}

/// Whether another mode-audit holds the output's lease (only read: doctor never takes it).
async fn lease_check(settings: &Settings) -> Check {
    match crate::commands::lease::holder(settings).await {
        Ok(None) => pass("lease", "free: no other mode-audit is writing to this output".into()),
        Ok(Some((place, holder))) if holder.stale(chrono::Utc::now()) => not_passed(
            "lease",
            Grade::Warn,
            format!("{place} was left by {holder}, which is gone or expired"),
            "nothing to do: the next run, apply --execute, undo --execute or notify --execute takes it over with a warning",
        ),
        Ok(Some((place, holder))) => not_passed(
            "lease",
            Grade::Warn,
            format!(
                "{holder} holds {place}: run, apply --execute, undo --execute and notify --execute exit 2 until it ends"
            ),
            "wait for it to finish; if you are sure it is gone, run again with --break-lease",
        ),
        Err(e) => not_passed(
            "lease",
            Grade::Warn,
            format!("{e:#}"),
            "check that the job's user may read OUT/<workspace>/lease.json (or the bucket's object)",
        ),
    }
}

/// Whether the metrics file can be written; `None` when none is set.
fn metrics_file(settings: &Settings) -> Option<Check> {
    let setting = settings.insights.metrics_file.as_ref()?;
    let path = metrics::file_for(setting, &settings.workspace);
    Some(match metrics::check_writable(setting, &settings.workspace) {
        Ok(()) => pass("metrics file", format!("{} can be written", path.display())),
        Err(e) => not_passed(
            "metrics file",
            Grade::Fail,
            format!("{e:#}"),
            "point --metrics-file / MODE_AUDIT_METRICS_FILE at a writable folder (node-exporter's textfile directory), or a file name in one",
        ),
    })
}
