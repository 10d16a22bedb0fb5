//! The Kunog sandbox: a local, stateful emulator of the Kunog API, run by `wrangler dev`.
//!
//! The Worker authenticates each request and forwards it to the Durable Object of its API
//! key (`Account`), which holds all of that key's data in SQLite. Checkout pages carry the
//! account's name in their URL instead of a key.

mod account;
mod api_error;
mod checkout;
mod config;
mod ids;
mod model;
mod transaction;

use api_error::{ApiError, ErrorCode};
use worker::*;

pub use account::Account;

/// Set by the Durable Object when a fault asks for the response to be lost in transit.
pub(crate) const DROP_HEADER: &str = "x-sandbox-drop-connection";

enum KeyCheck {
    Test(String),
    Refused(ApiError),
}

fn check_api_key(req: &Request) -> KeyCheck {
    let refused = |code, message: &str| KeyCheck::Refused(ApiError::new(code, message));
    let Some(value) = req.headers().get("authorization").ok().flatten() else {
        return refused(
            ErrorCode::MissingApiKey,
            "no API key: send Authorization: Bearer kng_test_...",
        );
    };
    let Some(key) = value.strip_prefix("Bearer ") else {
        return refused(
            ErrorCode::InvalidApiKey,
            "the Authorization header must be Bearer <API key>",
        );
    };
    let key = key.trim();
    let well_formed = |rest: &str| {
        (1..=200).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    if let Some(rest) = key.strip_prefix("kng_test_") {
        if well_formed(rest) {
            return KeyCheck::Test(key.to_string());
        }
    } else if let Some(rest) = key.strip_prefix("kng_live_") {
        if well_formed(rest) {
            return refused(
                ErrorCode::LiveKeyInSandbox,
                "live keys are refused by the sandbox; use a kng_test_ key",
            );
        }
    }
    refused(
        ErrorCode::InvalidApiKey,
        "the API key is malformed; sandbox keys look like kng_test_<letters and digits>",
    )
}

fn error_response(error: &ApiError, request_id: &str) -> Result<Response> {
    account::Reply::error(error, request_id).into_response(request_id)
}

/// Forwards to the account's Durable Object, with what it needs to know about the request.
async fn forward(
    env: &Env,
    req: &mut Request,
    account: &str,
    request_id: &str,
    origin: &str,
) -> Result<Response> {
    let headers = Headers::new();
    for name in ["content-type", "idempotency-key"] {
        if let Some(value) = req.headers().get(name)? {
            headers.set(name, &value)?;
        }
    }
    headers.set("x-sandbox-request-id", request_id)?;
    headers.set("x-sandbox-origin", origin)?;
    headers.set("x-sandbox-account", account)?;
    let method = req.method();
    let mut init = RequestInit::new();
    // Manual: the checkout's 303s are for the browser, not for this hop to follow.
    init.with_method(method.clone())
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    if method == Method::Post {
        init.with_body(Some(wasm_bindgen::JsValue::from_str(&req.text().await?)));
    }
    let url = req.url()?;
    let inner = Request::new_with_init(
        &format!(
            "https://account.internal{}{}",
            url.path(),
            url.query().map(|q| format!("?{q}")).unwrap_or_default()
        ),
        &init,
    )?;
    let stub = env.durable_object("ACCOUNTS")?.get_by_name(account)?;
    let mut response = stub.fetch_with_request(inner).await?;
    if response.headers().get(DROP_HEADER)?.is_some() {
        // The answer was computed and stored; the client gets the status and the first half
        // of the body, then the stream fails. Behind `wrangler dev`'s proxy this shows as an
        // empty or truncated body, or a network error: either way, the answer is lost.
        let status = response.status_code();
        let mut body = response.bytes().await?;
        body.truncate(body.len() / 2);
        let chunks: Vec<std::result::Result<Vec<u8>, Error>> = vec![
            Ok(body),
            Err(Error::RustError(
                "connection dropped (injected fault)".into(),
            )),
        ];
        let headers = Headers::new();
        headers.set("Content-Type", "application/json")?;
        headers.set("Kunog-Request-Id", request_id)?;
        return Ok(Response::from_stream(futures_util::stream::iter(chunks))?
            .with_status(status)
            .with_headers(headers));
    }
    Ok(response)
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let request_id = ids::new_id("req_");
    let url = req.url()?;
    let origin = url.origin().ascii_serialization();
    let path = url.path().to_string();
    let result = if path == "/" || path == "/health" {
        let reply = account::Reply::json(
            200,
            "{\"object\":\"sandbox\",\"ok\":true,\"livemode\":false}".into(),
        );
        return reply.into_response(&request_id);
    } else if path.starts_with("/checkout/") {
        let account = url
            .query_pairs()
            .find(|(k, _)| k == "account")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if account.len() != 32 || !account.bytes().all(|b| b.is_ascii_hexdigit()) {
            let reply = account::Reply::html(
                404,
                "<!doctype html><title>Not found</title><h1>This checkout link is not valid.</h1>"
                    .into(),
            );
            return reply.into_response(&request_id);
        }
        forward(&env, &mut req, &account, &request_id, &origin).await
    } else if path.starts_with("/v1/") {
        match check_api_key(&req) {
            KeyCheck::Refused(error) => return error_response(&error, &request_id),
            KeyCheck::Test(key) => {
                // A digest of the key names its data: each key is isolated, and the key
                // itself never appears in storage or in checkout URLs.
                let account =
                    ids::digest_hex("kunog-sandbox-account", key.as_bytes())[..32].to_string();
                forward(&env, &mut req, &account, &request_id, &origin).await
            }
        }
    } else {
        return error_response(
            &ApiError::new(ErrorCode::UnknownRoute, format!("no route for {path}")),
            &request_id,
        );
    };
    match result {
        Ok(response) => Ok(response),
        Err(err) => {
            console_error!("sandbox request failed: {err}");
            error_response(
                &ApiError::new(
                    ErrorCode::InternalError,
                    "the sandbox hit an internal error",
                ),
                &request_id,
            )
        }
    }
}
