//! Reading answers: every 2xx body becomes its typed object; Kunog's error JSON becomes a
//! `KunogError` with every field; anything else (HTML from a proxy, an empty body, garbage)
//! becomes an `invalid_response` error, never a panic.

use kunog::client::{
    codes, Call, CreatePaymentIntentParams, CreateRefundParams, CreateWebhookEndpointParams, ErrorType,
    FromResponseBody, HttpResponse, IdempotencyKey, KunogClient, KunogError, ListParams, ResponseHeaders, Step,
};
use kunog::PaymentIntentStatus;

const PI: &str = "pi_3MtwBwLkdIwHu7ix28a3tqPa";
const WE: &str = "we_1Nq8sK2eZvKYlo2C9xQwT4bH";
const NOW: u64 = 1_764_806_400_000;

const INTENT: &str = r#"{ "id": "pi_3MtwBwLkdIwHu7ix28a3tqPa", "object": "payment_intent", "status": "created",
  "amount": 4900, "currency": "USD", "settlement": "USDC",
  "checkout_url": "https://checkout.kunog.com/checkout/pi_3MtwBwLkdIwHu7ix28a3tqPa",
  "success_url": "https://kunog.com/success", "cancel_url": "https://kunog.com/cancel",
  "metadata": { "order_id": "KNG-2048" }, "description": null,
  "amount_refunded": 0, "livemode": false,
  "created": 1764806400000, "expires_at": 1764808200000 }"#;

fn client() -> KunogClient {
    KunogClient::new("kng_test_4eC39HqLyjWDarjtT1zdp7dc").unwrap()
}

fn key() -> IdempotencyKey {
    IdempotencyKey::from_random_bytes([5; 16])
}

/// Answers a fresh call once, with no retries left to take.
fn answer<T: FromResponseBody + std::fmt::Debug>(
    mut call: Call<T>,
    status: u16,
    headers: ResponseHeaders<'_>,
    body: &[u8],
) -> Result<T, KunogError> {
    call.attempt(NOW).unwrap();
    match call.on_response(Ok(HttpResponse::new(status, body).with_headers(headers)), NOW, 0.0) {
        Step::Done(result) => result,
        Step::Retry { delay_ms } => panic!("retried after {delay_ms} ms"),
    }
}

fn create_intent() -> Call<kunog::PaymentIntent> {
    let client = KunogClient::with_options(kunog::ClientOptions {
        max_retries: Some(0),
        ..kunog::ClientOptions::new("kng_test_4eC39HqLyjWDarjtT1zdp7dc")
    })
    .unwrap();
    client.create_payment_intent(&CreatePaymentIntentParams::new(4900, "USD"), key()).unwrap()
}

#[test]
fn a_payment_intent_is_typed() {
    let intent = answer(create_intent(), 200, ResponseHeaders::default(), INTENT.as_bytes()).unwrap();
    assert_eq!(intent.id, PI);
    assert_eq!(intent.status, PaymentIntentStatus::Created);
    assert_eq!(intent.amount, 4900);
    assert_eq!(intent.checkout_url.as_deref(), Some("https://checkout.kunog.com/checkout/pi_3MtwBwLkdIwHu7ix28a3tqPa"));
    assert_eq!(intent.metadata["order_id"], "KNG-2048");
    assert_eq!(intent.expires_at, Some(1_764_808_200_000));

    let retrieved =
        answer(client().retrieve_payment_intent(PI).unwrap(), 200, ResponseHeaders::default(), INTENT.as_bytes())
            .unwrap();
    assert_eq!(retrieved, intent);
}

#[test]
fn a_list_page_is_typed() {
    let body = format!(
        r#"{{"object":"list","data":[{INTENT},{}],"has_more":true}}"#,
        INTENT.replace(PI, "pi_aaaaaaaaaaaaaaaaaaaaaa")
    );
    let page = answer(
        client().list_payment_intents(&ListParams::with_limit(2)).unwrap(),
        200,
        ResponseHeaders::default(),
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(page.object, "list");
    assert!(page.has_more);
    let ids: Vec<&str> = page.data.iter().map(|pi| pi.id.as_str()).collect();
    assert_eq!(ids, [PI, "pi_aaaaaaaaaaaaaaaaaaaaaa"]);

    let empty = answer(
        client().list_payment_intents(&ListParams::default()).unwrap(),
        200,
        ResponseHeaders::default(),
        br#"{"object":"list","data":[],"has_more":false}"#,
    )
    .unwrap();
    assert!(empty.data.is_empty() && !empty.has_more);
}

#[test]
fn a_refund_is_typed() {
    let body = format!(
        r#"{{"id":"re_1","object":"refund","payment_intent":"{PI}","amount":4900,"currency":"USD","status":"succeeded","reason":null,"metadata":{{}},"created":1764806400000}}"#
    );
    let call = client().create_refund(&CreateRefundParams::new(PI), key()).unwrap();
    let refund = answer(call, 200, ResponseHeaders::default(), body.as_bytes()).unwrap();
    assert_eq!(
        (refund.id.as_str(), refund.payment_intent.as_str(), refund.amount, refund.status.as_str()),
        ("re_1", PI, 4900, "succeeded")
    );
}

#[test]
fn webhook_endpoints_are_typed() {
    let created = format!(
        r#"{{"id":"{WE}","object":"webhook_endpoint","url":"https://shop.example/hook","enabled_events":["payment_intent.confirmed"],"secret":"whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U="}}"#
    );
    let call = client()
        .create_webhook_endpoint(&CreateWebhookEndpointParams::new("https://shop.example/hook"), key())
        .unwrap();
    let endpoint = answer(call, 200, ResponseHeaders::default(), created.as_bytes()).unwrap();
    assert_eq!(endpoint.id, WE);
    assert_eq!(endpoint.enabled_events, ["payment_intent.confirmed"]);
    assert_eq!(endpoint.secret.as_deref(), Some("whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U="));
    assert!(!format!("{endpoint:?}").contains("whsec_"));

    let listed = format!(
        r#"{{"object":"list","data":[{{"id":"{WE}","object":"webhook_endpoint","url":"https://shop.example/hook","enabled_events":[]}}],"has_more":false}}"#
    );
    let page = answer(
        client().list_webhook_endpoints(&ListParams::default()).unwrap(),
        200,
        ResponseHeaders::default(),
        listed.as_bytes(),
    )
    .unwrap();
    assert_eq!(page.data[0].secret, None);

    let deleted = format!(r#"{{"id":"{WE}","object":"webhook_endpoint","deleted":true}}"#);
    let receipt =
        answer(client().delete_webhook_endpoint(WE).unwrap(), 200, ResponseHeaders::default(), deleted.as_bytes())
            .unwrap();
    assert_eq!((receipt.id.as_str(), receipt.deleted), (WE, true));
    let no_content =
        answer(client().delete_webhook_endpoint(WE).unwrap(), 204, ResponseHeaders::default(), b"").unwrap();
    assert_eq!((no_content.id.as_str(), no_content.deleted), (WE, true));
}

#[test]
fn raw_json_keeps_the_body_as_sent() {
    let call = create_intent().into_raw();
    let raw = answer(call, 200, ResponseHeaders::default(), INTENT.as_bytes()).unwrap();
    assert_eq!(raw.0, INTENT);
    let call = create_intent().into_raw();
    assert_eq!(answer(call, 200, ResponseHeaders::default(), b"<html>").unwrap_err().code, codes::INVALID_RESPONSE);
}

#[test]
fn kunogs_error_json_becomes_a_kunog_error() {
    let body = br#"{ "error": { "type": "invalid_request_error", "code": "parameter_invalid",
        "message": "amount must be a positive integer in minor units",
        "param": "amount", "request_id": "req_body" } }"#;
    let headers = ResponseHeaders { request_id: Some("req_header"), retry_after: None };
    let err = answer(create_intent(), 400, headers, body).unwrap_err();
    assert_eq!(
        err,
        KunogError {
            status: Some(400),
            error_type: ErrorType::InvalidRequest,
            code: "parameter_invalid".into(),
            message: "amount must be a positive integer in minor units".into(),
            param: Some("amount".into()),
            request_id: Some("req_body".into()),
        }
    );
}

#[test]
fn every_contract_error_status_is_typed() {
    let table: [(u16, &str, &str, ErrorType); 7] = [
        (400, "invalid_request_error", "unsupported_settlement", ErrorType::InvalidRequest),
        (400, "invalid_request_error", "payment_intent_not_refundable", ErrorType::InvalidRequest),
        (404, "invalid_request_error", "resource_missing", ErrorType::InvalidRequest),
        (401, "authentication_error", "live_key_in_sandbox", ErrorType::Authentication),
        (409, "idempotency_error", "idempotency_key_in_use", ErrorType::Idempotency),
        (422, "idempotency_error", "idempotency_key_reused", ErrorType::Idempotency),
        (429, "rate_limit_error", "rate_limited", ErrorType::RateLimit),
    ];
    for (status, wire_type, code, error_type) in table {
        let body = format!(r#"{{"error":{{"type":"{wire_type}","code":"{code}","message":"m"}}}}"#);
        let err = answer(
            create_intent(),
            status,
            ResponseHeaders { request_id: Some("req_h"), retry_after: None },
            body.as_bytes(),
        )
        .unwrap_err();
        assert_eq!(
            (err.status, &err.error_type, err.code.as_str(), err.param.as_deref()),
            (Some(status), &error_type, code, None)
        );
        // No request id in the body: the header's.
        assert_eq!(err.request_id.as_deref(), Some("req_h"));
    }
    // An unknown type is kept; a missing one follows the status.
    let err = answer(
        create_intent(),
        402,
        ResponseHeaders::default(),
        br#"{"error":{"type":"card_error","code":"x","message":"m"}}"#,
    )
    .unwrap_err();
    assert_eq!(err.error_type, ErrorType::Unknown("card_error".into()));
    let err = answer(create_intent(), 503, ResponseHeaders::default(), br#"{"error":{"message":"down"}}"#).unwrap_err();
    assert_eq!(
        (err.error_type, err.code.as_str(), err.message.as_str()),
        (ErrorType::Api, codes::UNKNOWN_ERROR, "down")
    );
}

#[test]
fn error_messages_say_what_to_do() {
    let table: [(u16, &str, &str); 4] = [
        (
            422,
            r#"{"error":{"type":"idempotency_error","code":"idempotency_key_reused","message":"m"}}"#,
            "use a new key",
        ),
        (
            401,
            r#"{"error":{"type":"authentication_error","code":"api_key_invalid","message":"m"}}"#,
            "check the API key",
        ),
        (200, "<html>", "check baseUrl"),
        (
            400,
            r#"{"error":{"type":"invalid_request_error","code":"parameter_invalid","message":"m","param":"amount"}}"#,
            "fix the parameter",
        ),
    ];
    for (status, body, advice) in table {
        let err = answer(create_intent(), status, ResponseHeaders::default(), body.as_bytes()).unwrap_err();
        assert!(err.to_string().contains(advice), "{status}: {err}");
    }
}

#[test]
fn bodies_that_are_not_kunogs_json_are_invalid_responses() {
    let html = b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>";
    let table: Vec<(u16, &[u8], ErrorType, &str)> = vec![
        (200, html, ErrorType::Api, "an HTML body"),
        (200, b"", ErrorType::Api, "an empty body"),
        (201, b"\r\n", ErrorType::Api, "an empty body"),
        (200, b"OK", ErrorType::Api, "a body that is not JSON"),
        (200, b"null", ErrorType::Api, "a JSON body that is not a payment_intent"),
        (200, br#"{"error":{"type":"api_error"}}"#, ErrorType::Api, "a JSON body that is not a payment_intent"),
        (
            200,
            br#"{"id":"pi_1","status":"created","amount":-5,"currency":"USD"}"#,
            ErrorType::Api,
            "a JSON body that is not a payment_intent",
        ),
        (200, &[0xff, 0xfe, 0x00], ErrorType::Api, "a body that is not JSON"),
        (400, html, ErrorType::InvalidRequest, "an HTML body"),
        (403, b"Forbidden", ErrorType::InvalidRequest, "a body that is not JSON"),
        (404, b"", ErrorType::InvalidRequest, "an empty body"),
        (404, br#"{"message":"Not Found"}"#, ErrorType::InvalidRequest, "a JSON body that is not a Kunog error"),
        (301, b"", ErrorType::Api, "an empty body"),
    ];
    for (status, body, error_type, what) in table {
        let headers = ResponseHeaders { request_id: Some("req_proxy"), retry_after: None };
        let err = answer(create_intent(), status, headers, body).unwrap_err();
        assert_eq!(
            (err.status, &err.error_type, err.code.as_str()),
            (Some(status), &error_type, codes::INVALID_RESPONSE),
            "{status} {body:?}"
        );
        assert!(err.message.contains(what), "{status} {body:?}: {}", err.message);
        assert_eq!(err.request_id.as_deref(), Some("req_proxy"));
    }
}

#[test]
fn garbage_never_panics() {
    // Every prefix of real answers, and some byte soup, for every status class.
    let intent = INTENT.as_bytes();
    let error = br#"{"error":{"type":"api_error","code":"x","message":"m","param":null,"request_id":"req_1"}}"#;
    let soup: Vec<u8> = (0..=255u8).collect();
    for status in [200, 204, 302, 400, 409, 429, 500, 599, 0, 999] {
        for body in [intent, error.as_slice(), soup.as_slice()] {
            for end in 0..=body.len() {
                let _ = answer_any(status, &body[..end]);
            }
        }
    }
}

fn answer_any(status: u16, body: &[u8]) -> Option<KunogError> {
    let mut call = create_intent();
    call.attempt(NOW).ok()?;
    match call.on_response(Ok(HttpResponse::new(status, body)), NOW, 0.5) {
        Step::Done(result) => result.err(),
        Step::Retry { .. } => None,
    }
}

/// The npm package's path (`Call<RawJson>`): the body stays text, checked by the client's own
/// JSON reader rather than decoded by serde_json.
fn create_intent_raw() -> Call<kunog::client::RawJson> {
    create_intent().into_raw()
}

#[test]
fn raw_json_answers_are_kept_whole_or_refused_with_what_they_were() {
    let raw = answer(create_intent_raw(), 200, ResponseHeaders::default(), INTENT.as_bytes()).unwrap();
    assert_eq!(raw.0, INTENT, "the text exactly as received");
    let table: [(&[u8], &str); 5] = [
        (b"<!doctype html><p>Bad Gateway</p>", "an HTML body"),
        (b"OK", "a body that is not JSON"),
        (br#"{"a":1} trailing"#, "a body that is not JSON"),
        (b"{\"a\":\"\xff\"}", "a body that is not JSON"),
        (b"[1,]", "a body that is not JSON"),
    ];
    for (body, what) in table {
        let err = answer(create_intent_raw(), 200, ResponseHeaders::default(), body).unwrap_err();
        assert_eq!(err.code, codes::INVALID_RESPONSE, "{body:?}");
        assert!(err.message.contains(what), "{body:?}: {}", err.message);
    }
}

#[test]
fn raw_json_cut_short_is_retried_with_the_same_key() {
    // A 2xx whose JSON ends early: the answer was lost on the way, so the call is retried.
    for end in [0, 1, INTENT.len() / 2, INTENT.len() - 1] {
        // client() keeps the default retries (create_intent() allows none).
        let mut call = client().create_payment_intent(&CreatePaymentIntentParams::new(4900, "USD"), key()).unwrap().into_raw();
        let key_header = |call: &Call<kunog::client::RawJson>| {
            let headers = &call.request().headers;
            headers.iter().find(|(name, _)| *name == kunog::client::IDEMPOTENCY_KEY_HEADER).map(|(_, value)| value.clone())
        };
        call.attempt(NOW).unwrap();
        let key_sent = key_header(&call).expect("an Idempotency-Key");
        let step = call.on_response(Ok(HttpResponse::new(200, &INTENT.as_bytes()[..end])), NOW, 0.0);
        assert!(matches!(step, Step::Retry { .. }), "cut at {end}: {step:?}");
        call.attempt(NOW + 1_000).unwrap();
        assert_eq!(key_header(&call), Some(key_sent));
        match call.on_response(Ok(HttpResponse::new(200, INTENT.as_bytes())), NOW + 1_000, 0.0) {
            Step::Done(Ok(raw)) => assert_eq!(raw.0, INTENT),
            other => panic!("cut at {end}, then whole: {other:?}"),
        }
    }
}

#[test]
fn error_envelopes_are_read_by_field_type() {
    // Escapes decoded; null and absent fields alike; unknown fields ignored.
    let body = br#"{"error":{"type":"invalid_request_error","code":"parameter_invalid","message":"caf\u00e9 \"x\"\n\ud83d\ude00","param":null,"extra":[1,{}]},"more":true}"#;
    let err = answer(create_intent(), 400, ResponseHeaders::default(), body).unwrap_err();
    assert_eq!((err.code.as_str(), err.message.as_str(), err.param.as_deref()), ("parameter_invalid", "café \"x\"\n😀", None));
    assert_eq!(err.error_type, ErrorType::InvalidRequest);
    // A field of the wrong JSON type makes the body something other than Kunog's error.
    for body in [
        &br#"{"error":{"code":5,"message":"m"}}"#[..],
        br#"{"error":{"message":["m"]}}"#,
        br#"{"error":"boom"}"#,
        br#"[{"error":{}}]"#,
    ] {
        let err = answer(create_intent(), 500, ResponseHeaders::default(), body).unwrap_err();
        assert_eq!(err.code, codes::INVALID_RESPONSE, "{body:?}");
        assert!(err.message.contains("a JSON body that is not a Kunog error"), "{body:?}: {}", err.message);
    }
}
