//! Applying Kunog events to a merchant's order: once each, in any order.
//!
//! Scope: the order state machine of the seed's FAQ, as pure logic. Kunog delivers events
//! at least once and unordered, so [`Order::apply`] only ever moves an order forward: a late
//! `pending` never downgrades `paid`, `expired` never overrides `paid`, a refund that
//! arrives before its `confirmed` still counts. Dedupe by event id is the caller's storage
//! job (in one transaction with saving the order); `apply` also refuses an event id it has
//! already recorded, as a second line of defence.
//!
//! ```text
//! awaiting_payment --pending (FulfillOn::Pending only)--> soft_paid
//! awaiting_payment | soft_paid | expired --confirmed--> paid
//! awaiting_payment | soft_paid --expired--> expired
//! any --refund.created--> partially_refunded | refunded (by the total refunded)
//! ```

use serde::{Deserialize, Serialize};

use crate::event::{Event, EventObject, EventType};

/// Where an order is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Checkout started; nothing received yet.
    AwaitingPayment,
    /// The transfer was seen but is not final; fulfilled only under [`FulfillOn::Pending`].
    SoftPaid,
    /// The transfer is final.
    Paid,
    /// Part of the amount was refunded.
    PartiallyRefunded,
    /// All of the amount was refunded.
    Refunded,
    /// The checkout window passed, or the transfer never became final.
    Expired,
}

impl OrderStatus {
    /// The status as stored and shown, e.g. `"soft_paid"`.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::AwaitingPayment => "awaiting_payment",
            OrderStatus::SoftPaid => "soft_paid",
            OrderStatus::Paid => "paid",
            OrderStatus::PartiallyRefunded => "partially_refunded",
            OrderStatus::Refunded => "refunded",
            OrderStatus::Expired => "expired",
        }
    }

    /// Parses [`OrderStatus::as_str`]'s output.
    pub fn parse(value: &str) -> Option<Self> {
        [
            OrderStatus::AwaitingPayment,
            OrderStatus::SoftPaid,
            OrderStatus::Paid,
            OrderStatus::PartiallyRefunded,
            OrderStatus::Refunded,
            OrderStatus::Expired,
        ]
        .into_iter()
        .find(|status| status.as_str() == value)
    }
}

/// When to fulfil (the seed's FAQ): digital goods may ship on `pending` ("soft-paid");
/// high-risk goods wait for `confirmed` (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FulfillOn {
    /// Treat `payment_intent.pending` as soft-paid.
    Pending,
    /// Wait for `payment_intent.confirmed`.
    #[default]
    Confirmed,
}

impl FulfillOn {
    /// From the `FULFILL_ON` setting: `"pending"` or `"confirmed"` (the default when unset).
    pub fn parse(value: Option<&str>) -> Result<Self, String> {
        match value.map(str::trim) {
            None | Some("") | Some("confirmed") => Ok(FulfillOn::Confirmed),
            Some("pending") => Ok(FulfillOn::Pending),
            Some(other) => Err(format!("FULFILL_ON must be \"pending\" or \"confirmed\", not \"{other}\"")),
        }
    }
}

/// One recorded change of an order, with the event that caused it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// Status before.
    pub from: OrderStatus,
    /// Status after (equal to `from` for a second partial refund).
    pub to: OrderStatus,
    /// The signed id of the event that caused it.
    pub event_id: String,
    /// Its type, e.g. `payment_intent.confirmed`.
    pub event_type: String,
    /// When it was applied, ms since the Unix epoch.
    pub at_ms: u64,
}

/// What [`Order::apply`] did with an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The order changed; the transition was recorded in its history.
    Changed(Transition),
    /// The event was acknowledged and changed nothing, for this reason.
    Unchanged(&'static str),
}

/// A merchant's order, as far as payment goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The merchant's order id (sent to Kunog as `metadata.order_id`).
    pub id: String,
    /// Amount due, minor units.
    pub amount: u64,
    /// ISO 4217 code.
    pub currency: String,
    /// Where it is.
    pub status: OrderStatus,
    /// The payment intent that paid it (or the latest one created for it).
    pub payment_intent: Option<String>,
    /// Total refunded, minor units.
    pub amount_refunded: u64,
    /// Every change, oldest first.
    pub history: Vec<Transition>,
}

impl Order {
    /// A new order awaiting payment.
    pub fn new(id: impl Into<String>, amount: u64, currency: impl Into<String>) -> Self {
        Order {
            id: id.into(),
            amount,
            currency: currency.into(),
            status: OrderStatus::AwaitingPayment,
            payment_intent: None,
            amount_refunded: 0,
            history: Vec::new(),
        }
    }

    /// Applies a verified event; see the module docs for the rules.
    pub fn apply(&mut self, event: &Event, policy: FulfillOn, now_ms: u64) -> Applied {
        if self.history.iter().any(|t| t.event_id == event.id) {
            return Applied::Unchanged("duplicate event");
        }
        use OrderStatus::*;
        let to = match (&event.event_type, &event.data.object) {
            (EventType::PaymentIntentPending, EventObject::PaymentIntent(intent)) => {
                if !self.is_for_this_order(intent) {
                    return Applied::Unchanged("amount or currency differs from the order");
                }
                match (policy, self.status) {
                    (FulfillOn::Pending, AwaitingPayment) => SoftPaid,
                    (FulfillOn::Confirmed, AwaitingPayment) => return Applied::Unchanged("policy waits for confirmed"),
                    _ => return Applied::Unchanged("pending never moves an order back"),
                }
            }
            (EventType::PaymentIntentConfirmed, EventObject::PaymentIntent(intent)) => {
                if !self.is_for_this_order(intent) {
                    return Applied::Unchanged("amount or currency differs from the order");
                }
                match self.status {
                    AwaitingPayment | SoftPaid | Expired => {
                        self.payment_intent = Some(intent.id.clone());
                        Paid
                    }
                    _ => return Applied::Unchanged("already paid"),
                }
            }
            (EventType::PaymentIntentExpired, EventObject::PaymentIntent(_)) => match self.status {
                AwaitingPayment | SoftPaid => Expired,
                _ => return Applied::Unchanged("expired never overrides a payment"),
            },
            (EventType::RefundCreated, EventObject::Refund(refund)) => {
                // A refund exists only for a confirmed payment, even if `confirmed` is late.
                self.payment_intent.get_or_insert_with(|| refund.payment_intent.clone());
                self.amount_refunded = self.amount_refunded.saturating_add(refund.amount);
                if self.amount_refunded >= self.amount {
                    Refunded
                } else {
                    PartiallyRefunded
                }
            }
            _ => return Applied::Unchanged("event type does not affect orders"),
        };
        let transition = Transition {
            from: self.status,
            to,
            event_id: event.id.clone(),
            event_type: event.event_type.as_str().to_owned(),
            at_ms: now_ms,
        };
        self.status = to;
        self.history.push(transition.clone());
        Applied::Changed(transition)
    }

    fn is_for_this_order(&self, intent: &crate::event::PaymentIntent) -> bool {
        intent.amount == self.amount && intent.currency.eq_ignore_ascii_case(&self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{EventData, PaymentIntent, PaymentIntentStatus, Refund};

    fn intent_event(id: &str, event_type: EventType, amount: u64) -> Event {
        let status = match event_type {
            EventType::PaymentIntentPending => PaymentIntentStatus::Pending,
            EventType::PaymentIntentConfirmed => PaymentIntentStatus::Confirmed,
            EventType::PaymentIntentExpired => PaymentIntentStatus::Expired,
            _ => PaymentIntentStatus::Created,
        };
        let intent: PaymentIntent = serde_json::from_value(serde_json::json!({
            "id": "pi_1", "status": status.as_str(), "amount": amount, "currency": "USD",
            "metadata": { "order_id": "KNG-1" }
        }))
        .unwrap();
        Event { id: id.into(), event_type, created: 1, livemode: false, data: EventData { object: EventObject::PaymentIntent(intent) } }
    }

    fn refund_event(id: &str, amount: u64) -> Event {
        let refund: Refund = serde_json::from_value(serde_json::json!({
            "id": format!("re_{id}"), "payment_intent": "pi_1", "amount": amount, "currency": "USD"
        }))
        .unwrap();
        Event { id: id.into(), event_type: EventType::RefundCreated, created: 1, livemode: false, data: EventData { object: EventObject::Refund(refund) } }
    }

    fn statuses(order: &Order) -> Vec<OrderStatus> {
        order.history.iter().map(|t| t.to).collect()
    }

    use EventType::*;
    use OrderStatus::*;

    #[test]
    fn the_happy_path_waits_for_confirmed_by_default() {
        let mut order = Order::new("KNG-1", 4900, "USD");
        assert_eq!(order.apply(&intent_event("evt_p", PaymentIntentPending, 4900), FulfillOn::Confirmed, 1), Applied::Unchanged("policy waits for confirmed"));
        assert!(matches!(order.apply(&intent_event("evt_c", PaymentIntentConfirmed, 4900), FulfillOn::Confirmed, 2), Applied::Changed(_)));
        assert_eq!(order.status, Paid);
        assert_eq!(order.payment_intent.as_deref(), Some("pi_1"));
        assert_eq!(order.history[0].event_id, "evt_c");
        assert_eq!(order.history[0].from, AwaitingPayment);
    }

    #[test]
    fn digital_goods_are_soft_paid_on_pending() {
        let mut order = Order::new("KNG-1", 4900, "USD");
        order.apply(&intent_event("evt_p", PaymentIntentPending, 4900), FulfillOn::Pending, 1);
        assert_eq!(order.status, SoftPaid);
        order.apply(&intent_event("evt_c", PaymentIntentConfirmed, 4900), FulfillOn::Pending, 2);
        assert_eq!(statuses(&order), [SoftPaid, Paid]);
    }

    #[test]
    fn every_order_of_arrival_ends_the_same_and_records_each_transition_once() {
        let events = [
            intent_event("evt_p", PaymentIntentPending, 4900),
            intent_event("evt_c", PaymentIntentConfirmed, 4900),
            refund_event("evt_r1", 900),
            refund_event("evt_r2", 4000),
        ];
        // All 24 orders of arrival, each event delivered twice.
        let mut permutation = [0usize, 1, 2, 3];
        let mut seen = 0;
        loop {
            for policy in [FulfillOn::Pending, FulfillOn::Confirmed] {
                let mut order = Order::new("KNG-1", 4900, "USD");
                for &i in permutation.iter().chain(permutation.iter()) {
                    order.apply(&events[i], policy, 0);
                }
                assert_eq!(order.status, Refunded, "{permutation:?}");
                assert_eq!(order.amount_refunded, 4900);
                let mut ids: Vec<_> = order.history.iter().map(|t| t.event_id.as_str()).collect();
                let recorded = ids.len();
                ids.sort_unstable();
                ids.dedup();
                assert_eq!(ids.len(), recorded, "a transition recorded twice: {permutation:?}");
                assert!(!order.history.iter().any(|t| t.to == OrderStatus::Paid && t.from == OrderStatus::Refunded));
            }
            seen += 1;
            if !next_permutation(&mut permutation) {
                break;
            }
        }
        assert_eq!(seen, 24);
    }

    #[test]
    fn late_events_never_move_an_order_back() {
        let mut order = Order::new("KNG-1", 4900, "USD");
        order.apply(&intent_event("evt_c", PaymentIntentConfirmed, 4900), FulfillOn::Pending, 1);
        assert_eq!(order.apply(&intent_event("evt_p", PaymentIntentPending, 4900), FulfillOn::Pending, 2), Applied::Unchanged("pending never moves an order back"));
        assert_eq!(order.apply(&intent_event("evt_x", PaymentIntentExpired, 4900), FulfillOn::Pending, 3), Applied::Unchanged("expired never overrides a payment"));
        assert_eq!(order.status, Paid);
        assert_eq!(order.history.len(), 1);
    }

    #[test]
    fn expiry_applies_before_payment_and_a_later_payment_still_wins() {
        let mut order = Order::new("KNG-1", 4900, "USD");
        order.apply(&intent_event("evt_p", PaymentIntentPending, 4900), FulfillOn::Pending, 1);
        order.apply(&intent_event("evt_x", PaymentIntentExpired, 4900), FulfillOn::Pending, 2);
        assert_eq!(order.status, Expired);
        order.apply(&intent_event("evt_c2", PaymentIntentConfirmed, 4900), FulfillOn::Pending, 3);
        assert_eq!(statuses(&order), [SoftPaid, Expired, Paid]);
    }

    #[test]
    fn duplicates_and_foreign_amounts_change_nothing() {
        let mut order = Order::new("KNG-1", 4900, "USD");
        let confirmed = intent_event("evt_c", PaymentIntentConfirmed, 4900);
        order.apply(&confirmed, FulfillOn::Confirmed, 1);
        assert_eq!(order.apply(&confirmed, FulfillOn::Confirmed, 2), Applied::Unchanged("duplicate event"));
        let mut other = Order::new("KNG-2", 100, "USD");
        assert_eq!(other.apply(&confirmed, FulfillOn::Confirmed, 1), Applied::Unchanged("amount or currency differs from the order"));
        assert_eq!(other.status, AwaitingPayment);
        let created = intent_event("evt_0", PaymentIntentCreated, 4900);
        assert_eq!(other.apply(&created, FulfillOn::Confirmed, 1), Applied::Unchanged("event type does not affect orders"));
    }

    #[test]
    fn partial_refunds_accumulate() {
        let mut order = Order::new("KNG-1", 4900, "USD");
        order.apply(&intent_event("evt_c", PaymentIntentConfirmed, 4900), FulfillOn::Confirmed, 1);
        order.apply(&refund_event("evt_r1", 1000), FulfillOn::Confirmed, 2);
        order.apply(&refund_event("evt_r2", 1000), FulfillOn::Confirmed, 3);
        assert_eq!((order.status, order.amount_refunded), (PartiallyRefunded, 2000));
        order.apply(&refund_event("evt_r3", 2900), FulfillOn::Confirmed, 4);
        assert_eq!(statuses(&order), [Paid, PartiallyRefunded, PartiallyRefunded, Refunded]);
    }

    #[test]
    fn status_and_policy_strings() {
        for status in [AwaitingPayment, SoftPaid, Paid, PartiallyRefunded, Refunded, Expired] {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        assert_eq!(FulfillOn::parse(None), Ok(FulfillOn::Confirmed));
        assert_eq!(FulfillOn::parse(Some("pending")), Ok(FulfillOn::Pending));
        assert!(FulfillOn::parse(Some("soon")).is_err());
    }

    fn next_permutation(items: &mut [usize]) -> bool {
        let Some(i) = (1..items.len()).rev().find(|&i| items[i - 1] < items[i]) else { return false };
        let j = (i..items.len()).rev().find(|&j| items[j] > items[i - 1]).unwrap();
        items.swap(i - 1, j);
        items[i..].reverse();
        true
    }
}
