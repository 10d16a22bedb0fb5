//! The wasm-bindgen face of the API client (feature `js-client`): translation only.
//!
//! `ClientCore` builds [`CallCore`]s; the JS glue (`js/client.cjs`) sends each attempt with
//! `fetch`, and feeds the answer (or the transport failure), `Date.now()` and
//! `Math.random()` back in; the core decides. Answers stay raw JSON text, which the glue
//! parses with the engine's `JSON.parse`, keeping every field Kunog sends. Errors leave as
//! `Error`s carrying `status`, `type`, `code`, `param` and `requestId`, which the glue
//! rethrows as `KunogError`.

use wasm_bindgen::prelude::*;

use crate::client::{
    Call, ClientOptions, CreatePaymentIntentParams, CreateRefundParams, HttpResponse, IdempotencyKey, KunogClient,
    KunogError, ListParams, RawJson, ResponseHeaders, Step, TransportError,
};

fn js_error(err: KunogError) -> JsValue {
    let error = js_sys::Error::new(&err.to_string());
    let set = |name: &str, value: JsValue| {
        // Setting a property on a fresh Error cannot fail.
        let _ = js_sys::Reflect::set(&error, &JsValue::from_str(name), &value);
    };
    set("status", err.status.map_or(JsValue::NULL, JsValue::from));
    set("type", JsValue::from_str(err.error_type.as_str()));
    set("code", JsValue::from_str(err.code()));
    set("param", err.param().map_or(JsValue::NULL, JsValue::from_str));
    set("requestId", err.request_id().map_or(JsValue::NULL, JsValue::from_str));
    error.into()
}

/// JS numbers are f64; the glue passes whole, non-negative times and counts.
fn to_u64(value: f64) -> u64 {
    value as u64
}

fn random_key(given: Option<String>, random: &[u8]) -> Result<IdempotencyKey, JsValue> {
    let random: [u8; 16] = random.try_into().map_err(|_| JsValue::from_str("kunog: internal error: 16 random bytes expected"))?;
    IdempotencyKey::given_or_random(given.as_deref(), random).map_err(js_error)
}

/// The configured client.
#[wasm_bindgen]
pub struct ClientCore {
    inner: KunogClient,
}

#[wasm_bindgen]
impl ClientCore {
    /// Checks the configuration (key shape, base URL, live key over https only).
    #[wasm_bindgen(constructor)]
    pub fn new(
        api_key: Option<String>,
        base_url: Option<String>,
        timeout_ms: Option<f64>,
        max_retries: Option<f64>,
        user_agent: String,
    ) -> Result<ClientCore, JsValue> {
        let mut options = ClientOptions::new(api_key.as_deref().unwrap_or_default());
        options.base_url = base_url;
        options.timeout_ms = timeout_ms.map(to_u64);
        options.max_retries = max_retries.map(|n| n.min(f64::from(u32::MAX)) as u32);
        options.user_agent = Some(user_agent);
        Ok(ClientCore { inner: KunogClient::with_options(options).map_err(js_error)? })
    }

    /// `POST /v1/payment_intents` from the caller's payload (as JSON text).
    #[wasm_bindgen(js_name = createPaymentIntent)]
    pub fn create_payment_intent(&self, params_json: &str, idempotency_key: Option<String>, random: &[u8]) -> Result<CallCore, JsValue> {
        let params = CreatePaymentIntentParams::from_json(params_json).map_err(js_error)?;
        let key = random_key(idempotency_key, random)?;
        let call = self.inner.create_payment_intent(&params, key).map_err(js_error)?;
        Ok(CallCore::new(call.into_raw()))
    }

    /// `GET /v1/payment_intents/{id}`.
    #[wasm_bindgen(js_name = retrievePaymentIntent)]
    pub fn retrieve_payment_intent(&self, id: &str) -> Result<CallCore, JsValue> {
        let call = self.inner.retrieve_payment_intent(id).map_err(js_error)?;
        Ok(CallCore::new(call.into_raw()))
    }

    /// One page of `GET /v1/payment_intents`.
    #[wasm_bindgen(js_name = listPaymentIntents)]
    pub fn list_payment_intents(&self, limit: Option<f64>, starting_after: Option<String>) -> Result<CallCore, JsValue> {
        let params = ListParams { limit: limit.map(|n| n.clamp(0.0, f64::from(u32::MAX)) as u32), starting_after };
        let call = self.inner.list_payment_intents(&params).map_err(js_error)?;
        Ok(CallCore::new(call.into_raw()))
    }

    /// `POST /v1/refunds` from the caller's parameters (as JSON text).
    #[wasm_bindgen(js_name = createRefund)]
    pub fn create_refund(&self, params_json: &str, idempotency_key: Option<String>, random: &[u8]) -> Result<CallCore, JsValue> {
        let params = CreateRefundParams::from_json(params_json).map_err(js_error)?;
        let key = random_key(idempotency_key, random)?;
        let call = self.inner.create_refund(&params, key).map_err(js_error)?;
        Ok(CallCore::new(call.into_raw()))
    }
}

/// One call in progress: the request to send, and the decisions after each answer.
#[wasm_bindgen]
pub struct CallCore {
    call: Call<RawJson>,
}

impl CallCore {
    fn new(call: Call<RawJson>) -> Self {
        CallCore { call }
    }

    fn step(&mut self, step: Step<RawJson>) -> Result<Option<f64>, JsValue> {
        match step {
            Step::Done(Ok(_)) => Ok(None),
            Step::Done(Err(error)) => Err(js_error(error)),
            Step::Retry { delay_ms } => Ok(Some(delay_ms as f64)),
        }
    }
}

#[wasm_bindgen]
impl CallCore {
    /// The absolute URL.
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.call.request().url.clone()
    }

    /// `GET`, `POST` or `DELETE`.
    #[wasm_bindgen(getter)]
    pub fn method(&self) -> String {
        self.call.request().method.as_str().to_owned()
    }

    /// The JSON body, for POSTs.
    #[wasm_bindgen(getter)]
    pub fn body(&self) -> Option<String> {
        self.call.request().body.clone()
    }

    /// The headers as `[name, value]` pairs (what `fetch` accepts).
    pub fn headers(&self) -> js_sys::Array {
        self.call
            .request()
            .headers
            .iter()
            .map(|(name, value)| js_sys::Array::of2(&JsValue::from_str(name), &JsValue::from_str(value)))
            .collect()
    }

    /// Starts an attempt: how long it may take (the time left before the call's deadline);
    /// the final error if no time is left.
    #[wasm_bindgen(js_name = attemptTimeoutMs)]
    pub fn attempt_timeout_ms(&mut self, now_ms: f64) -> Result<f64, JsValue> {
        let attempt = self.call.attempt(to_u64(now_ms)).map_err(js_error)?;
        Ok(attempt.timeout_ms as f64)
    }

    /// An answer arrived: `undefined` when the call is done (the body is the result), a
    /// delay in ms before the next attempt, or the final error thrown.
    #[wasm_bindgen(js_name = onResponse)]
    pub fn on_response(
        &mut self,
        status: u16,
        retry_after: Option<String>,
        request_id: Option<String>,
        body: &str,
        now_ms: f64,
        random_fraction: f64,
    ) -> Result<Option<f64>, JsValue> {
        let headers = ResponseHeaders { request_id: request_id.as_deref(), retry_after: retry_after.as_deref() };
        let response = HttpResponse::new(status, body.as_bytes()).with_headers(headers);
        let step = self.call.on_response(Ok(response), to_u64(now_ms), random_fraction);
        self.step(step)
    }

    /// No answer: `kind` is `"timeout"` (aborted at the attempt's deadline) or `"network"`.
    #[wasm_bindgen(js_name = onTransportError)]
    pub fn on_transport_error(&mut self, kind: &str, detail: &str, now_ms: f64, random_fraction: f64) -> Result<Option<f64>, JsValue> {
        let failure = if kind == "timeout" { TransportError::Timeout } else { TransportError::network(detail) };
        let step = self.call.on_response(Err(failure), to_u64(now_ms), random_fraction);
        self.step(step)
    }
}
