//! Any answer (status, headers, body) to an API call: never a panic, a decision within the
//! call's deadline, and a body accepted as JSON only where serde_json accepts it too.
#![no_main]

use kunog::client::{HttpResponse, KunogClient, ResponseHeaders, Step};
use libfuzzer_sys::fuzz_target;

const NOW: u64 = 1_764_806_400_000;

fuzz_target!(|input: (u16, Option<&str>, Option<&str>, &[u8])| {
    let (status, retry_after, request_id, body) = input;
    let client = KunogClient::new("kng_test_fuzz").unwrap();
    let headers = ResponseHeaders { request_id, retry_after };

    // The npm package's path: the body kept as raw JSON text.
    let mut call = client.retrieve_payment_intent("pi_aaaaaaaaaaaaaaaaaaaaaaaa").unwrap().into_raw();
    call.attempt(NOW).unwrap();
    match call.on_response(Ok(HttpResponse::new(status, body).with_headers(headers)), NOW, 0.5) {
        Step::Done(Ok(raw)) => {
            assert!((200..300).contains(&status));
            assert!(serde_json::from_slice::<serde_json::Value>(body).is_ok() || out_of_range(body), "accepted as JSON: {raw:?}");
        }
        Step::Done(Err(err)) => assert!(!err.code().is_empty()),
        Step::Retry { delay_ms } => assert!(delay_ms <= 30_000, "retry after {delay_ms} ms, past the deadline"),
    }

    // The Rust path: typed.
    let mut call = client.retrieve_payment_intent("pi_aaaaaaaaaaaaaaaaaaaaaaaa").unwrap();
    call.attempt(NOW).unwrap();
    let _ = call.on_response(Ok(HttpResponse::new(status, body).with_headers(headers)), NOW, 0.5);
});

/// serde_json refuses numbers beyond f64's range, which RFC 8259 leaves to the reader.
fn out_of_range(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_err_and(|err| err.to_string().contains("out of range"))
}
