//! Writes to Mode — deleting a report schedule, creating one — and the re-read that guards them (a
//! report's schedules, every page, with their definitions), through the same pacer and retry policy
//! as every read.
//!
//! Retrying a write must be safe. A DELETE that fails in transit is sent again; a 404 then means the
//! earlier attempt did it. A POST whose answer is lost (timeout, dropped connection, 5xx) is never
//! sent again blindly, since Mode may have created the schedule before the answer was lost: the
//! report's schedules are listed, and a new one with the same definition is taken as the answer.
//! Only when none is listed is the POST sent again. A 429 is re-sent as is: Mode refused it before
//! acting on it.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::ModeClient;
use super::definition::{BodyShape, LiveSchedule, ScheduleDefinition};
use super::error::ModeError;
use super::exchange::{Answer, Exchange};
use super::pager::{End, Next, Pager};
use super::retrying::{Attempt, Step, Transient};

/// `per_page` asked for when listing one report's schedules (a report has a handful).
const PER_PAGE: u32 = 100;
/// Pages of one report's schedules at most.
const MAX_PAGES: u32 = 100;

/// What a DELETE came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Removal {
    /// Mode answered 2xx.
    Deleted,
    /// 404 after an attempt whose answer was lost: that attempt deleted it.
    DeletedOnRetry,
    /// 404 at the first attempt: someone else deleted it (or the report) first.
    AlreadyGone,
}

/// How the token of a created schedule was learnt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FoundBy {
    /// The answer's body (`token`, `report_schedule.token` or `_links.self.href`).
    Body,
    /// The answer's `Location` header.
    Location,
    /// The answer named none (or was lost): the new schedule with this definition, listed afterwards.
    Listing,
}

/// A schedule Mode created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    pub token: String,
    pub found_by: FoundBy,
    /// The body shape Mode accepted.
    pub shape: BodyShape,
}

impl ModeClient {
    /// Every schedule of `report` as Mode lists it now, each with its definition. The pager ends
    /// the listing, as every listing (its items counted decoded or not). An item that cannot be
    /// decoded fails the listing: a schedule the guard cannot see could be one with a subscriber.
    pub async fn live_schedules(&self, report: &str) -> Result<Vec<LiveSchedule>, ModeError> {
        let mut all = Vec::new();
        let mut pager = Pager::new(PER_PAGE, MAX_PAGES);
        let mut page = 1;
        loop {
            let url = self.schedules_url(report, page, PER_PAGE);
            let read = self.page::<LiveSchedule>(url.clone()).await?;
            let listed = read.listed();
            if let Some(bad) = read.rejected.first() {
                return Err(ModeError::Shape {
                    url: url.to_string(),
                    message: format!(
                        "schedule {} at {} cannot be read ({}); {} of the {listed} listed on this page cannot",
                        bad.token.as_deref().unwrap_or("(no token)"),
                        bad.path,
                        bad.message,
                        read.rejected.len()
                    ),
                });
            }
            all.extend(read.items.into_iter().filter(|s| pager.admit(&s.schedule.token)));
            match pager.finish_page(listed) {
                Next::Page(next) => page = next,
                Next::End(End::PageCap) => break,
                Next::End(_) => return Ok(all),
            }
        }
        Err(ModeError::GaveUp {
            url: self.schedules_url(report, MAX_PAGES, PER_PAGE).to_string(),
            attempts: MAX_PAGES,
            last: format!("still listing new schedules after {MAX_PAGES} pages"),
        })
    }

    /// `DELETE /api/{ws}/reports/{report}/schedules/{schedule}`, retried like a read.
    pub async fn delete_schedule(&self, report: &str, schedule: &str) -> Result<Removal, ModeError> {
        let url = self.url(&["reports", report, "schedules", schedule]);
        let shown = url.to_string();
        self.delete_at(&url, &shown).await
    }

    /// `DELETE url` with the API key, retried like a read; `shown` is what logs and errors name.
    pub(super) async fn delete_at(&self, url: &reqwest::Url, shown: &str) -> Result<Removal, ModeError> {
        self.retrying(shown, Delete { url, shown }).await
    }

    /// `POST /api/{ws}/reports/{report}/schedules` with `definition`. `before` holds the tokens
    /// listed just before: a schedule not among them, with this definition, is the one created.
    /// The body goes wrapped in `report_schedule` as Mode's docs show it; a 400 or 422 (nothing
    /// created) sends it once more without the wrapper.
    pub async fn create_schedule(
        &self,
        report: &str,
        definition: &ScheduleDefinition,
        before: &[String],
    ) -> Result<Created, ModeError> {
        let url = self.url(&["reports", report, "schedules"]);
        let shown = url.to_string();
        let create = Create {
            new: NewSchedule {
                report,
                definition,
                before,
                url: &url,
                shown: &shown,
            },
            shape: BodyShape::Wrapped,
            wrapped_refused: None,
        };
        self.retrying(&shown, create).await
    }

    /// The schedule a create answer (sent with `shape`) stands for: the one it names, else the new
    /// one with this definition listed now.
    async fn created(&self, new: &NewSchedule<'_>, answer: &Answer, shape: BodyShape) -> Result<Created, ModeError> {
        if let Some((token, found_by)) = created_token(answer) {
            return Ok(Created { token, found_by, shape });
        }
        match self.find_new_schedule(new.report, new.definition, new.before).await? {
            Some(token) => Ok(Created {
                token,
                found_by: FoundBy::Listing,
                shape,
            }),
            None => Err(ModeError::Unconfirmed {
                url: new.shown.to_string(),
                message: format!(
                    "its HTTP {} answer names no schedule and no new schedule with this definition is listed",
                    answer.status
                ),
            }),
        }
    }

    /// A schedule of `report` listed now, not among `before`, whose definition is `definition`.
    pub async fn find_new_schedule(
        &self,
        report: &str,
        definition: &ScheduleDefinition,
        before: &[String],
    ) -> Result<Option<String>, ModeError> {
        let live = self.live_schedules(report).await?;
        Ok(live
            .into_iter()
            .find(|s| !before.contains(&s.schedule.token) && s.definition.as_ref().is_ok_and(|d| definition.matches(d)))
            .map(|s| s.schedule.token))
    }
}

/// A DELETE: a 404 after an attempt whose answer was lost means that attempt deleted it.
struct Delete<'a> {
    url: &'a reqwest::Url,
    shown: &'a str,
}

impl Attempt for Delete<'_> {
    type Output = Removal;

    async fn attempt(&mut self, client: &ModeClient, number: u32, throttled: &mut u32) -> Step<Removal> {
        let exchange = client
            .transport()
            .exchange(Method::DELETE, self.url, self.shown, None, throttled)
            .await;
        match exchange {
            Exchange::Answered(_) => Step::Done(Ok(Removal::Deleted)),
            Exchange::Final(ModeError::NotFound { .. }) if number > 1 => Step::Done(Ok(Removal::DeletedOnRetry)),
            Exchange::Final(ModeError::NotFound { .. }) => Step::Done(Ok(Removal::AlreadyGone)),
            Exchange::Final(error) => Step::Done(Err(error)),
            Exchange::Transient(last) => Step::Retry(Transient::Http(last)),
        }
    }
}

/// The schedule a create asks for: its report, its definition, the tokens listed before, where it
/// is posted and the address logs and errors name.
struct NewSchedule<'a> {
    report: &'a str,
    definition: &'a ScheduleDefinition,
    before: &'a [String],
    url: &'a reqwest::Url,
    shown: &'a str,
}

/// A POST of a new schedule, in the body shape Mode takes (the wrapper first, then the bare body).
struct Create<'a> {
    new: NewSchedule<'a>,
    shape: BodyShape,
    /// Mode's refusal of the wrapped body, once it refused it.
    wrapped_refused: Option<String>,
}

impl Attempt for Create<'_> {
    type Output = Created;

    async fn attempt(&mut self, client: &ModeClient, _: u32, throttled: &mut u32) -> Step<Created> {
        let new = &self.new;
        let body = new.definition.body(self.shape);
        let last = match client
            .transport()
            .exchange(Method::POST, new.url, new.shown, Some(&body), throttled)
            .await
        {
            Exchange::Answered(answer) => return Step::Done(client.created(new, &answer, self.shape).await),
            Exchange::Final(ModeError::Rejected {
                status: 400 | 422,
                message,
                ..
            }) if self.shape == BodyShape::Wrapped => {
                tracing::info!(url = %new.shown, %message, "Mode refused the report_schedule wrapper; sending the bare body");
                self.wrapped_refused = Some(message);
                self.shape = BodyShape::Bare;
                return Step::Again;
            }
            Exchange::Final(error) => return Step::Done(Err(both_refused(error, self.wrapped_refused.take()))),
            Exchange::Transient(last) => last,
        };
        // The answer was lost: Mode may have created the schedule. Look before sending again.
        match client.find_new_schedule(new.report, new.definition, new.before).await {
            Ok(Some(token)) => Step::Done(Ok(Created {
                token,
                found_by: FoundBy::Listing,
                shape: self.shape,
            })),
            Ok(None) => Step::Retry(Transient::Http(last)),
            Err(error) => Step::Done(Err(error)),
        }
    }
}

/// A create's final error: a refusal of the bare body also names the wrapped one's (`wrapped_refused`).
fn both_refused(error: ModeError, wrapped_refused: Option<String>) -> ModeError {
    match (error, wrapped_refused) {
        (ModeError::Rejected { url, status, message }, Some(wrapped)) => ModeError::Rejected {
            url,
            status,
            message: format!("{message} (and with the report_schedule wrapper: {wrapped})"),
        },
        (error, _) => error,
    }
}

/// The new schedule's token from a create answer: the body (a schedule, or one wrapped in
/// `report_schedule`; its `token` or the last segment of `_links.self.href`), else `Location`.
fn created_token(answer: &Answer) -> Option<(String, FoundBy)> {
    let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    for candidate in [&body, &body["report_schedule"]] {
        if let Some(token) = candidate["token"].as_str().filter(|t| is_token(t)) {
            return Some((token.to_string(), FoundBy::Body));
        }
        if let Some(token) = candidate["_links"]["self"]["href"].as_str().and_then(schedule_in) {
            return Some((token, FoundBy::Body));
        }
    }
    answer
        .location
        .as_deref()
        .and_then(schedule_in)
        .map(|t| (t, FoundBy::Location))
}

/// The schedule token in `…/schedules/<token>[?…]`.
fn schedule_in(href: &str) -> Option<String> {
    let path = href.split(['?', '#']).next()?;
    let (_, rest) = path.rsplit_once("/schedules/")?;
    let token = rest.trim_end_matches('/');
    is_token(token).then(|| token.to_string())
}

fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &str, location: Option<&str>) -> Answer {
        Answer {
            status: 200,
            content_type: "application/json".into(),
            location: location.map(str::to_string),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_new_token_is_read_from_any_plausible_answer() {
        let cases = [
            (
                r#"{"token":"abc123","name":"x"}"#,
                None,
                Some(("abc123", FoundBy::Body)),
            ),
            (
                r#"{"report_schedule":{"token":"def456"}}"#,
                None,
                Some(("def456", FoundBy::Body)),
            ),
            (
                r#"{"_links":{"self":{"href":"/api/acme/reports/r1/schedules/0a1b2c"}}}"#,
                None,
                Some(("0a1b2c", FoundBy::Body)),
            ),
            (
                "",
                Some("/api/acme/reports/r1/schedules/feed01"),
                Some(("feed01", FoundBy::Location)),
            ),
            (
                "",
                Some("https://app.mode.com/api/acme/reports/r1/schedules/feed02?x=1"),
                Some(("feed02", FoundBy::Location)),
            ),
            ("", None, None),
            (r#"{"ok":true}"#, Some("/api/acme/reports/r1"), None),
            ("<html>", None, None),
        ];
        for (body, location, want) in cases {
            let got = created_token(&answer(body, location));
            assert_eq!(got, want.map(|(t, f)| (t.to_string(), f)), "{body} {location:?}");
        }
    }
}
