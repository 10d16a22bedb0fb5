//! Random ids (prefix + 24 base62 characters), webhook secrets, and the clock.

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // crypto.getRandomValues cannot fail in workerd for these sizes; if it ever did, an id
    // must not silently become predictable, so stop the request.
    getrandom::getrandom(&mut bytes).expect("crypto.getRandomValues");
    bytes
}

/// `prefix` + 24 base62 characters (about 143 bits), by rejection sampling so each
/// character is uniform.
pub fn new_id(prefix: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + 24);
    id.push_str(prefix);
    let mut produced = 0;
    while produced < 24 {
        for byte in random_bytes::<32>() {
            if byte < 248 && produced < 24 {
                id.push(BASE62[(byte % 62) as usize] as char);
                produced += 1;
            }
        }
    }
    id
}

/// A webhook endpoint secret: `whsec_` + standard base64 of 32 random bytes.
pub fn new_webhook_secret() -> String {
    format!("whsec_{}", base64(&random_bytes::<32>()))
}

pub fn base64(input: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A uniform fraction in [0, 1), for jitter.
pub fn random_unit() -> f64 {
    let b = random_bytes::<4>();
    f64::from(u32::from_le_bytes(b)) / 4_294_967_296.0
}

pub fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
}

/// A stable, non-reversible name for data keyed by a secret (the API key's Durable Object,
/// an idempotency fingerprint), so the secret itself is never stored or put in a URL.
pub fn digest_hex(domain: &str, value: &[u8]) -> String {
    let tag = kunog::signature::SigningKey::new(domain.as_bytes()).tag(&[value]);
    tag.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want);
        }
    }

    #[test]
    fn ids_and_secrets_have_the_contract_shape() {
        let id = new_id("pi_");
        assert_eq!(id.len(), 27);
        assert!(id[3..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(new_id("pi_"), id);
        let secret = new_webhook_secret();
        assert_eq!(secret.len(), 6 + 44);
        assert!(secret.starts_with("whsec_") && secret.ends_with('='));
    }
}
