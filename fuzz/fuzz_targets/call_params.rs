//! Any JSON text as call parameters (what the npm package hands over): never a panic; what
//! is accepted validates without panicking, and writes back to JSON that reads the same.
#![no_main]

use kunog::client::{CreatePaymentIntentParams, CreateRefundParams, CreateWebhookEndpointParams};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|json: &str| {
    if let Ok(params) = CreatePaymentIntentParams::from_json(json) {
        let _ = params.validate();
        let written = serde_json::to_string(&params).unwrap();
        assert_eq!(CreatePaymentIntentParams::from_json(&written).unwrap(), params);
    }
    if let Ok(params) = CreateRefundParams::from_json(json) {
        let _ = params.validate();
        let written = serde_json::to_string(&params).unwrap();
        assert_eq!(CreateRefundParams::from_json(&written).unwrap(), params);
    }
    if let Ok(params) = CreateWebhookEndpointParams::from_json(json) {
        let _ = params.validate();
        let written = serde_json::to_string(&params).unwrap();
        assert_eq!(CreateWebhookEndpointParams::from_json(&written).unwrap(), params);
    }
});
