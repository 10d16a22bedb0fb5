//! The parameters of each call, and their validation before anything is sent.
//!
//! Scope: the request bodies and queries of the contract, checked with the rules and codes
//! Kunog itself uses (`parameter_missing`, `parameter_invalid`, `unsupported_settlement`,
//! with `param` naming the field), so that a bad request fails fast and the same way with or
//! without a network. Each parameter type also reads from JSON text (`from_json`), for
//! callers holding a JavaScript object: a wrong JSON type or an unknown field (often a
//! camelCase spelling) is refused with `parameter_invalid` rather than dropped.

use serde::Serialize;

use super::json::{self, Value};

use super::error::KunogError;
use crate::error::shorten;
use crate::event::Metadata;

/// Smallest `amount`, in minor units.
pub const MIN_AMOUNT: i64 = 1;
/// Largest `amount`, in minor units.
pub const MAX_AMOUNT: i64 = 99_999_999;
/// Longest `success_url` / `cancel_url` / webhook `url`, in characters.
pub const MAX_URL_CHARS: usize = 2048;
/// Most metadata keys.
pub const MAX_METADATA_KEYS: usize = 50;
/// Longest metadata key, in characters.
pub const MAX_METADATA_KEY_CHARS: usize = 40;
/// Longest metadata value, in characters.
pub const MAX_METADATA_VALUE_CHARS: usize = 500;
/// Longest `description`, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// Largest page size of a list.
pub const MAX_LIST_LIMIT: u32 = 100;
/// The settlement assets this SDK knows Kunog to support; others are refused with
/// `unsupported_settlement` before sending.
pub const SUPPORTED_SETTLEMENTS: [&str; 1] = ["USDC"];
/// Fewest random characters after an id's prefix (`pi_`, `re_`, `we_`, ...).
pub const MIN_ID_RANDOM_CHARS: usize = 20;
/// Longest id accepted, prefix included: ids are put into URL paths.
pub const MAX_ID_CHARS: usize = 255;

/// Id prefix of payment intents.
pub const PAYMENT_INTENT_ID_PREFIX: &str = "pi_";
/// Id prefix of webhook endpoints.
pub const WEBHOOK_ENDPOINT_ID_PREFIX: &str = "we_";

/// `POST /v1/payment_intents`.
///
/// `amount` and `currency` are required; they are `Option`s so that a payload read from
/// JSON can be told "missing" apart from "invalid". Build one with
/// [`CreatePaymentIntentParams::new`] and the `with_` methods.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreatePaymentIntentParams {
    /// Required: minor units, 1 ..= 99_999_999.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// Required: ISO 4217, upper case (`USD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The asset the merchant receives; Kunog's default is `USDC`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settlement: Option<String>,
    /// Where checkout sends the customer after paying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_url: Option<String>,
    /// Where checkout sends the customer who cancels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_url: Option<String>,
    /// At most 50 keys of at most 40 characters, values at most 500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    /// At most 1000 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl CreatePaymentIntentParams {
    /// `amount` in minor units of `currency` (`4900`, `"USD"` is $49.00).
    pub fn new(amount: i64, currency: &str) -> Self {
        CreatePaymentIntentParams { amount: Some(amount), currency: Some(currency.to_owned()), ..Default::default() }
    }

    /// Sets `settlement`.
    pub fn with_settlement(mut self, settlement: &str) -> Self {
        self.settlement = Some(settlement.to_owned());
        self
    }

    /// Sets `success_url`.
    pub fn with_success_url(mut self, url: &str) -> Self {
        self.success_url = Some(url.to_owned());
        self
    }

    /// Sets `cancel_url`.
    pub fn with_cancel_url(mut self, url: &str) -> Self {
        self.cancel_url = Some(url.to_owned());
        self
    }

    /// Adds one metadata entry.
    pub fn with_metadata(mut self, key: &str, value: &str) -> Self {
        self.metadata.get_or_insert_with(Metadata::new).insert(key.to_owned(), value.to_owned());
        self
    }

    /// Sets `description`.
    pub fn with_description(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }

    /// Reads a JSON object (`JSON.stringify(payload)`). `null` counts as absent.
    pub fn from_json(json: &str) -> Result<Self, KunogError> {
        let mut fields = JsonFields::parse(json, "payment intent")?;
        let params = CreatePaymentIntentParams {
            amount: fields.integer("amount")?,
            currency: fields.string("currency")?,
            settlement: fields.string("settlement")?,
            success_url: fields.string("success_url")?,
            cancel_url: fields.string("cancel_url")?,
            metadata: fields.metadata("metadata")?,
            description: fields.string("description")?,
        };
        fields.refuse_unknown()?;
        Ok(params)
    }

    /// Checks every rule of the contract, in field order; the first broken one is returned.
    pub fn validate(&self) -> Result<(), KunogError> {
        validate_amount("amount", self.amount.ok_or_else(|| KunogError::missing("amount"))?)?;
        validate_currency(self.currency.as_deref().ok_or_else(|| KunogError::missing("currency"))?)?;
        if let Some(settlement) = &self.settlement {
            validate_settlement(settlement)?;
        }
        if let Some(url) = &self.success_url {
            validate_url("success_url", url)?;
        }
        if let Some(url) = &self.cancel_url {
            validate_url("cancel_url", url)?;
        }
        if let Some(metadata) = &self.metadata {
            validate_metadata(metadata)?;
        }
        if let Some(description) = &self.description {
            validate_max_chars("description", description, MAX_DESCRIPTION_CHARS)?;
        }
        Ok(())
    }
}

/// `POST /v1/refunds`: refund some or all of a confirmed payment intent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateRefundParams {
    /// Required: the intent to refund, `pi_...`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_intent: Option<String>,
    /// Minor units; Kunog's default is what is left to refund.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// Why, in the merchant's words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Same limits as a payment intent's metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
}

impl CreateRefundParams {
    /// A refund of what is left of `payment_intent`.
    pub fn new(payment_intent: &str) -> Self {
        CreateRefundParams { payment_intent: Some(payment_intent.to_owned()), ..Default::default() }
    }

    /// Refunds only `amount` minor units.
    pub fn with_amount(mut self, amount: i64) -> Self {
        self.amount = Some(amount);
        self
    }

    /// Sets `reason`.
    pub fn with_reason(mut self, reason: &str) -> Self {
        self.reason = Some(reason.to_owned());
        self
    }

    /// Adds one metadata entry.
    pub fn with_metadata(mut self, key: &str, value: &str) -> Self {
        self.metadata.get_or_insert_with(Metadata::new).insert(key.to_owned(), value.to_owned());
        self
    }

    /// Reads a JSON object. `null` counts as absent.
    pub fn from_json(json: &str) -> Result<Self, KunogError> {
        let mut fields = JsonFields::parse(json, "refund")?;
        let params = CreateRefundParams {
            payment_intent: fields.string("payment_intent")?,
            amount: fields.integer("amount")?,
            reason: fields.string("reason")?,
            metadata: fields.metadata("metadata")?,
        };
        fields.refuse_unknown()?;
        Ok(params)
    }

    /// Checks every rule the SDK can check; `amount_too_large` and
    /// `payment_intent_not_refundable` depend on the intent and are Kunog's to answer.
    pub fn validate(&self) -> Result<(), KunogError> {
        let payment_intent = self.payment_intent.as_deref().ok_or_else(|| KunogError::missing("payment_intent"))?;
        validate_id("payment_intent", payment_intent, PAYMENT_INTENT_ID_PREFIX)?;
        if let Some(amount) = self.amount {
            validate_amount("amount", amount)?;
        }
        if let Some(metadata) = &self.metadata {
            validate_metadata(metadata)?;
        }
        Ok(())
    }
}

/// `POST /v1/webhook_endpoints`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CreateWebhookEndpointParams {
    /// Required: where Kunog POSTs events; same rules as `success_url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The event types to send, e.g. `payment_intent.confirmed`; Kunog's default is all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled_events: Option<Vec<String>>,
}

impl CreateWebhookEndpointParams {
    /// An endpoint at `url`.
    pub fn new(url: &str) -> Self {
        CreateWebhookEndpointParams { url: Some(url.to_owned()), enabled_events: None }
    }

    /// Sends only these event types.
    pub fn with_enabled_events<I: IntoIterator<Item = S>, S: Into<String>>(mut self, events: I) -> Self {
        self.enabled_events = Some(events.into_iter().map(Into::into).collect());
        self
    }

    /// Reads a JSON object. `null` counts as absent.
    pub fn from_json(json: &str) -> Result<Self, KunogError> {
        let mut fields = JsonFields::parse(json, "webhook endpoint")?;
        let params = CreateWebhookEndpointParams {
            url: fields.string("url")?,
            enabled_events: fields.string_list("enabled_events")?,
        };
        fields.refuse_unknown()?;
        Ok(params)
    }

    /// Checks the URL and that no event type is empty.
    pub fn validate(&self) -> Result<(), KunogError> {
        validate_url("url", self.url.as_deref().ok_or_else(|| KunogError::missing("url"))?)?;
        if let Some(events) = &self.enabled_events {
            if let Some(index) = events.iter().position(|event| event.trim().is_empty()) {
                return Err(KunogError::invalid(
                    "enabled_events",
                    format!("enabled_events[{index}] is empty: name event types such as payment_intent.confirmed"),
                ));
            }
        }
        Ok(())
    }
}

/// The query of a list call: `?limit=&starting_after=`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListParams {
    /// Page size, 1 ..= 100; Kunog's default is 10.
    pub limit: Option<u32>,
    /// The id of the last object of the previous page.
    pub starting_after: Option<String>,
}

impl ListParams {
    /// Pages of `limit` objects.
    pub fn with_limit(limit: u32) -> Self {
        ListParams { limit: Some(limit), starting_after: None }
    }

    /// Reads a JSON object (`{ "limit": 20 }`). `null` counts as absent.
    pub fn from_json(json: &str) -> Result<Self, KunogError> {
        let mut fields = JsonFields::parse(json, "list")?;
        let limit = match fields.integer("limit")? {
            None => None,
            Some(limit) => Some(u32::try_from(limit).map_err(|_| limit_error())?),
        };
        let params = ListParams { limit, starting_after: fields.string("starting_after")? };
        fields.refuse_unknown()?;
        Ok(params)
    }

    /// Checks `limit` and that `starting_after` is an id with `id_prefix`.
    pub fn validate(&self, id_prefix: &str) -> Result<(), KunogError> {
        if let Some(limit) = self.limit {
            if !(1..=MAX_LIST_LIMIT).contains(&limit) {
                return Err(limit_error());
            }
        }
        if let Some(cursor) = &self.starting_after {
            validate_id("starting_after", cursor, id_prefix)?;
        }
        Ok(())
    }

    /// The query string, with its `?`, or `""` when there is none. Values are validated
    /// ids and numbers, so nothing needs percent-encoding.
    pub(crate) fn query(&self) -> String {
        let mut pairs = Vec::new();
        if let Some(limit) = self.limit {
            pairs.push(format!("limit={limit}"));
        }
        if let Some(cursor) = &self.starting_after {
            pairs.push(format!("starting_after={cursor}"));
        }
        if pairs.is_empty() {
            String::new()
        } else {
            format!("?{}", pairs.join("&"))
        }
    }
}

fn limit_error() -> KunogError {
    KunogError::invalid("limit", format!("limit must be an integer from 1 to {MAX_LIST_LIMIT}"))
}

/// Checks an amount in minor units.
pub fn validate_amount(param: &str, amount: i64) -> Result<(), KunogError> {
    if (MIN_AMOUNT..=MAX_AMOUNT).contains(&amount) {
        return Ok(());
    }
    Err(KunogError::invalid(
        param,
        format!(
            "{param} must be a positive integer in minor units, from {MIN_AMOUNT} to {MAX_AMOUNT} \
             (4900 is $49.00); got {amount}"
        ),
    ))
}

/// Checks an ISO 4217 code: three upper-case ASCII letters.
pub fn validate_currency(currency: &str) -> Result<(), KunogError> {
    if currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase()) {
        return Ok(());
    }
    let hint = if currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_alphabetic()) {
        format!(": use upper case, {}", currency.to_ascii_uppercase())
    } else {
        String::new()
    };
    Err(KunogError::invalid(
        "currency",
        format!(
            "currency must be an ISO 4217 code in upper case such as USD, EUR or GBP; got \"{}\"{hint}",
            shorten(currency)
        ),
    ))
}

/// Checks `settlement` against [`SUPPORTED_SETTLEMENTS`].
pub fn validate_settlement(settlement: &str) -> Result<(), KunogError> {
    if SUPPORTED_SETTLEMENTS.contains(&settlement) {
        return Ok(());
    }
    Err(KunogError::local(
        super::error::ErrorType::InvalidRequest,
        super::error::codes::UNSUPPORTED_SETTLEMENT,
        Some("settlement"),
        format!(
            "settlement \"{}\" is not supported; use one of {} (or leave it out for USDC)",
            shorten(settlement),
            SUPPORTED_SETTLEMENTS.join(", ")
        ),
    ))
}

/// Checks a redirect or webhook URL: absolute `https://`, or `http://` for localhost and
/// 127.0.0.1 only; at most 2048 characters.
pub fn validate_url(param: &str, url: &str) -> Result<(), KunogError> {
    let chars = url.chars().count();
    if chars > MAX_URL_CHARS {
        return Err(KunogError::invalid(
            param,
            format!("{param} is {chars} characters long; at most {MAX_URL_CHARS} are allowed"),
        ));
    }
    let parsed = parse_absolute_url(url)
        .map_err(|reason| KunogError::invalid(param, format!("{param} must be an absolute https:// URL: {reason}")))?;
    if parsed.scheme == "http" && !is_loopback_name(parsed.host) {
        return Err(KunogError::invalid(
            param,
            format!("{param} must use https://; http:// is allowed for localhost and 127.0.0.1 only"),
        ));
    }
    Ok(())
}

fn is_loopback_name(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1"
}

/// The parts of an absolute URL the SDK checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AbsoluteUrl<'u> {
    /// `http` or `https`, lower case.
    pub scheme: &'static str,
    /// The host, without port or userinfo (IPv6 in brackets).
    pub host: &'u str,
    /// Whether a `?query` or `#fragment` follows.
    pub has_query_or_fragment: bool,
}

/// Splits an absolute `http(s)://` URL far enough to check its scheme and host.
pub(crate) fn parse_absolute_url(url: &str) -> Result<AbsoluteUrl<'_>, String> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains whitespace or control characters".into());
    }
    // A byte search, not split_once("://"): core's substring searcher links a panic path.
    let (scheme, rest) = url
        .as_bytes()
        .windows(3)
        .position(|window| window == b"://")
        .and_then(|at| Some((url.get(..at)?, url.get(at + 3..)?)))
        .ok_or_else(|| format!("\"{}\" has no scheme", shorten(url)))?;
    let scheme = if scheme.eq_ignore_ascii_case("https") {
        "https"
    } else if scheme.eq_ignore_ascii_case("http") {
        "http"
    } else {
        return Err(format!("the scheme \"{}\" is not https", shorten(scheme)));
    };
    // split_at_checked rather than indexing: no panic path in the wasm.
    let (authority, tail) = rest.split_at_checked(rest.find(['/', '?', '#']).unwrap_or(rest.len())).unwrap_or((rest, ""));
    // The host is what follows any userinfo: "http://localhost@evil.example" is evil.example.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let (host, port) = if host_port.starts_with('[') {
        let close = host_port.find(']').ok_or("the IPv6 host has no closing ]")?;
        let (host, after) = host_port.split_at_checked(close + 1).ok_or("the IPv6 host has no closing ]")?;
        (host, after.strip_prefix(':'))
    } else {
        match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err("it has no host".into());
    }
    if let Some(port) = port {
        if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("the port \"{}\" is not a number", shorten(port)));
        }
    }
    Ok(AbsoluteUrl { scheme, host, has_query_or_fragment: tail.contains(['?', '#']) })
}

/// Checks metadata limits: keys, key length, value length.
pub fn validate_metadata(metadata: &Metadata) -> Result<(), KunogError> {
    if metadata.len() > MAX_METADATA_KEYS {
        return Err(KunogError::invalid(
            "metadata",
            format!("metadata has {} keys; at most {MAX_METADATA_KEYS} are allowed", metadata.len()),
        ));
    }
    for (key, value) in metadata {
        let key_chars = key.chars().count();
        if key_chars > MAX_METADATA_KEY_CHARS {
            return Err(KunogError::invalid(
                "metadata",
                format!(
                    "metadata key \"{}\" is {key_chars} characters long; at most {MAX_METADATA_KEY_CHARS} are allowed",
                    shorten(key)
                ),
            ));
        }
        let value_chars = value.chars().count();
        if value_chars > MAX_METADATA_VALUE_CHARS {
            return Err(KunogError::invalid(
                "metadata",
                format!(
                    "metadata value of \"{}\" is {value_chars} characters long; at most {MAX_METADATA_VALUE_CHARS} are allowed",
                    shorten(key)
                ),
            ));
        }
    }
    Ok(())
}

/// Checks a text's length in characters.
pub fn validate_max_chars(param: &str, text: &str, max: usize) -> Result<(), KunogError> {
    let chars = text.chars().count();
    if chars > max {
        return Err(KunogError::invalid(
            param,
            format!("{param} is {chars} characters long; at most {max} are allowed"),
        ));
    }
    Ok(())
}

/// Checks an object id: `prefix` and at least 20 base62 characters (and at most 255 in all,
/// since ids go into URL paths).
pub fn validate_id(param: &str, id: &str, prefix: &str) -> Result<(), KunogError> {
    let ok = id.len() <= MAX_ID_CHARS
        && id.strip_prefix(prefix).is_some_and(|random| {
            random.len() >= MIN_ID_RANDOM_CHARS && random.bytes().all(|b| b.is_ascii_alphanumeric())
        });
    if ok {
        return Ok(());
    }
    Err(KunogError::invalid(
        param,
        format!(
            "{param} \"{}\" is not a valid id: expected {prefix} followed by at least {MIN_ID_RANDOM_CHARS} \
             letters and digits, as returned by Kunog",
            shorten(id)
        ),
    ))
}

/// A JSON object being read field by field; fields read are removed, so that what is
/// left at the end is unknown.
struct JsonFields(Vec<(String, Value)>);

impl JsonFields {
    fn parse(json: &str, what: &str) -> Result<Self, KunogError> {
        match json::parse(json.as_bytes()) {
            Ok(Value::Object(members)) => Ok(JsonFields(members)),
            Ok(_) => Err(KunogError::invalid("body", format!("the {what} parameters must be a JSON object"))),
            Err(_) => Err(KunogError::invalid("body", format!("the {what} parameters are not valid JSON"))),
        }
    }

    fn take(&mut self, name: &str) -> Option<Value> {
        json::take(&mut self.0, name).filter(|value| *value != Value::Null)
    }

    fn integer(&mut self, name: &str) -> Result<Option<i64>, KunogError> {
        match self.take(name) {
            None => Ok(None),
            // An integral float (4900.0) is the same number; a fraction or a huge value is not.
            Some(Value::Number(number)) => json::integer_value(&number).map(Some).ok_or_else(|| {
                KunogError::invalid(
                    name,
                    format!("{name} must be an integer (minor units: 4900 for $49.00), not a fraction or a number that large"),
                )
            }),
            Some(other) => {
                Err(KunogError::invalid(name, format!("{name} must be an integer, not {}", other.type_name())))
            }
        }
    }

    fn string(&mut self, name: &str) -> Result<Option<String>, KunogError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(KunogError::invalid(name, format!("{name} must be a string, not {}", other.type_name()))),
        }
    }

    fn metadata(&mut self, name: &str) -> Result<Option<Metadata>, KunogError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Object(members)) => {
                let mut metadata = Metadata::new();
                for (key, value) in members {
                    match value {
                        Value::String(text) => {
                            metadata.insert(key, text);
                        }
                        other => {
                            return Err(KunogError::invalid(
                                name,
                                format!(
                                    "metadata values must be strings; \"{}\" is {}",
                                    shorten(&key),
                                    other.type_name()
                                ),
                            ))
                        }
                    }
                }
                Ok(Some(metadata))
            }
            Some(other) => Err(KunogError::invalid(
                name,
                format!("{name} must be an object of strings, not {}", other.type_name()),
            )),
        }
    }

    fn string_list(&mut self, name: &str) -> Result<Option<Vec<String>>, KunogError> {
        let not_a_list =
            |found: &str| KunogError::invalid(name, format!("{name} must be an array of strings, not {found}"));
        match self.take(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(text) => Ok(text),
                    other => Err(not_a_list(&format!("an array holding {}", other.type_name()))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(not_a_list(other.type_name())),
        }
    }

    fn refuse_unknown(self) -> Result<(), KunogError> {
        match self.0.first() {
            None => Ok(()),
            Some((unknown, _)) => {
                let unknown = shorten(unknown);
                Err(KunogError::invalid(
                    &unknown,
                    format!("\"{unknown}\" is not a parameter of this call; check the spelling (fields are snake_case, e.g. success_url)"),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parts() {
        let parsed = parse_absolute_url("HTTPS://user:pw@Example.com:8443/a?b#c").unwrap();
        assert_eq!((parsed.scheme, parsed.host, parsed.has_query_or_fragment), ("https", "Example.com", true));
        let parsed = parse_absolute_url("http://[::1]:80/").unwrap();
        assert_eq!(parsed.host, "[::1]");
        assert!(parse_absolute_url("https://:443/").is_err());
        assert!(parse_absolute_url("https://host:x/").is_err());
    }

    #[test]
    fn query_is_built_in_a_fixed_order() {
        assert_eq!(ListParams::default().query(), "");
        let params = ListParams { limit: Some(20), starting_after: Some("pi_x".into()) };
        assert_eq!(params.query(), "?limit=20&starting_after=pi_x");
    }
}
