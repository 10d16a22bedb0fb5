//! `storage.transactionSync`: the SQL statements run inside commit together or not at all.
//! workers-rs 0.8.7 does not bind it, so it is bound here.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::api_error::{ApiError, ErrorCode};

#[wasm_bindgen]
extern "C" {
    /// The Durable Object's `ctx.storage`, seen only for the method bound here.
    type TransactionalStorage;

    #[wasm_bindgen(method, catch, js_name = transactionSync)]
    fn transaction_sync(
        this: &TransactionalStorage,
        callback: &js_sys::Function,
    ) -> Result<JsValue, JsValue>;
}

type Callback<'a> = dyn FnMut() -> Result<JsValue, JsValue> + 'a;

/// Runs `body` in one SQLite transaction: committed if it returns `Ok`, rolled back if it
/// returns `Err` (so a request that fails half-way leaves no half-made state behind).
pub fn atomically<T>(
    storage: &worker::Storage,
    body: impl FnOnce() -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut body = Some(body);
    let mut outcome: Option<Result<T, ApiError>> = None;
    let mut run = || -> Result<JsValue, JsValue> {
        let Some(body) = body.take() else {
            return Err(JsValue::from_str("called twice"));
        };
        let result = body();
        let rollback = result.is_err();
        outcome = Some(result);
        // Throwing from the callback is how transactionSync is told to roll back.
        if rollback {
            Err(JsValue::from_str("rolled back"))
        } else {
            Ok(JsValue::UNDEFINED)
        }
    };
    let run_ref: &mut Callback<'_> = &mut run;
    // SAFETY: transactionSync calls the callback synchronously, before it returns; the
    // Closure holding this reference is dropped right after, while `run` is still alive.
    let run_static: &'static mut Callback<'static> = unsafe {
        std::mem::transmute::<&mut Callback<'_>, &'static mut Callback<'static>>(run_ref)
    };
    let closure = Closure::wrap(Box::new(run_static) as Box<Callback<'static>>);
    let raw: &TransactionalStorage = storage.as_raw().unchecked_ref();
    let called = raw.transaction_sync(closure.as_ref().unchecked_ref());
    drop(closure);
    match (called, outcome) {
        (_, Some(Err(error))) => Err(error),
        (Ok(_), Some(Ok(value))) => Ok(value),
        (result, _) => {
            worker::console_error!("sandbox transaction failed: {:?}", result.err());
            Err(ApiError::new(
                ErrorCode::InternalError,
                "the sandbox hit an internal error",
            ))
        }
    }
}
