//! The wasm-bindgen face (feature `js`): translation only.
//!
//! JavaScript values in, core calls, JavaScript values out. The JS glue in `js/` owns the
//! public classes (`Webhook`, `WebhookVerificationError`), reads the clock with
//! `Date.now()`, normalises headers and bodies, and turns the verified JSON text into an
//! object with the engine's own `JSON.parse`. Errors leave here as `Error`s carrying the
//! core's stable `code`, which the glue rethrows as `WebhookVerificationError`.

use wasm_bindgen::prelude::*;

use crate::{Webhook, WebhookError, WebhookHeaders, SIGNATURE_HEADER, TIMESTAMP_HEADER};

fn js_error(err: WebhookError) -> JsValue {
    let error = js_sys::Error::new(&err.to_string());
    // Setting a property on a fresh Error cannot fail.
    let _ = js_sys::Reflect::set(&error, &JsValue::from_str("code"), &JsValue::from_str(err.code()));
    error.into()
}

/// JS numbers are f64; times and sizes are whole and non-negative (checked by the glue).
fn to_u64(value: f64) -> u64 {
    value as u64
}

/// The core verifier, keyed once per secret at construction.
#[wasm_bindgen]
pub struct WebhookCore {
    inner: Webhook,
}

#[wasm_bindgen]
impl WebhookCore {
    /// Keys every secret; `invalid_secret` if one is unusable.
    #[wasm_bindgen(constructor)]
    pub fn new(secrets: Vec<String>, tolerance_ms: f64, max_body_bytes: f64) -> Result<WebhookCore, JsValue> {
        let inner = Webhook::with_secrets(&secrets)
            .map_err(js_error)?
            .with_tolerance_ms(to_u64(tolerance_ms))
            .with_max_body_bytes(to_u64(max_body_bytes).try_into().unwrap_or(usize::MAX));
        Ok(WebhookCore { inner })
    }

    /// `body_too_large` if `len` bytes is over the cap; lets the glue refuse before copying.
    #[wasm_bindgen(js_name = checkBodyLength)]
    pub fn check_body_length(&self, len: f64) -> Result<(), JsValue> {
        self.inner.check_body_len(to_u64(len).try_into().unwrap_or(usize::MAX)).map_err(js_error)
    }

    /// Verifies a delivery whose body is a string; returns the index of the matching secret.
    #[wasm_bindgen(js_name = verifyText)]
    pub fn verify_text(
        &self,
        body: &str,
        signature: Option<String>,
        timestamp: Option<String>,
        event_id: Option<String>,
        now_ms: f64,
    ) -> Result<usize, JsValue> {
        self.verify_bytes(body.as_bytes(), signature, timestamp, event_id, now_ms)
    }

    /// Verifies a delivery whose body is bytes; returns the index of the matching secret.
    #[wasm_bindgen(js_name = verifyBytes)]
    pub fn verify_bytes(
        &self,
        body: &[u8],
        signature: Option<String>,
        timestamp: Option<String>,
        event_id: Option<String>,
        now_ms: f64,
    ) -> Result<usize, JsValue> {
        let headers = WebhookHeaders {
            signature: signature.as_deref(),
            timestamp: timestamp.as_deref(),
            event_id: event_id.as_deref(),
        };
        let verified = self.inner.verify_payload(body, headers, to_u64(now_ms)).map_err(js_error)?;
        Ok(verified.signature.secret_index)
    }

    /// Signature and timestamp only (the seed's `verifyKunogWebhook`); returns the index of
    /// the matching secret.
    #[wasm_bindgen(js_name = verifySignature)]
    pub fn verify_signature(
        &self,
        body: &[u8],
        signature: Option<String>,
        timestamp: Option<String>,
        now_ms: f64,
    ) -> Result<usize, JsValue> {
        let signature = signature.ok_or(WebhookError::MissingHeader { header: SIGNATURE_HEADER }).map_err(js_error)?;
        let timestamp = timestamp.ok_or(WebhookError::MissingHeader { header: TIMESTAMP_HEADER }).map_err(js_error)?;
        let matched = self.inner.verify_signature(body, &signature, &timestamp, to_u64(now_ms)).map_err(js_error)?;
        Ok(matched.secret_index)
    }

    /// `[signature, timestamp, eventId]` for `body` sent at `timestamp_ms`.
    pub fn sign(&self, body: &[u8], timestamp_ms: f64) -> Result<Vec<String>, JsValue> {
        let signed = self.inner.sign(body, to_u64(timestamp_ms)).map_err(js_error)?;
        Ok(vec![signed.signature, signed.timestamp, signed.event_id])
    }
}

/// The core's `raw_body_required` error, for the glue to throw when given parsed data.
#[wasm_bindgen(js_name = rawBodyRequiredError)]
pub fn raw_body_required_error() -> JsValue {
    js_error(WebhookError::RawBodyRequired)
}

/// The SDK version, for `User-Agent` and diagnostics.
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_owned()
}
