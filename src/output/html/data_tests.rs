use super::*;
use crate::insights::findings::{FindingsOptions, detect};
use crate::insights::keep::KeepList;
use crate::output::html::{Trend, write_page};
use crate::test_support;

/// Reports r0..rn, each scheduled daily and never viewed, the later ones costlier.
fn snapshot_of(n: usize) -> Snapshot {
    let reports = (0..n)
        .map(|i| {
            let mut r = test_support::report(
                &format!("r{i}"),
                Some(0),
                vec![test_support::schedule(&format!("s{i}"), "daily", 1)],
            );
            r.expected_runtime = Some(60.0 * (i + 1) as f64);
            r
        })
        .collect();
    let mut s = test_support::snapshot(reports);
    s.findings = detect(&s, None, &FindingsOptions::default(), &KeepList::default());
    s
}

fn page(s: &Snapshot) -> String {
    let mut out = Vec::new();
    write_page(s, None, &Trend::default(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn one_row_per_report_costliest_first_with_every_reason() {
    let s = snapshot_of(3);
    let g = gather(&s, None);
    let tokens: Vec<&str> = g.rows.iter().map(|r| r.token.as_str()).collect();
    assert_eq!(tokens, ["r2", "r1", "r0"]);
    assert_eq!(g.rows[0].reasons, ["SCHEDULED_NEVER_VIEWED"]);
    // 30 runs a month × 180 s.
    assert_eq!(g.rows[0].cost.text, "1.5 h");
    assert_eq!(g.rows[0].subscribers.text, "1");
    assert_eq!(g.rows[0].views[1].text, "unknown", "no history: unknown, not zero");
    assert_eq!(g.totals.unviewed_reports, 3);
    assert_eq!(g.totals.unviewed_hours_per_month, 0.5 + 1.0 + 1.5);
    assert_eq!(g.owners.len(), 3);
    assert_eq!(g.owners[0].name, "r2_owner");
}

#[test]
fn measured_runs_outrank_the_estimate_and_last_viewed_comes_from_discovery() {
    let mut s = snapshot_of(2);
    // r0 is the cheaper by estimate, but its runs were read: 40 runs, 5 h of warehouse time.
    let reports: Vec<_> = s
        .reports
        .iter()
        .map(|mut r| {
            if r.token == "r0" {
                r.discovered.last_viewed_at = Some("2026-09-01T10:00:00Z".into());
            }
            r
        })
        .collect();
    s.reports = reports.into();
    let findings: Vec<_> = s
        .findings
        .iter()
        .map(|mut f| {
            if f.report_token == "r0" {
                f.runs.runs_30d = Some(40);
                f.runs.run_seconds_30d = Some(18_000.0);
                f.runs.basis = Some(crate::snapshot::run_figures::RunBasis::Measured);
            }
            f
        })
        .collect();
    s.findings = findings.into();
    let g = gather(&s, None);
    let tokens: Vec<&str> = g.rows.iter().map(|r| r.token.as_str()).collect();
    assert_eq!(tokens, ["r0", "r1"], "the measured cost orders the table");
    assert_eq!(g.rows[0].cost.text, "5.0 h");
    assert_eq!(
        g.rows[0].last_viewed.text, "2026-09-01 10:00",
        "to the minute, wrapping before the time"
    );
    assert_eq!(
        g.rows[1].last_viewed.text, "unknown",
        "not listed by Discovery: unknown"
    );
    assert_eq!(g.totals.unviewed_hours_per_month, 5.0 + 1.0);
    assert_eq!(g.totals.unviewed_runs_per_month, 40.0 + 30.0);
}

#[test]
fn the_table_is_capped_by_cost_and_says_so() {
    let s = snapshot_of(ROW_CAP + 3);
    let g = gather(&s, None);
    assert_eq!(g.rows.len(), ROW_CAP);
    assert_eq!(g.totals.reports_with_findings, ROW_CAP as u64 + 3);
    assert!(
        g.rows.iter().all(|r| !["r0", "r1", "r2"].contains(&r.token.as_str())),
        "the cheapest are left out"
    );
    let html = page(&s);
    assert!(html.contains(&format!(
        "The {ROW_CAP} costliest of {} reports with findings",
        ROW_CAP + 3
    )));
    assert!(html.contains("findings.csv lists them all"));
}

#[test]
fn links_only_to_the_workspaces_pages_in_mode() {
    let ok = "https://app.mode.com/acme/reports/r1";
    assert_eq!(mode_link(Some(ok), "acme").as_deref(), Some(ok));
    for bad in [
        "javascript:alert(1)",
        "http://app.mode.com/acme/reports/r1",
        "https://app.mode.com.evil.example/acme/reports/r1",
        "https://evil.example/acme/reports/r1",
        "https://user@app.mode.com/acme/reports/r1",
        "https://app.mode.com:8443/acme/reports/r1",
        "https://app.mode.com/other/reports/r1",
        "data:text/html,<script>alert(1)</script>",
        "//app.mode.com/acme/reports/r1",
    ] {
        assert_eq!(mode_link(Some(bad), "acme"), None, "{bad}");
    }
}

#[test]
fn mode_texts_are_escaped_in_the_html_and_in_the_script_data() {
    let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let mut r = test_support::report("r1", Some(0), vec![test_support::schedule("s1", "daily", 0)]);
    r.name = Some(hostile.into());
    r.creator = Some(format!("{hostile}\"'&"));
    r.url = Some("javascript:alert(3)".into());
    let mut s = test_support::snapshot(vec![r]);
    s.collections[0].name = Some("</script><script>alert(4)</script>".into());
    s.findings = detect(&s, None, &FindingsOptions::default(), &KeepList::default());
    let html = page(&s);
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img src=x"));
    assert!(!html.contains("javascript:"));
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;&#60;img src=x onerror=alert(2)&#62;"));
    // The filter data the script reads: JSON with <, > and & escaped, so no tag can close it.
    let data = html
        .split("id=\"page-data\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    assert!(data.contains("\\u003cscript\\u003ealert(1)"), "{data}");
    assert_eq!(html.matches("<script").count(), 2, "only the page's own two scripts");
}

#[test]
fn the_policy_allows_only_the_pages_own_script_and_style() {
    let html = page(&snapshot_of(1));
    let csp = html
        .split("Content-Security-Policy\" content=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let csp = csp.replace("&#39;", "'");
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    let script = html
        .split("<script>")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    let digest = ring::digest::digest(&ring::digest::SHA256, script.as_bytes());
    use base64::Engine as _;
    let hash = base64::engine::general_purpose::STANDARD.encode(digest);
    assert!(csp.contains(&format!("script-src 'sha256-{hash}'")), "{csp}");
    assert!(!csp.contains("unsafe") && !csp.contains("http"), "{csp}");
}

#[test]
fn apply_dates_come_from_the_plan() {
    assert_eq!(
        apply_date(Some("2026-12-12T03:00:00.000Z"), "2026-11-28T03:00:00.000Z"),
        "2026-12-12"
    );
    assert_eq!(
        apply_date(Some("2026-11-01T03:00:00.000Z"), "2026-11-28T03:00:00.000Z"),
        "2026-11-28"
    );
    assert_eq!(apply_date(None, "2026-11-28T03:00:00.000Z"), "2026-11-28");
    let g = gather(&snapshot_of(1), None);
    assert_eq!(g.rows[0].apply_from.text, "no plan made");
}

#[test]
fn thousands_are_separated() {
    assert_eq!(thousands(1234567.89, 1), "1,234,567.9");
    assert_eq!(thousands(-1234.0, 0), "-1,234");
    assert_eq!(thousands(999.0, 0), "999");
    assert_eq!(thousands(-0.01, 1), "0.0");
}

#[test]
fn departed_owners_are_marked_in_the_owners_table() {
    let mut s = snapshot_of(2);
    let mut findings: Vec<_> = s.findings.iter().collect();
    let mut gone = test_support::finding("r1", Reason::OwnerDeparted);
    gone.owner = Some("r1_owner".into());
    findings.push(gone);
    s.findings = findings.into();
    let g = gather(&s, None);
    let marked: Vec<(&str, bool)> = g.owners.iter().map(|o| (o.name.as_str(), o.departed)).collect();
    assert_eq!(marked, [("r1_owner", true), ("r0_owner", false)]);
    let html = page(&s);
    assert_eq!(html.matches("left the workspace").count(), 1, "one owner marked");
}

#[test]
fn columns_unknown_for_every_report_are_left_out_and_the_page_says_why() {
    let html = page(&snapshot_of(2));
    for key in ["views_7d", "views_30d", "views_90d", "last_viewed", "apply_from"] {
        assert!(
            !html.contains(&format!("data-key=\"{key}\"")),
            "{key} is unknown everywhere"
        );
    }
    for key in ["report", "owner", "cost", "reasons", "subscribers"] {
        assert!(html.contains(&format!("data-key=\"{key}\"")), "{key} is known");
    }
    assert!(html.contains("Left out of the table: views 7d, 30d and 90d (unknown for every report"));
    assert!(html.contains("no apply plan was made for this snapshot"));
}
