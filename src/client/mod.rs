//! The Kunog API client core: requests, answers and retries, without I/O.
//!
//! Scope: for every call of the Kunog HTTP API (payment intents, refunds, webhook
//! endpoints) this module validates the parameters, builds the exact HTTP request, reads
//! the answer into a typed object or a typed [`KunogError`], and decides whether and when
//! to retry. It never sends anything, reads a clock or draws randomness: the caller's
//! transport (the JS `fetch`, `worker::Fetch`, any Rust HTTP client) sends each
//! [`Attempt`]'s request, and passes in the time, the answer and a random fraction.
//!
//! ```
//! use kunog::client::{CreatePaymentIntentParams, HttpResponse, IdempotencyKey, KunogClient, Step, TransportError};
//!
//! let client = KunogClient::new("kng_test_example")?;
//! let params = CreatePaymentIntentParams::new(4900, "USD").with_metadata("order_id", "KNG-2048");
//! // The caller's key, or a UUID v4 from 16 bytes of crypto.getRandomValues:
//! let key = IdempotencyKey::given_or_random(None, [42; 16])?;
//! let mut call = client.create_payment_intent(&params, key)?;
//!
//! let mut now_ms = 1_764_806_400_000; // Date.now()
//! let result = loop {
//!     let attempt = call.attempt(now_ms)?;
//!     // Send attempt.request, abort after attempt.timeout_ms. Here: the network fails once.
//!     let outcome = if attempt.number == 1 {
//!         Err(TransportError::network("connection reset"))
//!     } else {
//!         Ok(HttpResponse::new(200, br#"{"id":"pi_1","status":"created","amount":4900,"currency":"USD"}"#))
//!     };
//!     match call.on_response(outcome, now_ms, 0.3 /* Math.random() */) {
//!         Step::Done(result) => break result,
//!         Step::Retry { delay_ms } => now_ms += delay_ms, // sleep
//!     }
//! };
//! assert_eq!(result?.amount, 4900);
//! # Ok::<(), kunog::client::KunogError>(())
//! ```

mod call;
mod error;
mod http;
mod idempotency;
mod json;
mod objects;
mod params;
mod retry;

use core::fmt;

pub use call::{Attempt, Call, Step};
pub use error::{codes, ErrorType, KunogError};
pub use http::{
    HttpRequest, HttpResponse, Method, ResponseHeaders, TransportError, ACCEPT_HEADER, AUTHORIZATION_HEADER,
    CONTENT_TYPE_HEADER, IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, JSON_CONTENT_TYPE, REQUEST_ID_HEADER,
    RETRY_AFTER_HEADER, USER_AGENT_HEADER,
};
pub use idempotency::{uuid_v4, IdempotencyKey, MAX_IDEMPOTENCY_KEY_LEN};
pub use objects::{DeletedWebhookEndpoint, FromResponseBody, HasId, List, Pager, RawJson, WebhookEndpoint};
pub use params::{
    validate_amount, validate_currency, validate_id, validate_max_chars, validate_metadata, validate_settlement,
    validate_url, CreatePaymentIntentParams, CreateRefundParams, CreateWebhookEndpointParams, ListParams, MAX_AMOUNT,
    MAX_DESCRIPTION_CHARS, MAX_LIST_LIMIT, MAX_METADATA_KEYS, MAX_METADATA_KEY_CHARS, MAX_METADATA_VALUE_CHARS,
    MAX_URL_CHARS, MIN_AMOUNT, PAYMENT_INTENT_ID_PREFIX, SUPPORTED_SETTLEMENTS, WEBHOOK_ENDPOINT_ID_PREFIX,
};
pub use retry::{
    backoff_ceiling_ms, backoff_ms, is_retryable_status, parse_retry_after, RetryAfter, BACKOFF_BASE_MS,
    BACKOFF_CAP_MS, DEFAULT_MAX_RETRIES, MAX_RETRY_AFTER_MS,
};

use crate::event::{PaymentIntent, Refund};

/// Kunog's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.kunog.com";
/// One deadline for all attempts of a call, by default: 30 s.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// Prefix of test-mode API keys.
pub const TEST_KEY_PREFIX: &str = "kng_test_";
/// Prefix of live-mode API keys.
pub const LIVE_KEY_PREFIX: &str = "kng_live_";
/// Longest `User-Agent` product accepted from the caller.
const MAX_USER_AGENT_CHARS: usize = 256;

/// How to build a [`KunogClient`]; unset fields take the defaults. `Debug` hides the key.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ClientOptions {
    /// `kng_test_...` or `kng_live_...`.
    pub api_key: String,
    /// Default [`DEFAULT_BASE_URL`]; the sandbox's URL in development.
    pub base_url: Option<String>,
    /// One deadline for all attempts of a call; default [`DEFAULT_TIMEOUT_MS`].
    pub timeout_ms: Option<u64>,
    /// Retries after the first attempt; default [`DEFAULT_MAX_RETRIES`].
    pub max_retries: Option<u32>,
    /// The SDK part of `User-Agent`, e.g. `kunog-js/0.1.0`; default `kunog-rust/<VERSION>`.
    pub user_agent: Option<String>,
}

impl ClientOptions {
    /// Options with `api_key` and every default.
    pub fn new(api_key: &str) -> Self {
        ClientOptions { api_key: api_key.to_owned(), ..Default::default() }
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("api_key", &redacted_key(&self.api_key))
            .field("base_url", &self.base_url)
            .field("timeout_ms", &self.timeout_ms)
            .field("max_retries", &self.max_retries)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// Shows only the mode of a key: `kng_test_<redacted>`.
fn redacted_key(key: &str) -> &'static str {
    if key.starts_with(LIVE_KEY_PREFIX) {
        "kng_live_<redacted>"
    } else if key.starts_with(TEST_KEY_PREFIX) {
        "kng_test_<redacted>"
    } else {
        "<redacted>"
    }
}

/// The client core: checked configuration, and a builder of [`Call`]s for each API call.
///
/// Cheap to clone, `Send + Sync`; build it once. `Debug` shows the key's mode, never the key.
#[derive(Clone, PartialEq, Eq)]
pub struct KunogClient {
    authorization: String,
    live: bool,
    base_url: String,
    timeout_ms: u64,
    max_retries: u32,
    user_agent: String,
}

impl fmt::Debug for KunogClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KunogClient")
            .field("api_key", &if self.live { "kng_live_<redacted>" } else { "kng_test_<redacted>" })
            .field("base_url", &self.base_url)
            .field("timeout_ms", &self.timeout_ms)
            .field("max_retries", &self.max_retries)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

impl KunogClient {
    /// A client for `api_key` with every default (production, 30 s, 2 retries).
    pub fn new(api_key: &str) -> Result<Self, KunogError> {
        Self::with_options(ClientOptions::new(api_key))
    }

    /// A client from options. Refused: a key that is not `kng_test_...`/`kng_live_...`
    /// (`invalid_api_key`), a base URL that is not absolute `http(s)://` without query
    /// (`invalid_base_url`), a live key with a base URL that is not `https://`
    /// (`insecure_base_url`), a zero timeout or a bad `user_agent` (`parameter_invalid`).
    pub fn with_options(options: ClientOptions) -> Result<Self, KunogError> {
        let live = check_api_key(&options.api_key)?;
        let base_url = check_base_url(options.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL), live)?;
        let timeout_ms = options.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        if timeout_ms == 0 {
            return Err(KunogError::invalid("timeout_ms", "timeout_ms must be at least 1 (it is in milliseconds)"));
        }
        let user_agent = match options.user_agent {
            None => format!("kunog-rust/{}", crate::VERSION),
            Some(product) => check_user_agent(product)?,
        };
        Ok(KunogClient {
            authorization: format!("Bearer {}", options.api_key),
            live,
            base_url,
            timeout_ms,
            max_retries: options.max_retries.unwrap_or(DEFAULT_MAX_RETRIES),
            user_agent,
        })
    }

    /// Whether the key is a live key (`kng_live_`).
    pub fn is_live(&self) -> bool {
        self.live
    }

    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The deadline of each call, from its first attempt, in ms.
    pub fn timeout_ms(&self) -> u64 {
        self.timeout_ms
    }

    /// Retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The `User-Agent` sent.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// `POST /v1/payment_intents`.
    pub fn create_payment_intent(
        &self,
        params: &CreatePaymentIntentParams,
        idempotency_key: IdempotencyKey,
    ) -> Result<Call<PaymentIntent>, KunogError> {
        params.validate()?;
        self.post("/v1/payment_intents", params, idempotency_key)
    }

    /// `GET /v1/payment_intents/{id}`.
    pub fn retrieve_payment_intent(&self, id: &str) -> Result<Call<PaymentIntent>, KunogError> {
        validate_id("id", id, PAYMENT_INTENT_ID_PREFIX)?;
        Ok(self.call(Method::Get, format!("/v1/payment_intents/{id}"), None, None, Some(id)))
    }

    /// `GET /v1/payment_intents?limit=&starting_after=`: one page, newest first. Walk every
    /// page with a [`Pager`].
    pub fn list_payment_intents(&self, params: &ListParams) -> Result<Call<List<PaymentIntent>>, KunogError> {
        params.validate(PAYMENT_INTENT_ID_PREFIX)?;
        Ok(self.call(Method::Get, format!("/v1/payment_intents{}", params.query()), None, None, None))
    }

    /// `POST /v1/refunds`.
    pub fn create_refund(
        &self,
        params: &CreateRefundParams,
        idempotency_key: IdempotencyKey,
    ) -> Result<Call<Refund>, KunogError> {
        params.validate()?;
        self.post("/v1/refunds", params, idempotency_key)
    }

    /// `POST /v1/webhook_endpoints`. The answer holds the endpoint's secret, once.
    pub fn create_webhook_endpoint(
        &self,
        params: &CreateWebhookEndpointParams,
        idempotency_key: IdempotencyKey,
    ) -> Result<Call<WebhookEndpoint>, KunogError> {
        params.validate()?;
        self.post("/v1/webhook_endpoints", params, idempotency_key)
    }

    /// `GET /v1/webhook_endpoints` (no secrets).
    pub fn list_webhook_endpoints(&self, params: &ListParams) -> Result<Call<List<WebhookEndpoint>>, KunogError> {
        params.validate(WEBHOOK_ENDPOINT_ID_PREFIX)?;
        Ok(self.call(Method::Get, format!("/v1/webhook_endpoints{}", params.query()), None, None, None))
    }

    /// `DELETE /v1/webhook_endpoints/{id}`.
    pub fn delete_webhook_endpoint(&self, id: &str) -> Result<Call<DeletedWebhookEndpoint>, KunogError> {
        validate_id("id", id, WEBHOOK_ENDPOINT_ID_PREFIX)?;
        Ok(self.call(Method::Delete, format!("/v1/webhook_endpoints/{id}"), None, None, Some(id)))
    }

    fn post<T: FromResponseBody>(
        &self,
        path: &str,
        params: &impl serde::Serialize,
        idempotency_key: IdempotencyKey,
    ) -> Result<Call<T>, KunogError> {
        // Parameter structs hold strings, integers and string maps: writing them cannot fail.
        // (Not formatting serde_json's error keeps its messages out of the wasm.)
        let body = serde_json::to_string(params)
            .map_err(|_| KunogError::invalid("body", "the parameters cannot be written as JSON".to_owned()))?;
        Ok(self.call(Method::Post, path.to_owned(), Some(body), Some(idempotency_key), None))
    }

    fn call<T: FromResponseBody>(
        &self,
        method: Method,
        path_and_query: String,
        body: Option<String>,
        idempotency_key: Option<IdempotencyKey>,
        path_id: Option<&str>,
    ) -> Call<T> {
        let mut headers = vec![
            (AUTHORIZATION_HEADER, self.authorization.clone()),
            (ACCEPT_HEADER, JSON_CONTENT_TYPE.to_owned()),
            (USER_AGENT_HEADER, self.user_agent.clone()),
        ];
        if body.is_some() {
            headers.push((CONTENT_TYPE_HEADER, JSON_CONTENT_TYPE.to_owned()));
        }
        if let Some(key) = idempotency_key {
            headers.push((IDEMPOTENCY_KEY_HEADER, key.as_str().to_owned()));
        }
        let request = HttpRequest { method, url: format!("{}{path_and_query}", self.base_url), headers, body };
        Call::new(request, path_id.map(str::to_owned), self.timeout_ms, self.max_retries)
    }
}

/// Checks the key's shape; returns whether it is live. The key never appears in the error.
fn check_api_key(key: &str) -> Result<bool, KunogError> {
    let refuse = |reason: &str| {
        KunogError::local(
            ErrorType::Authentication,
            codes::INVALID_API_KEY,
            Some("api_key"),
            format!("the API key {reason}"),
        )
    };
    if key.is_empty() {
        return Err(refuse("is empty"));
    }
    if key.trim() != key {
        return Err(refuse("has leading or trailing whitespace (a stray newline from an env file?)"));
    }
    let live = if let Some(rest) = key.strip_prefix(LIVE_KEY_PREFIX) {
        (true, rest)
    } else if let Some(rest) = key.strip_prefix(TEST_KEY_PREFIX) {
        (false, rest)
    } else {
        return Err(refuse("does not start with kng_test_ or kng_live_"));
    };
    if live.1.is_empty() || !live.1.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(refuse("is malformed: after its prefix it must hold visible ASCII characters only"));
    }
    Ok(live.0)
}

/// Checks the base URL; returns it without a trailing `/`.
fn check_base_url(base_url: &str, live: bool) -> Result<String, KunogError> {
    let refuse = |code: &str, reason: String| {
        KunogError::local(ErrorType::InvalidRequest, code, Some("base_url"), format!("the base URL {reason}"))
    };
    let parsed = params::parse_absolute_url(base_url)
        .map_err(|reason| refuse(codes::INVALID_BASE_URL, format!("is not an absolute http(s) URL: {reason}")))?;
    if parsed.has_query_or_fragment {
        return Err(refuse(codes::INVALID_BASE_URL, "must not have a query or fragment".into()));
    }
    if live && parsed.scheme != "https" {
        return Err(refuse(codes::INSECURE_BASE_URL, "is not https:// and the key is a live key".into()));
    }
    Ok(base_url.trim_end_matches('/').to_owned())
}

/// Checks the caller's `User-Agent` product: visible ASCII and spaces, at most 256.
fn check_user_agent(product: String) -> Result<String, KunogError> {
    let ok = !product.trim().is_empty()
        && product.len() <= MAX_USER_AGENT_CHARS
        && product.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
    if ok {
        Ok(product)
    } else {
        Err(KunogError::invalid(
            "user_agent",
            format!("user_agent must be 1 to {MAX_USER_AGENT_CHARS} visible ASCII characters, such as kunog-js/0.1.0"),
        ))
    }
}
