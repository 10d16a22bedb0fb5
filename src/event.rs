//! The Kunog object model: events, payment intents, refunds.
//!
//! Scope: the JSON shapes of the Kunog contract, as Rust types. Deserialising is lenient
//! where the contract asks receivers to be (unknown fields are ignored, unknown event
//! types and statuses are kept as [`EventType::Unknown`] / [`PaymentIntentStatus::Unknown`]),
//! so that a receiver keeps working when Kunog adds things.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// String-to-string metadata attached by the merchant (at most 50 keys).
pub type Metadata = BTreeMap<String, String>;

/// Declares a string enum with known values and an `Unknown(String)` catch-all that is
/// kept, not rejected, and round-trips unchanged.
macro_rules! open_string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the SDK does not know, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                Ok($name::from(value.as_ref()))
            }
        }
    };
}

open_string_enum! {
    /// The type of an [`Event`].
    pub enum EventType {
        /// A payment intent was created.
        PaymentIntentCreated => "payment_intent.created",
        /// The customer's on-chain transfer was seen but is not final ("soft-paid").
        PaymentIntentPending => "payment_intent.pending",
        /// The transfer is final ("fully-paid").
        PaymentIntentConfirmed => "payment_intent.confirmed",
        /// The checkout window passed, or the transfer never reached finality.
        PaymentIntentExpired => "payment_intent.expired",
        /// A refund was made on a confirmed intent.
        RefundCreated => "refund.created",
    }
}

open_string_enum! {
    /// Where a [`PaymentIntent`] is in its life cycle:
    /// `created → pending → confirmed`, and `created | pending → expired`.
    pub enum PaymentIntentStatus {
        /// Waiting for the customer at hosted checkout.
        Created => "created",
        /// Transfer seen, not final.
        Pending => "pending",
        /// Transfer final; refunds are possible only here.
        Confirmed => "confirmed",
        /// Checkout window passed, or the transfer never became final.
        Expired => "expired",
    }
}

/// A webhook event: `{ "id": "evt_...", "object": "event", "type": ..., "data": { "object": ... } }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// `evt_...`: stable across delivery attempts; the dedupe key.
    pub id: String,
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When the event was created, ms since the Unix epoch.
    #[serde(default)]
    pub created: u64,
    /// `false` for events made with a `kng_test_` key.
    #[serde(default)]
    pub livemode: bool,
    /// The object the event is about.
    pub data: EventData,
}

/// The `data` member of an [`Event`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventData {
    /// The object as it was when the event happened.
    pub object: EventObject,
}

/// The object an event carries, told apart by its `object` field.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EventObject {
    /// `"object": "payment_intent"`.
    PaymentIntent(PaymentIntent),
    /// `"object": "refund"`.
    Refund(Refund),
    /// Any other object, kept as JSON.
    Unknown(serde_json::Value),
}

impl EventObject {
    /// The payment intent, if the event carries one.
    pub fn as_payment_intent(&self) -> Option<&PaymentIntent> {
        match self {
            EventObject::PaymentIntent(intent) => Some(intent),
            _ => None,
        }
    }

    /// The refund, if the event carries one.
    pub fn as_refund(&self) -> Option<&Refund> {
        match self {
            EventObject::Refund(refund) => Some(refund),
            _ => None,
        }
    }
}

impl Serialize for EventObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            EventObject::PaymentIntent(intent) => intent.serialize(serializer),
            EventObject::Refund(refund) => refund.serialize(serializer),
            EventObject::Unknown(value) => value.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for EventObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(deserializer)?;
        let parsed = match value.get("object").and_then(|o| o.as_str()) {
            Some(PaymentIntent::OBJECT) => PaymentIntent::deserialize(value).map(EventObject::PaymentIntent),
            Some(Refund::OBJECT) => Refund::deserialize(value).map(EventObject::Refund),
            _ => return Ok(EventObject::Unknown(value)),
        };
        parsed.map_err(D::Error::custom)
    }
}

/// A payment intent: one attempt to collect `amount` in `currency`, settled in `settlement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentIntent {
    /// `pi_...`.
    pub id: String,
    /// Always `"payment_intent"`.
    #[serde(default = "PaymentIntent::object_name")]
    pub object: String,
    /// Where it is in its life cycle.
    pub status: PaymentIntentStatus,
    /// Amount in the currency's minor units (`4900` USD is $49.00).
    pub amount: u64,
    /// ISO 4217 code, upper case.
    pub currency: String,
    /// The asset the merchant receives, e.g. `USDC`.
    #[serde(default)]
    pub settlement: String,
    /// Where to send the customer to pay.
    #[serde(default)]
    pub checkout_url: Option<String>,
    /// Where hosted checkout sends the customer after paying.
    #[serde(default)]
    pub success_url: Option<String>,
    /// Where hosted checkout sends the customer who cancels.
    #[serde(default)]
    pub cancel_url: Option<String>,
    /// The merchant's metadata, e.g. `order_id`.
    #[serde(default)]
    pub metadata: Metadata,
    /// Free text from the merchant.
    #[serde(default)]
    pub description: Option<String>,
    /// Total refunded so far, in minor units.
    #[serde(default)]
    pub amount_refunded: u64,
    /// `false` in test mode.
    #[serde(default)]
    pub livemode: bool,
    /// Creation time, ms since the Unix epoch.
    #[serde(default)]
    pub created: u64,
    /// When the checkout window closes, ms since the Unix epoch.
    #[serde(default)]
    pub expires_at: Option<u64>,
}

impl PaymentIntent {
    /// The `object` value of a payment intent.
    pub const OBJECT: &'static str = "payment_intent";

    fn object_name() -> String {
        Self::OBJECT.to_owned()
    }
}

/// A refund of some or all of a confirmed payment intent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// `re_...`.
    pub id: String,
    /// Always `"refund"`.
    #[serde(default = "Refund::object_name")]
    pub object: String,
    /// The refunded intent, `pi_...`.
    pub payment_intent: String,
    /// Amount refunded, in minor units.
    pub amount: u64,
    /// ISO 4217 code of the intent.
    pub currency: String,
    /// `succeeded` in the contract's v1.
    #[serde(default)]
    pub status: String,
    /// Why, as given by the merchant.
    #[serde(default)]
    pub reason: Option<String>,
    /// The merchant's metadata.
    #[serde(default)]
    pub metadata: Metadata,
    /// Creation time, ms since the Unix epoch.
    #[serde(default)]
    pub created: u64,
}

impl Refund {
    /// The `object` value of a refund.
    pub const OBJECT: &'static str = "refund";

    fn object_name() -> String {
        Self::OBJECT.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTENT: &str = r#"{ "id": "pi_abc", "object": "payment_intent", "status": "confirmed",
        "amount": 4900, "currency": "USD", "settlement": "USDC",
        "checkout_url": "https://checkout.kunog.com/pi_abc",
        "success_url": "https://kunog.com/success", "cancel_url": "https://kunog.com/cancel",
        "metadata": { "order_id": "KNG-2048" }, "description": null,
        "amount_refunded": 0, "livemode": false,
        "created": 1764806400000, "expires_at": 1764808200000, "brand_new_field": [1] }"#;

    #[test]
    fn contract_example_parses() {
        let intent: PaymentIntent = serde_json::from_str(INTENT).unwrap();
        assert_eq!(intent.status, PaymentIntentStatus::Confirmed);
        assert_eq!(intent.amount, 4900);
        assert_eq!(intent.metadata["order_id"], "KNG-2048");
        assert_eq!(intent.expires_at, Some(1_764_808_200_000));
    }

    #[test]
    fn unknown_type_and_status_are_kept() {
        let body = r#"{"id":"evt_1","object":"event","type":"payment_intent.disputed","created":1,
            "livemode":false,"data":{"object":{"id":"pi_1","object":"payment_intent",
            "status":"disputed","amount":1,"currency":"USD"}}}"#;
        let event: Event = serde_json::from_str(body).unwrap();
        assert_eq!(event.event_type, EventType::Unknown("payment_intent.disputed".into()));
        let intent = event.data.object.as_payment_intent().unwrap();
        assert_eq!(intent.status, PaymentIntentStatus::Unknown("disputed".into()));
        let again = serde_json::to_string(&event).unwrap();
        assert!(again.contains(r#""type":"payment_intent.disputed""#), "{again}");
    }

    #[test]
    fn objects_are_told_apart() {
        let refund = r#"{"id":"evt_2","type":"refund.created","data":{"object":{"id":"re_1",
            "object":"refund","payment_intent":"pi_1","amount":100,"currency":"USD",
            "status":"succeeded","reason":null,"metadata":{},"created":5}}}"#;
        let event: Event = serde_json::from_str(refund).unwrap();
        assert_eq!(event.event_type, EventType::RefundCreated);
        assert_eq!(event.data.object.as_refund().unwrap().amount, 100);

        let other = r#"{"id":"evt_3","type":"payout.paid","data":{"object":{"object":"payout","x":1}}}"#;
        let event: Event = serde_json::from_str(other).unwrap();
        assert!(matches!(event.data.object, EventObject::Unknown(_)));
    }

    #[test]
    fn a_known_object_with_wrong_fields_is_an_error() {
        let body = r#"{"id":"evt_4","type":"refund.created","data":{"object":{"object":"refund","amount":"ten"}}}"#;
        assert!(serde_json::from_str::<Event>(body).is_err());
    }
}
