//! Verifying and signing Kunog webhook deliveries.
//!
//! Scope: the three Kunog headers, the body size cap, the timestamp tolerance, the
//! signature check over `{Kunog-Timestamp}.{raw body}` and the binding of the signed event
//! id to `Kunog-Event-Id`. Sans-IO: the caller passes the raw body, the header values and
//! the current time (`now_ms`); nothing here reads a clock, a socket or a random source.
//!
//! ```
//! use kunog::{Webhook, WebhookHeaders};
//!
//! let webhook = Webhook::new("whsec_test_secret")?;
//! let body = br#"{"id":"evt_123","object":"event","type":"payment_intent.confirmed","created":1764806400000,"livemode":false,"data":{"object":{}}}"#;
//! let signed = webhook.sign(body, 1_764_806_400_000)?;
//!
//! // On the receiving side, with the headers as they arrived:
//! let headers = WebhookHeaders::new(&signed.signature, &signed.timestamp, &signed.event_id);
//! let verified = webhook.verify(body, headers, 1_764_806_401_000)?;
//! assert_eq!(verified.event.id, "evt_123");
//! # Ok::<(), kunog::WebhookError>(())
//! ```

use core::fmt;
use std::borrow::Cow;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::Deserializer;

use crate::error::{shorten, WebhookError};
use crate::event::Event;
use crate::signature::{SigningKey, TAG_LEN};

/// The header carrying the hex HMAC-SHA256 signature(s).
pub const SIGNATURE_HEADER: &str = "Kunog-Signature";
/// The header carrying the send time, in milliseconds since the Unix epoch.
pub const TIMESTAMP_HEADER: &str = "Kunog-Timestamp";
/// The header carrying the event id (equal to `id` in the signed body).
pub const EVENT_ID_HEADER: &str = "Kunog-Event-Id";

/// Default tolerance between `Kunog-Timestamp` and the verifier's clock, either side: 5 min.
pub const DEFAULT_TOLERANCE_MS: u64 = 300_000;
/// Default cap on the body size: 1 MiB. Kunog events are a few KB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1_048_576;
/// Most signatures accepted in one `Kunog-Signature` (a secret roll sends two or three).
pub const MAX_SIGNATURES: usize = 8;
/// Most digits accepted in `Kunog-Timestamp`: ms timestamps have 13 until the year 2286.
pub const MAX_TIMESTAMP_DIGITS: usize = 16;

/// The Kunog header values of one delivery, exactly as received.
///
/// Where a header arrived more than once, join its values with `", "` (as the fetch
/// `Headers` class does): the signature list accepts that, and a doubled timestamp or event
/// id is then refused, as it should be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookHeaders<'h> {
    /// `Kunog-Signature`, if present.
    pub signature: Option<&'h str>,
    /// `Kunog-Timestamp`, if present.
    pub timestamp: Option<&'h str>,
    /// `Kunog-Event-Id`, if present.
    pub event_id: Option<&'h str>,
}

impl<'h> WebhookHeaders<'h> {
    /// All three headers present.
    pub fn new(signature: &'h str, timestamp: &'h str, event_id: &'h str) -> Self {
        WebhookHeaders { signature: Some(signature), timestamp: Some(timestamp), event_id: Some(event_id) }
    }

    /// Looks each header up through `get`, called with the canonical names
    /// ([`SIGNATURE_HEADER`], ...). Header names are case-insensitive: `get` must be too.
    pub fn from_fn(mut get: impl FnMut(&'static str) -> Option<&'h str>) -> Self {
        WebhookHeaders {
            signature: get(SIGNATURE_HEADER),
            timestamp: get(TIMESTAMP_HEADER),
            event_id: get(EVENT_ID_HEADER),
        }
    }
}

/// Which secret matched, and when the delivery was signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureMatch {
    /// Index, in the list given to the verifier, of the secret that matched. During a secret
    /// roll, a match on an old secret tells you the sender has not switched yet.
    pub secret_index: usize,
    /// `Kunog-Timestamp`, parsed.
    pub timestamp_ms: u64,
}

/// A verified delivery whose body is still the raw JSON text.
///
/// For callers with a faster JSON parser of their own (JavaScript's `JSON.parse`), or that
/// want fields the typed [`Event`] does not model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPayload<'b> {
    /// The signed body, checked to be UTF-8 JSON object with a string `id`.
    pub body: &'b str,
    /// The signed event id (`id` in the body), equal to `Kunog-Event-Id`: the dedupe key.
    pub event_id: Cow<'b, str>,
    /// Which secret matched, and the signing time.
    pub signature: SignatureMatch,
}

/// A verified delivery, parsed into a typed [`Event`].
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedEvent {
    /// The event. `event.id` is the signed id: dedupe on it.
    pub event: Event,
    /// Which secret matched, and the signing time.
    pub signature: SignatureMatch,
}

/// The three headers to send with a body, as produced by [`Webhook::sign`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `Kunog-Signature`: lower-case hex HMAC-SHA256.
    pub signature: String,
    /// `Kunog-Timestamp`: decimal milliseconds.
    pub timestamp: String,
    /// `Kunog-Event-Id`: the `id` of the signed body.
    pub event_id: String,
}

impl SignedHeaders {
    /// The headers as `(name, value)` pairs, ready to add to a request.
    pub fn pairs(&self) -> [(&'static str, &str); 3] {
        [
            (SIGNATURE_HEADER, self.signature.as_str()),
            (TIMESTAMP_HEADER, self.timestamp.as_str()),
            (EVENT_ID_HEADER, self.event_id.as_str()),
        ]
    }
}

/// A webhook verifier (and signer) for one endpoint's secret, or several during a roll.
///
/// Build it once and reuse it: each secret is keyed into HMAC-SHA256 when the verifier is
/// built, not per delivery. `Debug` shows how many secrets it holds, never the secrets.
#[derive(Clone)]
pub struct Webhook {
    keys: Vec<SigningKey>,
    tolerance_ms: u64,
    max_body_bytes: usize,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("secrets", &format_args!("<{} redacted>", self.keys.len()))
            .field("tolerance_ms", &self.tolerance_ms)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

impl Webhook {
    /// A verifier for one secret (the endpoint's `whsec_...`, used as UTF-8 bytes).
    pub fn new(secret: &str) -> Result<Self, WebhookError> {
        Self::with_secrets([secret])
    }

    /// A verifier accepting any of `secrets`: during a secret roll, pass `[new, old]`.
    /// [`Webhook::sign`] uses the first.
    ///
    /// Refused with `invalid_secret`: no secret at all, an empty secret, or one with
    /// leading or trailing whitespace (usually a stray newline from an env file, which
    /// would otherwise make every signature fail).
    pub fn with_secrets<I, S>(secrets: I) -> Result<Self, WebhookError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut keys = Vec::new();
        for (index, secret) in secrets.into_iter().enumerate() {
            let secret = secret.as_ref();
            let which = index + 1;
            if secret.is_empty() {
                return Err(WebhookError::InvalidSecret { reason: format!("secret {which} is empty") });
            }
            if secret.trim() != secret {
                return Err(WebhookError::InvalidSecret {
                    reason: format!(
                        "secret {which} has leading or trailing whitespace (a stray newline from an env file?)"
                    ),
                });
            }
            keys.push(SigningKey::new(secret.as_bytes()));
        }
        if keys.is_empty() {
            return Err(WebhookError::InvalidSecret { reason: "no secret was given".into() });
        }
        Ok(Webhook { keys, tolerance_ms: DEFAULT_TOLERANCE_MS, max_body_bytes: DEFAULT_MAX_BODY_BYTES })
    }

    /// Sets the tolerance between `Kunog-Timestamp` and `now_ms`, either side.
    pub fn with_tolerance_ms(mut self, tolerance_ms: u64) -> Self {
        self.tolerance_ms = tolerance_ms;
        self
    }

    /// Sets the largest body accepted, in bytes.
    pub fn with_max_body_bytes(mut self, max_body_bytes: usize) -> Self {
        self.max_body_bytes = max_body_bytes;
        self
    }

    /// The tolerance in force, in ms.
    pub fn tolerance_ms(&self) -> u64 {
        self.tolerance_ms
    }

    /// The body size cap in force, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// How many secrets this verifier accepts.
    pub fn secret_count(&self) -> usize {
        self.keys.len()
    }

    /// Refuses a body of `len` bytes if it is over the cap. Lets a caller refuse a large
    /// body before copying it anywhere.
    pub fn check_body_len(&self, len: usize) -> Result<(), WebhookError> {
        if len > self.max_body_bytes {
            return Err(WebhookError::BodyTooLarge { len, max: self.max_body_bytes });
        }
        Ok(())
    }

    /// Checks the signature and timestamp of `body` only: what the seed's
    /// `verifyKunogWebhook` does, plus the tolerance. Does not look at the body's content;
    /// prefer [`Webhook::verify`], which also binds the event id.
    pub fn verify_signature(
        &self,
        body: &[u8],
        signature: &str,
        timestamp: &str,
        now_ms: u64,
    ) -> Result<SignatureMatch, WebhookError> {
        self.check_body_len(body.len())?;
        let timestamp_ms = parse_timestamp(timestamp)?;
        let signatures = parse_signatures(signature)?;
        self.check_tolerance(timestamp_ms, now_ms)?;
        let parts: [&[u8]; 3] = [timestamp.as_bytes(), b".", body];
        let secret_index = self
            .keys
            .iter()
            .position(|key| key.verify_any(&parts, signatures.as_slice()))
            .ok_or(WebhookError::SignatureMismatch)?;
        Ok(SignatureMatch { secret_index, timestamp_ms })
    }

    /// Verifies a delivery's headers and signature and checks that the body is UTF-8;
    /// returns the body as text. What is left to a caller with its own JSON parser is to
    /// parse it and hold the parsed `id` to `Kunog-Event-Id` with [`bind_event_id`].
    pub fn verify_text<'b>(
        &self,
        body: &'b [u8],
        headers: WebhookHeaders<'_>,
        now_ms: u64,
    ) -> Result<(&'b str, SignatureMatch), WebhookError> {
        let signature = headers.signature.ok_or(WebhookError::MissingHeader { header: SIGNATURE_HEADER })?;
        let timestamp = headers.timestamp.ok_or(WebhookError::MissingHeader { header: TIMESTAMP_HEADER })?;
        headers
            .event_id
            .filter(|id| !id.is_empty())
            .ok_or(WebhookError::MissingHeader { header: EVENT_ID_HEADER })?;
        let matched = self.verify_signature(body, signature, timestamp, now_ms)?;
        let text = core::str::from_utf8(body).map_err(|e| WebhookError::InvalidPayload {
            reason: format!("the body is not UTF-8 (invalid byte at offset {})", e.valid_up_to()),
        })?;
        Ok((text, matched))
    }

    /// Verifies a delivery and checks that the body is a JSON object whose `id` equals
    /// `Kunog-Event-Id`, without building the typed event.
    pub fn verify_payload<'b>(
        &self,
        body: &'b [u8],
        headers: WebhookHeaders<'_>,
        now_ms: u64,
    ) -> Result<VerifiedPayload<'b>, WebhookError> {
        let (text, matched) = self.verify_text(body, headers, now_ms)?;
        let event_id = signed_event_id(text)?;
        bind_event_id(Some(&event_id), headers.event_id.unwrap_or_default())?;
        Ok(VerifiedPayload { body: text, event_id, signature: matched })
    }

    /// Verifies a delivery and parses it into a typed [`Event`]: the whole job of a
    /// webhook receiver before dedupe. Unknown event types and unknown fields are kept or
    /// ignored, never refused.
    pub fn verify(
        &self,
        body: &[u8],
        headers: WebhookHeaders<'_>,
        now_ms: u64,
    ) -> Result<VerifiedEvent, WebhookError> {
        let payload = self.verify_payload(body, headers, now_ms)?;
        let event: Event = serde_json::from_str(payload.body)
            .map_err(|e| WebhookError::InvalidPayload { reason: format!("not a Kunog event ({e})") })?;
        Ok(VerifiedEvent { event, signature: payload.signature })
    }

    /// The lower-case hex signature of `body` sent at `timestamp_ms`, with the first secret.
    pub fn signature(&self, body: &[u8], timestamp_ms: u64) -> String {
        let timestamp = timestamp_ms.to_string();
        hex::encode(self.keys[0].tag(&[timestamp.as_bytes(), b".", body]))
    }

    /// Signs `body` as Kunog does, with the first secret: the three headers to send with it.
    /// The body must be a JSON event with a string `id`, which becomes `Kunog-Event-Id`.
    pub fn sign(&self, body: &[u8], timestamp_ms: u64) -> Result<SignedHeaders, WebhookError> {
        let text = core::str::from_utf8(body)
            .map_err(|_| WebhookError::InvalidPayload { reason: "the body is not UTF-8".into() })?;
        let event_id = signed_event_id(text)?.into_owned();
        Ok(SignedHeaders {
            signature: self.signature(body, timestamp_ms),
            timestamp: timestamp_ms.to_string(),
            event_id,
        })
    }

    fn check_tolerance(&self, timestamp_ms: u64, now_ms: u64) -> Result<(), WebhookError> {
        let tolerance_ms = self.tolerance_ms;
        if now_ms.saturating_sub(timestamp_ms) > tolerance_ms {
            return Err(WebhookError::TimestampTooOld { timestamp_ms, now_ms, tolerance_ms });
        }
        if timestamp_ms.saturating_sub(now_ms) > tolerance_ms {
            return Err(WebhookError::TimestampInFuture { timestamp_ms, now_ms, tolerance_ms });
        }
        Ok(())
    }
}

/// Holds the `id` read from a verified body to the `Kunog-Event-Id` header: dedupe keys
/// come from the signed body, and a header that says otherwise was altered.
/// `signed_id` is `None` when the body has no string `id`.
pub fn bind_event_id(signed_id: Option<&str>, header_id: &str) -> Result<(), WebhookError> {
    match signed_id {
        None => Err(WebhookError::InvalidPayload { reason: "the event has no string \"id\"".into() }),
        Some("") => Err(WebhookError::InvalidPayload { reason: "the event's \"id\" is empty".into() }),
        Some(id) if id != header_id => {
            Err(WebhookError::EventIdMismatch { signed_id: shorten(id), header_id: shorten(header_id) })
        }
        Some(_) => Ok(()),
    }
}

/// Parses `Kunog-Timestamp` strictly: 1 to 16 ASCII digits, nothing else (no sign, space,
/// dot, exponent or second value). The same bytes are what the signature covers.
pub fn parse_timestamp(value: &str) -> Result<u64, WebhookError> {
    let malformed = |reason: String| WebhookError::MalformedTimestamp { reason };
    if value.is_empty() {
        return Err(malformed("it is empty".into()));
    }
    if let Some(at) = value.chars().position(|c| !c.is_ascii_digit()) {
        return Err(malformed(format!("character {} is not a digit", at + 1)));
    }
    if value.len() > MAX_TIMESTAMP_DIGITS {
        return Err(malformed(format!("it has {} digits, more than {MAX_TIMESTAMP_DIGITS}", value.len())));
    }
    // At most 16 digits always fit in a u64.
    Ok(value.bytes().fold(0u64, |acc, digit| acc * 10 + u64::from(digit - b'0')))
}

/// Signatures parsed from one `Kunog-Signature` value (at most [`MAX_SIGNATURES`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signatures {
    tags: [[u8; TAG_LEN]; MAX_SIGNATURES],
    len: usize,
}

impl Signatures {
    /// The decoded tags.
    pub fn as_slice(&self) -> &[[u8; TAG_LEN]] {
        &self.tags[..self.len]
    }
}

/// Parses `Kunog-Signature`: 1 to [`MAX_SIGNATURES`] hex HMAC-SHA256 tags of exactly 64
/// hex digits (either case), separated by commas and/or spaces.
pub fn parse_signatures(value: &str) -> Result<Signatures, WebhookError> {
    let malformed = |reason: String| WebhookError::MalformedSignature { reason };
    let mut signatures = Signatures { tags: [[0; TAG_LEN]; MAX_SIGNATURES], len: 0 };
    for token in value.split([',', ' ', '\t']).filter(|t| !t.is_empty()) {
        if signatures.len == MAX_SIGNATURES {
            return Err(malformed(format!("it holds more than {MAX_SIGNATURES} signatures")));
        }
        let which = signatures.len + 1;
        if token.len() != 2 * TAG_LEN {
            let truncated = if token.len() < 2 * TAG_LEN { " (truncated signatures are refused)" } else { "" };
            return Err(malformed(format!(
                "signature {which} has {} characters, not {}{truncated}",
                token.len(),
                2 * TAG_LEN
            )));
        }
        hex::decode_to_slice(token, &mut signatures.tags[signatures.len])
            .map_err(|_| malformed(format!("signature {which} has a character that is not hex")))?;
        signatures.len += 1;
    }
    if signatures.len == 0 {
        return Err(malformed("it holds no signature".into()));
    }
    Ok(signatures)
}

/// The `id` of a JSON event, read without building the event: the body must be a JSON
/// object with exactly one `id` key, whose value is a non-empty string.
pub(crate) fn signed_event_id(body: &str) -> Result<Cow<'_, str>, WebhookError> {
    let invalid = |reason: String| WebhookError::InvalidPayload { reason };
    let mut de = serde_json::Deserializer::from_str(body);
    let id = de.deserialize_map(EventIdVisitor).map_err(|e| invalid(format!("not a JSON event ({e})")))?;
    de.end().map_err(|e| invalid(format!("not a JSON event ({e})")))?;
    let id = id.ok_or_else(|| invalid("the event has no string \"id\"".into()))?;
    if id.is_empty() {
        return Err(invalid("the event's \"id\" is empty".into()));
    }
    Ok(id)
}

/// Walks a JSON object, keeping only the value of `id` (borrowed where it has no escapes).
struct EventIdVisitor;

impl<'de> Visitor<'de> for EventIdVisitor {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut id = None;
        while let Some(is_id) = map.next_key_seed(IsIdKey)? {
            if !is_id {
                map.next_value::<IgnoredAny>()?;
            } else if id.is_some() {
                return Err(de::Error::duplicate_field("id"));
            } else {
                id = Some(map.next_value_seed(CowStr)?);
            }
        }
        Ok(id)
    }
}

/// A map key, compared with `"id"` without allocating.
struct IsIdKey;

impl<'de> DeserializeSeed<'de> for IsIdKey {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for IsIdKey {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == "id")
    }
}

/// A string, borrowed from the input when it holds no escapes.
struct CowStr;

impl<'de> DeserializeSeed<'de> for CowStr {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for CowStr {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string id")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(value.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_id_is_read_from_objects_only() {
        assert_eq!(signed_event_id(r#"{"a":[1,{"id":"no"}],"id":"evt_1"}"#).unwrap(), "evt_1");
        assert_eq!(signed_event_id(r#"{"id":"evt_\u0031"}"#).unwrap(), "evt_1");
        for bad in [
            r#"["evt_1"]"#,
            r#""evt_1""#,
            r#"{"id":1}"#,
            r#"{"id":""}"#,
            r#"{"id":"a","id":"b"}"#,
            r#"{"object":"event"}"#,
            r#"{"id":"evt_1"} {}"#,
            r#"{"id":"evt_1""#,
            "",
        ] {
            let err = signed_event_id(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_payload", "{bad}");
        }
    }

    #[test]
    fn signature_list_separators() {
        let a = "ab".repeat(32);
        let b = "CD".repeat(32);
        for value in [format!("{a},{b}"), format!("{a}, {b}"), format!(" {a}  {b} "), format!("{a},,{b},")] {
            let parsed = parse_signatures(&value).unwrap();
            assert_eq!(parsed.as_slice(), &[[0xab; 32], [0xcd; 32]], "{value}");
        }
        let nine = [a.as_str(); 9].join(",");
        assert_eq!(parse_signatures(&nine).unwrap_err().code(), "malformed_signature");
        let eight = [a.as_str(); 8].join(",");
        assert_eq!(parse_signatures(&eight).unwrap().as_slice().len(), 8);
    }

    #[test]
    fn timestamp_digits() {
        assert_eq!(parse_timestamp("0").unwrap(), 0);
        assert_eq!(parse_timestamp("9999999999999999").unwrap(), 9_999_999_999_999_999);
        assert_eq!(parse_timestamp("0001764806400000").unwrap(), 1_764_806_400_000);
    }
}
