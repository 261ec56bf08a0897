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

/// Reads `pages` through a walker (2 items a page) and the `collect` sink: what `take` answered
/// for each page, the tokens kept, and the listing's account.
fn read(max_pages: u32, pages: Vec<RawPage>) -> (Vec<Option<u32>>, Vec<String>, Listed) {
    let mut w = Walker::<BatchReport>::new(2, max_pages);
    let mut items = Vec::new();
    let mut keep = collect(&mut items);
    let answers = pages.into_iter().map(|p| w.take(p, &mut keep)).collect();
    drop(keep);
    (answers, items.into_iter().map(|r| r.token).collect(), w.finish())
}

#[test]
fn the_total_count_ends_the_listing_whatever_the_links_say() {
    let (answers, items, l) = read(
        100,
        vec![
            page(&["a", "b"], info(2, 4), Some(true)),
            page(&["c", "d"], info(2, 4), Some(true)),
        ],
    );
    assert_eq!(answers, [Some(2), None]);
    assert_eq!((items.len(), l.kept, l.pages), (4, 4, 2));
    assert_eq!(l.shortfall(), None);
}

#[test]
fn without_links_or_pagination_a_short_or_empty_page_ends_it() {
    let (answers, _, _) = read(
        100,
        vec![page(&["a", "b"], Value::Null, None), page(&["c"], Value::Null, None)],
    );
    assert_eq!(answers, [Some(2), None]);
    let (answers, items, _) = read(
        100,
        vec![page(&["a", "b"], Value::Null, None), page(&[], Value::Null, None)],
    );
    assert_eq!(answers, [Some(2), None]);
    assert_eq!(items, ["a", "b"]);
}

#[test]
fn neither_a_missing_next_link_nor_total_pages_ends_a_full_page() {
    let (answers, _, _) = read(100, vec![page(&["a", "b"], Value::Null, Some(false))]);
    assert_eq!(answers, [Some(2)]);
    // total_pages counted for another page size (the server capping per_page) says nothing.
    let (answers, _, _) = read(100, vec![page(&["a", "b"], info(1, 3), Some(false))]);
    assert_eq!(answers, [Some(2)]);
}

#[test]
fn thirty_of_a_thousand_asked_is_not_the_end_without_a_total() {
    let mut w = Walker::<BatchReport>::new(PER_PAGE, 100);
    let mut items = Vec::new();
    let mut keep = collect(&mut items);
    let tokens = |from: usize, to: usize| (from..to).map(|i| format!("r{i}")).collect::<Vec<_>>();
    let served = |t: Vec<String>| page(&t.iter().map(String::as_str).collect::<Vec<_>>(), Value::Null, None);
    assert_eq!(w.take(served(tokens(0, 30)), &mut keep), Some(2));
    assert_eq!(w.take(served(tokens(30, 60)), &mut keep), Some(3));
    assert_eq!(w.take(served(tokens(60, 61)), &mut keep), None);
    drop(keep);
    assert_eq!((items.len(), w.finish().shortfall()), (61, None));
}

#[test]
fn a_repeated_page_ends_the_listing_and_the_page_cap_is_a_shortfall() {
    let pages = (0..2).map(|_| page(&["a", "b"], Value::Null, Some(true))).collect();
    let (answers, items, l) = read(3, pages);
    assert_eq!(answers, [Some(2), None]);
    assert_eq!(items, ["a", "b"]);
    assert_eq!((l.kept, l.duplicates, l.capped), (2, 2, false));
    let pages = vec![
        page(&["a", "b"], Value::Null, None),
        page(&["c", "d"], Value::Null, None),
    ];
    let (answers, _, l) = read(2, pages);
    assert_eq!(answers, [Some(2), None]);
    assert!(l.capped);
    assert!(l.shortfall().unwrap().contains("2 pages"));
}

#[test]
fn a_sink_that_keeps_nothing_counts_every_item_as_a_duplicate() {
    let mut w = Walker::<BatchReport>::new(2, 100);
    let mut handed = Vec::new();
    let mut keep = |r: BatchReport| {
        handed.push(r.token);
        false
    };
    assert_eq!(w.take(page(&["a", "b"], info(1, 2), Some(false)), &mut keep), None);
    let l = w.finish();
    assert_eq!(handed, ["a", "b"]);
    assert_eq!((l.kept, l.duplicates), (0, 2));
    assert!(l.shortfall().is_some(), "2 announced, none kept");
}

#[test]
fn fewer_items_than_total_count_is_a_shortfall() {
    let (_, _, l) = read(100, vec![page(&["a"], info(1, 3), Some(false))]);
    let shortfall = l.shortfall().unwrap();
    assert!(
        shortfall.contains("announced 3") && shortfall.contains("1 were read"),
        "{shortfall}"
    );
}

#[test]
fn an_item_without_a_token_is_unreadable_and_counts_as_read() {
    let body = json!({"pagination": info(1, 2), "reports": [{"token": "a"}, {"name": "no token"}]});
    let (_, items, l) = read(
        100,
        vec![decode_page(&serde_json::to_vec(&body).unwrap(), "reports").unwrap()],
    );
    assert_eq!((items.len(), l.unreadable.len()), (1, 1));
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
