//! Fault knobs of the simulator: scripted (deterministic) faults, seeded random faults and
//! latency with jitter, plus the error bodies and proxy pages a fault answers with.

use std::sync::Mutex;
use std::time::Duration;

use fastrand::Rng;

/// What an injected fault does to a response.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// That status with a Mode error body `{"id": <code>, "message": ...}`.
    Status(u16),
    /// 429 `{"id":"rate_limited","message":"Too many API requests"}`, `Retry-After` when `Some`.
    RateLimited { retry_after: Option<u64> },
    /// 200 headers with a `Content-Length` larger than the body, part of the body, then a
    /// broken stream: the client sees a connection/body error.
    Drop,
    /// 200 with a truncated JSON body.
    Malformed,
    /// An HTML error page from a proxy (`text/html`) with that status.
    Html(u16),
    /// The normal response, after this extra delay.
    Slow(Duration),
    /// Exactly these bytes with this status and content type (odd bodies: invalid UTF-8, huge
    /// bodies, absurd counters, unknown collection types).
    Body {
        status: u16,
        content_type: String,
        body: Vec<u8>,
    },
    /// The normal answer with item `index` of its `_embedded` list changed: `field` removed
    /// (`value` `None`) or set to `value`. One odd item on an otherwise normal page: a missing
    /// token, a number past any sane bound, a field of another type.
    EditItem {
        index: usize,
        field: String,
        value: Option<serde_json::Value>,
    },
    /// A redirect with this status (301, 302, 307, 308) to `location`, as a proxy or an old host
    /// name might send: the request was not acted on here.
    Redirect { status: u16, location: String },
}

/// Applies [`Fault::EditItem`] to a list body; a body without such an item is left as it is.
pub fn edit_item(body: &mut serde_json::Value, index: usize, field: &str, value: Option<serde_json::Value>) {
    let item = body
        .get_mut("_embedded")
        .and_then(serde_json::Value::as_object_mut)
        .and_then(|embedded| embedded.values_mut().find_map(serde_json::Value::as_array_mut))
        .and_then(|items| items.get_mut(index))
        .and_then(serde_json::Value::as_object_mut);
    if let Some(item) = item {
        match value {
            Some(v) => {
                item.insert(field.to_string(), v);
            }
            None => {
                item.remove(field);
            }
        }
    }
}

/// The first `times` requests whose `METHOD /path?query` contains `path_contains` get `fault`
/// (a plain path matches every method; `"DELETE /api/…"` only deletes).
#[derive(Clone, Debug, PartialEq)]
pub struct ScriptedFault {
    pub path_contains: String,
    pub fault: Fault,
    pub times: u32,
}

/// The knobs from `SimConfig` that decide faults and latency, with their mutable state.
#[derive(Debug)]
pub struct FaultPlan {
    /// Scripted faults with the uses they have left.
    scripted: Mutex<Vec<(ScriptedFault, u32)>>,
    fault_rng: Mutex<Rng>,
    jitter_rng: Mutex<Rng>,
    error_rate: f64,
    drop_rate: f64,
    malformed_rate: f64,
    latency: Duration,
    latency_jitter: f64,
}

/// Knob values a `FaultPlan` is built from.
#[derive(Clone, Debug, Default)]
pub struct FaultKnobs {
    pub scripted: Vec<ScriptedFault>,
    pub seed: u64,
    pub error_rate: f64,
    pub drop_rate: f64,
    pub malformed_rate: f64,
    pub latency: Duration,
    pub latency_jitter: f64,
}

impl FaultPlan {
    pub fn new(knobs: FaultKnobs) -> Self {
        FaultPlan {
            scripted: Mutex::new(knobs.scripted.into_iter().map(|s| (s.clone(), s.times)).collect()),
            fault_rng: Mutex::new(Rng::with_seed(knobs.seed)),
            jitter_rng: Mutex::new(Rng::with_seed(knobs.seed ^ 0x9e37_79b9_7f4a_7c15)),
            error_rate: knobs.error_rate,
            drop_rate: knobs.drop_rate,
            malformed_rate: knobs.malformed_rate,
            latency: knobs.latency,
            latency_jitter: knobs.latency_jitter,
        }
    }

    /// Consumes one use of the first scripted fault, in list order, whose `path_contains`
    /// occurs in `path_and_query` and which has uses left.
    pub fn scripted(&self, path_and_query: &str) -> Option<Fault> {
        let mut scripted = self.scripted.lock().unwrap_or_else(|e| e.into_inner());
        let (fault, left) = scripted
            .iter_mut()
            .find(|(s, left)| *left > 0 && path_and_query.contains(&s.path_contains))?;
        *left -= 1;
        Some(fault.fault.clone())
    }

    /// Rolls the seeded dice once: a 500/502/503, a dropped connection, a malformed body, or nothing.
    pub fn random(&self) -> Option<Fault> {
        if self.error_rate <= 0.0 && self.drop_rate <= 0.0 && self.malformed_rate <= 0.0 {
            return None;
        }
        let mut rng = self.fault_rng.lock().unwrap_or_else(|e| e.into_inner());
        let roll = rng.f64();
        if roll < self.error_rate {
            Some(Fault::Status([500, 502, 503][rng.usize(..3)]))
        } else if roll < self.error_rate + self.drop_rate {
            Some(Fault::Drop)
        } else if roll < self.error_rate + self.drop_rate + self.malformed_rate {
            Some(Fault::Malformed)
        } else {
            None
        }
    }

    /// The server time of one request: `latency` ± up to `latency_jitter` of it, uniformly.
    pub fn latency(&self) -> Duration {
        if self.latency.is_zero() || self.latency_jitter <= 0.0 {
            return self.latency;
        }
        let u = self.jitter_rng.lock().unwrap_or_else(|e| e.into_inner()).f64();
        let factor = 1.0 + self.latency_jitter * (2.0 * u - 1.0);
        self.latency.mul_f64(factor.max(0.0))
    }
}

/// Mode's error `id` for a status (SPEC error definitions; 502 has none there).
pub fn error_id(status: u16) -> &'static str {
    match status {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        413 => "payload_too_large",
        429 => "rate_limited",
        502 => "bad_gateway",
        503 => "service_unavailable",
        s if s >= 500 => "internal_server_error",
        _ => "bad_request",
    }
}

/// A human message for a Mode error body.
pub fn error_message(status: u16) -> &'static str {
    match status {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        413 => "Payload too large",
        429 => "Too many API requests",
        502 => "Bad gateway",
        503 => "Service unavailable",
        s if s >= 500 => "Internal server error",
        _ => "Bad request",
    }
}

/// The kind of page a load balancer in front of an API returns.
pub fn html_page(status: u16) -> String {
    let reason = match status {
        502 => "Bad Gateway",
        503 => "Service Temporarily Unavailable",
        504 => "Gateway Time-out",
        429 => "Too Many Requests",
        403 => "Forbidden",
        _ => "Error",
    };
    format!(
        "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n\
         <center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n\
         </body>\r\n</html>\r\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(knobs: FaultKnobs) -> FaultPlan {
        FaultPlan::new(knobs)
    }

    #[test]
    fn scripted_faults_fire_in_order_then_run_out() {
        let p = plan(FaultKnobs {
            scripted: vec![
                ScriptedFault {
                    path_contains: "/reports".into(),
                    fault: Fault::Status(500),
                    times: 2,
                },
                ScriptedFault {
                    path_contains: "page=2".into(),
                    fault: Fault::Drop,
                    times: 1,
                },
            ],
            ..Default::default()
        });
        assert_eq!(p.scripted("/api/acme/spaces?filter=all"), None);
        assert_eq!(
            p.scripted("/api/acme/spaces/x/reports?page=2"),
            Some(Fault::Status(500))
        );
        assert_eq!(
            p.scripted("/api/acme/spaces/x/reports?page=2"),
            Some(Fault::Status(500))
        );
        assert_eq!(p.scripted("/api/acme/spaces/x/reports?page=2"), Some(Fault::Drop));
        assert_eq!(p.scripted("/api/acme/spaces/x/reports?page=2"), None);
    }

    #[test]
    fn random_faults_are_seeded_and_proportional() {
        let knobs = FaultKnobs {
            seed: 9,
            error_rate: 0.1,
            drop_rate: 0.05,
            malformed_rate: 0.05,
            ..Default::default()
        };
        let (a, b) = (plan(knobs.clone()), plan(knobs));
        let rolls_a: Vec<_> = (0..10_000).map(|_| a.random()).collect();
        let rolls_b: Vec<_> = (0..10_000).map(|_| b.random()).collect();
        assert_eq!(rolls_a, rolls_b);
        let errors = rolls_a.iter().filter(|f| matches!(f, Some(Fault::Status(_)))).count();
        let drops = rolls_a.iter().filter(|f| matches!(f, Some(Fault::Drop))).count();
        assert!((800..1_200).contains(&errors), "{errors}");
        assert!((350..650).contains(&drops), "{drops}");
        assert_eq!(plan(FaultKnobs::default()).random(), None);
    }

    #[test]
    fn latency_jitter_stays_in_bounds() {
        let p = plan(FaultKnobs {
            latency: Duration::from_millis(100),
            latency_jitter: 0.5,
            ..Default::default()
        });
        for _ in 0..1_000 {
            let l = p.latency();
            assert!(
                l >= Duration::from_millis(50) && l <= Duration::from_millis(150),
                "{l:?}"
            );
        }
    }

    #[test]
    fn an_edited_item_changes_that_item_only() {
        let mut body =
            serde_json::json!({"_links": {}, "_embedded": {"reports": [{"token": "a"}, {"token": "b", "name": "B"}]}});
        edit_item(&mut body, 1, "token", None);
        edit_item(&mut body, 0, "expected_runtime", Some(serde_json::json!(1e308)));
        edit_item(&mut body, 9, "token", None);
        assert_eq!(
            body["_embedded"]["reports"],
            serde_json::json!([{"token": "a", "expected_runtime": 1e308}, {"name": "B"}])
        );
    }

    #[test]
    fn error_ids_follow_mode() {
        assert_eq!(error_id(404), "not_found");
        assert_eq!(error_id(500), "internal_server_error");
        assert_eq!(error_id(503), "service_unavailable");
        assert!(html_page(502).contains("502 Bad Gateway"));
    }
}
