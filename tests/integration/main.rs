//! One integration test binary: the audit against the Mode stand-in, in-process and as a built binary.

// Shared setup: a fast stand-in and settings that audit it.
mod harness;
// Real servers (S3, SMTP, a browser): found on PATH or provisioned once under target/.
mod servers;
// The walk: pagination, end detection, duplicates, schedules only where needed.
mod walk;
// Rate limits and faults: 429s, 5xx, dropped connections, bad bodies, inaccessible collections.
mod faults;
// Bad answers: HTML pages, huge bodies, invalid UTF-8, absurd counters, endless listings.
mod bad_input;
// No answer or flag crashes the run: huge Retry-After, odd items, absurd numbers, impossible rates.
mod robustness;
// Output files checked field by field against the stand-in's truth.
mod files;
// Stop and resume: checkpoints, --fresh, identical results.
mod resume;
// Incremental runs: schedule details reused, changes fetched, the max age and the rolling refresh.
mod incremental;
mod incremental_runs;
// The built binary: exit codes, publication, configuration precedence, secrets.
mod binary;
// The built binary, continued: stop/resume, plan, all faults, secrets, progress, several workspaces.
mod binary_runs;
// What the binary says: wrong input, an unreachable Mode, help, the end of a run.
mod messages;
// Pacing at Mode's real budget, on a paused clock.
mod paced;
// plan and doctor with several workspaces: each one handled, the worst exit code.
mod workspaces;
// --out s3://...: publication, history, diff, checkpoints and failures against a real S3 server.
mod bucket;
// --out gs://... without a GCS server: the credential chain and doctor's messages.
mod gcs;
// The Kubernetes manifests in deploy/, parsed and checked.
mod manifests;
// The architecture: layers point one way, no circles.
mod architecture;
// From snapshots to decisions: history, findings, digests, diff, doctor, metrics.
mod insights;
// The workbook (--format xlsx), read back and compared cell by cell with snapshot.json and the CSVs.
mod workbook;
// Run alerts to Slack and a webhook, owner emails to a real SMTP server.
mod notify;
// apply and undo: dry run, guarded deletes, the undo log, undo, stop and rerun.
mod apply;
// Runs and departed owners: measured, sampled, unreadable, OWNER_DEPARTED, --runs off.
mod runs;
// The Discovery API as a source: report sets, listing ends, last_viewed_at, minted tokens.
mod discovery;
// The Discovery source through the built binary: SIGTERM, a refused mint, secrets.
mod discovery_binary;
// A Discovery run stopped with reports still waiting for schedules, then resumed.
mod discovery_stop;
// The page (report.html) in headless Chromium: rendering, sorting, filtering, escaping, no network.
mod page;
// Every listing ends only on evidence: per_page honoured, capped with and without total_count.
mod listing_ends;
