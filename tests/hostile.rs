//! Every hostile delivery the verifier must refuse, each with its stable code. Runs natively
//! and, through wasm-bindgen-test, compiled to wasm32 in Node.

mod fixtures;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use fixtures::*;
use kunog::{EventType, Webhook, WebhookError, WebhookHeaders};

fn verify(body: &[u8], signature: Option<&str>, timestamp: Option<&str>, event_id: Option<&str>) -> Result<kunog::VerifiedEvent, WebhookError> {
    webhook().verify(body, WebhookHeaders { signature, timestamp, event_id }, NOW)
}

fn code(result: Result<kunog::VerifiedEvent, WebhookError>) -> &'static str {
    match result {
        Ok(event) => panic!("accepted: {:?}", event.event.id),
        Err(err) => {
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains(SECRET) && !shown.contains(OLD_SECRET), "secret leaked: {shown}");
            err.code()
        }
    }
}

/// A delivery signed correctly over `timestamp` exactly as given.
fn with_timestamp(timestamp: &str) -> Result<kunog::VerifiedEvent, WebhookError> {
    let signature = sign_raw(SECRET, timestamp, BODY.as_bytes());
    verify(BODY.as_bytes(), Some(&signature), Some(timestamp), Some(EVENT_ID))
}

#[test]
fn a_genuine_delivery_is_accepted_and_typed() {
    let s = signed(BODY, NOW - 1_000);
    let verified = webhook().verify(BODY.as_bytes(), headers(&s), NOW).unwrap();
    assert_eq!(verified.event.id, EVENT_ID);
    assert_eq!(verified.event.event_type, EventType::PaymentIntentConfirmed);
    let intent = verified.event.data.object.as_payment_intent().unwrap();
    assert_eq!(intent.metadata["order_id"], "KNG-2048");
    assert_eq!(verified.signature.secret_index, 0);
    assert_eq!(verified.signature.timestamp_ms, NOW - 1_000);
    assert_eq!(s.event_id, EVENT_ID);
    assert_eq!(s.signature.len(), 64);
    assert!(s.signature.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
}

#[test]
fn each_missing_header_is_named() {
    let s = signed(BODY, NOW);
    let cases = [
        (None, Some(s.timestamp.as_str()), Some(EVENT_ID), "Kunog-Signature"),
        (Some(s.signature.as_str()), None, Some(EVENT_ID), "Kunog-Timestamp"),
        (Some(s.signature.as_str()), Some(s.timestamp.as_str()), None, "Kunog-Event-Id"),
        (Some(s.signature.as_str()), Some(s.timestamp.as_str()), Some(""), "Kunog-Event-Id"),
    ];
    for (signature, timestamp, event_id, header) in cases {
        let err = verify(BODY.as_bytes(), signature, timestamp, event_id).unwrap_err();
        assert_eq!(err, WebhookError::MissingHeader { header });
        assert_eq!(err.code(), "missing_header");
        assert!(err.to_string().contains(header));
    }
}

#[test]
fn signatures_of_the_wrong_length_are_malformed() {
    let s = signed(BODY, NOW);
    let good = s.signature.clone();
    for bad in [&good[..63], &format!("{good}0")[..], "", &good[..32], &good[..2]] {
        assert_eq!(code(verify(BODY.as_bytes(), Some(bad), Some(&s.timestamp), Some(EVENT_ID))), "malformed_signature", "{bad:?}");
    }
    let err = verify(BODY.as_bytes(), Some(&good[..32]), Some(&s.timestamp), Some(EVENT_ID)).unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[test]
fn non_hex_signatures_are_malformed() {
    let s = signed(BODY, NOW);
    let good = &s.signature;
    let cases = [
        format!("{}g", &good[..63]),
        format!("{}zz", &good[..62]),
        format!("{}é", &good[..62]), // 64 bytes, but not hex
        format!("0x{}", &good[..62]),
        format!("sha256={good}"),
        format!("{}\0", &good[..63]),
    ];
    for bad in &cases {
        assert_eq!(code(verify(BODY.as_bytes(), Some(bad), Some(&s.timestamp), Some(EVENT_ID))), "malformed_signature", "{bad:?}");
    }
}

#[test]
fn upper_case_hex_is_accepted() {
    let s = signed(BODY, NOW);
    let upper = s.signature.to_ascii_uppercase();
    assert!(verify(BODY.as_bytes(), Some(&upper), Some(&s.timestamp), Some(EVENT_ID)).is_ok());
}

#[test]
fn a_128_bit_signature_is_refused_even_when_it_is_a_correct_prefix() {
    let s = signed(BODY, NOW);
    let truncated = &s.signature[..32];
    assert_eq!(code(verify(BODY.as_bytes(), Some(truncated), Some(&s.timestamp), Some(EVENT_ID))), "malformed_signature");
    // Nor may it slip in beside a decoy of the right length.
    let decoy = "0".repeat(64);
    let list = format!("{decoy},{truncated}");
    assert_eq!(code(verify(BODY.as_bytes(), Some(&list), Some(&s.timestamp), Some(EVENT_ID))), "malformed_signature");
}

#[test]
fn a_wrong_signature_is_a_mismatch() {
    let s = signed(BODY, NOW);
    let other = sign_raw("whsec_someone_else", &s.timestamp, BODY.as_bytes());
    assert_eq!(code(verify(BODY.as_bytes(), Some(&other), Some(&s.timestamp), Some(EVENT_ID))), "signature_mismatch");
    let zeros = "0".repeat(64);
    assert_eq!(code(verify(BODY.as_bytes(), Some(&zeros), Some(&s.timestamp), Some(EVENT_ID))), "signature_mismatch");
}

#[test]
fn a_timestamp_in_seconds_is_refused_with_a_hint() {
    let seconds = (NOW / 1000).to_string();
    let err = with_timestamp(&seconds).unwrap_err();
    assert_eq!(err.code(), "timestamp_too_old");
    assert!(err.to_string().contains("seconds"), "{err}");
    assert!(err.to_string().contains("milliseconds"), "{err}");
}

#[test]
fn the_tolerance_is_inclusive_and_one_ms_beyond_is_refused() {
    let tolerance = 300_000;
    assert!(with_timestamp(&(NOW - tolerance).to_string()).is_ok());
    assert!(with_timestamp(&(NOW + tolerance).to_string()).is_ok());
    assert_eq!(code(with_timestamp(&(NOW - tolerance - 1).to_string())), "timestamp_too_old");
    assert_eq!(code(with_timestamp(&(NOW + tolerance + 1).to_string())), "timestamp_in_future");
}

#[test]
fn the_tolerance_is_configurable() {
    let strict = webhook().with_tolerance_ms(10);
    let s = signed(BODY, NOW - 11);
    assert_eq!(strict.verify(BODY.as_bytes(), headers(&s), NOW).unwrap_err().code(), "timestamp_too_old");
    let s = signed(BODY, NOW - 10);
    assert!(strict.verify(BODY.as_bytes(), headers(&s), NOW).is_ok());
    let lax = webhook().with_tolerance_ms(86_400_000);
    let s = signed(BODY, NOW - 3_600_000);
    assert!(lax.verify(BODY.as_bytes(), headers(&s), NOW).is_ok());
}

#[test]
fn malformed_timestamps_are_refused_even_when_signed() {
    let ms = NOW.to_string();
    let cases = [
        format!("{ms}.0"),
        format!("+{ms}"),
        format!("-{ms}"),
        format!(" {ms}"),
        format!("{ms} "),
        format!("{} {}", &ms[..6], &ms[6..]),
        "1.7648064e12".to_string(),
        "1764806400e3".to_string(),
        format!("0000{ms}"), // 17 digits
        "12345678901234567890".to_string(),
        format!("{ms}, {ms}"),
        format!("{ms},{ms}"),
        "".to_string(),
        "0x19AE4A1A800".to_string(),
        "１７６４８０６４０００００".to_string(), // full-width digits
    ];
    for timestamp in &cases {
        assert_eq!(code(with_timestamp(timestamp)), "malformed_timestamp", "{timestamp:?}");
    }
}

#[test]
fn leading_zeros_are_digits_and_are_signed_as_sent() {
    let padded = format!("000{NOW}"); // 16 digits
    assert!(with_timestamp(&padded).is_ok());
    // Signed without the zeros, sent with them: the signature covers the bytes sent.
    let signature = sign_raw(SECRET, &NOW.to_string(), BODY.as_bytes());
    assert_eq!(code(verify(BODY.as_bytes(), Some(&signature), Some(&padded), Some(EVENT_ID))), "signature_mismatch");
}

#[test]
fn a_re_serialised_body_is_a_mismatch() {
    let s = signed(BODY, NOW);
    let value: serde_json::Value = serde_json::from_str(BODY).unwrap();
    for reserialised in [serde_json::to_string(&value).unwrap(), serde_json::to_string_pretty(&value).unwrap()] {
        assert_ne!(reserialised, BODY);
        assert_eq!(code(webhook().verify(reserialised.as_bytes(), headers(&s), NOW)), "signature_mismatch");
    }
}

#[test]
fn one_flipped_bit_anywhere_is_refused() {
    let s = signed(BODY, NOW);
    let body = BODY.as_bytes();
    for bit in 0..body.len() * 8 {
        let mut tampered = body.to_vec();
        tampered[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(code(webhook().verify(&tampered, headers(&s), NOW)), "signature_mismatch", "body bit {bit}");
    }
    for bit in 0..s.timestamp.len() * 8 {
        let mut tampered = s.timestamp.clone().into_bytes();
        tampered[bit / 8] ^= 1 << (bit % 8);
        let Ok(timestamp) = String::from_utf8(tampered) else { continue };
        let result = verify(body, Some(&s.signature), Some(&timestamp), Some(EVENT_ID));
        let refused = code(result);
        assert!(
            ["malformed_timestamp", "signature_mismatch", "timestamp_too_old", "timestamp_in_future"].contains(&refused),
            "timestamp bit {bit}: {refused}"
        );
    }
    let tag = hex::decode(&s.signature).unwrap();
    for bit in 0..tag.len() * 8 {
        let mut tampered = tag.clone();
        tampered[bit / 8] ^= 1 << (bit % 8);
        let signature = hex::encode(tampered);
        assert_eq!(code(verify(body, Some(&signature), Some(&s.timestamp), Some(EVENT_ID))), "signature_mismatch", "tag bit {bit}");
    }
}

#[test]
fn a_non_utf8_body_with_a_valid_signature_is_an_invalid_payload() {
    let body = b"{\"id\":\"evt_1\",\"x\":\"\xff\xfe\"}";
    let timestamp = NOW.to_string();
    let signature = sign_raw(SECRET, &timestamp, body);
    let err = verify(body, Some(&signature), Some(&timestamp), Some("evt_1")).unwrap_err();
    assert_eq!(err.code(), "invalid_payload");
    assert!(err.to_string().contains("UTF-8"), "{err}");
    // The same body with a bad signature is a mismatch: content is judged only once signed.
    assert_eq!(code(verify(body, Some(&"0".repeat(64)), Some(&timestamp), Some("evt_1"))), "signature_mismatch");
}

#[test]
fn signed_bodies_that_are_not_events_are_invalid_payloads() {
    for body in ["[]", "null", "\"evt_1\"", "{}", r#"{"id":7}"#, r#"{"id":""}"#, "{\"id\":\"evt_1\"", r#"{"id":"evt_1","id":"evt_2"}"#, "not json"] {
        let timestamp = NOW.to_string();
        let signature = sign_raw(SECRET, &timestamp, body.as_bytes());
        assert_eq!(code(verify(body.as_bytes(), Some(&signature), Some(&timestamp), Some("evt_1"))), "invalid_payload", "{body}");
    }
    // An object with the right id but not the shape of an event.
    let body = r#"{"id":"evt_1","type":"payment_intent.confirmed","data":{"object":{"object":"payment_intent","amount":"lots"}}}"#;
    let timestamp = NOW.to_string();
    let signature = sign_raw(SECRET, &timestamp, body.as_bytes());
    assert_eq!(code(verify(body.as_bytes(), Some(&signature), Some(&timestamp), Some("evt_1"))), "invalid_payload");
}

#[test]
fn a_body_over_the_cap_is_refused_before_any_hmac_work() {
    let capped = webhook().with_max_body_bytes(BODY.len() - 1);
    let s = signed(BODY, NOW);
    let err = capped.verify(BODY.as_bytes(), headers(&s), NOW).unwrap_err();
    assert_eq!(err, WebhookError::BodyTooLarge { len: BODY.len(), max: BODY.len() - 1 });
    // Refused on size even with a signature and timestamp that would fail later.
    let huge = vec![b'x'; 1_048_577];
    let err = webhook().verify(&huge, WebhookHeaders::new("nope", "nope", "evt_1"), NOW).unwrap_err();
    assert_eq!(err.code(), "body_too_large");
    let exact = webhook().with_max_body_bytes(BODY.len());
    assert!(exact.verify(BODY.as_bytes(), headers(&s), NOW).is_ok());
    assert_eq!(webhook().check_body_len(1_048_576), Ok(()));
    assert_eq!(webhook().check_body_len(1_048_577).unwrap_err().code(), "body_too_large");
}

#[test]
fn unusable_secrets_are_refused_when_the_verifier_is_built() {
    let cases: [&[&str]; 6] = [&[""], &[], &[" whsec_x"], &["whsec_x\n"], &["whsec_x\t"], &[SECRET, ""]];
    for secrets in cases {
        let err = Webhook::with_secrets(secrets).unwrap_err();
        assert_eq!(err.code(), "invalid_secret", "{secrets:?}");
        assert!(!err.to_string().contains("whsec_x"), "{err}");
    }
}

#[test]
fn rotation_accepts_new_and_old_and_says_which() {
    let both = Webhook::with_secrets([SECRET, OLD_SECRET]).unwrap();
    let timestamp = NOW.to_string();
    let by_old = sign_raw(OLD_SECRET, &timestamp, BODY.as_bytes());
    let by_new = sign_raw(SECRET, &timestamp, BODY.as_bytes());

    let verified = both.verify(BODY.as_bytes(), WebhookHeaders::new(&by_old, &timestamp, EVENT_ID), NOW).unwrap();
    assert_eq!(verified.signature.secret_index, 1);
    let verified = both.verify(BODY.as_bytes(), WebhookHeaders::new(&by_new, &timestamp, EVENT_ID), NOW).unwrap();
    assert_eq!(verified.signature.secret_index, 0);

    // Kunog mid-roll sends both signatures in one header.
    for list in [format!("{by_old},{by_new}"), format!("{by_new}, {by_old}"), format!("{by_old} {by_new}")] {
        assert!(webhook().verify(BODY.as_bytes(), WebhookHeaders::new(&list, &timestamp, EVENT_ID), NOW).is_ok(), "{list}");
    }

    // Once the old secret is removed, what only it signed is refused.
    let new_only = webhook();
    let err = new_only.verify(BODY.as_bytes(), WebhookHeaders::new(&by_old, &timestamp, EVENT_ID), NOW).unwrap_err();
    assert_eq!(err.code(), "signature_mismatch");

    // The signer uses the first secret.
    assert_eq!(both.signature(BODY.as_bytes(), NOW), by_new);
}

#[test]
fn more_than_eight_signatures_are_malformed() {
    let s = signed(BODY, NOW);
    let decoy = "0".repeat(64);
    let mut list = vec![decoy.as_str(); 8];
    list.push(&s.signature);
    assert_eq!(code(verify(BODY.as_bytes(), Some(&list.join(",")), Some(&s.timestamp), Some(EVENT_ID))), "malformed_signature");
    let mut list = vec![decoy.as_str(); 7];
    list.push(&s.signature);
    assert!(verify(BODY.as_bytes(), Some(&list.join(",")), Some(&s.timestamp), Some(EVENT_ID)).is_ok());
}

#[test]
fn an_event_id_header_that_differs_from_the_signed_id_is_refused() {
    let s = signed(BODY, NOW);
    for forged in ["evt_forged", "evt_1Nq8sK2eZvKYlo2C9xQwT4bh", &format!("{EVENT_ID}, evt_other"), &format!(" {EVENT_ID}")] {
        let err = verify(BODY.as_bytes(), Some(&s.signature), Some(&s.timestamp), Some(forged)).unwrap_err();
        assert_eq!(err.code(), "event_id_mismatch", "{forged:?}");
    }
}

#[test]
fn unknown_event_types_and_fields_are_kept_not_refused() {
    let body = r#"{"id":"evt_new","object":"event","type":"payout.paid","created":1,"livemode":false,"future":true,"data":{"object":{"object":"payout","id":"po_1"}}}"#;
    let s = signed(body, NOW);
    let verified = webhook().verify(body.as_bytes(), headers(&s), NOW).unwrap();
    assert_eq!(verified.event.event_type, EventType::Unknown("payout.paid".into()));
}

#[test]
fn debug_never_shows_secrets() {
    let both = Webhook::with_secrets([SECRET, OLD_SECRET]).unwrap();
    let shown = format!("{both:?} {both:#?}");
    assert!(!shown.contains("whsec_"), "{shown}");
    assert!(shown.contains("2 redacted"), "{shown}");
}

#[test]
fn sign_refuses_bodies_without_an_event_id() {
    for body in ["{}", "[]", "nope", r#"{"id":5}"#] {
        assert_eq!(webhook().sign(body.as_bytes(), NOW).unwrap_err().code(), "invalid_payload", "{body}");
    }
}

#[test]
fn the_verify_signature_path_checks_size_time_and_signature_only() {
    let wh = webhook();
    let timestamp = NOW.to_string();
    let body = b"any bytes at all, not even JSON";
    let signature = sign_raw(SECRET, &timestamp, body);
    assert_eq!(wh.verify_signature(body, &signature, &timestamp, NOW).unwrap().secret_index, 0);
    assert_eq!(wh.verify_signature(body, &signature, &timestamp, NOW + 300_001).unwrap_err().code(), "timestamp_too_old");
    assert_eq!(wh.verify_signature(b"other", &signature, &timestamp, NOW).unwrap_err().code(), "signature_mismatch");
}
