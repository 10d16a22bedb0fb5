//! The HTTP values the client core hands to, and takes back from, the caller's transport.
//!
//! Scope: plain data. A request to send ([`HttpRequest`]), the answer as received
//! ([`HttpResponse`]) or why none came ([`TransportError`]). Nothing here sends anything.

use core::fmt;

/// `Authorization`: `Bearer <api key>`.
pub const AUTHORIZATION_HEADER: &str = "Authorization";
/// `Accept`: always `application/json`.
pub const ACCEPT_HEADER: &str = "Accept";
/// `Content-Type`: `application/json` on requests with a body.
pub const CONTENT_TYPE_HEADER: &str = "Content-Type";
/// `Idempotency-Key`: on every POST, the same on every attempt of one call.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
/// `User-Agent`: the SDK and its version, e.g. `kunog-rust/0.1.0`.
pub const USER_AGENT_HEADER: &str = "User-Agent";
/// `Kunog-Request-Id`: on every answer, `req_...`.
pub const REQUEST_ID_HEADER: &str = "Kunog-Request-Id";
/// `Retry-After`: seconds to wait, on 429 (and possibly 503).
pub const RETRY_AFTER_HEADER: &str = "Retry-After";
/// `Idempotent-Replayed`: `true` when Kunog replays a stored answer.
pub const IDEMPOTENT_REPLAYED_HEADER: &str = "Idempotent-Replayed";

/// The JSON media type, for `Accept` and `Content-Type`.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// An HTTP method the Kunog API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Read.
    Get,
    /// Create (always with an `Idempotency-Key`).
    Post,
    /// Delete.
    Delete,
}

impl Method {
    /// The method's name, upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request for the caller to send, exactly as built; identical on every attempt of a call.
///
/// `Debug` shows everything except the API key in `Authorization`.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL, with the query string if any.
    pub url: String,
    /// The headers, in a fixed order, names in canonical case.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body (POST only).
    pub body: Option<String>,
}

impl HttpRequest {
    /// The value of header `name` (case-insensitive), if set.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(header, _)| header.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// The `Idempotency-Key` of this request (POST only).
    pub fn idempotency_key(&self) -> Option<&str> {
        self.header(IDEMPOTENCY_KEY_HEADER)
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Headers<'a>(&'a [(&'static str, String)]);
        impl fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut list = f.debug_list();
                for (name, value) in self.0 {
                    if name.eq_ignore_ascii_case(AUTHORIZATION_HEADER) {
                        list.entry(&(name, "Bearer <redacted>"));
                    } else {
                        list.entry(&(name, value));
                    }
                }
                list.finish()
            }
        }
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &Headers(&self.headers))
            .field("body", &self.body)
            .finish()
    }
}

/// The answer's headers the client reads, exactly as received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseHeaders<'h> {
    /// `Kunog-Request-Id`, if present.
    pub request_id: Option<&'h str>,
    /// `Retry-After`, if present.
    pub retry_after: Option<&'h str>,
}

impl<'h> ResponseHeaders<'h> {
    /// Looks each header up through `get`, called with the canonical names
    /// ([`REQUEST_ID_HEADER`], [`RETRY_AFTER_HEADER`]). Header names are case-insensitive:
    /// `get` must be too.
    pub fn from_fn(mut get: impl FnMut(&'static str) -> Option<&'h str>) -> Self {
        ResponseHeaders { request_id: get(REQUEST_ID_HEADER), retry_after: get(RETRY_AFTER_HEADER) }
    }
}

/// An answer as received: status, the headers the client reads, the raw body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpResponse<'a> {
    /// The HTTP status.
    pub status: u16,
    /// `Kunog-Request-Id` and `Retry-After`.
    pub headers: ResponseHeaders<'a>,
    /// The body, unparsed.
    pub body: &'a [u8],
}

impl<'a> HttpResponse<'a> {
    /// An answer with no headers the client reads.
    pub fn new(status: u16, body: &'a [u8]) -> Self {
        HttpResponse { status, headers: ResponseHeaders::default(), body }
    }

    /// Sets the headers.
    pub fn with_headers(mut self, headers: ResponseHeaders<'a>) -> Self {
        self.headers = headers;
        self
    }
}

/// Why the transport got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The attempt's timeout passed (the caller aborted it).
    Timeout,
    /// The request could not be sent or the answer not read: DNS, refused, reset, TLS, ...
    Network {
        /// What the platform said, for the message. Must not contain the API key.
        detail: String,
    },
}

impl TransportError {
    /// A network failure with the platform's description.
    pub fn network(detail: impl Into<String>) -> Self {
        TransportError::Network { detail: detail.into() }
    }
}
