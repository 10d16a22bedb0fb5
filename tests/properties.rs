//! Property tests (native only): what is signed verifies, and any single-bit change of the
//! body, the timestamp or the signature is refused.
#![cfg(not(target_arch = "wasm32"))]

mod fixtures;

use fixtures::NOW;
use kunog::{Webhook, WebhookHeaders};
use proptest::prelude::*;

fn secret() -> impl Strategy<Value = String> {
    // Any non-empty secret without surrounding whitespace.
    "[!-~]([ -~]{0,60}[!-~])?"
}

fn event_body() -> impl Strategy<Value = (String, String)> {
    ("evt_[A-Za-z0-9]{1,40}", any::<String>(), any::<u64>()).prop_map(|(id, text, number)| {
        let body = serde_json::json!({ "id": id, "object": "event", "type": "x.y", "data": { "object": { "text": text, "n": number } } });
        (id, body.to_string())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn sign_then_verify_holds(secret in secret(), (id, body) in event_body(), skew in -300_000i64..=300_000) {
        let webhook = Webhook::new(&secret).unwrap();
        let sent_at = NOW.checked_add_signed(skew).unwrap();
        let signed = webhook.sign(body.as_bytes(), sent_at).unwrap();
        prop_assert_eq!(&signed.event_id, &id);
        let headers = WebhookHeaders::new(&signed.signature, &signed.timestamp, &signed.event_id);
        let verified = webhook.verify_payload(body.as_bytes(), headers, NOW).unwrap();
        prop_assert_eq!(verified.event_id, id.as_str());
        prop_assert_eq!(verified.signature.timestamp_ms, sent_at);
    }

    #[test]
    fn any_bit_flip_of_the_body_is_refused(secret in secret(), body in proptest::collection::vec(any::<u8>(), 0..2048), bit in any::<prop::sample::Index>()) {
        let webhook = Webhook::new(&secret).unwrap();
        let timestamp = NOW.to_string();
        let signature = webhook.signature(&body, NOW);
        prop_assert!(webhook.verify_signature(&body, &signature, &timestamp, NOW).is_ok());
        if !body.is_empty() {
            let bit = bit.index(body.len() * 8);
            let mut tampered = body.clone();
            tampered[bit / 8] ^= 1 << (bit % 8);
            prop_assert_eq!(webhook.verify_signature(&tampered, &signature, &timestamp, NOW).unwrap_err().code(), "signature_mismatch");
        }
    }

    #[test]
    fn any_bit_flip_of_the_timestamp_is_refused(secret in secret(), body in ".{0,256}", skew in -300_000i64..=300_000, bit in any::<prop::sample::Index>()) {
        let webhook = Webhook::new(&secret).unwrap();
        let sent_at = NOW.checked_add_signed(skew).unwrap();
        let signature = webhook.signature(body.as_bytes(), sent_at);
        let mut timestamp = sent_at.to_string().into_bytes();
        let bit = bit.index(timestamp.len() * 8);
        timestamp[bit / 8] ^= 1 << (bit % 8);
        if let Ok(timestamp) = String::from_utf8(timestamp) {
            prop_assert!(webhook.verify_signature(body.as_bytes(), &signature, &timestamp, NOW).is_err());
        }
    }

    #[test]
    fn any_bit_flip_of_the_signature_is_refused(secret in secret(), body in ".{0,256}", bit in 0usize..256) {
        let webhook = Webhook::new(&secret).unwrap();
        let mut tag = hex::decode(webhook.signature(body.as_bytes(), NOW)).unwrap();
        tag[bit / 8] ^= 1 << (bit % 8);
        let err = webhook.verify_signature(body.as_bytes(), &hex::encode(tag), &NOW.to_string(), NOW).unwrap_err();
        prop_assert_eq!(err.code(), "signature_mismatch");
    }

    #[test]
    fn arbitrary_headers_never_panic(signature in ".{0,200}", timestamp in ".{0,40}", event_id in ".{0,40}", body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let webhook = Webhook::new("whsec_x").unwrap();
        let _ = webhook.verify(&body, WebhookHeaders::new(&signature, &timestamp, &event_id), NOW);
    }
}
