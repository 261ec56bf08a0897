//! The walk's own failures: a branch a stop left unfinished, a listing cut at the page cap.

use crate::snapshot::Failure;

/// A branch (`scope`, and the token it is about) not finished, and why.
pub(super) fn unfinished(scope: &str, token: Option<String>, why: &str) -> Failure {
    Failure {
        scope: scope.to_string(),
        token,
        error: format!("not finished: {why}"),
        item: None,
    }
}

/// A listing still going at `--max-pages`.
pub(super) fn page_cap_failure(scope: &str, token: Option<String>, max_pages: u32) -> Failure {
    Failure {
        scope: scope.to_string(),
        token,
        error: format!(
            "the listing was still going after {max_pages} pages (a server repeating pages?); stopped there, later items may be missing (raise --max-pages if the listing is really this long)"
        ),
        item: None,
    }
}
