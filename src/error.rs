//! Webhook verification errors and their stable codes.
//!
//! Scope: why a delivery or a verifier was refused. Each variant maps to one of the codes
//! fixed by the Kunog contract ([`WebhookError::code`]); the `Display` text says what to
//! do about it. No variant ever holds a secret, and values taken from unsigned headers are
//! shortened before they are shown.

use core::fmt;

/// Timestamps below this many milliseconds (3 March 1973) are taken to be seconds when
/// explaining a stale timestamp: a current Unix time in seconds has 10 digits.
const SECONDS_HINT_BELOW_MS: u64 = 100_000_000_000;

/// Why a webhook delivery, or a verifier's configuration, was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// A required header is absent (or empty).
    MissingHeader {
        /// The header's canonical name, e.g. `Kunog-Signature`.
        header: &'static str,
    },
    /// `Kunog-Signature` is not a list of 1 to 8 hex-encoded 32-byte HMAC-SHA256 tags.
    MalformedSignature {
        /// What exactly is wrong with it.
        reason: String,
    },
    /// No signature matches any secret: wrong secret, or the body or timestamp was changed.
    SignatureMismatch,
    /// `Kunog-Timestamp` is not 1 to 16 ASCII digits.
    MalformedTimestamp {
        /// What exactly is wrong with it.
        reason: String,
    },
    /// The timestamp is older than the tolerance allows.
    TimestampTooOld {
        /// The timestamp that was sent, in ms.
        timestamp_ms: u64,
        /// The verifier's clock, in ms.
        now_ms: u64,
        /// The tolerance in force, in ms.
        tolerance_ms: u64,
    },
    /// The timestamp is further in the future than the tolerance allows.
    TimestampInFuture {
        /// The timestamp that was sent, in ms.
        timestamp_ms: u64,
        /// The verifier's clock, in ms.
        now_ms: u64,
        /// The tolerance in force, in ms.
        tolerance_ms: u64,
    },
    /// The body is larger than the verifier's cap; no HMAC work was done.
    BodyTooLarge {
        /// The body's length in bytes.
        len: usize,
        /// The cap in bytes.
        max: usize,
    },
    /// The body was given as parsed data rather than the raw bytes that were signed.
    RawBodyRequired,
    /// The signed body's `id` differs from the `Kunog-Event-Id` header.
    EventIdMismatch {
        /// The id in the signed body.
        signed_id: String,
        /// The (unsigned) header value, shortened.
        header_id: String,
    },
    /// The signature holds but the body is not a Kunog event (not UTF-8, not JSON, no `id`).
    InvalidPayload {
        /// What exactly is wrong with it.
        reason: String,
    },
    /// A secret given to the verifier is unusable (empty, or padded with whitespace).
    InvalidSecret {
        /// What exactly is wrong with it; never the secret itself.
        reason: String,
    },
}

impl WebhookError {
    /// The stable code of the Kunog contract, e.g. `"signature_mismatch"`. Match on this
    /// (or on the variant), never on the message.
    pub fn code(&self) -> &'static str {
        match self {
            WebhookError::MissingHeader { .. } => "missing_header",
            WebhookError::MalformedSignature { .. } => "malformed_signature",
            WebhookError::SignatureMismatch => "signature_mismatch",
            WebhookError::MalformedTimestamp { .. } => "malformed_timestamp",
            WebhookError::TimestampTooOld { .. } => "timestamp_too_old",
            WebhookError::TimestampInFuture { .. } => "timestamp_in_future",
            WebhookError::BodyTooLarge { .. } => "body_too_large",
            WebhookError::RawBodyRequired => "raw_body_required",
            WebhookError::EventIdMismatch { .. } => "event_id_mismatch",
            WebhookError::InvalidPayload { .. } => "invalid_payload",
            WebhookError::InvalidSecret { .. } => "invalid_secret",
        }
    }

    /// Every code this error can carry, in declaration order.
    pub const CODES: [&'static str; 11] = [
        "missing_header",
        "malformed_signature",
        "signature_mismatch",
        "malformed_timestamp",
        "timestamp_too_old",
        "timestamp_in_future",
        "body_too_large",
        "raw_body_required",
        "event_id_mismatch",
        "invalid_payload",
        "invalid_secret",
    ];
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::MissingHeader { header } => write!(
                f,
                "the {header} header is missing: pass the request's headers unchanged (Kunog sends \
                 Kunog-Signature, Kunog-Timestamp and Kunog-Event-Id with every delivery)"
            ),
            WebhookError::MalformedSignature { reason } => write!(
                f,
                "Kunog-Signature is malformed: {reason}; it must hold 1 to 8 lower-case hex \
                 HMAC-SHA256 signatures (64 characters each) separated by commas"
            ),
            WebhookError::SignatureMismatch => f.write_str(
                "no signature matches: check that the webhook secret is this endpoint's (whsec_...) \
                 and that the body is the raw bytes received, not re-serialized JSON",
            ),
            WebhookError::MalformedTimestamp { reason } => write!(
                f,
                "Kunog-Timestamp is malformed: {reason}; it must be the send time in milliseconds \
                 since the Unix epoch, as 1 to 16 ASCII digits"
            ),
            WebhookError::TimestampTooOld { timestamp_ms, now_ms, tolerance_ms } => {
                write!(
                    f,
                    "Kunog-Timestamp {timestamp_ms} is {} ms older than this server's clock ({now_ms}), \
                     beyond the tolerance of {tolerance_ms} ms: ",
                    now_ms - timestamp_ms
                )?;
                if *timestamp_ms < SECONDS_HINT_BELOW_MS {
                    f.write_str(
                        "it looks like seconds, but Kunog-Timestamp is in milliseconds \
                         (multiply by 1000 when signing)",
                    )
                } else {
                    f.write_str("a replayed delivery, or a server clock that needs syncing (NTP)")
                }
            }
            WebhookError::TimestampInFuture { timestamp_ms, now_ms, tolerance_ms } => write!(
                f,
                "Kunog-Timestamp {timestamp_ms} is {} ms ahead of this server's clock ({now_ms}), \
                 beyond the tolerance of {tolerance_ms} ms: sync this server's clock (NTP) or \
                 check the timestamp is in milliseconds",
                timestamp_ms - now_ms
            ),
            WebhookError::BodyTooLarge { len, max } => write!(
                f,
                "the body is {len} bytes, over the limit of {max} bytes: raise maxBodyBytes if \
                 your events are really this large"
            ),
            WebhookError::RawBodyRequired => f.write_str(
                "the raw request body is required (a string, Uint8Array or ArrayBuffer of the bytes \
                 received), not parsed JSON: the signature covers the exact bytes. In Express use \
                 express.raw({ type: \"application/json\" }) on the webhook route; in a fetch \
                 handler use await request.text(); in Next.js App Router use await req.text()",
            ),
            WebhookError::EventIdMismatch { signed_id, header_id } => write!(
                f,
                "Kunog-Event-Id \"{header_id}\" differs from the signed event id \"{signed_id}\": the \
                 header was altered; dedupe on the signed id and reject this delivery"
            ),
            WebhookError::InvalidPayload { reason } => write!(
                f,
                "the signature is valid but the body is not a Kunog event: {reason}"
            ),
            WebhookError::InvalidSecret { reason } => write!(
                f,
                "invalid webhook secret: {reason}; use the endpoint's secret (whsec_...) exactly as \
                 shown when the endpoint was created"
            ),
        }
    }
}

impl std::error::Error for WebhookError {}

/// Shortens a value from an unsigned header for use in a message, and replaces control
/// characters, so that a hostile header cannot forge lines in a log.
pub(crate) fn shorten(value: &str) -> String {
    const MAX_CHARS: usize = 64;
    let mut chars = value.chars().map(|c| if c.is_control() { '\u{FFFD}' } else { c });
    let mut short: String = chars.by_ref().take(MAX_CHARS).collect();
    if chars.next().is_some() {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_listed() {
        let mut codes = WebhookError::CODES.to_vec();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), WebhookError::CODES.len());
    }

    #[test]
    fn seconds_hint_only_for_second_like_values() {
        let secs = WebhookError::TimestampTooOld {
            timestamp_ms: 1_764_806_400,
            now_ms: 1_764_806_400_000,
            tolerance_ms: 300_000,
        };
        assert!(secs.to_string().contains("looks like seconds"));
        let stale = WebhookError::TimestampTooOld {
            timestamp_ms: 1_764_806_000_000,
            now_ms: 1_764_806_400_000,
            tolerance_ms: 300_000,
        };
        assert!(!stale.to_string().contains("seconds"));
    }

    #[test]
    fn shorten_keeps_short_values_and_cuts_long_ones() {
        assert_eq!(shorten("evt_1"), "evt_1");
        let long = "x".repeat(200);
        assert_eq!(shorten(&long).chars().count(), 65);
        assert_eq!(shorten("evt_1\r\nX-Forged: 1"), "evt_1\u{FFFD}\u{FFFD}X-Forged: 1");
    }
}
