//! Idempotency keys: the caller's, checked, or a UUID v4 made from caller-supplied randomness.
//!
//! Scope: the `Idempotency-Key` value only. Sans-IO: the 16 random bytes come from the
//! caller (`crypto.getRandomValues`, `getrandom`, ...), never from a clock, so that two
//! calls in the same millisecond never share a key.

use core::fmt;

use super::error::KunogError;

/// Most characters in an `Idempotency-Key`.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// The parameter name used in errors about the key.
const PARAM: &str = "idempotency_key";

/// A valid `Idempotency-Key`: 1 to 255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The caller's own key, checked: 1 to 255 visible ASCII characters (`!` to `~`).
    pub fn new(key: &str) -> Result<Self, KunogError> {
        if key.is_empty() {
            return Err(KunogError::invalid(
                PARAM,
                "the Idempotency-Key is empty: pass a unique key per operation, or none to have one generated",
            ));
        }
        if key.len() > MAX_IDEMPOTENCY_KEY_LEN {
            return Err(KunogError::invalid(
                PARAM,
                format!(
                    "the Idempotency-Key is {} characters long; at most {MAX_IDEMPOTENCY_KEY_LEN} are allowed",
                    key.len()
                ),
            ));
        }
        if let Some(position) = key.bytes().position(|b| !b.is_ascii_graphic()) {
            return Err(KunogError::invalid(
                PARAM,
                format!(
                    "the Idempotency-Key has a character that is not visible ASCII at position {position} \
                     (spaces, control characters and non-ASCII are not allowed)"
                ),
            ));
        }
        Ok(IdempotencyKey(key.to_owned()))
    }

    /// A random UUID v4 (lower-case, hyphenated) made from 16 random bytes, with the
    /// version (4) and variant (RFC 4122) bits set.
    pub fn from_random_bytes(random: [u8; 16]) -> Self {
        IdempotencyKey(uuid_v4(random))
    }

    /// The caller's key if there is one (checked), else a UUID v4 from `random`.
    pub fn given_or_random(given: Option<&str>, random: [u8; 16]) -> Result<Self, KunogError> {
        match given {
            Some(key) => Self::new(key),
            None => Ok(Self::from_random_bytes(random)),
        }
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Formats 16 random bytes as a UUID v4: `xxxxxxxx-xxxx-4xxx-Yxxx-xxxxxxxxxxxx`, where Y
/// is 8, 9, a or b.
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant 10xx (RFC 4122)
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut uuid = String::with_capacity(36);
    for (index, byte) in bytes.into_iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            uuid.push('-');
        }
        uuid.push(char::from(HEX[usize::from(byte >> 4)]));
        uuid.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    uuid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
        assert_eq!(uuid_v4([0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let counting: [u8; 16] = core::array::from_fn(|i| i as u8);
        assert_eq!(uuid_v4(counting), "00010203-0405-4607-8809-0a0b0c0d0e0f");
    }
}
