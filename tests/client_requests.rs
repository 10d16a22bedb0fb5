//! The client core builds exactly the request the contract describes, for every call:
//! method, URL, headers (in order) and JSON body; and refuses a bad configuration.

use kunog::client::{
    codes, ClientOptions, CreatePaymentIntentParams, CreateRefundParams, CreateWebhookEndpointParams, ErrorType,
    HttpRequest, IdempotencyKey, KunogClient, ListParams, Method,
};

const TEST_KEY: &str = "kng_test_4eC39HqLyjWDarjtT1zdp7dc";
const LIVE_KEY: &str = "kng_live_9xW2pQ7rT5yU8iO1aS3dF6gH";
const PI: &str = "pi_3MtwBwLkdIwHu7ix28a3tqPa";
const WE: &str = "we_1Nq8sK2eZvKYlo2C9xQwT4bH";
const KEY: &str = "3b2d9a1a-9f1d-4c6f-bade-2bf0b3d0b12f";

fn client() -> KunogClient {
    KunogClient::new(TEST_KEY).unwrap()
}

fn key() -> IdempotencyKey {
    IdempotencyKey::new(KEY).unwrap()
}

fn user_agent() -> String {
    format!("kunog-rust/{}", kunog::VERSION)
}

/// The headers of a GET, in order.
fn get_headers() -> Vec<(&'static str, String)> {
    vec![
        ("Authorization", format!("Bearer {TEST_KEY}")),
        ("Accept", "application/json".into()),
        ("User-Agent", user_agent()),
    ]
}

/// The headers of a POST with `KEY`, in order.
fn post_headers() -> Vec<(&'static str, String)> {
    let mut headers = get_headers();
    headers.push(("Content-Type", "application/json".into()));
    headers.push(("Idempotency-Key", KEY.into()));
    headers
}

fn assert_request(
    request: &HttpRequest,
    method: Method,
    url: &str,
    headers: Vec<(&'static str, String)>,
    body: Option<&str>,
) {
    assert_eq!(request.method, method);
    assert_eq!(request.url, url);
    assert_eq!(request.headers, headers);
    assert_eq!(request.body.as_deref(), body);
}

#[test]
fn create_payment_intent_matches_the_seed_quickstart() {
    let params = CreatePaymentIntentParams::new(4900, "USD")
        .with_settlement("USDC")
        .with_success_url("https://kunog.com/success")
        .with_cancel_url("https://kunog.com/cancel");
    let call = client().create_payment_intent(&params, key()).unwrap();
    assert_request(
        call.request(),
        Method::Post,
        "https://api.kunog.com/v1/payment_intents",
        post_headers(),
        Some(
            r#"{"amount":4900,"currency":"USD","settlement":"USDC","success_url":"https://kunog.com/success","cancel_url":"https://kunog.com/cancel"}"#,
        ),
    );
}

#[test]
fn create_payment_intent_sends_metadata_and_description_and_omits_unset_fields() {
    let params = CreatePaymentIntentParams::new(4900, "EUR")
        .with_metadata("order_id", "KNG-2048")
        .with_metadata("a", "b")
        .with_description("Two tickets");
    let call = client().create_payment_intent(&params, key()).unwrap();
    assert_eq!(
        call.request().body.as_deref(),
        Some(
            r#"{"amount":4900,"currency":"EUR","metadata":{"a":"b","order_id":"KNG-2048"},"description":"Two tickets"}"#
        )
    );
}

#[test]
fn retrieve_payment_intent() {
    let call = client().retrieve_payment_intent(PI).unwrap();
    assert_request(
        call.request(),
        Method::Get,
        &format!("https://api.kunog.com/v1/payment_intents/{PI}"),
        get_headers(),
        None,
    );
}

#[test]
fn list_payment_intents_with_and_without_query() {
    let call = client().list_payment_intents(&ListParams::default()).unwrap();
    assert_request(call.request(), Method::Get, "https://api.kunog.com/v1/payment_intents", get_headers(), None);

    let params = ListParams { limit: Some(20), starting_after: Some(PI.into()) };
    let call = client().list_payment_intents(&params).unwrap();
    assert_request(
        call.request(),
        Method::Get,
        &format!("https://api.kunog.com/v1/payment_intents?limit=20&starting_after={PI}"),
        get_headers(),
        None,
    );
}

#[test]
fn create_refund() {
    let params = CreateRefundParams::new(PI).with_amount(1000).with_reason("requested_by_customer");
    let call = client().create_refund(&params, key()).unwrap();
    assert_request(
        call.request(),
        Method::Post,
        "https://api.kunog.com/v1/refunds",
        post_headers(),
        Some(&format!(r#"{{"payment_intent":"{PI}","amount":1000,"reason":"requested_by_customer"}}"#)),
    );
    let full = client().create_refund(&CreateRefundParams::new(PI), key()).unwrap();
    assert_eq!(full.request().body.as_deref(), Some(format!(r#"{{"payment_intent":"{PI}"}}"#).as_str()));
}

#[test]
fn webhook_endpoints_create_list_delete() {
    let params = CreateWebhookEndpointParams::new("https://shop.example/webhooks/kunog")
        .with_enabled_events(["payment_intent.confirmed", "refund.created"]);
    let call = client().create_webhook_endpoint(&params, key()).unwrap();
    assert_request(
        call.request(),
        Method::Post,
        "https://api.kunog.com/v1/webhook_endpoints",
        post_headers(),
        Some(
            r#"{"url":"https://shop.example/webhooks/kunog","enabled_events":["payment_intent.confirmed","refund.created"]}"#,
        ),
    );

    let call = client().list_webhook_endpoints(&ListParams::default()).unwrap();
    assert_request(call.request(), Method::Get, "https://api.kunog.com/v1/webhook_endpoints", get_headers(), None);

    let call = client().delete_webhook_endpoint(WE).unwrap();
    assert_request(
        call.request(),
        Method::Delete,
        &format!("https://api.kunog.com/v1/webhook_endpoints/{WE}"),
        get_headers(),
        None,
    );
}

#[test]
fn generated_idempotency_key_is_sent() {
    let key = IdempotencyKey::given_or_random(None, [0xab; 16]).unwrap();
    let call = client().create_payment_intent(&CreatePaymentIntentParams::new(1, "USD"), key).unwrap();
    assert_eq!(call.request().idempotency_key(), Some("abababab-abab-4bab-abab-abababababab"));
    assert_eq!(call.request().header("idempotency-key"), call.request().idempotency_key());
}

#[test]
fn base_url_user_agent_timeout_and_retries_are_configurable() {
    let client = KunogClient::with_options(ClientOptions {
        api_key: TEST_KEY.into(),
        base_url: Some("http://localhost:8787/".into()),
        timeout_ms: Some(5_000),
        max_retries: Some(0),
        user_agent: Some("kunog-js/0.1.0".into()),
    })
    .unwrap();
    assert_eq!(client.base_url(), "http://localhost:8787");
    assert_eq!((client.timeout_ms(), client.max_retries()), (5_000, 0));
    let call = client.retrieve_payment_intent(PI).unwrap();
    assert_eq!(call.request().url, format!("http://localhost:8787/v1/payment_intents/{PI}"));
    assert_eq!(call.request().header("User-Agent"), Some("kunog-js/0.1.0"));

    // A path prefix is kept.
    let prefixed = KunogClient::with_options(ClientOptions {
        base_url: Some("https://proxy.example/kunog".into()),
        ..ClientOptions::new(TEST_KEY)
    })
    .unwrap();
    let call = prefixed.list_payment_intents(&ListParams::with_limit(5)).unwrap();
    assert_eq!(call.request().url, "https://proxy.example/kunog/v1/payment_intents?limit=5");
}

#[test]
fn defaults() {
    let client = client();
    assert_eq!(client.base_url(), "https://api.kunog.com");
    assert_eq!(client.timeout_ms(), 30_000);
    assert_eq!(client.max_retries(), 2);
    assert_eq!(client.user_agent(), user_agent());
    assert!(!client.is_live());
    assert!(KunogClient::new(LIVE_KEY).unwrap().is_live());
}

#[test]
fn bad_configuration_is_refused_with_its_code() {
    let options = |key: &str, base_url: Option<&str>| ClientOptions {
        base_url: base_url.map(Into::into),
        ..ClientOptions::new(key)
    };
    let table: Vec<(ClientOptions, &str, &str)> = vec![
        (options("", None), codes::INVALID_API_KEY, "api_key"),
        (options("sk_test_abc", None), codes::INVALID_API_KEY, "api_key"),
        (options("kng_test_", None), codes::INVALID_API_KEY, "api_key"),
        (options("kng_test_abc\n", None), codes::INVALID_API_KEY, "api_key"),
        (options("kng_test_a b", None), codes::INVALID_API_KEY, "api_key"),
        (options("KNG_TEST_abc", None), codes::INVALID_API_KEY, "api_key"),
        (options(LIVE_KEY, Some("http://localhost:8787")), codes::INSECURE_BASE_URL, "base_url"),
        (options(LIVE_KEY, Some("http://api.kunog.com")), codes::INSECURE_BASE_URL, "base_url"),
        (options(TEST_KEY, Some("api.kunog.com")), codes::INVALID_BASE_URL, "base_url"),
        (options(TEST_KEY, Some("ftp://api.kunog.com")), codes::INVALID_BASE_URL, "base_url"),
        (options(TEST_KEY, Some("https://api.kunog.com?x=1")), codes::INVALID_BASE_URL, "base_url"),
        (options(TEST_KEY, Some("https://")), codes::INVALID_BASE_URL, "base_url"),
        (ClientOptions { timeout_ms: Some(0), ..ClientOptions::new(TEST_KEY) }, codes::PARAMETER_INVALID, "timeout_ms"),
        (
            ClientOptions { user_agent: Some("kunog-js/0.1.0\r\nX: y".into()), ..ClientOptions::new(TEST_KEY) },
            codes::PARAMETER_INVALID,
            "user_agent",
        ),
        (
            ClientOptions { user_agent: Some(" ".into()), ..ClientOptions::new(TEST_KEY) },
            codes::PARAMETER_INVALID,
            "user_agent",
        ),
    ];
    for (options, code, param) in table {
        let shown = format!("{options:?}");
        let err = KunogClient::with_options(options).unwrap_err();
        assert_eq!((err.code(), err.param.as_deref()), (code, Some(param)), "{shown}: {err}");
        assert_eq!(err.status, None);
        let message = format!("{err} {err:?}");
        assert!(
            !message.contains("4eC39HqLyjWDarjtT1zdp7dc") && !message.contains("9xW2pQ7rT5yU8iO1aS3dF6gH"),
            "{message}"
        );
    }
    let err = KunogClient::new("nope").unwrap_err();
    assert_eq!(err.error_type, ErrorType::Authentication);

    // Accepted: a live key over https, a test key over plain http anywhere (a LAN sandbox).
    assert!(KunogClient::with_options(options(LIVE_KEY, Some("https://api.kunog.com"))).is_ok());
    assert!(KunogClient::with_options(options(TEST_KEY, Some("http://sandbox.lan:8787"))).is_ok());
}

#[test]
fn the_api_key_never_shows_in_debug() {
    for key in [TEST_KEY, LIVE_KEY] {
        let secret = &key["kng_test_".len()..];
        let client = KunogClient::new(key).unwrap();
        let call = client
            .create_payment_intent(
                &CreatePaymentIntentParams::new(4900, "USD"),
                IdempotencyKey::from_random_bytes([1; 16]),
            )
            .unwrap();
        let shown = format!("{client:?} {:?} {:?} {:?}", ClientOptions::new(key), call, call.request());
        assert!(!shown.contains(secret), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        // The request itself carries it, for the transport.
        assert_eq!(call.request().header("authorization"), Some(format!("Bearer {key}").as_str()));
    }
}

#[test]
fn uuid_v4_format_over_many_byte_patterns() {
    for seed in 0..=255u8 {
        let bytes: [u8; 16] = core::array::from_fn(|i| seed.wrapping_mul(31).wrapping_add(i as u8 * 17));
        let key = IdempotencyKey::from_random_bytes(bytes);
        let text = key.as_str();
        assert_eq!(text.len(), 36, "{text}");
        for (index, c) in text.char_indices() {
            match index {
                8 | 13 | 18 | 23 => assert_eq!(c, '-', "{text}"),
                14 => assert_eq!(c, '4', "{text}"),
                19 => assert!(matches!(c, '8' | '9' | 'a' | 'b'), "{text}"),
                _ => assert!(c.is_ascii_hexdigit() && !c.is_ascii_uppercase(), "{text}"),
            }
        }
        // Everything but the version and variant bits comes from the bytes.
        let hex: String = text.chars().filter(|c| *c != '-').collect();
        let mut expected = bytes;
        expected[6] = (expected[6] & 0x0f) | 0x40;
        expected[8] = (expected[8] & 0x3f) | 0x80;
        assert_eq!(hex, hex::encode(expected));
        assert!(IdempotencyKey::new(text).is_ok());
    }
    assert_eq!(kunog::client::uuid_v4([0x5a; 16]), "5a5a5a5a-5a5a-4a5a-9a5a-5a5a5a5a5a5a");
}

#[test]
fn the_same_random_bytes_make_the_same_key_and_different_bytes_a_different_one() {
    let a = IdempotencyKey::from_random_bytes([9; 16]);
    assert_eq!(a, IdempotencyKey::from_random_bytes([9; 16]));
    let mut other = [9; 16];
    other[15] = 10;
    assert_ne!(a, IdempotencyKey::from_random_bytes(other));
}
