//! Every parameter rule of the contract, checked before sending, with the code and `param`
//! Kunog itself answers with. A refused call builds no request at all.

use kunog::client::{
    codes, CreatePaymentIntentParams, CreateRefundParams, CreateWebhookEndpointParams, ErrorType, IdempotencyKey,
    KunogClient, KunogError, ListParams,
};
use kunog::Metadata;

const PI: &str = "pi_3MtwBwLkdIwHu7ix28a3tqPa";
const WE: &str = "we_1Nq8sK2eZvKYlo2C9xQwT4bH";

fn client() -> KunogClient {
    KunogClient::new("kng_test_4eC39HqLyjWDarjtT1zdp7dc").unwrap()
}

fn key() -> IdempotencyKey {
    IdempotencyKey::from_random_bytes([3; 16])
}

fn intent(params: CreatePaymentIntentParams) -> Result<(), KunogError> {
    client().create_payment_intent(&params, key()).map(drop)
}

fn base() -> CreatePaymentIntentParams {
    CreatePaymentIntentParams::new(4900, "USD")
}

fn metadata(entries: usize, key_chars: usize, value_chars: usize) -> Metadata {
    (0..entries).map(|i| (format!("{i:0>width$}", width = key_chars.max(2)), "v".repeat(value_chars))).collect()
}

/// `Ok` or `(code, param)`.
type Expected = Result<(), (String, Option<String>)>;

fn outcome(result: Result<(), KunogError>) -> Expected {
    result.map_err(|err| {
        assert_eq!(err.status, None, "a local error has no status: {err}");
        assert!(!err.message.is_empty());
        (err.code, err.param.map(String::from))
    })
}

fn refused(code: &str, param: &str) -> Expected {
    Err((code.to_owned(), Some(param.to_owned())))
}

const INVALID: &str = codes::PARAMETER_INVALID;
const MISSING: &str = codes::PARAMETER_MISSING;

#[test]
fn payment_intent_rules() {
    let table: Vec<(&str, CreatePaymentIntentParams, Expected)> = vec![
        ("minimal", base(), Ok(())),
        ("amount 1", CreatePaymentIntentParams::new(1, "USD"), Ok(())),
        ("amount max", CreatePaymentIntentParams::new(99_999_999, "USD"), Ok(())),
        ("amount 0", CreatePaymentIntentParams::new(0, "USD"), refused(INVALID, "amount")),
        ("amount negative", CreatePaymentIntentParams::new(-4900, "USD"), refused(INVALID, "amount")),
        ("amount max+1", CreatePaymentIntentParams::new(100_000_000, "USD"), refused(INVALID, "amount")),
        ("amount missing", CreatePaymentIntentParams { amount: None, ..base() }, refused(MISSING, "amount")),
        ("currency missing", CreatePaymentIntentParams { currency: None, ..base() }, refused(MISSING, "currency")),
        ("EUR", CreatePaymentIntentParams::new(1, "EUR"), Ok(())),
        ("GBP", CreatePaymentIntentParams::new(1, "GBP"), Ok(())),
        ("lower case", CreatePaymentIntentParams::new(1, "usd"), refused(INVALID, "currency")),
        ("mixed case", CreatePaymentIntentParams::new(1, "Usd"), refused(INVALID, "currency")),
        ("two letters", CreatePaymentIntentParams::new(1, "US"), refused(INVALID, "currency")),
        ("four letters", CreatePaymentIntentParams::new(1, "USDC"), refused(INVALID, "currency")),
        ("digits", CreatePaymentIntentParams::new(1, "840"), refused(INVALID, "currency")),
        ("empty currency", CreatePaymentIntentParams::new(1, ""), refused(INVALID, "currency")),
        ("non-ASCII currency", CreatePaymentIntentParams::new(1, "ÜSD"), refused(INVALID, "currency")),
        ("USDC settlement", base().with_settlement("USDC"), Ok(())),
        ("unknown settlement", base().with_settlement("DOGE"), refused(codes::UNSUPPORTED_SETTLEMENT, "settlement")),
        ("lower-case settlement", base().with_settlement("usdc"), refused(codes::UNSUPPORTED_SETTLEMENT, "settlement")),
        ("https success_url", base().with_success_url("https://kunog.com/success?order=1#x"), Ok(())),
        ("https with port", base().with_success_url("https://shop.example:8443/ok"), Ok(())),
        ("http localhost", base().with_success_url("http://localhost:3000/ok"), Ok(())),
        ("http LOCALHOST", base().with_success_url("http://LOCALHOST/ok"), Ok(())),
        ("http 127.0.0.1", base().with_cancel_url("http://127.0.0.1:8787/cancel"), Ok(())),
        ("http elsewhere", base().with_success_url("http://kunog.com/success"), refused(INVALID, "success_url")),
        (
            "http localhost as userinfo",
            base().with_success_url("http://localhost@evil.example/"),
            refused(INVALID, "success_url"),
        ),
        (
            "http localhost. subdomain",
            base().with_success_url("http://localhost.evil.example/"),
            refused(INVALID, "success_url"),
        ),
        ("http 127.0.0.2", base().with_cancel_url("http://127.0.0.2/"), refused(INVALID, "cancel_url")),
        ("http ::1", base().with_cancel_url("http://[::1]/"), refused(INVALID, "cancel_url")),
        ("relative", base().with_success_url("/success"), refused(INVALID, "success_url")),
        ("no host", base().with_success_url("https:///success"), refused(INVALID, "success_url")),
        ("javascript", base().with_cancel_url("javascript:alert(1)"), refused(INVALID, "cancel_url")),
        ("ftp", base().with_cancel_url("ftp://kunog.com/"), refused(INVALID, "cancel_url")),
        ("space", base().with_cancel_url("https://kunog.com/a b"), refused(INVALID, "cancel_url")),
        ("newline", base().with_cancel_url("https://kunog.com/\n"), refused(INVALID, "cancel_url")),
        ("2048 chars", base().with_success_url(&format!("https://kunog.com/{}", "a".repeat(2048 - 18))), Ok(())),
        (
            "2049 chars",
            base().with_success_url(&format!("https://kunog.com/{}", "a".repeat(2049 - 18))),
            refused(INVALID, "success_url"),
        ),
        ("50 keys", CreatePaymentIntentParams { metadata: Some(metadata(50, 2, 1)), ..base() }, Ok(())),
        (
            "51 keys",
            CreatePaymentIntentParams { metadata: Some(metadata(51, 2, 1)), ..base() },
            refused(INVALID, "metadata"),
        ),
        ("40-char key", CreatePaymentIntentParams { metadata: Some(metadata(1, 40, 1)), ..base() }, Ok(())),
        (
            "41-char key",
            CreatePaymentIntentParams { metadata: Some(metadata(1, 41, 1)), ..base() },
            refused(INVALID, "metadata"),
        ),
        ("500-char value", CreatePaymentIntentParams { metadata: Some(metadata(1, 2, 500)), ..base() }, Ok(())),
        (
            "501-char value",
            CreatePaymentIntentParams { metadata: Some(metadata(1, 2, 501)), ..base() },
            refused(INVALID, "metadata"),
        ),
        ("40 non-ASCII chars", base().with_metadata(&"é".repeat(40), "ü"), Ok(())),
        ("1000-char description", base().with_description(&"d".repeat(1000)), Ok(())),
        ("1000 non-ASCII chars", base().with_description(&"€".repeat(1000)), Ok(())),
        ("1001-char description", base().with_description(&"d".repeat(1001)), refused(INVALID, "description")),
    ];
    for (name, params, expected) in table {
        assert_eq!(outcome(intent(params)), expected, "{name}");
    }
}

#[test]
fn the_first_broken_rule_in_field_order_is_reported() {
    let params = CreatePaymentIntentParams { amount: Some(0), currency: Some("usd".into()), ..Default::default() };
    assert_eq!(outcome(intent(params)), refused(INVALID, "amount"));
    let params = CreatePaymentIntentParams::default();
    assert_eq!(outcome(intent(params)), refused(MISSING, "amount"));
}

#[test]
fn refund_rules() {
    let refund = |params: CreateRefundParams| outcome(client().create_refund(&params, key()).map(drop));
    let table: Vec<(&str, CreateRefundParams, Expected)> = vec![
        ("full", CreateRefundParams::new(PI), Ok(())),
        ("partial", CreateRefundParams::new(PI).with_amount(1), Ok(())),
        ("missing intent", CreateRefundParams::default(), refused(MISSING, "payment_intent")),
        (
            "not an intent id",
            CreateRefundParams::new("re_3MtwBwLkdIwHu7ix28a3tqPa"),
            refused(INVALID, "payment_intent"),
        ),
        ("short id", CreateRefundParams::new("pi_123"), refused(INVALID, "payment_intent")),
        ("path in id", CreateRefundParams::new("pi_3MtwBwLkdIwHu7ix28a3/../x"), refused(INVALID, "payment_intent")),
        ("amount 0", CreateRefundParams::new(PI).with_amount(0), refused(INVALID, "amount")),
        ("amount too big", CreateRefundParams::new(PI).with_amount(100_000_000), refused(INVALID, "amount")),
        ("metadata", CreateRefundParams::new(PI).with_metadata("k", &"v".repeat(501)), refused(INVALID, "metadata")),
    ];
    for (name, params, expected) in table {
        assert_eq!(refund(params), expected, "{name}");
    }
}

#[test]
fn webhook_endpoint_rules() {
    let create =
        |params: CreateWebhookEndpointParams| outcome(client().create_webhook_endpoint(&params, key()).map(drop));
    assert_eq!(create(CreateWebhookEndpointParams::new("https://shop.example/hook")), Ok(()));
    assert_eq!(create(CreateWebhookEndpointParams::default()), refused(MISSING, "url"));
    assert_eq!(create(CreateWebhookEndpointParams::new("http://shop.example/hook")), refused(INVALID, "url"));
    assert_eq!(
        create(CreateWebhookEndpointParams::new("https://shop.example/hook").with_enabled_events([""])),
        refused(INVALID, "enabled_events")
    );
    assert_eq!(outcome(client().delete_webhook_endpoint(WE).map(drop)), Ok(()));
    assert_eq!(outcome(client().delete_webhook_endpoint(PI).map(drop)), refused(INVALID, "id"));
    assert_eq!(outcome(client().delete_webhook_endpoint("we_1/../../v1/refunds").map(drop)), refused(INVALID, "id"));
}

#[test]
fn ids_and_list_parameters() {
    let retrieve = |id: &str| outcome(client().retrieve_payment_intent(id).map(drop));
    assert_eq!(retrieve(PI), Ok(()));
    assert_eq!(retrieve("pi_aaaaaaaaaaaaaaaaaaaa"), Ok(()));
    for bad in [
        "",
        "pi_",
        "pi_aaaaaaaaaaaaaaaaaaa",
        "PI_3MtwBwLkdIwHu7ix28a3tqPa",
        "pi_3MtwBwLkdIwHu7ix28a3tq-a",
        "pi_3MtwBwLkdIwHu7ix28a3tqPa?x=1",
        "pi_3MtwBwLkdIwHu7ix28a3tqPa/refunds",
        &format!("pi_{}", "a".repeat(253)),
    ] {
        assert_eq!(retrieve(bad), refused(INVALID, "id"), "{bad:?}");
    }

    let list = |params: ListParams| outcome(client().list_payment_intents(&params).map(drop));
    assert_eq!(list(ListParams::with_limit(1)), Ok(()));
    assert_eq!(list(ListParams::with_limit(100)), Ok(()));
    assert_eq!(list(ListParams::with_limit(0)), refused(INVALID, "limit"));
    assert_eq!(list(ListParams::with_limit(101)), refused(INVALID, "limit"));
    assert_eq!(
        list(ListParams { limit: None, starting_after: Some("pi_x&limit=5".into()) }),
        refused(INVALID, "starting_after")
    );
    assert_eq!(list(ListParams { limit: None, starting_after: Some(WE.into()) }), refused(INVALID, "starting_after"));
    let endpoints = |params: ListParams| outcome(client().list_webhook_endpoints(&params).map(drop));
    assert_eq!(endpoints(ListParams { limit: Some(3), starting_after: Some(WE.into()) }), Ok(()));
    assert_eq!(
        endpoints(ListParams { limit: None, starting_after: Some(PI.into()) }),
        refused(INVALID, "starting_after")
    );
}

#[test]
fn idempotency_key_rules() {
    let check = |key: &str| outcome(IdempotencyKey::new(key).map(drop));
    assert_eq!(check("a"), Ok(()));
    assert_eq!(check(&"k".repeat(255)), Ok(()));
    assert_eq!(check("order-2048:create!~"), Ok(()));
    for bad in [
        String::new(),
        "k".repeat(256),
        "has space".into(),
        "tab\t".into(),
        "new\nline".into(),
        "ключ".into(),
        "\u{7f}".into(),
    ] {
        assert_eq!(check(&bad), refused(INVALID, "idempotency_key"), "{bad:?}");
    }
    assert_eq!(
        outcome(IdempotencyKey::given_or_random(Some(""), [0; 16]).map(drop)),
        refused(INVALID, "idempotency_key")
    );
    assert_eq!(IdempotencyKey::given_or_random(Some("mine"), [0; 16]).unwrap().as_str(), "mine");
}

#[test]
fn from_json_reads_javascript_payloads() {
    let params = CreatePaymentIntentParams::from_json(
        r#"{"amount":4900,"currency":"USD","settlement":"USDC","metadata":{"order_id":"KNG-2048"},"description":null}"#,
    )
    .unwrap();
    assert_eq!(
        params,
        CreatePaymentIntentParams::new(4900, "USD").with_settlement("USDC").with_metadata("order_id", "KNG-2048")
    );
    assert_eq!(
        CreatePaymentIntentParams::from_json(r#"{"amount":4900.0,"currency":"USD"}"#).unwrap().amount,
        Some(4900)
    );

    type Parse = fn(&str) -> Option<KunogError>;
    let parse_intent: Parse = |json| CreatePaymentIntentParams::from_json(json).err();
    let parse_refund: Parse = |json| CreateRefundParams::from_json(json).err();
    let parse_endpoint: Parse = |json| CreateWebhookEndpointParams::from_json(json).err();
    let parse_list: Parse = |json| ListParams::from_json(json).err();
    let table: [(Parse, &str, &str, &str); 15] = [
        (parse_intent, r#"{"amount":49.5,"currency":"USD"}"#, INVALID, "amount"),
        (parse_intent, r#"{"amount":"4900","currency":"USD"}"#, INVALID, "amount"),
        (parse_intent, r#"{"amount":1e300,"currency":"USD"}"#, INVALID, "amount"),
        (parse_intent, r#"{"amount":4900,"currency":840}"#, INVALID, "currency"),
        (parse_intent, r#"{"amount":4900,"currency":"USD","metadata":{"n":1}}"#, INVALID, "metadata"),
        (parse_intent, r#"{"amount":4900,"currency":"USD","metadata":["a"]}"#, INVALID, "metadata"),
        (parse_intent, r#"{"amount":4900,"currency":"USD","successUrl":"https://x.test/"}"#, INVALID, "successUrl"),
        (parse_intent, r#"[4900]"#, INVALID, "body"),
        (parse_intent, r#"{"amount":"#, INVALID, "body"),
        (parse_refund, r#"{"payment_intent":5}"#, INVALID, "payment_intent"),
        (parse_refund, r#"{"payment_intent":"pi_x","paymentIntent":"pi_x"}"#, INVALID, "paymentIntent"),
        (parse_endpoint, r#"{"url":"https://x.test/","enabled_events":"refund.created"}"#, INVALID, "enabled_events"),
        (parse_endpoint, r#"{"url":"https://x.test/","enabled_events":[1]}"#, INVALID, "enabled_events"),
        (parse_list, r#"{"limit":-1}"#, INVALID, "limit"),
        (parse_list, r#"{"limit":20,"startingAfter":"pi_x"}"#, INVALID, "startingAfter"),
    ];
    for (parse, json, code, param) in table {
        let err = parse(json).unwrap_or_else(|| panic!("accepted: {json}"));
        assert_eq!((err.code.as_str(), err.param.as_deref()), (code, Some(param)), "{json}: {err}");
    }

    // Read, then validated as any other payload.
    let params = CreatePaymentIntentParams::from_json(r#"{"currency":"USD"}"#).unwrap();
    assert_eq!(outcome(intent(params)), refused(MISSING, "amount"));
    assert_eq!(
        CreateRefundParams::from_json(&format!(r#"{{"payment_intent":"{PI}","amount":100}}"#)).unwrap(),
        CreateRefundParams::new(PI).with_amount(100)
    );
    assert_eq!(ListParams::from_json(r#"{"limit":20}"#).unwrap(), ListParams::with_limit(20));
    assert_eq!(
        CreateWebhookEndpointParams::from_json(r#"{"url":"https://x.test/","enabled_events":["refund.created"]}"#)
            .unwrap(),
        CreateWebhookEndpointParams::new("https://x.test/").with_enabled_events(["refund.created"])
    );
}

#[test]
fn local_errors_say_what_to_do() {
    let err = client().create_payment_intent(&CreatePaymentIntentParams::new(1, "usd"), key()).unwrap_err();
    assert_eq!(err.error_type, ErrorType::InvalidRequest);
    let shown = err.to_string();
    assert!(shown.contains("use upper case, USD"), "{shown}");
    assert!(shown.contains("[invalid_request_error/parameter_invalid, param currency]"), "{shown}");

    let err = client().create_payment_intent(&base().with_settlement("DOGE"), key()).unwrap_err();
    assert!(err.to_string().contains("use one of USDC"), "{err}");
}
