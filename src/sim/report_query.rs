//! `ReportQuery`: the `filter` (`{created_at|updated_at}.{gt|lt}.<ISO8601>`), `order` and
//! `order_by` parameters of a report listing, and their effect on a collection's reports.

use std::collections::HashMap;

use super::timestamp::{iso_z, parse_iso};
use super::workspace::SimReport;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    CreatedAt,
    UpdatedAt,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportQuery {
    /// Field, `true` for `gt` (`false` for `lt`), threshold in the served timestamp format.
    filter: Option<(Field, bool, String)>,
    order_by: Field,
    desc: bool,
}

impl Field {
    fn parse(s: &str) -> Option<Field> {
        match s {
            "created_at" => Some(Field::CreatedAt),
            "updated_at" => Some(Field::UpdatedAt),
            _ => None,
        }
    }

    fn of(self, r: &SimReport) -> &str {
        match self {
            Field::CreatedAt => &r.created_at,
            Field::UpdatedAt => &r.updated_at,
        }
    }
}

impl ReportQuery {
    /// Reads the query. `filter=all` (which DataHub sends) is accepted and has no effect; any
    /// other filter that is not `<field>.<gt|lt>.<timestamp>` is an error message. Unknown
    /// `order`/`order_by` values fall back to ascending by `created_at`.
    pub fn parse(q: &HashMap<String, String>) -> Result<ReportQuery, String> {
        let filter = match q.get("filter").map(String::as_str) {
            None | Some("" | "all") => None,
            Some(raw) => Some(parse_filter(raw).ok_or_else(|| format!("invalid filter: {raw}"))?),
        };
        Ok(ReportQuery {
            filter,
            order_by: q
                .get("order_by")
                .and_then(|v| Field::parse(v))
                .unwrap_or(Field::CreatedAt),
            desc: q.get("order").is_some_and(|v| v.eq_ignore_ascii_case("desc")),
        })
    }

    /// The reports this query selects, in the order it asks for. The served timestamps are
    /// fixed-width, so comparing strings compares instants.
    pub fn apply<'a>(&self, reports: &'a [SimReport]) -> Vec<&'a SimReport> {
        let mut out: Vec<&SimReport> = match &self.filter {
            None => reports.iter().collect(),
            Some((field, gt, at)) => reports
                .iter()
                .filter(|r| {
                    let v = field.of(r);
                    if *gt { v > at.as_str() } else { v < at.as_str() }
                })
                .collect(),
        };
        if self.order_by != Field::CreatedAt || !is_sorted_by_created(reports) {
            out.sort_by(|a, b| self.order_by.of(a).cmp(self.order_by.of(b)));
        }
        if self.desc {
            out.reverse();
        }
        out
    }
}

fn is_sorted_by_created(reports: &[SimReport]) -> bool {
    reports.windows(2).all(|w| w[0].created_at <= w[1].created_at)
}

fn parse_filter(raw: &str) -> Option<(Field, bool, String)> {
    let mut parts = raw.splitn(3, '.');
    let field = Field::parse(parts.next()?)?;
    let gt = match parts.next()? {
        "gt" => true,
        "lt" => false,
        _ => return None,
    };
    let at = parse_iso(parts.next()?)?;
    Some((field, gt, iso_z(at)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Workspace, WorkspaceSpec};

    fn query(pairs: &[(&str, &str)]) -> Result<ReportQuery, String> {
        ReportQuery::parse(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    fn reports() -> Vec<SimReport> {
        let spec = WorkspaceSpec {
            sizes: Some(vec![200]),
            community: false,
            personal: 0,
            ..Default::default()
        };
        Workspace::generate("acme", &spec).collections.remove(0).reports
    }

    #[test]
    fn default_is_created_ascending_and_everything() {
        let rs = reports();
        let got = query(&[]).unwrap().apply(&rs);
        assert_eq!(got.len(), 200);
        assert!(got.iter().zip(&rs).all(|(a, b)| a.token == b.token));
        assert_eq!(query(&[("filter", "all")]).unwrap().apply(&rs).len(), 200);
    }

    #[test]
    fn filters_by_timestamp() {
        let rs = reports();
        let pivot = rs[120].created_at.clone();
        let gt = query(&[("filter", &format!("created_at.gt.{pivot}"))])
            .unwrap()
            .apply(&rs);
        assert_eq!(gt.len(), 79);
        assert!(gt.iter().all(|r| r.created_at > pivot));
        let lt = query(&[("filter", &format!("updated_at.lt.{pivot}"))])
            .unwrap()
            .apply(&rs);
        assert!(lt.iter().all(|r| r.updated_at < pivot));
        assert!(query(&[("filter", "created_at.eq.2020-01-01T00:00:00Z")]).is_err());
        assert!(query(&[("filter", "created_at.gt.soon")]).is_err());
    }

    #[test]
    fn orders_by_field_and_direction() {
        let rs = reports();
        let desc = query(&[("order", "desc"), ("order_by", "updated_at")])
            .unwrap()
            .apply(&rs);
        assert!(desc.windows(2).all(|w| w[0].updated_at >= w[1].updated_at));
        let created_desc = query(&[("order", "desc")]).unwrap().apply(&rs);
        assert_eq!(created_desc[0].token, rs[199].token);
    }
}
