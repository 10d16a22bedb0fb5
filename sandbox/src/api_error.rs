//! API errors: one enum of stable string codes, each with its HTTP status and error type,
//! rendered in the contract's shape. Messages are fixed text chosen here, never an internal
//! error's Display, so no stack trace or secret can reach a response.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    ParameterMissing,
    ParameterInvalid,
    ParameterUnknown,
    InvalidJson,
    UnsupportedCurrency,
    UnsupportedSettlement,
    ResourceMissing,
    UnknownRoute,
    InvalidStateTransition,
    PaymentIntentNotRefundable,
    AmountTooLarge,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    IdempotencyKeyInUse,
    MissingApiKey,
    InvalidApiKey,
    LiveKeyInSandbox,
    RateLimited,
    ServiceUnavailable,
    InternalError,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            ParameterMissing => "parameter_missing",
            ParameterInvalid => "parameter_invalid",
            ParameterUnknown => "parameter_unknown",
            InvalidJson => "invalid_json",
            UnsupportedCurrency => "unsupported_currency",
            UnsupportedSettlement => "unsupported_settlement",
            ResourceMissing => "resource_missing",
            UnknownRoute => "unknown_route",
            InvalidStateTransition => "invalid_state_transition",
            PaymentIntentNotRefundable => "payment_intent_not_refundable",
            AmountTooLarge => "amount_too_large",
            IdempotencyKeyInvalid => "idempotency_key_invalid",
            IdempotencyKeyReused => "idempotency_key_reused",
            IdempotencyKeyInUse => "idempotency_key_in_use",
            MissingApiKey => "missing_api_key",
            InvalidApiKey => "invalid_api_key",
            LiveKeyInSandbox => "live_key_in_sandbox",
            RateLimited => "rate_limited",
            ServiceUnavailable => "service_unavailable",
            InternalError => "internal_error",
        }
    }

    pub fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            ResourceMissing | UnknownRoute => 404,
            MissingApiKey | InvalidApiKey | LiveKeyInSandbox => 401,
            IdempotencyKeyInUse => 409,
            IdempotencyKeyReused => 422,
            RateLimited => 429,
            ServiceUnavailable => 503,
            InternalError => 500,
            _ => 400,
        }
    }

    pub fn error_type(self) -> &'static str {
        match self.status() {
            401 => "authentication_error",
            409 | 422 => "idempotency_error",
            429 => "rate_limit_error",
            500..=599 => "api_error",
            _ => "invalid_request_error",
        }
    }
}

#[derive(Clone, Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub param: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            param: None,
        }
    }

    pub fn param(code: ErrorCode, param: &str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            param: Some(param.to_string()),
        }
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// The contract's error body.
    pub fn to_json(&self, request_id: &str) -> String {
        #[derive(Serialize)]
        struct Body<'a> {
            error: Inner<'a>,
        }
        #[derive(Serialize)]
        struct Inner<'a> {
            #[serde(rename = "type")]
            error_type: &'a str,
            code: &'a str,
            message: &'a str,
            param: Option<&'a str>,
            request_id: &'a str,
        }
        serde_json::to_string(&Body {
            error: Inner {
                error_type: self.code.error_type(),
                code: self.code.as_str(),
                message: &self.message,
                param: self.param.as_deref(),
                request_id,
            },
        })
        .unwrap_or_else(|_| String::from("{}"))
    }
}
