//! The objects the API answers with, beyond those events carry, and the paging cursor.
//!
//! Scope: list pages, webhook endpoints, deletion receipts, raw JSON for callers with their
//! own parser, and how each 2xx body is decoded ([`FromResponseBody`]). Decoding is lenient
//! like [`crate::event`]: unknown fields are ignored.

use core::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::params::ListParams;
use crate::event::{PaymentIntent, Refund};

/// A page of a list: `{ "object": "list", "data": [...], "has_more": bool }`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct List<T> {
    /// Always `"list"`.
    #[serde(default = "list_object_name")]
    pub object: String,
    /// The objects of this page.
    pub data: Vec<T>,
    /// Whether another page follows.
    #[serde(default)]
    pub has_more: bool,
}

fn list_object_name() -> String {
    "list".to_owned()
}

/// A webhook endpoint. `secret` is present only in the answer that created it.
///
/// `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    /// `we_...`.
    pub id: String,
    /// Always `"webhook_endpoint"`.
    #[serde(default = "WebhookEndpoint::object_name")]
    pub object: String,
    /// Where Kunog POSTs events.
    pub url: String,
    /// The event types sent to it.
    #[serde(default)]
    pub enabled_events: Vec<String>,
    /// `whsec_...`: the signing secret, shown only on creation. Store it now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// `false` in test mode.
    #[serde(default)]
    pub livemode: bool,
    /// Creation time, ms since the Unix epoch.
    #[serde(default)]
    pub created: u64,
}

impl WebhookEndpoint {
    /// The `object` value of a webhook endpoint.
    pub const OBJECT: &'static str = "webhook_endpoint";

    fn object_name() -> String {
        Self::OBJECT.to_owned()
    }
}

impl fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("enabled_events", &self.enabled_events)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("livemode", &self.livemode)
            .field("created", &self.created)
            .finish()
    }
}

/// The answer to a delete: `{ "id": "we_...", "object": "webhook_endpoint", "deleted": true }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedWebhookEndpoint {
    /// The deleted endpoint's id.
    pub id: String,
    /// Always `"webhook_endpoint"`.
    #[serde(default = "WebhookEndpoint::object_name")]
    pub object: String,
    /// `true`.
    #[serde(default = "deleted_default")]
    pub deleted: bool,
}

fn deleted_default() -> bool {
    true
}

/// A 2xx body kept as text, checked to be JSON: for callers that parse it themselves
/// (JavaScript's `JSON.parse`) and want every field as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawJson(pub String);

/// Something with an id, usable as a paging cursor.
pub trait HasId {
    /// The object's id.
    fn id(&self) -> &str;
}

impl HasId for PaymentIntent {
    fn id(&self) -> &str {
        &self.id
    }
}

impl HasId for Refund {
    fn id(&self) -> &str {
        &self.id
    }
}

impl HasId for WebhookEndpoint {
    fn id(&self) -> &str {
        &self.id
    }
}

/// How a call's 2xx body becomes its result.
pub trait FromResponseBody: Sized {
    /// Decodes `body`; `path_id` is the id in the request path, if any. `Err` says what the
    /// body was instead, for an `invalid_response` error.
    fn from_response_body(body: &[u8], path_id: Option<&str>) -> Result<Self, String>;
}

/// Decodes JSON into `T`, describing what the body was when it is not that.
pub(crate) fn decode_json<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("an empty body".into());
    }
    match serde_json::from_slice::<T>(body) {
        Ok(value) => Ok(value),
        Err(err) if err.is_data() => Err(format!("a JSON body that is not {what} ({err})")),
        Err(_) => Err(describe_non_json(body).into()),
    }
}

/// What a body that is not JSON looks like, for an `invalid_response` message.
pub(crate) fn describe_non_json(body: &[u8]) -> &'static str {
    if body.iter().all(u8::is_ascii_whitespace) {
        "an empty body"
    } else if looks_like_html(body) {
        "an HTML body"
    } else {
        "a body that is not JSON"
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    body[start..].first() == Some(&b'<')
}

impl FromResponseBody for PaymentIntent {
    fn from_response_body(body: &[u8], _: Option<&str>) -> Result<Self, String> {
        decode_json(body, "a payment_intent")
    }
}

impl FromResponseBody for Refund {
    fn from_response_body(body: &[u8], _: Option<&str>) -> Result<Self, String> {
        decode_json(body, "a refund")
    }
}

impl FromResponseBody for WebhookEndpoint {
    fn from_response_body(body: &[u8], _: Option<&str>) -> Result<Self, String> {
        decode_json(body, "a webhook_endpoint")
    }
}

impl<T: DeserializeOwned> FromResponseBody for List<T> {
    fn from_response_body(body: &[u8], _: Option<&str>) -> Result<Self, String> {
        decode_json(body, "a list")
    }
}

impl FromResponseBody for DeletedWebhookEndpoint {
    /// Also accepts an empty body (`204 No Content`): the path names what was deleted.
    fn from_response_body(body: &[u8], path_id: Option<&str>) -> Result<Self, String> {
        match path_id {
            Some(id) if body.iter().all(u8::is_ascii_whitespace) => Ok(DeletedWebhookEndpoint {
                id: id.to_owned(),
                object: WebhookEndpoint::OBJECT.to_owned(),
                deleted: true,
            }),
            _ => decode_json(body, "a deleted webhook_endpoint"),
        }
    }
}

impl FromResponseBody for RawJson {
    /// Checked with the client's own JSON reader, not serde_json: this is the npm package's
    /// path, where the engine's JSON.parse builds the objects (see `json`).
    fn from_response_body(body: &[u8], _: Option<&str>) -> Result<Self, String> {
        super::json::parse(body).map_err(|_| describe_non_json(body).to_owned())?;
        // Checked as JSON above, and JSON is UTF-8.
        let text = core::str::from_utf8(body).map_err(|_| "a body that is not UTF-8".to_owned())?;
        Ok(RawJson(text.to_owned()))
    }
}

impl FromResponseBody for serde_json::Value {
    fn from_response_body(body: &[u8], _: Option<&str>) -> Result<Self, String> {
        decode_json(body, "JSON")
    }
}

/// Walks a list page by page: `starting_after` is the last id of each page, until a page
/// says `has_more: false`.
///
/// ```
/// # use kunog::client::{Pager, ListParams};
/// let mut pager = Pager::new(ListParams::with_limit(2));
/// assert_eq!(pager.next_params().unwrap().starting_after, None);
/// pager.advance(true, Some("pi_aaaaaaaaaaaaaaaaaaaa2"));
/// assert_eq!(pager.next_params().unwrap().starting_after.as_deref(), Some("pi_aaaaaaaaaaaaaaaaaaaa2"));
/// pager.advance(false, Some("pi_aaaaaaaaaaaaaaaaaaaa4"));
/// assert!(pager.next_params().is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    params: ListParams,
    finished: bool,
}

impl Pager {
    /// Starts at `params` (usually just a `limit`; a `starting_after` resumes a walk).
    pub fn new(params: ListParams) -> Self {
        Pager { params, finished: false }
    }

    /// The parameters of the next page to request, or `None` when the walk is over.
    pub fn next_params(&self) -> Option<&ListParams> {
        (!self.finished).then_some(&self.params)
    }

    /// Moves past a page, given its `has_more` and the id of its last object. Ends the walk
    /// when there is no more, and also when a page is empty or its last id is the cursor
    /// already used, so that a misbehaving server cannot make the walk loop forever.
    pub fn advance(&mut self, has_more: bool, last_id: Option<&str>) {
        match last_id {
            Some(last) if has_more && self.params.starting_after.as_deref() != Some(last) => {
                self.params.starting_after = Some(last.to_owned());
            }
            _ => self.finished = true,
        }
    }

    /// Moves past a parsed page.
    pub fn advance_past<T: HasId>(&mut self, page: &List<T>) {
        self.advance(page.has_more, page.data.last().map(HasId::id));
    }

    /// Whether the last page has been seen.
    pub fn is_finished(&self) -> bool {
        self.finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_endpoint_debug_hides_the_secret() {
        let endpoint: WebhookEndpoint = serde_json::from_str(
            r#"{"id":"we_1","object":"webhook_endpoint","url":"https://x.test/h","enabled_events":[],"secret":"whsec_topsecret"}"#,
        )
        .unwrap();
        assert_eq!(endpoint.secret.as_deref(), Some("whsec_topsecret"));
        let shown = format!("{endpoint:?}");
        assert!(!shown.contains("topsecret"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn bodies_are_described_when_they_do_not_decode() {
        let table: [(&[u8], &str); 5] = [
            (b"", "an empty body"),
            (b"  \n", "an empty body"),
            (b"<!doctype html><html>", "an HTML body"),
            (b"Bad Gateway", "a body that is not JSON"),
            (b"{\"id\": 5}", "a JSON body that is not a refund"),
        ];
        for (body, expected) in table {
            let err = Refund::from_response_body(body, None).unwrap_err();
            assert!(err.starts_with(expected), "{body:?}: {err}");
        }
    }

    #[test]
    fn pager_stops_on_an_empty_page_or_a_repeated_cursor() {
        let mut pager = Pager::new(ListParams::default());
        pager.advance(true, None);
        assert!(pager.is_finished());

        let mut pager = Pager::new(ListParams::default());
        pager.advance(true, Some("pi_a"));
        pager.advance(true, Some("pi_a"));
        assert!(pager.is_finished());
    }
}
