//! The retry policy, driven the way a transport drives it: which answers are retried (network
//! errors, timeouts, 409, 429, 5xx) and which never are (any other 4xx), the backoff's
//! bounds, `Retry-After`, the one deadline over all attempts, and the same request (and
//! `Idempotency-Key`) on every attempt.

use kunog::client::{
    backoff_ceiling_ms, backoff_ms, codes, Call, ClientOptions, CreatePaymentIntentParams, ErrorType, HttpRequest,
    HttpResponse, IdempotencyKey, KunogClient, KunogError, ResponseHeaders, Step, TransportError, BACKOFF_CAP_MS,
};
use kunog::PaymentIntent;

const NOW: u64 = 1_764_806_400_000;
const INTENT: &str = r#"{"id":"pi_3MtwBwLkdIwHu7ix28a3tqPa","object":"payment_intent","status":"created","amount":4900,"currency":"USD"}"#;
const UNAVAILABLE: &str =
    r#"{"error":{"type":"api_error","code":"service_unavailable","message":"try again","request_id":"req_503"}}"#;

/// What the scripted transport does on one attempt.
#[derive(Clone, Copy, Debug)]
enum Answer {
    /// Status, `Retry-After`, body.
    Http(u16, Option<&'static str>, &'static str),
    /// The transport gives up when the attempt's timeout (the deadline) passes.
    Timeout,
    /// The transport reports a timeout of its own after this many ms, before the deadline.
    EarlyTimeout(u64),
    Network,
}

fn ok() -> Answer {
    Answer::Http(200, None, INTENT)
}

fn status(code: u16) -> Answer {
    let body = match code {
        409 => r#"{"error":{"type":"idempotency_error","code":"idempotency_key_in_use","message":"m"}}"#,
        429 => r#"{"error":{"type":"rate_limit_error","code":"rate_limited","message":"m"}}"#,
        500..=599 => UNAVAILABLE,
        _ => r#"{"error":{"type":"invalid_request_error","code":"some_4xx","message":"m"}}"#,
    };
    Answer::Http(code, None, body)
}

/// What happened over one call.
#[derive(Debug)]
struct Run {
    result: Result<PaymentIntent, KunogError>,
    /// The request and per-attempt timeout of each attempt, and when it started.
    attempts: Vec<(HttpRequest, u64, u64)>,
    /// Each retry's delay.
    delays: Vec<u64>,
    deadline_ms: u64,
}

fn client(timeout_ms: u64, max_retries: u32) -> KunogClient {
    KunogClient::with_options(ClientOptions {
        timeout_ms: Some(timeout_ms),
        max_retries: Some(max_retries),
        ..ClientOptions::new("kng_test_4eC39HqLyjWDarjtT1zdp7dc")
    })
    .unwrap()
}

fn new_call(client: &KunogClient) -> Call<PaymentIntent> {
    client
        .create_payment_intent(
            &CreatePaymentIntentParams::new(4900, "USD"),
            IdempotencyKey::from_random_bytes([0x11; 16]),
        )
        .unwrap()
}

/// Drives a call as a transport would: each attempt takes `attempt_ms` of clock (all of the
/// attempt's timeout for a timeout), each retry sleeps exactly its delay. More answers
/// than attempts may be scripted; running out of them is a test failure.
fn drive(client: &KunogClient, answers: &[Answer], fraction: f64, attempt_ms: u64) -> Run {
    let mut call = new_call(client);
    let mut now = NOW;
    let mut attempts = Vec::new();
    let mut delays = Vec::new();
    let mut script = answers.iter();
    let result = loop {
        let attempt = match call.attempt(now) {
            Ok(attempt) => attempt,
            Err(err) => break Err(err),
        };
        let timeout_ms = attempt.timeout_ms;
        attempts.push((attempt.request.clone(), timeout_ms, now));
        let answer = *script.next().expect("more attempts than scripted answers");
        let outcome = match answer {
            Answer::Http(status, retry_after, body) => {
                now += attempt_ms.min(timeout_ms);
                let headers = ResponseHeaders { request_id: Some("req_header"), retry_after };
                Ok(HttpResponse::new(status, body.as_bytes()).with_headers(headers))
            }
            Answer::Timeout => {
                now += timeout_ms;
                Err(TransportError::Timeout)
            }
            Answer::EarlyTimeout(ms) => {
                now += ms.min(timeout_ms);
                Err(TransportError::Timeout)
            }
            Answer::Network => {
                now += attempt_ms.min(timeout_ms);
                Err(TransportError::network("ECONNRESET"))
            }
        };
        match call.on_response(outcome, now, fraction) {
            Step::Done(result) => break result,
            Step::Retry { delay_ms } => {
                delays.push(delay_ms);
                now += delay_ms;
            }
        }
    };
    assert!(call.is_finished());
    let deadline_ms = call.deadline_ms().expect("the first attempt sets the deadline");
    Run { result, attempts, delays, deadline_ms }
}

#[test]
fn statuses_that_are_retried_and_statuses_that_never_are() {
    let client = client(30_000, 2);
    for code in [409, 429, 500, 501, 502, 503, 504, 599] {
        let run = drive(&client, &[status(code); 3], 0.5, 10);
        assert_eq!(run.attempts.len(), 3, "{code} is retried twice");
        assert_eq!(run.result.unwrap_err().status, Some(code));
    }
    for code in [400, 401, 402, 403, 404, 405, 408, 410, 413, 415, 422, 451, 499] {
        let run = drive(&client, &[status(code), ok()], 0.5, 10);
        assert_eq!(run.attempts.len(), 1, "{code} is never retried");
        assert_eq!(run.result.unwrap_err().status, Some(code));
    }
    for code in [200, 201, 204] {
        let run = drive(&client, &[Answer::Http(code, None, INTENT)], 0.5, 10);
        assert_eq!(run.attempts.len(), 1);
        assert!(run.result.is_ok(), "{code}");
    }
    // A 2xx that is not JSON is not retried either: the request may have succeeded.
    let run = drive(&client, &[Answer::Http(200, None, "<html>"), ok()], 0.5, 10);
    assert_eq!((run.attempts.len(), run.result.unwrap_err().code.as_str()), (1, codes::INVALID_RESPONSE));
    // A 502 HTML page from a proxy is retried like any 5xx.
    let run = drive(&client, &[Answer::Http(502, None, "<html>Bad Gateway</html>"), ok()], 0.5, 10);
    assert_eq!(run.attempts.len(), 2);
    assert!(run.result.is_ok());
}

#[test]
fn network_errors_and_timeouts_are_retried_and_end_as_connection_errors() {
    let client = client(30_000, 2);
    let run = drive(&client, &[Answer::Network, Answer::EarlyTimeout(100), ok()], 0.5, 10);
    assert_eq!(run.attempts.len(), 3);
    assert_eq!(run.result.unwrap().amount, 4900);

    let run = drive(&client, &[Answer::Network; 3], 0.5, 10);
    let err = run.result.unwrap_err();
    assert_eq!((err.status, &err.error_type, err.code.as_str()), (None, &ErrorType::Connection, codes::NETWORK));
    assert!(err.message.contains("ECONNRESET") && err.message.contains("after 3 attempts"), "{err}");
    assert!(err.to_string().contains("same Idempotency-Key"), "{err}");

    let fast = self::client(30_000, 2);
    let run = drive(
        &fast,
        &[Answer::Http(503, None, UNAVAILABLE), Answer::Http(503, None, UNAVAILABLE), Answer::Timeout],
        0.0,
        10,
    );
    let err = run.result.unwrap_err();
    assert_eq!((err.error_type, err.code.as_str()), (ErrorType::Connection, codes::TIMEOUT));
}

#[test]
fn the_last_error_is_returned_when_retries_run_out() {
    let run = drive(&client(30_000, 2), &[Answer::Network, status(429), status(503), ok()], 0.5, 10);
    assert_eq!(run.attempts.len(), 3);
    let err = run.result.unwrap_err();
    assert_eq!(
        (err.status, err.code.as_str(), err.request_id.as_deref()),
        (Some(503), "service_unavailable", Some("req_503"))
    );
    assert!(err.message.ends_with("(after 3 attempts)"), "{}", err.message);
}

#[test]
fn max_retries_is_configurable() {
    for max_retries in [0, 1, 2, 5] {
        let run = drive(&client(600_000, max_retries), &[status(503); 10], 0.5, 10);
        assert_eq!(run.attempts.len(), max_retries as usize + 1);
        assert_eq!(run.delays.len(), max_retries as usize);
    }
}

#[test]
fn every_attempt_sends_the_same_request_and_idempotency_key() {
    let run = drive(&client(30_000, 2), &[Answer::Network, status(409), ok()], 0.7, 25);
    assert_eq!(run.attempts.len(), 3);
    let first = &run.attempts[0].0;
    assert_eq!(first.idempotency_key(), Some("11111111-1111-4111-9111-111111111111"));
    for (request, _, _) in &run.attempts {
        assert_eq!(request, first);
    }
    // A new call gets a new key only if the caller passes one.
    let other = client(30_000, 2)
        .create_payment_intent(
            &CreatePaymentIntentParams::new(4900, "USD"),
            IdempotencyKey::from_random_bytes([0x22; 16]),
        )
        .unwrap();
    assert_ne!(other.request().idempotency_key(), first.idempotency_key());
}

#[test]
fn backoff_has_full_jitter_within_its_ceiling() {
    assert_eq!((0..6).map(backoff_ceiling_ms).collect::<Vec<_>>(), [500, 1_000, 2_000, 4_000, 5_000, 5_000]);
    let exact = [
        (0, 0.0, 0),
        (0, 0.5, 250),
        (1, 0.5, 500),
        (2, 0.5, 1_000),
        (3, 0.5, 2_000),
        (4, 0.5, 2_500),
        (9, 0.5, 2_500),
        (0, 0.999, 499),
        (1, 0.999_999, 999),
        (4, 0.999_999_999, 4_999),
    ];
    for (retry, fraction, expected) in exact {
        assert_eq!(backoff_ms(retry, fraction), expected, "retry {retry}, fraction {fraction}");
    }
    // Out-of-range draws are clamped, never above the ceiling or negative.
    for (fraction, expected) in
        [(-1.0, 0), (f64::NAN, 0), (1.0, 500), (7.5, 500), (f64::INFINITY, 500), (f64::NEG_INFINITY, 0)]
    {
        assert_eq!(backoff_ms(0, fraction), expected, "{fraction}");
    }
    // Over many draws: within [0, ceiling), never decreasing in the draw, spread over the range.
    for retry in 0..8 {
        let ceiling = backoff_ceiling_ms(retry);
        let mut previous = 0;
        let mut largest = 0;
        for step in 0..10_000 {
            let delay = backoff_ms(retry, f64::from(step) / 10_000.0);
            assert!(delay < ceiling && delay >= previous, "retry {retry} step {step}: {delay}");
            previous = delay;
            largest = largest.max(delay);
        }
        assert!(largest >= ceiling - ceiling / 1000 - 1, "retry {retry}: only up to {largest}");
        assert!(ceiling <= BACKOFF_CAP_MS);
    }
}

#[test]
fn the_call_waits_the_jittered_backoff() {
    let client = client(600_000, 6);
    for fraction in [0.0, 0.5, 0.999_999] {
        let run = drive(&client, &[status(503); 7], fraction, 10);
        let expected: Vec<u64> = (0..6).map(|retry| backoff_ms(retry, fraction)).collect();
        assert_eq!(run.delays, expected, "fraction {fraction}");
    }
    let run = drive(&client, &[status(503); 7], 0.5, 10);
    assert_eq!(run.delays, [250, 500, 1_000, 2_000, 2_500, 2_500]);
}

#[test]
fn retry_after_is_honoured_up_to_60_seconds() {
    let client = client(600_000, 2);
    for (header, expected) in [("0", 0), ("1", 1_000), ("3", 3_000), ("60", 60_000)] {
        let run = drive(&client, &[Answer::Http(429, Some(header), ""), ok()], 0.5, 10);
        assert_eq!(run.delays, [expected], "Retry-After: {header}");
        assert!(run.result.is_ok());
    }
    // Also on 503 and 409, and instead of the backoff whatever the draw.
    for code in [503, 409] {
        let run = drive(&client, &[Answer::Http(code, Some("2"), UNAVAILABLE), ok()], 0.0, 10);
        assert_eq!(run.delays, [2_000], "{code}");
    }
    // Above 60 s: the error, at once.
    for header in ["61", "3600"] {
        let run = drive(
            &client,
            &[
                Answer::Http(
                    429,
                    Some(header),
                    r#"{"error":{"type":"rate_limit_error","code":"rate_limited","message":"slow down"}}"#,
                ),
                ok(),
            ],
            0.5,
            10,
        );
        assert_eq!(run.attempts.len(), 1, "Retry-After: {header}");
        let err = run.result.unwrap_err();
        assert_eq!((err.status, err.error_type, err.code.as_str()), (Some(429), ErrorType::RateLimit, "rate_limited"));
    }
    // Not a number of seconds: the backoff applies.
    for header in ["soon", "1.5", "Wed, 21 Oct 2015 07:28:00 GMT", ""] {
        let run = drive(&client, &[Answer::Http(429, Some(header), ""), ok()], 0.5, 10);
        assert_eq!(run.delays, [250], "Retry-After: {header:?}");
    }
    // Never on a status that is not retried.
    let run = drive(&client, &[Answer::Http(400, Some("1"), ""), ok()], 0.5, 10);
    assert_eq!(run.attempts.len(), 1);
}

#[test]
fn one_deadline_covers_every_attempt() {
    // 1 s in all; each attempt takes 300 ms; the backoff would take almost its ceiling.
    let run = drive(&client(1_000, 5), &[status(503); 6], 0.999, 300);
    assert_eq!(run.deadline_ms, NOW + 1_000);
    let timeouts: Vec<u64> = run.attempts.iter().map(|(_, timeout, _)| *timeout).collect();
    // Attempt 1: 0..300, sleeps 499 (0.999 * 500); attempt 2: 799..1000 with the 201 ms left.
    assert_eq!(timeouts, [1_000, 201]);
    for (_, timeout, started) in &run.attempts {
        assert_eq!(started + timeout, run.deadline_ms, "each attempt may last until the deadline, no longer");
    }
    // The second attempt ended at 1000: no time left for a third.
    assert_eq!(run.result.unwrap_err().status, Some(503));
}

#[test]
fn a_retry_that_would_pass_the_deadline_is_not_scheduled() {
    // 30 s deadline; Retry-After 45 s fits the 60 s cap but not the deadline.
    let run = drive(&client(30_000, 2), &[Answer::Http(429, Some("45"), ""), ok()], 0.5, 10);
    assert_eq!(run.attempts.len(), 1);
    assert_eq!(run.result.unwrap_err().status, Some(429));

    // Over many draws and attempt lengths, no delay ever ends at or past the deadline.
    for attempt_ms in [0, 1, 50, 333, 999, 2_000, 4_000] {
        for step in 0..50 {
            let fraction = f64::from(step) / 50.0;
            let run = drive(&client(3_000, 10), &[status(503); 11], fraction, attempt_ms);
            let mut now = NOW;
            for (index, (_, timeout, started)) in run.attempts.iter().enumerate() {
                assert!(*started < run.deadline_ms && *timeout > 0);
                assert_eq!(*started, now.max(*started));
                now = started + attempt_ms.min(*timeout);
                if let Some(delay) = run.delays.get(index) {
                    assert!(now + delay < run.deadline_ms, "attempt_ms {attempt_ms}, fraction {fraction}");
                    now += delay;
                }
            }
            assert!(run.result.is_err());
        }
    }
}

#[test]
fn a_retry_ending_exactly_at_the_deadline_is_not_scheduled() {
    // 3 s deadline, the answer comes at 1 s: waiting 2 s would leave no time to send.
    let run = drive(&client(3_000, 2), &[Answer::Http(503, Some("2"), UNAVAILABLE), ok()], 0.5, 1_000);
    assert_eq!(run.attempts.len(), 1);
    let run = drive(&client(3_001, 2), &[Answer::Http(503, Some("2"), UNAVAILABLE), ok()], 0.5, 1_000);
    assert_eq!((run.attempts.len(), run.attempts[1].1), (2, 1));
}

#[test]
fn a_timeout_that_reaches_the_deadline_ends_the_call() {
    let run = drive(&client(5_000, 2), &[Answer::Timeout, ok()], 0.5, 10);
    assert_eq!(run.attempts.len(), 1);
    assert_eq!(run.attempts[0].1, 5_000);
    let err = run.result.unwrap_err();
    assert_eq!((&err.error_type, err.code.as_str(), err.status), (&ErrorType::Connection, codes::TIMEOUT, None));
    assert!(err.message.contains("5000 ms"), "{err}");
}

#[test]
fn an_overrun_sleep_ends_the_call_with_the_last_error() {
    let client = client(2_000, 2);
    let mut call = new_call(&client);
    assert_eq!(call.attempt(NOW).unwrap().timeout_ms, 2_000);
    let answer = HttpResponse::new(503, UNAVAILABLE.as_bytes());
    let Step::Retry { delay_ms } = call.on_response(Ok(answer), NOW + 100, 0.5) else { panic!("not retried") };
    assert_eq!(delay_ms, 250);
    // The timer fired late, past the deadline.
    let err = call.attempt(NOW + 2_000).unwrap_err();
    assert_eq!((err.status, err.code.as_str()), (Some(503), "service_unavailable"));
    assert!(call.is_finished());
}

#[test]
fn a_finished_call_stays_finished() {
    let client = client(30_000, 2);
    let mut call = new_call(&client);
    call.attempt(NOW).unwrap();
    let Step::Done(Ok(_)) = call.on_response(Ok(HttpResponse::new(200, INTENT.as_bytes())), NOW, 0.5) else { panic!() };
    assert_eq!(call.attempt(NOW).unwrap_err().code, codes::CALL_FINISHED);
    let Step::Done(Err(err)) = call.on_response(Ok(HttpResponse::new(200, INTENT.as_bytes())), NOW, 0.5) else {
        panic!()
    };
    assert_eq!(err.code, codes::CALL_FINISHED);
    assert_eq!(call.attempts(), 1);
}

#[test]
fn attempt_numbers_count_up() {
    let client = client(30_000, 2);
    let mut call = new_call(&client);
    let mut numbers = Vec::new();
    let mut now = NOW;
    loop {
        numbers.push(call.attempt(now).unwrap().number);
        match call.on_response(Err(TransportError::network("down")), now, 0.1) {
            Step::Retry { delay_ms } => now += delay_ms,
            Step::Done(_) => break,
        }
    }
    assert_eq!(numbers, [1, 2, 3]);
}
