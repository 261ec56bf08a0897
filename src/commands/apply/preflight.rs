//! The checks before `apply` plans or deletes anything: the snapshot is not stamped in the future
//! and its findings window is long enough, and (before deleting) this machine's clock agrees with
//! Mode's.
//!
//! Every age rule compares times from two clocks: the one that stamped the snapshots and this
//! one. A snapshot stamped in the future, or a local clock far from Mode's, would make a report
//! look unused for longer than it was.

use std::time::Duration;

use anyhow::{Result, bail};
use chrono::{DateTime, Utc};

use crate::config::ApplySettings;
use crate::insights::findings::short;
use crate::mode::{ModeClient, ModeError};
use crate::snapshot::Snapshot;
use crate::snapshot::time::parse_time;

pub use crate::commands::clock::CLOCK_TOLERANCE;
/// The shortest findings window a plan is made from unless `--findings-window` accepts a shorter one.
pub const MIN_FINDINGS_WINDOW: Duration = Duration::from_secs(30 * 86_400);

/// `Ok` when the snapshot can be planned from at `now`.
pub fn snapshot_usable(snapshot: &Snapshot, options: &ApplySettings, now: DateTime<Utc>) -> Result<()> {
    let tolerance = chrono::Duration::from_std(CLOCK_TOLERANCE).unwrap_or_default();
    if let Some(at) = parse_time(&snapshot.started_at).filter(|at| *at > now + tolerance) {
        bail!(
            "the snapshot started at {} is stamped {} in the future of this machine's clock ({}): \
             the clock that stamped it, or this one, is wrong; nothing was planned. If this clock is right, \
             move that snapshot's folder out of the output (apply plans from the newest complete snapshot) \
             and run `mode-audit run` again",
            snapshot.started_at,
            short((at - now).to_std().unwrap_or_default()),
            now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
    }
    let limit = CLOCK_TOLERANCE.as_secs() as i64;
    match snapshot.stats.clock_offset_seconds {
        Some(off) if off.abs() > limit => bail!(
            "the snapshot started at {} was taken by a run whose clock was {} off Mode's: its times cannot be \
             trusted for the age rules; set that machine's clock right (e.g. enable NTP), run again and apply from \
             that snapshot; nothing was planned",
            snapshot.started_at,
            short(Duration::from_secs(off.unsigned_abs()))
        ),
        Some(_) => {}
        None => bail!(
            "the snapshot started at {} does not record how far its run's clock was from Mode's (made by an \
             older version, or Mode sent no Date header): run `mode-audit run` again and apply from that snapshot; \
             nothing was planned",
            snapshot.started_at
        ),
    }
    let accepted = options
        .findings_window
        .unwrap_or(MIN_FINDINGS_WINDOW)
        .min(MIN_FINDINGS_WINDOW);
    match snapshot.findings_window_seconds.map(Duration::from_secs) {
        None => bail!(
            "the snapshot started at {} does not record the findings window its \"not viewed recently\" findings \
             used; run `mode-audit run` again (with the default 30d window) and apply from that snapshot",
            snapshot.started_at
        ),
        Some(window) if window < accepted => bail!(
            "the snapshot started at {} found reports \"not viewed recently\" over only {window}: apply needs {} or \
             more; run with a longer --findings-window, or give --findings-window {window} on the apply command line \
             to accept it",
            snapshot.started_at,
            short(accepted),
            window = short(window),
        ),
        Some(_) => Ok(()),
    }
}

/// `Ok` when Mode's clock (the `Date` of a fresh answer) is within [`CLOCK_TOLERANCE`] of `now()`.
pub async fn clocks_agree(client: &ModeClient, now: impl Fn() -> DateTime<Utc>) -> Result<()> {
    match client.verify().await {
        Ok(_) => {}
        Err(e @ ModeError::Unauthorized { .. }) => return Err(anyhow::anyhow!(e).context("nothing was changed")),
        Err(e) => bail!("cannot read Mode's clock before deleting ({e}); nothing was changed"),
    }
    let local = now();
    let Some(server) = client.server_date() else {
        bail!("Mode's answer carried no Date header, so this machine's clock cannot be checked; nothing was changed");
    };
    let off = (local - server).abs();
    if off > chrono::Duration::from_std(CLOCK_TOLERANCE).unwrap_or_default() {
        bail!(
            "this machine's clock ({}) is {} off Mode's ({}): the age rules would be wrong; set the clock right \
             (e.g. enable NTP) and run again; nothing was changed",
            local.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            short(off.to_std().unwrap_or_default()),
            server.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
    }
    tracing::info!(
        offset_seconds = (local - server).num_seconds(),
        "this machine's clock agrees with Mode's"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LocalClock;
    use crate::insights::eligibility::Rules;

    fn options(findings_window: Option<Duration>) -> ApplySettings {
        ApplySettings {
            execute: false,
            rules: Rules::default(),
            findings_window,
            clock: LocalClock::default(),
        }
    }

    #[test]
    fn a_snapshot_from_the_future_or_with_a_short_window_is_refused() {
        let mut snap = crate::test_support::snapshot(Vec::new());
        let now = parse_time(&snap.started_at).unwrap();
        snap.findings_window_seconds = Some(30 * 86_400);
        snap.stats.clock_offset_seconds = Some(2);
        assert!(snapshot_usable(&snap, &options(None), now).is_ok());
        let err = snapshot_usable(&snap, &options(None), now - chrono::Duration::hours(1))
            .unwrap_err()
            .to_string();
        assert!(err.contains("in the future"), "{err}");
        assert!(
            err.contains("move that snapshot's folder out"),
            "says what to do: {err}"
        );
        assert!(
            snapshot_usable(&snap, &options(None), now - chrono::Duration::minutes(4)).is_ok(),
            "within the clock tolerance"
        );

        snap.findings_window_seconds = Some(86_400);
        let err = snapshot_usable(&snap, &options(None), now).unwrap_err().to_string();
        assert!(
            err.contains("over only 1d") && err.contains("--findings-window"),
            "{err}"
        );
        let day = Some(Duration::from_secs(86_400));
        assert!(
            snapshot_usable(&snap, &options(day), now).is_ok(),
            "accepted on the command line"
        );
        let week = Some(Duration::from_secs(7 * 86_400));
        assert!(
            snapshot_usable(&snap, &options(week), now).is_err(),
            "1d is shorter than what was accepted"
        );

        snap.findings_window_seconds = None;
        let err = snapshot_usable(&snap, &options(day), now).unwrap_err().to_string();
        assert!(err.contains("does not record"), "{err}");
    }

    #[test]
    fn a_snapshot_whose_run_had_a_wrong_clock_or_did_not_say_is_refused() {
        let mut snap = crate::test_support::snapshot(Vec::new());
        let now = parse_time(&snap.started_at).unwrap();
        snap.findings_window_seconds = Some(30 * 86_400);
        for (offset, ok) in [
            (Some(-299), true),
            (Some(301), false),
            (Some(-3600), false),
            (None, false),
        ] {
            snap.stats.clock_offset_seconds = offset;
            let got = snapshot_usable(&snap, &options(None), now);
            assert_eq!(got.is_ok(), ok, "{offset:?}: {got:?}");
            if let Err(e) = got {
                let e = e.to_string();
                assert!(
                    e.contains("clock") && e.contains("again") && e.contains("nothing was planned"),
                    "{e}"
                );
            }
        }
    }
}
