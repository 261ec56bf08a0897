//! Tests of page decoding: the shapes Mode sends, items of the wrong shape, and property tests
//! with arbitrary JSON at every field of every model and randomly mutated pages.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::mode::{Collection, Counter, Report, Schedule};

fn page<T: Listed>(json: &str) -> Page<T> {
    Page::decode(json.as_bytes()).expect("page decodes")
}

#[test]
fn counters_accept_numbers_and_numeric_strings_and_flag_garbage() {
    let p: Page<Report> = page(
        r#"{"_embedded":{"reports":[
            {"token":"a","view_count":6,"schedules_count":"2"},
            {"token":"b","view_count":null},
            {"token":"c","view_count":-3,"schedules_count":"many"},
            {"token":"d","view_count":1.5,"schedules_count":10000000000000}
        ]}}"#,
    );
    let counts: Vec<_> = p.items.iter().map(|r| (r.view_count, r.schedules_count)).collect();
    assert_eq!(
        counts,
        vec![
            (Counter::Value(6), Counter::Value(2)),
            (Counter::Missing, Counter::Missing),
            (Counter::Invalid, Counter::Invalid),
            (Counter::Invalid, Counter::Invalid),
        ]
    );
    assert_eq!(p.out_of_range, 4, "every unusable counter is counted");
}

#[test]
fn empty_missing_and_null_embedded_are_empty_pages() {
    for body in [
        r#"{"_links":{"self":{"href":""}},"_embedded":{}}"#,
        r#"{"_links":{}}"#,
        r#"{"_embedded":null}"#,
        r#"{"_embedded":{"reports":null}}"#,
        r#"{"_embedded":{"reports":[]}}"#,
    ] {
        assert_eq!(page::<Report>(body).listed(), 0, "{body}");
    }
}

#[test]
fn other_embedded_keys_are_ignored() {
    let p: Page<Schedule> = page(
        r#"{"_embedded":{"reports":[{"x":1}],"report_schedules":[{"token":"s1","hour":8,"frequency":"daily","subscriber_count":"3"}]}}"#,
    );
    assert_eq!(p.items.len(), 1);
    assert_eq!(p.items[0].hour.0.as_deref(), Some("8"));
    assert_eq!(p.items[0].subscriber_count, Counter::Value(3));
}

#[test]
fn creator_comes_from_the_creator_link_and_names_may_be_null() {
    let p: Page<Report> = page(
        r#"{"_embedded":{"reports":[{"token":"r","name":null,"archived":"true","unknown":{"deep":[1]},
            "_links":{"creator":{"href":"/api/ana_lima"},"web":{"href":"https://app.mode.com/acme/reports/r"}}}]}}"#,
    );
    let r = &p.items[0];
    assert_eq!(r.name.0, None);
    assert_eq!(r.archived.0, Some(true));
    assert_eq!(r.creator().as_deref(), Some("ana_lima"));
    assert_eq!(r.web_url().as_deref(), Some("https://app.mode.com/acme/reports/r"));
}

#[test]
fn an_item_that_does_not_decode_costs_that_item_only() {
    let body = r#"{"_embedded":{"reports":[
        {"token":"a"},
        {"name":"no token"},
        {"token":7,"name":"a number for a token"},
        {"token":"d","name":{"an":"object"},"_links":[1,2],"view_count":{"x":1},"expected_runtime":[]}
    ]}}"#;
    let p: Page<Report> = page(body);
    let kept: Vec<_> = p.items.iter().map(|r| r.token.as_str()).collect();
    assert_eq!(kept, ["a", "d"], "odd fields other than token cost nothing");
    assert_eq!(p.listed(), 4, "the pager still sees every item the server listed");
    let rejected: Vec<_> = p
        .rejected
        .iter()
        .map(|r| (r.index, r.path.as_str(), r.token.as_deref()))
        .collect();
    assert_eq!(
        rejected,
        [
            (1, "_embedded.reports[1]", None),
            (2, "_embedded.reports[2].token", None)
        ]
    );
    assert!(
        p.rejected[0].message.contains("missing field `token`"),
        "{}",
        p.rejected[0].message
    );
    assert_ne!(p.rejected[0].fingerprint, p.rejected[1].fingerprint);
}

#[test]
fn a_rejected_item_keeps_its_token_when_readable() {
    let body = r#"{"_embedded":{"reports":[{"token":"t1","token":"t2"}]}}"#;
    let p: Page<Report> = page(body);
    assert_eq!(p.rejected.len(), 1, "a duplicate field does not decode");
    let body = r#"{"_embedded":{"reports":[{"token":"t1","view_count":1e400}]}}"#;
    let p: Page<Report> = page(body);
    assert_eq!(
        p.rejected[0].path, "_embedded.reports[0].view_count",
        "beyond f64: not a number serde reads"
    );
    assert_eq!(p.rejected[0].token.as_deref(), Some("t1"), "the token is still read");
}

#[test]
fn only_a_body_that_is_not_json_is_worth_asking_again() {
    for body in [
        &br#"{"_embedded":{"reports":[{"token":"a"},{"tok"#[..],
        b"",
        b"<html>",
        b"{\"_embedded\":{\"reports\":[{\"token\":\"\xff\"}]}}",
    ] {
        assert!(
            matches!(Page::<Report>::decode(body), Err(PageError::Unreadable(_))),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    for body in [
        r#"[]"#,
        r#"null"#,
        r#""reports""#,
        r#"{"_embedded":"reports"}"#,
        r#"{"_embedded":{"reports":{"token":"a"}}}"#,
        r#"{"_embedded":{"reports":"a"}}"#,
    ] {
        assert!(
            matches!(Page::<Report>::decode(body.as_bytes()), Err(PageError::Shape(_))),
            "{body}"
        );
    }
}

#[test]
fn deep_nesting_and_huge_numbers_in_unknown_fields_are_skipped() {
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let body = format!(
        r#"{{"_links":{deep},"_embedded":{{"other":{deep},"reports":[{{"token":"a","x":{deep},"y":1e999,"name":{deep}}}]}}}}"#
    );
    let p: Page<Report> = page(&body);
    assert_eq!(p.items.len(), 1);
    assert_eq!(p.items[0].name.0, None);
}

#[test]
fn expected_runtime_beyond_a_day_is_unknown_and_counted() {
    let p: Page<Report> = page(
        r#"{"_embedded":{"reports":[{"token":"a","expected_runtime":1e308},{"token":"b","expected_runtime":"Infinity"},{"token":"c","expected_runtime":2.5}]}}"#,
    );
    let runtimes: Vec<_> = p.items.iter().map(|r| r.expected_runtime.value()).collect();
    assert_eq!(runtimes, [None, None, Some(2.5)]);
    assert_eq!(p.out_of_range, 2);
}

// ---- property tests ----

/// Any JSON value: scalars (huge and unicode strings, extreme numbers) and nested lists and objects.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![Just(1e308), Just(-1e308), Just(f64::MIN_POSITIVE), Just(5e-324)].prop_map(Value::from),
        "\\PC{0,20}".prop_map(Value::from),
        (0usize..100_000).prop_map(|n| Value::from("ü".repeat(n))),
        prop_oneof![
            Just("NaN"),
            Just("inf"),
            Just("-1"),
            Just("1e400"),
            Just("0001-01-01T00:00:00Z")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("\\PC{0,8}", inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A value nested `depth` lists deep: past serde_json's recursion limit of 128.
fn deep(depth: usize) -> String {
    format!("{}0{}", "[".repeat(depth), "]".repeat(depth))
}

const REPORT_FIELDS: [&str; 15] = [
    "token",
    "name",
    "type",
    "archived",
    "space_token",
    "created_at",
    "updated_at",
    "last_run_at",
    "last_successfully_run_at",
    "view_count",
    "schedules_count",
    "expected_runtime",
    "_links",
    "query_count",
    "_forms",
];
const SCHEDULE_FIELDS: [&str; 14] = [
    "token",
    "name",
    "frequency",
    "time_zone",
    "hour",
    "minute",
    "next_scheduled_run",
    "last_scheduled_run",
    "last_run_at",
    "last_succeeded_at",
    "retry_state",
    "subscriber_count",
    "_links",
    "timeout",
];
const COLLECTION_FIELDS: [&str; 6] = ["token", "name", "space_type", "state", "_links", "description"];

fn good_report(token: &str) -> Value {
    json!({"token": token, "name": "Weekly ARR", "type": "Report", "archived": false, "view_count": 12,
           "schedules_count": 1, "expected_runtime": 3.5, "created_at": "2024-01-02T03:04:05.000Z",
           "_links": {"creator": {"href": "/api/ana"}, "web": {"href": "https://app.mode.com/acme/reports/x"}}})
}

fn good_schedule(token: &str) -> Value {
    json!({"token": token, "name": "Daily", "frequency": "daily", "hour": "8:00 am", "minute": "the top of the hour",
           "subscriber_count": 3, "next_scheduled_run": "2026-11-28T08:00:00.000Z"})
}

fn good_collection(token: &str) -> Value {
    json!({"token": token, "name": "Finance", "space_type": "custom", "state": "active"})
}

/// `[good "a", item with `field` set to `value`, good "c"]` decodes without panic; a and c always
/// survive; the middle item survives unless `field` is its token; the pager sees three items.
fn one_odd_field<T: Listed>(good: fn(&str) -> Value, field: &str, value: Value) -> Result<(), TestCaseError> {
    let mut odd = good("b");
    odd[field] = value;
    let body = json!({"_links": {"self": {"href": "/x"}}, "_embedded": {T::KEY: [good("a"), odd, good("c")]}});
    let p = Page::<T>::decode(&serde_json::to_vec(&body).unwrap()).unwrap();
    let kept: Vec<&str> = p.items.iter().map(Listed::token).collect();
    prop_assert_eq!(p.listed(), 3);
    prop_assert!(kept.contains(&"a") && kept.contains(&"c"), "{:?}", kept);
    if field != "token" {
        prop_assert_eq!(kept, ["a", "b", "c"]);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_value_at_any_report_field(field in prop::sample::select(&REPORT_FIELDS[..]), value in any_json()) {
        one_odd_field::<Report>(good_report, field, value)?;
    }

    #[test]
    fn any_value_at_any_schedule_field(field in prop::sample::select(&SCHEDULE_FIELDS[..]), value in any_json()) {
        one_odd_field::<Schedule>(good_schedule, field, value)?;
    }

    #[test]
    fn any_value_at_any_collection_field(field in prop::sample::select(&COLLECTION_FIELDS[..]), value in any_json()) {
        one_odd_field::<Collection>(good_collection, field, value)?;
    }

    #[test]
    fn any_value_in_the_page_wrapper(links in any_json(), other in any_json(), embedded_extra in any_json()) {
        let body = json!({"_links": links, "_embedded": {"reports": [good_report("a")], "x": embedded_extra}, "pagination": other});
        let p = Page::<Report>::decode(&serde_json::to_vec(&body).unwrap()).unwrap();
        prop_assert_eq!(p.items.len(), 1);
    }

    #[test]
    fn any_value_in_place_of_the_list_never_panics(list in any_json(), embedded in any_json()) {
        for body in [json!({"_embedded": {"reports": list.clone()}}), json!({"_embedded": embedded.clone()}), list.clone()] {
            let _ = Page::<Report>::decode(&serde_json::to_vec(&body).unwrap());
        }
    }

    /// Pages of good and mutated items (fields dropped, types changed, huge strings, unicode, deep
    /// nesting): decoding never panics, every well-formed item survives, every item is accounted for.
    #[test]
    fn mutated_pages_keep_every_well_formed_item(
        mutations in prop::collection::vec(
            prop::option::of((prop::sample::select(&REPORT_FIELDS[..]), prop::option::of(any_json()), any::<bool>())),
            0..40,
        ),
    ) {
        let mut items = Vec::new();
        let mut well_formed = Vec::new();
        for (i, mutation) in mutations.iter().enumerate() {
            let token = format!("r{i}");
            let mut item = good_report(&token);
            match mutation {
                None => well_formed.push(token),
                Some((field, value, nest)) => {
                    match value {
                        None => { item.as_object_mut().unwrap().remove(*field); }
                        Some(v) => item[*field] = v.clone(),
                    }
                    if *field != "token" {
                        well_formed.push(token);
                    }
                    let mut text = item.to_string();
                    if *nest {
                        // A deep value in an unknown field, spliced in as text (beyond what serde_json builds).
                        text.insert_str(1, &format!("\"nested\":{},", deep(300)));
                    }
                    items.push(text);
                    continue;
                }
            }
            items.push(item.to_string());
        }
        let body = format!(r#"{{"_embedded":{{"reports":[{}]}}}}"#, items.join(","));
        let p = Page::<Report>::decode(body.as_bytes()).unwrap();
        prop_assert_eq!(p.listed(), mutations.len());
        let kept: Vec<&str> = p.items.iter().map(|r| r.token.as_str()).collect();
        for token in &well_formed {
            prop_assert!(kept.contains(&token.as_str()), "{} lost", token);
        }
        for r in &p.rejected {
            prop_assert!(r.path.starts_with(&format!("_embedded.reports[{}]", r.index)), "{}", r.path);
        }
        for r in &p.items {
            prop_assert!(r.expected_runtime.value().is_none_or(|s| s.is_finite() && (0.0..=86_400.0).contains(&s)));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = Page::<Report>::decode(&body);
        let _ = Page::<Schedule>::decode(&body);
        let _ = Page::<Collection>::decode(&body);
    }
}
