//! One API call, driven attempt by attempt by the caller's transport.
//!
//! Scope: the state of a call between attempts: the request (identical on every attempt,
//! `Idempotency-Key` included), the deadline covering all attempts, what each answer means
//! (a typed object, a typed error, or "retry after this long"). Sans-IO: the caller passes
//! the time and the random fractions in and does the sending and the sleeping.

use core::marker::PhantomData;

use super::error::{codes, ErrorType, KunogError};
use super::http::{HttpRequest, HttpResponse, TransportError};
use super::json::{self, ParseError, Value};
use super::objects::{FromResponseBody, RawJson};
use super::retry::{backoff_ms, is_retryable_status, parse_retry_after, RetryAfter};
use crate::error::shorten;

/// What to do after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Step<T> {
    /// The call is over: its result.
    Done(Result<T, KunogError>),
    /// Wait `delay_ms`, then call [`Call::attempt`] again and send the same request.
    Retry {
        /// How long to wait, in ms. Always ends before the call's deadline.
        delay_ms: u64,
    },
}

/// One attempt to send: the request, and how long the transport may take over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt<'c> {
    /// The request to send, the same on every attempt.
    pub request: &'c HttpRequest,
    /// Abort the attempt after this many ms (what is left until the call's deadline), and
    /// report it as [`TransportError::Timeout`].
    pub timeout_ms: u64,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub number: u32,
}

/// One call of the API, from its first attempt to its result.
///
/// ```
/// use kunog::client::{CreatePaymentIntentParams, HttpResponse, IdempotencyKey, KunogClient, Step};
///
/// let client = KunogClient::new("kng_test_example")?;
/// let params = CreatePaymentIntentParams::new(4900, "USD");
/// let mut call = client.create_payment_intent(&params, IdempotencyKey::from_random_bytes([7; 16]))?;
/// let mut now_ms = 1_764_806_400_000;
/// let answers: [(u16, &[u8]); 2] = [
///     (503, b"<html>busy</html>"),
///     (200, br#"{"id":"pi_1","object":"payment_intent","status":"created","amount":4900,"currency":"USD"}"#),
/// ];
/// let mut answers = answers.into_iter();
/// let intent = loop {
///     let attempt = call.attempt(now_ms)?;              // request + per-attempt timeout
///     let (status, body) = answers.next().unwrap();     // the caller's transport sends attempt.request
///     match call.on_response(Ok(HttpResponse::new(status, body)), now_ms, 0.5) {
///         Step::Done(result) => break result?,
///         Step::Retry { delay_ms } => now_ms += delay_ms, // the caller sleeps
///     }
/// };
/// assert_eq!(intent.id, "pi_1");
/// assert_eq!(call.attempts(), 2);
/// # Ok::<(), kunog::client::KunogError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Call<T> {
    request: HttpRequest,
    path_id: Option<String>,
    timeout_ms: u64,
    max_retries: u32,
    deadline_ms: Option<u64>,
    attempts: u32,
    last_error: Option<KunogError>,
    finished: bool,
    decode: PhantomData<fn() -> T>,
}

impl<T: FromResponseBody> Call<T> {
    pub(crate) fn new(request: HttpRequest, path_id: Option<String>, timeout_ms: u64, max_retries: u32) -> Self {
        Call {
            request,
            path_id,
            timeout_ms,
            max_retries,
            deadline_ms: None,
            attempts: 0,
            last_error: None,
            finished: false,
            decode: PhantomData,
        }
    }

    /// The request, the same on every attempt.
    pub fn request(&self) -> &HttpRequest {
        &self.request
    }

    /// Answers received (or transport failures) so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The call's deadline (ms since the epoch), set by the first [`Call::attempt`].
    pub fn deadline_ms(&self) -> Option<u64> {
        self.deadline_ms
    }

    /// Whether the call has its result.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Starts an attempt at `now_ms`. The first one starts the deadline (`now_ms +
    /// timeout_ms`). Fails when the deadline has passed (say, a sleep overran): with the
    /// last attempt's error if there was one, else `timeout`.
    pub fn attempt(&mut self, now_ms: u64) -> Result<Attempt<'_>, KunogError> {
        if self.finished {
            return Err(finished_error());
        }
        let deadline_ms = *self.deadline_ms.get_or_insert(now_ms.saturating_add(self.timeout_ms));
        let timeout_ms = deadline_ms.saturating_sub(now_ms);
        if timeout_ms == 0 {
            self.finished = true;
            return Err(self.last_error.take().unwrap_or_else(|| self.timeout_error()));
        }
        Ok(Attempt { request: &self.request, timeout_ms, number: self.attempts + 1 })
    }

    /// Takes the outcome of the attempt: the answer, or why none came. Returns the result,
    /// or how long to wait before the next attempt. `random_fraction` is a uniform draw from
    /// `[0, 1)` (`Math.random()`) for the backoff's jitter.
    pub fn on_response(
        &mut self,
        outcome: Result<HttpResponse<'_>, TransportError>,
        now_ms: u64,
        random_fraction: f64,
    ) -> Step<T> {
        if self.finished {
            return Step::Done(Err(finished_error()));
        }
        let deadline_ms = *self.deadline_ms.get_or_insert(now_ms.saturating_add(self.timeout_ms));
        self.attempts += 1;
        let (error, retry_after) =
            match outcome {
                Ok(response) if (200..300).contains(&response.status) => {
                    let request_id = response.headers.request_id.map(Box::from);
                    match T::from_response_body(response.body, self.path_id.as_deref()) {
                        Ok(value) => {
                            self.finished = true;
                            return Step::Done(Ok(value));
                        }
                        // An empty body or JSON cut off mid-way: the answer was lost in
                        // transit (a connection dropped behind a proxy that ended the
                        // response cleanly). Retried like a network error: the same
                        // Idempotency-Key gets the stored answer replayed.
                        Err(what) if is_cut_short(response.body) => {
                            (KunogError::invalid_response(response.status, request_id, &what, response.body), None)
                        }
                        // Not Kunog's JSON at all (say, a captive portal's HTML): not retried.
                        Err(what) => {
                            self.finished = true;
                            return Step::Done(Err(KunogError::invalid_response(response.status, request_id, &what, response.body)));
                        }
                    }
                }
                Ok(response) => {
                    let error = parse_error(&response);
                    if !is_retryable_status(response.status) {
                        return self.finish(error);
                    }
                    (error, parse_retry_after(response.headers.retry_after))
                }
                Err(TransportError::Timeout) => (self.timeout_error(), None),
                Err(TransportError::Network { detail }) => (self.network_error(&detail), None),
            };
        if self.attempts > self.max_retries {
            return self.finish(error);
        }
        let delay_ms = match retry_after {
            Some(RetryAfter::Wait(ms)) => ms,
            Some(RetryAfter::TooLong(_)) => return self.finish(error),
            None => backoff_ms(self.attempts - 1, random_fraction),
        };
        // A retry must have time left to be answered: never sleep into the deadline.
        if now_ms.saturating_add(delay_ms) >= deadline_ms {
            return self.finish(error);
        }
        self.last_error = Some(error);
        Step::Retry { delay_ms }
    }

    /// The same call, answering with the 2xx body as JSON text instead of a typed object.
    pub fn into_raw(self) -> Call<RawJson> {
        Call {
            request: self.request,
            path_id: self.path_id,
            timeout_ms: self.timeout_ms,
            max_retries: self.max_retries,
            deadline_ms: self.deadline_ms,
            attempts: self.attempts,
            last_error: self.last_error,
            finished: self.finished,
            decode: PhantomData,
        }
    }

    fn finish(&mut self, mut error: KunogError) -> Step<T> {
        self.finished = true;
        self.last_error = None;
        if self.attempts > 1 {
            error.message.push_str(&format!(" (after {} attempts)", self.attempts));
        }
        Step::Done(Err(error))
    }

    fn timeout_error(&self) -> KunogError {
        KunogError::connection(
            codes::TIMEOUT,
            format!(
                "{} {} got no answer within the timeout of {} ms",
                self.request.method, self.request.url, self.timeout_ms
            ),
        )
    }

    fn network_error(&self, detail: &str) -> KunogError {
        KunogError::connection(
            codes::NETWORK,
            format!("{} {} failed: {}", self.request.method, self.request.url, shorten(detail)),
        )
    }
}

/// Whether a 2xx body looks like Kunog's JSON cut short: empty, or JSON that ends early.
fn is_cut_short(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
        || json::parse(body).is_err_and(|kind| kind == ParseError::Eof)
}

fn finished_error() -> KunogError {
    KunogError::local(ErrorType::InvalidRequest, codes::CALL_FINISHED, None, "this call already has its result".into())
}

/// The fields of Kunog's error JSON, `{ "error": { "type", "code", "message", "param",
/// "request_id" } }`, each a string or absent (`null` counts as absent); `None` when the body
/// is JSON of another shape.
struct ErrorBody {
    error_type: Option<String>,
    code: Option<String>,
    message: Option<String>,
    param: Option<String>,
    request_id: Option<String>,
}

impl ErrorBody {
    fn read(document: Value) -> Option<ErrorBody> {
        let Value::Object(mut top) = document else { return None };
        let Some(Value::Object(mut error)) = json::take(&mut top, "error") else { return None };
        let mut field = |name: &str| match json::take(&mut error, name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(()),
        };
        Some(ErrorBody {
            error_type: field("type").ok()?,
            code: field("code").ok()?,
            message: field("message").ok()?,
            param: field("param").ok()?,
            request_id: field("request_id").ok()?,
        })
    }
}

/// Reads a non-2xx answer: Kunog's error JSON, or an `invalid_response` error describing
/// what came instead.
pub(crate) fn parse_error(response: &HttpResponse<'_>) -> KunogError {
    let header_request_id = response.headers.request_id.map(Box::from);
    let body = match json::parse(response.body) {
        Ok(document) => match ErrorBody::read(document) {
            Some(body) => body,
            None => {
                let what = "a JSON body that is not a Kunog error";
                return KunogError::invalid_response(response.status, header_request_id, what, response.body);
            }
        },
        Err(_) => {
            let what = super::objects::describe_non_json(response.body);
            return KunogError::invalid_response(response.status, header_request_id, what, response.body);
        }
    };
    let error_type = body.error_type.as_deref().map_or_else(|| ErrorType::for_status(response.status), ErrorType::from);
    KunogError {
        status: Some(response.status),
        code: body.code.unwrap_or_else(|| codes::UNKNOWN_ERROR.to_owned()),
        message: body.message.unwrap_or_else(|| format!("Kunog answered HTTP {} with no message", response.status)),
        error_type,
        param: body.param.map(String::into_boxed_str),
        request_id: body.request_id.map(String::into_boxed_str).or(header_request_id),
    }
}

#[cfg(test)]
mod tests {
    use super::is_cut_short;

    #[test]
    fn cut_short_bodies() {
        for body in [&b""[..], b" \r\n", b"{", br#"{"id":"pi_1","amount":49"#, b"[1,"] {
            assert!(is_cut_short(body), "{body:?}");
        }
        for body in [&b"<html>"[..], b"OK", b"{}", b"null", br#"{"id":1}x"#, b"\xff"] {
            assert!(!is_cut_short(body), "{body:?}");
        }
    }
}
