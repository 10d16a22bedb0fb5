//! The API client's error: what Kunog answered, or why no usable answer came.
//!
//! Scope: one error type, [`KunogError`], for every way a call can fail: refused before
//! sending (bad parameters or configuration), refused by Kunog (its error JSON), an answer
//! that is not Kunog's (a proxy's HTML page), or no answer at all (network, timeout). Each
//! carries a stable `type` and `code`; match on those, never on the message. No error ever
//! holds the API key.

use core::fmt;

use crate::error::shorten;

/// Stable `code` values the SDK itself produces. Codes Kunog sends are passed through as
/// sent (e.g. `resource_missing`, `idempotency_key_reused`).
pub mod codes {
    /// A parameter has the wrong type, shape, length or range.
    pub const PARAMETER_INVALID: &str = "parameter_invalid";
    /// A required parameter is absent.
    pub const PARAMETER_MISSING: &str = "parameter_missing";
    /// `settlement` names an asset Kunog does not settle in.
    pub const UNSUPPORTED_SETTLEMENT: &str = "unsupported_settlement";
    /// The API key is not `kng_test_...` or `kng_live_...`.
    pub const INVALID_API_KEY: &str = "invalid_api_key";
    /// The base URL is not an absolute `http(s)://` URL without query or fragment.
    pub const INVALID_BASE_URL: &str = "invalid_base_url";
    /// A live key with a base URL that is not `https://`.
    pub const INSECURE_BASE_URL: &str = "insecure_base_url";
    /// The answer is not Kunog's JSON (an HTML page from a proxy, an empty body, ...).
    pub const INVALID_RESPONSE: &str = "invalid_response";
    /// No answer before the call's deadline.
    pub const TIMEOUT: &str = "timeout";
    /// The request could not be sent or the answer not received (DNS, reset, TLS, ...).
    pub const NETWORK: &str = "network";
    /// Kunog's error JSON named no code.
    pub const UNKNOWN_ERROR: &str = "unknown_error";
    /// A finished call was driven again: a bug in the caller's loop.
    pub const CALL_FINISHED: &str = "call_finished";
}

/// The `type` of a [`KunogError`]: the contract's types plus `connection_error`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorType {
    /// Bad parameters or an unknown resource (400, 404), or refused before sending.
    InvalidRequest,
    /// Missing, malformed or revoked API key (401).
    Authentication,
    /// Idempotency-Key in use (409) or reused for a different request (422).
    Idempotency,
    /// Too many requests (429).
    RateLimit,
    /// Kunog failed (5xx), or answered something that is not its JSON.
    Api,
    /// No answer: network failure or timeout.
    Connection,
    /// A type this version of the SDK does not know, kept as sent.
    Unknown(String),
}

impl ErrorType {
    /// The value as it appears on the wire, e.g. `"invalid_request_error"`.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorType::InvalidRequest => "invalid_request_error",
            ErrorType::Authentication => "authentication_error",
            ErrorType::Idempotency => "idempotency_error",
            ErrorType::RateLimit => "rate_limit_error",
            ErrorType::Api => "api_error",
            ErrorType::Connection => "connection_error",
            ErrorType::Unknown(other) => other,
        }
    }

    /// The type the contract gives an HTTP status, for answers that do not say.
    pub fn for_status(status: u16) -> ErrorType {
        match status {
            401 => ErrorType::Authentication,
            409 | 422 => ErrorType::Idempotency,
            429 => ErrorType::RateLimit,
            400..=499 => ErrorType::InvalidRequest,
            _ => ErrorType::Api,
        }
    }
}

impl From<&str> for ErrorType {
    fn from(value: &str) -> Self {
        match value {
            "invalid_request_error" => ErrorType::InvalidRequest,
            "authentication_error" => ErrorType::Authentication,
            "idempotency_error" => ErrorType::Idempotency,
            "rate_limit_error" => ErrorType::RateLimit,
            "api_error" => ErrorType::Api,
            "connection_error" => ErrorType::Connection,
            other => ErrorType::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed call: Kunog's error, or the SDK's own with the same fields.
///
/// `status` is `None` when nothing was answered (refused before sending, network failure,
/// timeout). `request_id` (`req_...`) is what Kunog support asks for. The optional fields
/// are boxed so that the error stays under 128 bytes and `Result<_, KunogError>` stays cheap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KunogError {
    /// The HTTP status, if Kunog (or something in between) answered.
    pub status: Option<u16>,
    /// The error's type, e.g. `invalid_request_error`.
    pub error_type: ErrorType,
    /// Stable code, e.g. `parameter_invalid`, `resource_missing`, `timeout`.
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// The parameter at fault, if one is, e.g. `amount` or `metadata`.
    pub param: Option<Box<str>>,
    /// `req_...` from the error body or the `Kunog-Request-Id` header.
    pub request_id: Option<Box<str>>,
}

impl KunogError {
    /// An error found before sending: nothing reached Kunog.
    pub(crate) fn local(error_type: ErrorType, code: &str, param: Option<&str>, message: String) -> Self {
        KunogError {
            status: None,
            error_type,
            code: code.to_owned(),
            message,
            param: param.map(Box::from),
            request_id: None,
        }
    }

    /// A parameter failed validation (`parameter_invalid`).
    pub(crate) fn invalid(param: &str, message: impl Into<String>) -> Self {
        Self::local(ErrorType::InvalidRequest, codes::PARAMETER_INVALID, Some(param), message.into())
    }

    /// A required parameter is absent (`parameter_missing`).
    pub(crate) fn missing(param: &str) -> Self {
        Self::local(ErrorType::InvalidRequest, codes::PARAMETER_MISSING, Some(param), format!("{param} is required"))
    }

    /// A connection error (`timeout` or `network`).
    pub(crate) fn connection(code: &str, message: String) -> Self {
        Self::local(ErrorType::Connection, code, None, message)
    }

    /// An answer that is not Kunog's JSON.
    pub(crate) fn invalid_response(status: u16, request_id: Option<Box<str>>, what: &str, body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        let snippet = shorten(text.trim());
        KunogError {
            status: Some(status),
            error_type: if (400..500).contains(&status) { ErrorType::for_status(status) } else { ErrorType::Api },
            code: codes::INVALID_RESPONSE.to_owned(),
            message: if snippet.is_empty() {
                format!("HTTP {status} with {what}: expected Kunog's JSON")
            } else {
                format!("HTTP {status} with {what} (\"{snippet}\"): expected Kunog's JSON")
            },
            param: None,
            request_id,
        }
    }

    /// The stable code, e.g. `"parameter_invalid"`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The parameter at fault, if one is.
    pub fn param(&self) -> Option<&str> {
        self.param.as_deref()
    }

    /// `req_...`, if Kunog answered: quote it to Kunog support.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Whether this came from the network layer (`connection_error`).
    pub fn is_connection_error(&self) -> bool {
        self.error_type == ErrorType::Connection
    }

    /// What the caller can do about it, appended to the message by `Display`.
    fn advice(&self) -> Option<&'static str> {
        Some(match (&self.error_type, self.code.as_str()) {
            (_, codes::INVALID_API_KEY) => {
                "pass the secret API key from the Kunog dashboard (kng_test_... or kng_live_...), \
                 without quotes or surrounding whitespace"
            }
            (_, codes::INSECURE_BASE_URL) => {
                "live keys may only be sent over https: use https://api.kunog.com (the default), or a \
                 kng_test_ key with a local sandbox"
            }
            (_, codes::INVALID_BASE_URL) => {
                "use an absolute URL such as https://api.kunog.com or http://localhost:8787"
            }
            (_, codes::INVALID_RESPONSE) => {
                "something other than Kunog answered (a proxy, a captive portal, a wrong baseUrl?): \
                 check baseUrl and the network path"
            }
            (_, codes::TIMEOUT) => {
                "Kunog did not answer in time: retry later with the same Idempotency-Key (nothing is \
                 created twice), or raise timeoutMs"
            }
            (_, codes::NETWORK) => {
                "Kunog could not be reached: check the network and baseUrl, then retry with the same \
                 Idempotency-Key (nothing is created twice)"
            }
            (_, codes::CALL_FINISHED) => "start a new call instead of driving a finished one",
            (_, "idempotency_key_reused") => {
                "this Idempotency-Key was used for a different request: use a new key for each new \
                 operation"
            }
            (_, "idempotency_key_in_use") => {
                "a request with this Idempotency-Key is still running: retry shortly with the same key"
            }
            (ErrorType::Authentication, _) => {
                "check the API key: a kng_test_ or kng_live_ key from the Kunog dashboard, not revoked"
            }
            (ErrorType::RateLimit, _) => "too many requests: slow down and retry later",
            (ErrorType::Api, _) => {
                "Kunog had a problem: retry later with the same Idempotency-Key, and quote the request id \
                 to Kunog support if it persists"
            }
            (ErrorType::InvalidRequest, _) if self.param.is_some() => "fix the parameter and send again",
            _ => return None,
        })
    }
}

impl fmt::Display for KunogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(advice) = self.advice() {
            write!(f, ": {advice}")?;
        }
        write!(f, " [{}/{}", self.error_type, self.code)?;
        if let Some(status) = self.status {
            write!(f, ", HTTP {status}")?;
        }
        if let Some(param) = &self.param {
            write!(f, ", param {param}")?;
        }
        if let Some(request_id) = &self.request_id {
            write!(f, ", request {request_id}")?;
        }
        f.write_str("]")
    }
}

impl std::error::Error for KunogError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_small_enough_to_return_by_value() {
        // clippy's result_large_err fires at 128 bytes, in this crate and in its users'.
        assert!(core::mem::size_of::<KunogError>() < 128, "{}", core::mem::size_of::<KunogError>());
    }

    #[test]
    fn types_round_trip_and_unknown_is_kept() {
        for name in [
            "invalid_request_error",
            "authentication_error",
            "idempotency_error",
            "rate_limit_error",
            "api_error",
            "connection_error",
            "brand_new_error",
        ] {
            assert_eq!(ErrorType::from(name).as_str(), name);
        }
        assert_eq!(ErrorType::from("brand_new_error"), ErrorType::Unknown("brand_new_error".into()));
    }

    #[test]
    fn status_maps_to_the_contract_type() {
        let table = [
            (400, ErrorType::InvalidRequest),
            (404, ErrorType::InvalidRequest),
            (401, ErrorType::Authentication),
            (409, ErrorType::Idempotency),
            (422, ErrorType::Idempotency),
            (429, ErrorType::RateLimit),
            (500, ErrorType::Api),
            (503, ErrorType::Api),
        ];
        for (status, expected) in table {
            assert_eq!(ErrorType::for_status(status), expected, "{status}");
        }
    }

    #[test]
    fn display_names_type_code_param_and_request() {
        let err = KunogError {
            status: Some(400),
            error_type: ErrorType::InvalidRequest,
            code: "parameter_invalid".into(),
            message: "amount must be a positive integer in minor units".into(),
            param: Some("amount".into()),
            request_id: Some("req_123".into()),
        };
        let shown = err.to_string();
        assert!(shown.starts_with("amount must be a positive integer"), "{shown}");
        assert!(shown.contains("fix the parameter"), "{shown}");
        assert!(
            shown.ends_with("[invalid_request_error/parameter_invalid, HTTP 400, param amount, request req_123]"),
            "{shown}"
        );
    }

    #[test]
    fn invalid_response_shows_a_short_clean_snippet() {
        let body = format!("<html>\r\n{}</html>", "x".repeat(500));
        let err = KunogError::invalid_response(200, None, "an HTML body", body.as_bytes());
        assert_eq!(err.code, codes::INVALID_RESPONSE);
        assert_eq!(err.error_type, ErrorType::Api);
        assert!(err.message.len() < 200, "{}", err.message);
        assert!(!err.message.contains('\r'), "{}", err.message);
    }
}
