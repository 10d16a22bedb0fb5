//! Any delivery (headers and body) through the verifier: never a panic; every refusal has a
//! listed code and never shows the secret; and a body signed with the real secret verifies
//! whenever it is a JSON event with an id, whatever else the input holds.
#![no_main]

use kunog::{Webhook, WebhookError, WebhookHeaders};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "whsec_fuzz_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW: u64 = 1_764_806_400_000;

fn check_refusal(err: &WebhookError) {
    assert!(WebhookError::CODES.contains(&err.code()), "unlisted code {}", err.code());
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(SECRET), "the secret shows in {shown}");
}

fuzz_target!(|input: (&str, &str, &str, &[u8])| {
    let (signature, timestamp, event_id, body) = input;
    let webhook = Webhook::new(SECRET).unwrap();

    let _ = kunog::webhook::parse_signatures(signature);
    let _ = kunog::webhook::parse_timestamp(timestamp);
    let headers = WebhookHeaders { signature: Some(signature), timestamp: Some(timestamp), event_id: Some(event_id) };
    if let Err(err) = webhook.verify(body, headers, NOW) {
        check_refusal(&err);
    }

    // Signed for real: accepted, unless the body is not a Kunog event (then a listed code).
    match webhook.sign(body, NOW) {
        Ok(signed) => {
            let headers = WebhookHeaders::new(&signed.signature, &signed.timestamp, &signed.event_id);
            match webhook.verify(body, headers, NOW) {
                Ok(verified) => assert_eq!(verified.event.id, signed.event_id),
                Err(err) => {
                    assert_eq!(err.code(), "invalid_payload", "a signed body was refused: {err}");
                    check_refusal(&err);
                }
            }
        }
        Err(err) => check_refusal(&err),
    }
});
