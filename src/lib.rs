#![doc = include_str!("../README.md")]
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod error;
pub mod event;
pub mod signature;
pub mod webhook;

#[cfg(feature = "js")]
#[allow(unsafe_code)] // wasm-bindgen's generated glue
mod js;

pub use error::WebhookError;
pub use event::{Event, EventData, EventObject, EventType, Metadata, PaymentIntent, PaymentIntentStatus, Refund};
pub use webhook::{
    SignatureMatch, SignedHeaders, VerifiedEvent, VerifiedPayload, Webhook, WebhookHeaders, EVENT_ID_HEADER,
    SIGNATURE_HEADER, TIMESTAMP_HEADER,
};

/// The SDK's version, as in `Cargo.toml` (and the npm package).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
