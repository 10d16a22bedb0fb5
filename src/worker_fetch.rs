//! Sends [`client::Call`]s from inside a Cloudflare Worker, with `worker::Fetch` (feature
//! `worker`).
//!
//! Scope: the transport only. The client core decides everything (requests, retries,
//! delays, the deadline); this module performs it: one `fetch` per attempt, aborted when the
//! attempt's time is up, `setTimeout` between attempts, `Date.now()` for the clock and
//! `Math.random()` for the jitter.

use futures_util::future::{select, Either};
use worker::{AbortController, Delay, Fetch, Headers, Method, Request, RequestInit};

use crate::client::{self, Call, FromResponseBody, HttpResponse, KunogError, ResponseHeaders, Step, TransportError};

/// Runs `call` to its end: the parsed object, or the final [`KunogError`].
pub async fn send<T: FromResponseBody>(mut call: Call<T>) -> Result<T, KunogError> {
    loop {
        let attempt = call.attempt(now_ms())?;
        let timeout_ms = attempt.timeout_ms;
        let outcome = send_once(attempt.request, timeout_ms).await;
        let step = match &outcome {
            Ok((status, request_id, retry_after, body)) => {
                let headers = ResponseHeaders { request_id: request_id.as_deref(), retry_after: retry_after.as_deref() };
                call.on_response(Ok(HttpResponse::new(*status, body).with_headers(headers)), now_ms(), random_fraction())
            }
            Err(transport) => call.on_response(Err(transport.clone()), now_ms(), random_fraction()),
        };
        match step {
            Step::Done(result) => return result,
            Step::Retry { delay_ms } => Delay::from(std::time::Duration::from_millis(delay_ms)).await,
        }
    }
}

type Answer = (u16, Option<String>, Option<String>, Vec<u8>);

async fn send_once(request: &client::HttpRequest, timeout_ms: u64) -> Result<Answer, TransportError> {
    let headers = Headers::new();
    for (name, value) in &request.headers {
        headers.set(name, value).map_err(|e| TransportError::network(e.to_string()))?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::from(request.method.as_str().to_owned())).with_headers(headers);
    if let Some(body) = &request.body {
        init.with_body(Some(body.as_str().into()));
    }
    let outgoing = Request::new_with_init(&request.url, &init).map_err(|e| TransportError::network(e.to_string()))?;
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(outgoing);
    let exchange = async {
        let mut response = fetch.send_with_signal(&signal).await?;
        let status = response.status_code();
        let request_id = response.headers().get(client::REQUEST_ID_HEADER)?;
        let retry_after = response.headers().get(client::RETRY_AFTER_HEADER)?;
        let body = response.bytes().await?;
        Ok::<_, worker::Error>((status, request_id, retry_after, body))
    };
    let timer = Delay::from(std::time::Duration::from_millis(timeout_ms));
    let finished = match select(Box::pin(exchange), timer).await {
        Either::Left((result, _)) => Some(result),
        Either::Right(((), _)) => None,
    };
    match finished {
        Some(Ok(answer)) => Ok(answer),
        Some(Err(error)) => Err(TransportError::network(error.to_string())),
        None => {
            controller.abort();
            Err(TransportError::Timeout)
        }
    }
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn random_fraction() -> f64 {
    js_sys::Math::random()
}
