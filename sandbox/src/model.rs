//! The API's objects and the validation of what clients send.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api_error::{ApiError, ErrorCode};

pub const EVENT_TYPES: [&str; 5] = [
    "payment_intent.created",
    "payment_intent.pending",
    "payment_intent.confirmed",
    "payment_intent.expired",
    "refund.created",
];

/// Settlement assets of the contract: Kunog settles in USDC (the seed names no other).
pub const SETTLEMENT_ASSETS: [&str; 1] = ["USDC"];

/// ISO 4217 codes the sandbox accepts, with their minor-unit exponent and symbol.
pub const CURRENCIES: [(&str, u32, &str); 21] = [
    ("USD", 2, "$"),
    ("EUR", 2, "€"),
    ("GBP", 2, "£"),
    ("JPY", 0, "¥"),
    ("CHF", 2, ""),
    ("CAD", 2, "CA$"),
    ("AUD", 2, "A$"),
    ("NZD", 2, "NZ$"),
    ("SGD", 2, "S$"),
    ("HKD", 2, "HK$"),
    ("SEK", 2, ""),
    ("NOK", 2, ""),
    ("DKK", 2, ""),
    ("PLN", 2, ""),
    ("CZK", 2, ""),
    ("INR", 2, "₹"),
    ("BRL", 2, "R$"),
    ("MXN", 2, "MX$"),
    ("KRW", 0, "₩"),
    ("BHD", 3, ""),
    ("KWD", 3, ""),
];

pub const MAX_AMOUNT: i64 = 99_999_999;

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct PaymentIntent {
    pub id: String,
    pub object: String,
    pub status: String,
    pub amount: i64,
    pub currency: String,
    pub settlement: String,
    pub checkout_url: String,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub description: Option<String>,
    pub amount_refunded: i64,
    pub livemode: bool,
    pub created: i64,
    pub expires_at: i64,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Refund {
    pub id: String,
    pub object: String,
    pub payment_intent: String,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub reason: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub created: i64,
}

/// What a valid `POST /v1/payment_intents` asks for.
pub struct NewIntent {
    pub amount: i64,
    pub currency: String,
    pub settlement: String,
    pub success_url: Option<String>,
    pub cancel_url: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub description: Option<String>,
}

pub struct NewRefund {
    pub payment_intent: String,
    pub amount: Option<i64>,
    pub reason: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

pub struct NewEndpoint {
    pub url: String,
    pub enabled_events: Vec<String>,
}

/// The body as a JSON object; an empty body is an empty object.
pub fn parse_object(body: &str) -> Result<Map<String, Value>, ApiError> {
    if body.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::new(
            ErrorCode::InvalidJson,
            "the request body must be a JSON object",
        )),
    }
}

fn reject_unknown(map: &Map<String, Value>, known: &[&str]) -> Result<(), ApiError> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => Err(ApiError::param(
            ErrorCode::ParameterUnknown,
            key,
            format!("unknown parameter: {key}"),
        )),
        None => Ok(()),
    }
}

fn present<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
    map.get(key).filter(|v| !v.is_null())
}

fn optional_string(
    map: &Map<String, Value>,
    key: &str,
    max: usize,
) -> Result<Option<String>, ApiError> {
    match present(map, key) {
        None => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::param(
            ErrorCode::ParameterInvalid,
            key,
            format!("{key} must be a string of at most {max} characters"),
        )),
    }
}

/// Absolute https URL, or http for localhost / 127.0.0.1 only; at most 2048 characters.
pub fn valid_url(value: &str) -> bool {
    if value.len() > 2048 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Ok(url) = worker::Url::parse(value) else {
        return false;
    };
    match url.scheme() {
        "https" => url.host_str().is_some_and(|h| !h.is_empty()),
        "http" => matches!(url.host_str(), Some("localhost") | Some("127.0.0.1")),
        _ => false,
    }
}

fn optional_url(map: &Map<String, Value>, key: &str) -> Result<Option<String>, ApiError> {
    match present(map, key) {
        None => Ok(None),
        Some(Value::String(s)) if valid_url(s) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::param(
            ErrorCode::ParameterInvalid,
            key,
            format!("{key} must be an absolute https:// URL (http:// only for localhost or 127.0.0.1) of at most 2048 characters"),
        )),
    }
}

fn metadata(map: &Map<String, Value>) -> Result<BTreeMap<String, String>, ApiError> {
    let invalid = |message: &str| ApiError::param(ErrorCode::ParameterInvalid, "metadata", message);
    let Some(value) = present(map, "metadata") else {
        return Ok(BTreeMap::new());
    };
    let Value::Object(entries) = value else {
        return Err(invalid(
            "metadata must be an object of string keys to string values",
        ));
    };
    if entries.len() > 50 {
        return Err(invalid("metadata may have at most 50 keys"));
    }
    let mut out = BTreeMap::new();
    for (key, value) in entries {
        if key.is_empty() || key.chars().count() > 40 {
            return Err(invalid("metadata keys must be 1 to 40 characters"));
        }
        let Value::String(text) = value else {
            return Err(invalid("metadata values must be strings"));
        };
        if text.chars().count() > 500 {
            return Err(invalid("metadata values must be at most 500 characters"));
        }
        out.insert(key.clone(), text.clone());
    }
    Ok(out)
}

/// An integer JSON number (never a float, never a string).
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) if n.is_i64() || n.is_u64() => n.as_i64(),
        _ => None,
    }
}

pub fn parse_new_intent(body: &str) -> Result<NewIntent, ApiError> {
    let map = parse_object(body)?;
    reject_unknown(
        &map,
        &[
            "amount",
            "currency",
            "settlement",
            "success_url",
            "cancel_url",
            "metadata",
            "description",
        ],
    )?;
    let amount = match present(&map, "amount") {
        None => {
            return Err(ApiError::param(
                ErrorCode::ParameterMissing,
                "amount",
                "amount is required",
            ))
        }
        Some(v) => match integer(v) {
            Some(a) if (1..=MAX_AMOUNT).contains(&a) => a,
            _ => {
                return Err(ApiError::param(
                    ErrorCode::ParameterInvalid,
                    "amount",
                    "amount must be a positive integer in minor units, at most 99999999",
                ))
            }
        },
    };
    let currency = match present(&map, "currency") {
        None => {
            return Err(ApiError::param(
                ErrorCode::ParameterMissing,
                "currency",
                "currency is required",
            ))
        }
        Some(Value::String(c)) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase()) => {
            if currency_info(c).is_none() {
                return Err(ApiError::param(
                    ErrorCode::UnsupportedCurrency,
                    "currency",
                    format!("currency {c} is not supported"),
                ));
            }
            c.clone()
        }
        Some(_) => {
            return Err(ApiError::param(
                ErrorCode::ParameterInvalid,
                "currency",
                "currency must be an upper-case ISO 4217 code such as USD",
            ))
        }
    };
    let settlement = match present(&map, "settlement") {
        None => "USDC".to_string(),
        Some(Value::String(s)) if SETTLEMENT_ASSETS.contains(&s.as_str()) => s.clone(),
        Some(Value::String(_)) => {
            return Err(ApiError::param(
                ErrorCode::UnsupportedSettlement,
                "settlement",
                format!("settlement must be one of {}", SETTLEMENT_ASSETS.join(", ")),
            ))
        }
        Some(_) => {
            return Err(ApiError::param(
                ErrorCode::ParameterInvalid,
                "settlement",
                "settlement must be a string",
            ))
        }
    };
    Ok(NewIntent {
        amount,
        currency,
        settlement,
        success_url: optional_url(&map, "success_url")?,
        cancel_url: optional_url(&map, "cancel_url")?,
        metadata: metadata(&map)?,
        description: optional_string(&map, "description", 1000)?,
    })
}

pub fn parse_new_refund(body: &str) -> Result<NewRefund, ApiError> {
    let map = parse_object(body)?;
    reject_unknown(&map, &["payment_intent", "amount", "reason", "metadata"])?;
    let payment_intent = match present(&map, "payment_intent") {
        None => {
            return Err(ApiError::param(
                ErrorCode::ParameterMissing,
                "payment_intent",
                "payment_intent is required",
            ))
        }
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            return Err(ApiError::param(
                ErrorCode::ParameterInvalid,
                "payment_intent",
                "payment_intent must be a pi_ id",
            ))
        }
    };
    let amount = match present(&map, "amount") {
        None => None,
        Some(v) => match integer(v) {
            Some(a) if (1..=MAX_AMOUNT).contains(&a) => Some(a),
            _ => {
                return Err(ApiError::param(
                    ErrorCode::ParameterInvalid,
                    "amount",
                    "amount must be a positive integer in minor units",
                ))
            }
        },
    };
    Ok(NewRefund {
        payment_intent,
        amount,
        reason: optional_string(&map, "reason", 500)?,
        metadata: metadata(&map)?,
    })
}

pub fn parse_new_endpoint(body: &str) -> Result<NewEndpoint, ApiError> {
    let map = parse_object(body)?;
    reject_unknown(&map, &["url", "enabled_events"])?;
    let url =
        match present(&map, "url") {
            None => {
                return Err(ApiError::param(
                    ErrorCode::ParameterMissing,
                    "url",
                    "url is required",
                ))
            }
            Some(Value::String(s)) if valid_url(s) => s.clone(),
            Some(_) => return Err(ApiError::param(
                ErrorCode::ParameterInvalid,
                "url",
                "url must be an absolute https:// URL (http:// only for localhost or 127.0.0.1)",
            )),
        };
    let invalid = || {
        ApiError::param(
            ErrorCode::ParameterInvalid,
            "enabled_events",
            format!(
                "enabled_events must be a non-empty array of \"*\" or {}",
                EVENT_TYPES.join(", ")
            ),
        )
    };
    let enabled_events = match present(&map, "enabled_events") {
        None => vec!["*".to_string()],
        Some(Value::Array(items)) if !items.is_empty() => {
            let mut out = Vec::new();
            for item in items {
                match item {
                    Value::String(s) if s == "*" || EVENT_TYPES.contains(&s.as_str()) => {
                        if !out.contains(s) {
                            out.push(s.clone())
                        }
                    }
                    _ => return Err(invalid()),
                }
            }
            out
        }
        Some(_) => return Err(invalid()),
    };
    Ok(NewEndpoint {
        url,
        enabled_events,
    })
}

pub fn currency_info(code: &str) -> Option<(u32, &'static str)> {
    CURRENCIES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, exp, sym)| (*exp, *sym))
}

/// `4900` USD → `$49.00`; `123456` JPY → `¥123,456`; `1500` CHF → `15.00 CHF`.
pub fn format_amount(amount: i64, currency: &str) -> String {
    let (exponent, symbol) = currency_info(currency).unwrap_or((2, ""));
    let divisor = 10i64.pow(exponent);
    let whole = (amount / divisor).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let number = if exponent > 0 {
        format!(
            "{grouped}.{:0width$}",
            amount % divisor,
            width = exponent as usize
        )
    } else {
        grouped
    };
    if symbol.is_empty() {
        format!("{number} {currency}")
    } else {
        format!("{symbol}{number}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_formatted_in_their_currency() {
        assert_eq!(format_amount(4900, "USD"), "$49.00");
        assert_eq!(format_amount(1, "GBP"), "£0.01");
        assert_eq!(format_amount(99_999_999, "EUR"), "€999,999.99");
        assert_eq!(format_amount(1500, "JPY"), "¥1,500");
        assert_eq!(format_amount(1234, "CHF"), "12.34 CHF");
        assert_eq!(format_amount(1_234_567, "KWD"), "1,234.567 KWD");
        assert_eq!(format_amount(100, "KRW"), "₩100");
    }

    #[test]
    fn urls_must_be_https_or_local_http() {
        for ok in [
            "https://kunog.com/success",
            "http://localhost:3000/x",
            "http://127.0.0.1/y?z=1",
        ] {
            assert!(valid_url(ok), "{ok}");
        }
        for bad in [
            "http://kunog.com",
            "ftp://x.y",
            "/relative",
            "https://",
            "https://a b.com",
            "javascript:alert(1)",
            "",
        ] {
            assert!(!valid_url(bad), "{bad}");
        }
        assert!(!valid_url(&format!("https://x.com/{}", "a".repeat(2040))));
    }

    #[test]
    fn intent_validation_names_the_parameter() {
        let err = |body: &str| {
            parse_new_intent(body)
                .err()
                .map(|e| (e.code.as_str(), e.param))
        };
        assert_eq!(
            err(r#"{"currency":"USD"}"#),
            Some(("parameter_missing", Some("amount".into())))
        );
        assert_eq!(
            err(r#"{"amount":1e3,"currency":"USD"}"#),
            Some(("parameter_invalid", Some("amount".into())))
        );
        assert_eq!(
            err(r#"{"amount":5,"currency":"XYZ"}"#),
            Some(("unsupported_currency", Some("currency".into())))
        );
        assert_eq!(
            err(r#"{"amount":5,"currency":"USD","settlement":"BTC"}"#),
            Some(("unsupported_settlement", Some("settlement".into())))
        );
        assert_eq!(err("nope"), Some(("invalid_json", None)));
        let ok = parse_new_intent(r#"{"amount":5,"currency":"USD","description":null}"#).unwrap();
        assert_eq!(
            (ok.amount, ok.settlement.as_str(), ok.description),
            (5, "USDC", None)
        );
    }
}
