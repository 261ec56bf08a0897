//! `Endpoint`: which Mode API resource a request path names (`/api/...`), with its path parameters.

use super::counters::Category;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `/api/verify`
    Verify,
    /// `/api/{name}`: the workspace, a user, or `account`.
    Account { name: String },
    /// `/api/{ws}/spaces` or `/api/{ws}/collections`
    Spaces { ws: String },
    /// `/api/{ws}/spaces/{space}`
    Space { ws: String, space: String },
    /// `/api/{ws}/spaces/{space}/reports`
    SpaceReports { ws: String, space: String },
    /// `/api/{ws}/spaces/{space}/datasets` (listed under the `reports` key, §1)
    SpaceDatasets { ws: String, space: String },
    /// `/api/{ws}/reports/{report}`
    Report { ws: String, report: String },
    /// `/api/{ws}/reports/{report}/schedules`
    Schedules { ws: String, report: String },
    /// `/api/{ws}/reports/{report}/schedules/{schedule}`
    Schedule {
        ws: String,
        report: String,
        schedule: String,
    },
    /// `/api/{ws}/reports/{report}/subscriptions`
    ReportSubscriptions { ws: String, report: String },
    /// `/api/{ws}/reports/{report}/schedules/{schedule}/subscriptions`
    ScheduleSubscriptions {
        ws: String,
        report: String,
        schedule: String,
    },
    /// `/api/{ws}/reports/{report}/runs`
    ReportRuns { ws: String, report: String },
    /// `/api/{ws}/memberships`
    Memberships { ws: String },
    /// Anything else.
    Unknown,
}

impl Endpoint {
    pub fn parse(path: &str) -> Endpoint {
        let Some(rest) = path.strip_prefix("/api/") else {
            return Endpoint::Unknown;
        };
        let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Endpoint::Unknown;
        }
        let s = |x: &str| x.to_string();
        match segments.as_slice() {
            ["verify"] => Endpoint::Verify,
            [name] => Endpoint::Account { name: s(name) },
            [ws, "spaces" | "collections"] => Endpoint::Spaces { ws: s(ws) },
            [ws, "spaces" | "collections", space] => Endpoint::Space {
                ws: s(ws),
                space: s(space),
            },
            [ws, "spaces" | "collections", space, "reports"] => Endpoint::SpaceReports {
                ws: s(ws),
                space: s(space),
            },
            [ws, "spaces" | "collections", space, "datasets"] => Endpoint::SpaceDatasets {
                ws: s(ws),
                space: s(space),
            },
            [ws, "reports", report] => Endpoint::Report {
                ws: s(ws),
                report: s(report),
            },
            [ws, "reports", report, "schedules"] => Endpoint::Schedules {
                ws: s(ws),
                report: s(report),
            },
            [ws, "reports", report, "runs"] => Endpoint::ReportRuns {
                ws: s(ws),
                report: s(report),
            },
            [ws, "memberships"] => Endpoint::Memberships { ws: s(ws) },
            [ws, "reports", report, "subscriptions"] => Endpoint::ReportSubscriptions {
                ws: s(ws),
                report: s(report),
            },
            [ws, "reports", report, "schedules", schedule] => Endpoint::Schedule {
                ws: s(ws),
                report: s(report),
                schedule: s(schedule),
            },
            [ws, "reports", report, "schedules", schedule, "subscriptions"] => Endpoint::ScheduleSubscriptions {
                ws: s(ws),
                report: s(report),
                schedule: s(schedule),
            },
            _ => Endpoint::Unknown,
        }
    }

    /// The counter this request is booked under.
    pub fn category(&self) -> Category {
        match self {
            Endpoint::Spaces { .. } => Category::Collections,
            Endpoint::SpaceReports { .. } => Category::Reports,
            Endpoint::Schedules { .. } => Category::Schedules,
            Endpoint::ReportRuns { .. } => Category::Runs,
            Endpoint::Memberships { .. } => Category::Memberships,
            _ => Category::Other,
        }
    }

    /// The list endpoints random faults apply to.
    pub fn is_fault_target(&self) -> bool {
        self.category() != Category::Other
    }

    /// The workspace segment, for endpoints scoped to one.
    pub fn workspace(&self) -> Option<&str> {
        match self {
            Endpoint::Spaces { ws }
            | Endpoint::Space { ws, .. }
            | Endpoint::SpaceReports { ws, .. }
            | Endpoint::SpaceDatasets { ws, .. }
            | Endpoint::Report { ws, .. }
            | Endpoint::Schedules { ws, .. }
            | Endpoint::Schedule { ws, .. }
            | Endpoint::ReportSubscriptions { ws, .. }
            | Endpoint::ScheduleSubscriptions { ws, .. }
            | Endpoint::ReportRuns { ws, .. }
            | Endpoint::Memberships { ws } => Some(ws),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mode_paths() {
        assert_eq!(Endpoint::parse("/api/verify"), Endpoint::Verify);
        assert_eq!(Endpoint::parse("/api/acme"), Endpoint::Account { name: "acme".into() });
        assert_eq!(
            Endpoint::parse("/api/acme/spaces"),
            Endpoint::Spaces { ws: "acme".into() }
        );
        assert_eq!(
            Endpoint::parse("/api/acme/collections/"),
            Endpoint::Spaces { ws: "acme".into() }
        );
        assert_eq!(
            Endpoint::parse("/api/acme/collections/abc/reports"),
            Endpoint::SpaceReports {
                ws: "acme".into(),
                space: "abc".into()
            }
        );
        assert_eq!(
            Endpoint::parse("/api/acme/reports/r1/schedules/s1/subscriptions"),
            Endpoint::ScheduleSubscriptions {
                ws: "acme".into(),
                report: "r1".into(),
                schedule: "s1".into()
            }
        );
        assert_eq!(Endpoint::parse("/api/acme/reports/r1/runs").category(), Category::Runs);
        assert_eq!(
            Endpoint::parse("/api/acme/memberships"),
            Endpoint::Memberships { ws: "acme".into() }
        );
        assert_eq!(Endpoint::parse("/api/acme/reports/r1/queries"), Endpoint::Unknown);
        assert_eq!(Endpoint::parse("/acme/spaces"), Endpoint::Unknown);
        assert_eq!(Endpoint::parse("/api//spaces"), Endpoint::Unknown);
        assert_eq!(
            Endpoint::parse("/api/acme/reports/r1/schedules").category(),
            Category::Schedules
        );
        assert!(!Endpoint::parse("/api/acme/reports/r1").is_fault_target());
    }
}
