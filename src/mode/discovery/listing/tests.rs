use serde_json::{Value, json};

use super::*;
use crate::mode::discovery::BatchReport;

/// A page of `tokens` with the given pagination and `_links` (`None`: no `_links`).
fn page(tokens: &[&str], pagination: Value, next: Option<bool>) -> RawPage {
    let mut body =
        json!({"pagination": pagination, "reports": tokens.iter().map(|t| json!({"token": t})).collect::<Vec<_>>()});
    if let Some(next) = next {
        body["_links"] = if next {
            json!({"next_page": {"href": "/batch/acme/reports?page=9"}})
        } else {
            json!({})
        };
    }
    decode_page(&serde_json::to_vec(&body).unwrap(), "reports").unwrap()
}

fn info(total_pages: u64, total_count: u64) -> Value {
    json!({"page": 1, "per_page": 2, "count": 2, "total_pages": total_pages, "total_count": total_count})
}

#[test]
fn the_last_full_page_ends_the_listing_by_total_pages_even_with_a_next_link() {
    let mut w = Walker::<BatchReport>::new(2, 100);
    assert_eq!(w.take(page(&["a", "b"], info(2, 4), Some(true))), Some(2));
    assert_eq!(w.take(page(&["c", "d"], info(2, 4), Some(true))), None);
    let l = w.finish();
    assert_eq!((l.items.len(), l.pages), (4, 2));
    assert_eq!(l.shortfall(), None);
}

#[test]
fn without_links_or_pagination_a_short_or_empty_page_ends_it() {
    let mut w = Walker::<BatchReport>::new(2, 100);
    assert_eq!(w.take(page(&["a", "b"], Value::Null, None)), Some(2));
    assert_eq!(w.take(page(&["c"], Value::Null, None)), None);
    let mut w = Walker::<BatchReport>::new(2, 100);
    assert_eq!(w.take(page(&["a", "b"], Value::Null, None)), Some(2));
    assert_eq!(w.take(page(&[], Value::Null, None)), None);
    assert_eq!(w.finish().items.len(), 2);
}

#[test]
fn links_without_next_page_end_it() {
    let mut w = Walker::<BatchReport>::new(2, 100);
    assert_eq!(w.take(page(&["a", "b"], Value::Null, Some(false))), None);
}

#[test]
fn duplicates_are_dropped_and_a_repeating_server_meets_the_page_cap() {
    let mut w = Walker::<BatchReport>::new(2, 3);
    for _ in 0..2 {
        assert!(w.take(page(&["a", "b"], Value::Null, Some(true))).is_some());
    }
    assert_eq!(w.take(page(&["a", "b"], Value::Null, Some(true))), None);
    let l = w.finish();
    assert_eq!((l.items.len(), l.duplicates, l.capped), (2, 4, true));
    assert!(l.shortfall().unwrap().contains("3 pages"));
}

#[test]
fn fewer_items_than_total_count_is_a_shortfall() {
    let mut w = Walker::<BatchReport>::new(2, 100);
    assert_eq!(w.take(page(&["a"], info(1, 3), Some(false))), None);
    let shortfall = w.finish().shortfall().unwrap();
    assert!(
        shortfall.contains("announced 3") && shortfall.contains("1 were read"),
        "{shortfall}"
    );
}

#[test]
fn an_item_without_a_token_is_unreadable_and_counts_as_read() {
    let body = json!({"pagination": info(1, 2), "reports": [{"token": "a"}, {"name": "no token"}]});
    let mut w = Walker::<BatchReport>::new(2, 100);
    w.take(decode_page(&serde_json::to_vec(&body).unwrap(), "reports").unwrap());
    let l = w.finish();
    assert_eq!((l.items.len(), l.unreadable.len()), (1, 1));
    assert_eq!(l.shortfall(), None);
}

#[test]
fn lenient_fields_ids_as_numbers_or_strings_and_either_view_count_name() {
    let item: crate::mode::discovery::BatchReportStats = serde_json::from_value(json!({
        "report_id": "12", "report_token": "z9", "active_schedules_count": "2", "view_count": 7
    }))
    .unwrap();
    assert_eq!(item.views().value(), Some(7));
    let item: crate::mode::discovery::BatchReportStats =
        serde_json::from_value(json!({"report_id": 12, "report_token": "g1", "total_views_count": 9})).unwrap();
    assert_eq!(item.views().value(), Some(9));
    let report: BatchReport = serde_json::from_value(json!({"token": "not-hex!", "id": 4, "name": null})).unwrap();
    assert_eq!((report.last_viewed_at.0, report.id.0.as_deref()), (None, Some("4")));
}

#[test]
fn a_body_that_is_not_json_may_be_asked_again_and_a_wrong_shape_not() {
    assert!(matches!(
        decode_page(b"{\"reports\": [", "reports"),
        Err(PageError::Unreadable(_))
    ));
    assert!(matches!(
        decode_page(b"{\"reports\": 3}", "reports"),
        Err(PageError::Shape(_))
    ));
}
