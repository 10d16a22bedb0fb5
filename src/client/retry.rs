//! When to retry, and how long to wait.
//!
//! Scope: the retry policy as pure functions of the answer, the attempt number and a random
//! fraction the caller draws. Retried: network errors, timeouts, 409, 429 and 5xx; never any
//! other 4xx. Waits: exponential backoff with full jitter, or `Retry-After` (seconds, at most
//! [`MAX_RETRY_AFTER_MS`]) when Kunog sends it.

/// First backoff ceiling: the first retry waits up to this long.
pub const BACKOFF_BASE_MS: u64 = 500;
/// Largest backoff ceiling.
pub const BACKOFF_CAP_MS: u64 = 5_000;
/// Longest `Retry-After` honoured; a longer one ends the call with the error instead.
pub const MAX_RETRY_AFTER_MS: u64 = 60_000;

/// Retries after the first attempt, by default.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

/// Whether an answer with this HTTP status may be retried (with the same Idempotency-Key).
///
/// 409 is `idempotency_key_in_use` (the first request is still running); 429 is rate
/// limiting; 5xx answers are not stored by Kunog, so a retry can still succeed.
pub fn is_retryable_status(status: u16) -> bool {
    status == 409 || status == 429 || (500..=599).contains(&status)
}

/// The ceiling of the wait before retry number `retry` (0 for the first retry):
/// `min(cap, base * 2^retry)`.
pub fn backoff_ceiling_ms(retry: u32) -> u64 {
    // Shifting by 16 or more already passes the cap; larger shifts would wrap to 0.
    if retry >= 16 {
        return BACKOFF_CAP_MS;
    }
    (BACKOFF_BASE_MS << retry).min(BACKOFF_CAP_MS)
}

/// The wait before retry number `retry` (0 for the first), with full jitter:
/// `random_fraction * ceiling`. `random_fraction` is a uniform draw from `[0, 1)`
/// (`Math.random()`); values outside, and NaN, are clamped into range.
pub fn backoff_ms(retry: u32, random_fraction: f64) -> u64 {
    let fraction = if random_fraction.is_nan() { 0.0 } else { random_fraction.clamp(0.0, 1.0) };
    let ceiling = backoff_ceiling_ms(retry);
    // The float product is at most `ceiling` (a few thousand), so the cast cannot overflow.
    ((ceiling as f64) * fraction).floor().min(ceiling as f64) as u64
}

/// What a `Retry-After` header asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// Wait this long, then retry (at most [`MAX_RETRY_AFTER_MS`]).
    Wait(u64),
    /// Longer than the client will wait: give up with the error.
    TooLong(u64),
}

/// Parses `Retry-After` as whole seconds (`"2"`). `None` when absent or not a number of
/// seconds (an HTTP-date is not understood, and the backoff applies instead).
pub fn parse_retry_after(value: Option<&str>) -> Option<RetryAfter> {
    let value = value?.trim();
    if value.is_empty() || value.len() > 12 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ms = value.parse::<u64>().ok()?.saturating_mul(1000);
    Some(if ms <= MAX_RETRY_AFTER_MS { RetryAfter::Wait(ms) } else { RetryAfter::TooLong(ms) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_then_cap() {
        let ceilings: Vec<u64> = (0..8).map(backoff_ceiling_ms).collect();
        assert_eq!(ceilings, [500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000, 5_000]);
        assert_eq!(backoff_ceiling_ms(63), BACKOFF_CAP_MS);
        assert_eq!(backoff_ceiling_ms(u32::MAX), BACKOFF_CAP_MS);
    }

    #[test]
    fn retry_after_forms() {
        let table = [
            (Some("0"), Some(RetryAfter::Wait(0))),
            (Some("2"), Some(RetryAfter::Wait(2_000))),
            (Some(" 60 "), Some(RetryAfter::Wait(60_000))),
            (Some("61"), Some(RetryAfter::TooLong(61_000))),
            (Some("99999999999"), Some(RetryAfter::TooLong(99_999_999_999_000))),
            (Some("1.5"), None),
            (Some("-1"), None),
            (Some(""), None),
            (Some("Wed, 21 Oct 2015 07:28:00 GMT"), None),
            (None, None),
        ];
        for (header, expected) in table {
            assert_eq!(parse_retry_after(header), expected, "{header:?}");
        }
    }
}
