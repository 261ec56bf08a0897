//! Settings that are valid but probably a mistake: warned about once logging is up, never refused.

use super::Settings;
use crate::mode::{Rate, is_loopback};

/// One warning per questionable setting of `settings`.
pub fn cautions(settings: &Settings) -> Vec<String> {
    let mut out = Vec::new();
    let to_mode = !settings.client.base_url.host_str().is_some_and(is_loopback);
    if let Some(rate) = settings.client.rate.filter(|_| to_mode) {
        let per_second = f64::from(rate.requests.get()) / rate.per.as_secs_f64();
        let mode = f64::from(Rate::MODE.requests.get()) / Rate::MODE.per.as_secs_f64();
        if per_second > mode {
            out.push(format!(
                "--rate {rate} is {:.1}x Mode's documented limit of {}: Mode will answer 429 (Too Many \
                 Requests) and the run waits those out, so it gets slower, not faster. Keep the default \
                 unless Mode raised this workspace's limit",
                per_second / mode,
                Rate::MODE
            ));
        }
    }
    out
}
