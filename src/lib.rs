#![doc = include_str!("../README.md")]
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod client;
pub mod error;
pub mod event;
pub mod order;
pub mod signature;
pub mod webhook;

#[cfg(feature = "js")]
#[allow(unsafe_code)] // wasm-bindgen's generated glue
mod js;

#[cfg(feature = "js-client")]
#[allow(unsafe_code)] // wasm-bindgen's generated glue
mod js_client;

#[cfg(all(feature = "js", feature = "worker"))]
compile_error!("features `js` and `worker` build different artifacts (the npm module, the Worker): enable one");

#[cfg(feature = "worker")]
#[allow(unsafe_code, missing_docs)] // worker's macros generate both
mod demo_worker;
#[cfg(feature = "worker")]
pub mod worker_fetch;

pub use client::{Call, ClientOptions, HttpRequest, HttpResponse, IdempotencyKey, KunogClient, KunogError, Step};
pub use error::WebhookError;
pub use event::{Event, EventData, EventObject, EventType, Metadata, PaymentIntent, PaymentIntentStatus, Refund};
pub use webhook::{
    SignatureMatch, SignedHeaders, VerifiedEvent, VerifiedPayload, Webhook, WebhookHeaders, EVENT_ID_HEADER,
    SIGNATURE_HEADER, TIMESTAMP_HEADER,
};

/// The SDK's version, as in `Cargo.toml` (and the npm package).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
