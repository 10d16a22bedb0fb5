//! HMAC-SHA256 keys and tags: the only place the crate touches cryptography.
//!
//! Scope: keying, tagging and constant-time checking of HMAC-SHA256 over a message given
//! in parts. It knows nothing of headers, timestamps or JSON; [`crate::webhook`] builds the
//! Kunog message (`{timestamp}.{raw body}`) on top of it.

use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Length in bytes of an HMAC-SHA256 tag. Anything shorter is refused: a truncated tag is
/// a weaker tag.
pub const TAG_LEN: usize = 32;

/// An HMAC-SHA256 key, keyed once.
///
/// Keying HMAC hashes the inner and outer pads (two SHA-256 blocks); a `SigningKey` keeps
/// that state and clones it for every message, so a verifier built once per secret pays
/// for keying once, not per webhook.
///
/// `Debug` never prints the key.
#[derive(Clone)]
pub struct SigningKey {
    keyed: Hmac<Sha256>,
}

impl SigningKey {
    /// Keys HMAC-SHA256 with `key`. Any length is valid for HMAC; policy on what makes a
    /// good Kunog secret lives in [`crate::Webhook`].
    pub fn new(key: &[u8]) -> Self {
        let keyed =
            <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
        SigningKey { keyed }
    }

    /// HMAC-SHA256 of the concatenation of `parts`.
    pub fn tag(&self, parts: &[&[u8]]) -> [u8; TAG_LEN] {
        self.absorb(parts).finalize().into_bytes().into()
    }

    /// Whether `tag` is the HMAC-SHA256 of the concatenation of `parts`, compared in
    /// constant time. A tag of any length other than [`TAG_LEN`] is rejected.
    pub fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> bool {
        tag.len() == TAG_LEN && self.absorb(parts).verify_slice(tag).is_ok()
    }

    /// Whether any of `tags` is the HMAC-SHA256 of `parts`. The message is hashed once;
    /// only the final blocks are repeated per candidate tag.
    pub fn verify_any(&self, parts: &[&[u8]], tags: &[[u8; TAG_LEN]]) -> bool {
        let absorbed = self.absorb(parts);
        tags.iter().any(|tag| absorbed.clone().verify_slice(tag).is_ok())
    }

    fn absorb(&self, parts: &[&[u8]]) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        for part in parts {
            mac.update(part);
        }
        mac
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let key = SigningKey::new(b"whsec_super_secret");
        let shown = format!("{key:?} {key:#?}");
        assert!(!shown.contains("super_secret"), "{shown}");
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn parts_are_concatenated() {
        let key = SigningKey::new(b"k");
        assert_eq!(key.tag(&[b"ab", b"", b"c"]), key.tag(&[b"abc"]));
        assert!(key.verify(&[b"a", b"bc"], &key.tag(&[b"abc"])));
    }

    #[test]
    fn wrong_length_tags_are_rejected() {
        let key = SigningKey::new(b"k");
        let tag = key.tag(&[b"m"]);
        assert!(key.verify(&[b"m"], &tag));
        assert!(!key.verify(&[b"m"], &tag[..16]));
        assert!(!key.verify(&[b"m"], &tag[..31]));
        assert!(!key.verify(&[b"m"], &[]));
        let mut long = tag.to_vec();
        long.push(0);
        assert!(!key.verify(&[b"m"], &long));
    }
}
