//! `Subscription`: a report subscription derived from a schedule, and its HAL body, shaped like
//! the captured payloads (reference doc §3.4).

use serde_json::{Value, json};

use super::render::{Hal, derived_token};
use super::workspace::{SimReport, SimSchedule};

/// A report subscription derived from a schedule (the truth has none of its own): one per
/// schedule with subscribers. Its token exists only in `_links.self.href`.
#[derive(Clone, Debug, PartialEq)]
pub struct Subscription<'a> {
    pub token: String,
    pub schedule: &'a SimSchedule,
}

/// The subscriptions of `schedules`, in schedule order.
pub fn subscriptions(schedules: &[SimSchedule]) -> Vec<Subscription<'_>> {
    schedules
        .iter()
        .filter(|s| s.subscriber_count > 0)
        .map(|s| Subscription {
            token: derived_token(&[&s.token, "subscription"]),
            schedule: s,
        })
        .collect()
}

impl Hal<'_> {
    /// A subscription as listed in `_embedded.report_subscriptions` (no `token` property).
    pub fn subscription(&self, r: &SimReport, sub: &Subscription<'_>) -> Value {
        let report = self.api(&format!("/reports/{}", r.token));
        let href = format!("{report}/subscriptions/{}", sub.token);
        let bits = sub.token.as_bytes()[1];
        json!({
            "data_previews_enabled": bits.is_multiple_of(2),
            "data_tables_enabled": bits.is_multiple_of(3),
            "csv_attachments_enabled": bits.is_multiple_of(5),
            "pdf_attachments_enabled": bits.is_multiple_of(7),
            "report_links_enabled": true,
            "email_subscriber_count": self.count(sub.schedule.subscriber_count),
            "_links": {
                "self": {"href": href},
                "report_schedule": {"href": format!("{report}/schedules/{}", sub.schedule.token)},
                "email_subscription_memberships": {"href": format!("{href}/email_subscription_memberships")},
                "slack_subscription_memberships": {"href": format!("{href}/slack_subscription_memberships")},
            },
            "_forms": {
                "edit": {"method": "patch", "action": href, "content_type": "application/json"},
                "destroy": {"method": "delete", "action": href},
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Workspace, WorkspaceSpec};

    #[test]
    fn subscriptions_have_no_token_property() {
        let spec = WorkspaceSpec {
            scheduled_share: 1.0,
            reports: 50,
            ..Default::default()
        };
        let ws = Workspace::generate("acme", &spec);
        let (_, r) = ws
            .reports()
            .find(|(_, r)| r.schedules.iter().any(|s| s.subscriber_count > 0))
            .unwrap();
        let subs = subscriptions(&r.schedules);
        let hal = Hal {
            ws: "acme",
            strings: false,
        };
        let body = hal.subscription(r, &subs[0]);
        assert!(body.get("token").is_none());
        let href = body["_links"]["self"]["href"].as_str().unwrap();
        assert!(href.ends_with(&format!("/subscriptions/{}", subs[0].token)));
        assert_eq!(body["email_subscriber_count"], subs[0].schedule.subscriber_count);
    }
}
