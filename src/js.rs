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
///
/// Deliveries reach it through a scratch buffer in wasm memory: the glue writes the body
/// and the header values straight into it (`TextEncoder.encodeInto`, or `Uint8Array.set`)
/// and then passes only lengths. That is one copy and one call per delivery, where
/// wasm-bindgen's argument passing would allocate and copy each string separately.
#[wasm_bindgen]
pub struct WebhookCore {
    inner: Webhook,
    scratch: Vec<u8>,
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
        Ok(WebhookCore { inner, scratch: Vec::new() })
    }

    /// `body_too_large` if `len` bytes is over the cap; lets the glue refuse before copying.
    #[wasm_bindgen(js_name = checkBodyLength)]
    pub fn check_body_length(&self, len: f64) -> Result<(), JsValue> {
        self.inner.check_body_len(to_u64(len).try_into().unwrap_or(usize::MAX)).map_err(js_error)
    }

    /// A `Uint8Array` over at least `len` bytes of this verifier's scratch buffer.
    ///
    /// The view aliases wasm memory: it stays valid until that memory grows, which detaches
    /// it (its `byteLength` becomes 0) and tells the glue to ask for a new one. The glue
    /// writes into it and calls a `verify*` method before anything else runs in wasm.
    pub fn scratch(&mut self, len: usize) -> js_sys::Uint8Array {
        if self.scratch.len() < len {
            self.scratch.resize(len, 0);
        }
        // SAFETY: the view covers memory owned by `self.scratch`, which is neither freed nor
        // moved until the next `scratch` call, and the glue reads no stale view (see above).
        unsafe { js_sys::Uint8Array::view(&self.scratch) }
    }

    /// Verifies the delivery in the scratch buffer: the values of `Kunog-Signature`,
    /// `Kunog-Timestamp` and `Kunog-Event-Id` from offset 0, one after the other (a missing
    /// header has no length), and the body at `body_offset`. Returns the index of the
    /// matching secret; the body is known to be UTF-8. The glue parses it and holds the
    /// parsed `id` to the header with `bindEventId`.
    #[wasm_bindgen(js_name = verifyDelivery)]
    pub fn verify_delivery(
        &self,
        body_offset: usize,
        body_len: usize,
        signature_len: Option<usize>,
        timestamp_len: Option<usize>,
        event_id_len: Option<usize>,
        now_ms: f64,
    ) -> Result<usize, JsValue> {
        let (body, [signature, timestamp, event_id]) =
            self.staged(body_offset, body_len, [signature_len, timestamp_len, event_id_len])?;
        let headers = WebhookHeaders { signature, timestamp, event_id };
        let (_, matched) = self.inner.verify_text(body, headers, to_u64(now_ms)).map_err(js_error)?;
        Ok(matched.secret_index)
    }

    /// Signature and timestamp only (the seed's `verifyKunogWebhook`), laid out as for
    /// `verifyDelivery`. Returns the index of the matching secret.
    #[wasm_bindgen(js_name = verifySignature)]
    pub fn verify_signature(
        &self,
        body_offset: usize,
        body_len: usize,
        signature_len: Option<usize>,
        timestamp_len: Option<usize>,
        now_ms: f64,
    ) -> Result<usize, JsValue> {
        let (body, [signature, timestamp, _]) = self.staged(body_offset, body_len, [signature_len, timestamp_len, None])?;
        let signature = signature.ok_or(WebhookError::MissingHeader { header: SIGNATURE_HEADER }).map_err(js_error)?;
        let timestamp = timestamp.ok_or(WebhookError::MissingHeader { header: TIMESTAMP_HEADER }).map_err(js_error)?;
        let matched = self.inner.verify_signature(body, signature, timestamp, to_u64(now_ms)).map_err(js_error)?;
        Ok(matched.secret_index)
    }

    /// The hex signature of `body` sent at `timestamp_ms`, with the first secret. (The glue
    /// reads the event id with the engine's JSON parser, as for verification, so that no
    /// JSON parser ships in this wasm.)
    pub fn signature(&self, body: &[u8], timestamp_ms: f64) -> String {
        self.inner.signature(body, to_u64(timestamp_ms))
    }

    /// The body and the header values staged by the glue.
    fn staged(
        &self,
        body_offset: usize,
        body_len: usize,
        header_lens: [Option<usize>; 3],
    ) -> Result<(&[u8], [Option<&str>; 3]), JsValue> {
        let body = body_offset.checked_add(body_len).and_then(|end| self.scratch.get(body_offset..end));
        let body = body.ok_or_else(scratch_overrun)?;
        let mut offset = 0;
        let mut values = [None; 3];
        for (value, len) in values.iter_mut().zip(header_lens) {
            let Some(len) = len else { continue };
            let bytes = self.scratch.get(offset..offset + len).filter(|_| offset + len <= body_offset);
            // Header values arrive as JS strings, encoded as UTF-8 by the glue.
            *value = Some(bytes.and_then(|b| core::str::from_utf8(b).ok()).ok_or_else(scratch_overrun)?);
            offset += len;
        }
        Ok((body, values))
    }
}

/// The event id rule, applied to the `id` of the object the glue parsed (the one the
/// application will dedupe on): `invalid_payload` or `event_id_mismatch`.
#[wasm_bindgen(js_name = bindEventId)]
pub fn bind_event_id(signed_id: Option<String>, header_id: &str) -> Result<(), JsValue> {
    crate::webhook::bind_event_id(signed_id.as_deref(), header_id).map_err(js_error)
}

/// `invalid_payload` for a verified body the engine's JSON parser refused.
#[wasm_bindgen(js_name = invalidPayloadError)]
pub fn invalid_payload_error(reason: &str) -> JsValue {
    js_error(WebhookError::InvalidPayload { reason: format!("not a JSON event ({reason})") })
}

/// A glue bug (lengths beyond what it wrote), not bad input.
fn scratch_overrun() -> JsValue {
    js_sys::Error::new("kunog: internal error: scratch lengths out of range").into()
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
