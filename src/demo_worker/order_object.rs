//! One Durable Object per order, with SQLite storage.
//!
//! Why one per order: every event for an order must be deduped and applied in order with
//! the others for that order, and with nothing else; a Durable Object serialises exactly
//! that, so unrelated orders never wait on one another as traffic grows. Each object holds
//! its order (with history), the ids of the events it has processed, and its checkout.
//! Dedupe and apply happen in one synchronous block of SQL with no `await` in between,
//! which the runtime commits atomically: an event is applied exactly once or not at all.

use serde::{Deserialize, Serialize};
use worker::{durable_object, DurableObject, Env, Request, Response, Result, SqlStorage, State};

use super::config::Config;
use crate::client::{ClientOptions, CreatePaymentIntentParams, IdempotencyKey, KunogClient};
use crate::event::Event;
use crate::order::{Applied, FulfillOn, Order};

/// What the Worker asks of an order's object at `POST /create-checkout`.
#[derive(Debug, Serialize, Deserialize)]
pub struct CheckoutRequest {
    pub order_id: String,
    pub amount: u64,
    pub currency: String,
    pub description: Option<String>,
    pub success_url: String,
    pub cancel_url: String,
}

/// Where to send the customer.
#[derive(Debug, Serialize, Deserialize)]
pub struct CheckoutCreated {
    pub checkout_url: String,
    pub payment_intent: String,
}

/// An event this order's object has processed, and what it did.
#[derive(Debug, Serialize, Deserialize)]
pub struct ProcessedEvent {
    pub event_id: String,
    pub event_type: String,
    pub outcome: String,
    pub received_at: i64,
}

#[derive(Debug, Serialize)]
struct OrderView<'a> {
    #[serde(flatten)]
    order: &'a Order,
    checkout_url: Option<String>,
    events: Vec<ProcessedEvent>,
}

#[derive(Deserialize)]
struct JsonRow {
    json: String,
}

#[derive(Deserialize)]
struct CheckoutRow {
    payment_intent: String,
    checkout_url: String,
}

#[derive(Deserialize)]
struct OwnerRow {
    order_id: String,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS order_state (one INTEGER PRIMARY KEY CHECK (one = 1), json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS processed_events (
  event_id TEXT PRIMARY KEY, event_type TEXT NOT NULL, outcome TEXT NOT NULL, received_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS checkout (one INTEGER PRIMARY KEY CHECK (one = 1), payment_intent TEXT NOT NULL, checkout_url TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS intent_owner (one INTEGER PRIMARY KEY CHECK (one = 1), order_id TEXT NOT NULL);
";

#[durable_object]
pub struct OrderObject {
    state: State,
    env: Env,
}

impl DurableObject for OrderObject {
    fn new(state: State, env: Env) -> Self {
        let object = OrderObject { state, env };
        if let Err(error) = object.sql().exec(SCHEMA, None) {
            worker::console_error!("order schema: {error}");
        }
        object
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/checkout" => self.checkout(req.json().await?).await,
            "/event" => self.apply_event(&req.text().await?),
            "/state" => self.state_view(),
            "/intent-owner" => match self.sql().exec("SELECT order_id FROM intent_owner", None)?.to_array::<OwnerRow>()?.pop() {
                Some(row) => Response::ok(row.order_id),
                None => Response::error("unknown intent", 404),
            },
            "/intent-owner/set" => {
                let order_id = req.text().await?;
                self.sql().exec("INSERT OR REPLACE INTO intent_owner (one, order_id) VALUES (1, ?)", vec![order_id.into()])?;
                Response::ok("ok")
            }
            _ => Response::error("Not found", 404),
        }
    }
}

impl OrderObject {
    fn sql(&self) -> SqlStorage {
        self.state.storage().sql()
    }

    fn load_order(&self) -> Result<Option<Order>> {
        match self.sql().exec("SELECT json FROM order_state", None)?.to_array::<JsonRow>()?.pop() {
            Some(row) => Ok(Some(serde_json::from_str(&row.json)?)),
            None => Ok(None),
        }
    }

    fn save_order(&self, order: &Order) -> Result<()> {
        let json = serde_json::to_string(order)?;
        self.sql().exec("INSERT OR REPLACE INTO order_state (one, json) VALUES (1, ?)", vec![json.into()])?;
        Ok(())
    }

    fn saved_checkout(&self) -> Result<Option<CheckoutRow>> {
        Ok(self.sql().exec("SELECT payment_intent, checkout_url FROM checkout", None)?.to_array::<CheckoutRow>()?.pop())
    }

    /// Records the order (once) and creates its payment intent (once: the idempotency key
    /// is derived from the order id, so a double-click or a retry replays the first answer).
    async fn checkout(&self, request: CheckoutRequest) -> Result<Response> {
        if let Some(order) = self.load_order()? {
            if order.amount != request.amount || !order.currency.eq_ignore_ascii_case(&request.currency) {
                return conflict("this order_id is already used for another amount or currency");
            }
            if let Some(saved) = self.saved_checkout()? {
                return Response::from_json(&CheckoutCreated { checkout_url: saved.checkout_url, payment_intent: saved.payment_intent });
            }
        }
        let config = match Config::from_env(&self.env) {
            Ok(config) => config,
            Err(problem) => return Response::error(problem, 500),
        };
        let mut options = ClientOptions::new(&config.api_key);
        options.base_url = Some(config.api_base.clone());
        let client = match KunogClient::with_options(options) {
            Ok(client) => client,
            Err(error) => return api_error(&error),
        };
        let currency = request.currency.to_ascii_uppercase();
        let mut params = CreatePaymentIntentParams::new(i64::try_from(request.amount).unwrap_or(i64::MAX), &currency)
            .with_metadata("order_id", &request.order_id)
            .with_success_url(&request.success_url)
            .with_cancel_url(&request.cancel_url);
        if let Some(description) = &request.description {
            params = params.with_description(description);
        }
        // Validated before anything is recorded: a refused order leaves no trace.
        let call = match IdempotencyKey::new(&format!("order-{}", request.order_id))
            .and_then(|key| client.create_payment_intent(&params, key))
        {
            Ok(call) => call,
            Err(error) => return api_error(&error),
        };
        let order = match self.load_order()? {
            Some(order) => order,
            None => {
                let order = Order::new(&request.order_id, request.amount, currency);
                self.save_order(&order)?;
                order
            }
        };
        let intent = match crate::worker_fetch::send(call).await {
            Ok(intent) => intent,
            Err(error) => return api_error(&error),
        };
        let checkout_url = intent.checkout_url.clone().unwrap_or_default();
        self.sql().exec(
            "INSERT OR REPLACE INTO checkout (one, payment_intent, checkout_url) VALUES (1, ?, ?)",
            vec![intent.id.clone().into(), checkout_url.clone().into()],
        )?;
        let mut order = self.load_order()?.unwrap_or(order);
        order.payment_intent.get_or_insert_with(|| intent.id.clone());
        self.save_order(&order)?;
        // So that a refund (which names only its intent) finds this order.
        let index = self.env.durable_object(super::ORDERS_BINDING)?.id_from_name(&format!("intent:{}", intent.id))?.get_stub()?;
        index.fetch_with_request(super::internal_request("/intent-owner/set", &order.id)?).await?;
        Response::from_json(&CheckoutCreated { checkout_url, payment_intent: intent.id })
    }

    /// Dedupes on the signed event id and applies the event, in one atomic block.
    fn apply_event(&self, body: &str) -> Result<Response> {
        let event: Event = match serde_json::from_str(body) {
            Ok(event) => event,
            Err(error) => return Response::error(format!("not an event: {error}"), 400),
        };
        let policy = Config::from_env(&self.env).map(|c| c.fulfill_on).unwrap_or(FulfillOn::Confirmed);
        let now_ms = worker::Date::now().as_millis();
        // No await from here to the end: the runtime commits these statements together.
        let sql = self.sql();
        let seen = sql.exec("SELECT event_id FROM processed_events WHERE event_id = ?", vec![event.id.clone().into()])?;
        if !seen.to_array::<serde_json::Value>()?.is_empty() {
            return Response::ok("duplicate");
        }
        let outcome = match self.load_order()? {
            None => "recorded: not an order of this Worker".to_owned(),
            Some(mut order) => match order.apply(&event, policy, now_ms) {
                Applied::Changed(transition) => {
                    self.save_order(&order)?;
                    format!("{} -> {}", transition.from.as_str(), transition.to.as_str())
                }
                Applied::Unchanged(reason) => format!("unchanged: {reason}"),
            },
        };
        sql.exec(
            "INSERT INTO processed_events (event_id, event_type, outcome, received_at) VALUES (?, ?, ?, ?)",
            vec![event.id.clone().into(), event.event_type.as_str().into(), outcome.into(), (now_ms as i64).into()],
        )?;
        Response::ok("ok")
    }

    fn state_view(&self) -> Result<Response> {
        let events = self
            .sql()
            .exec("SELECT event_id, event_type, outcome, received_at FROM processed_events ORDER BY received_at, event_id", None)?
            .to_array::<ProcessedEvent>()?;
        let Some(order) = self.load_order()? else {
            // Events for orders this Worker never made are still recorded and shown.
            let body = serde_json::json!({ "error": { "code": "order_not_found", "message": "no such order" }, "events": events });
            return Ok(Response::from_json(&body)?.with_status(404));
        };
        let checkout_url = self.saved_checkout()?.map(|c| c.checkout_url);
        Response::from_json(&OrderView { order: &order, checkout_url, events })
    }
}

fn conflict(message: &str) -> Result<Response> {
    Ok(Response::from_json(&serde_json::json!({ "error": { "code": "order_conflict", "message": message } }))?.with_status(409))
}

/// A Kunog API failure, passed on with its status and code (never the API key): parameters
/// refused before sending are the caller's 400; no answer from Kunog is a 502.
fn api_error(error: &crate::client::KunogError) -> Result<Response> {
    let status = match (error.status, error.is_connection_error()) {
        (Some(status), _) if (400..600).contains(&status) => status,
        (None, false) => 400,
        _ => 502,
    };
    let body = serde_json::json!({ "error": { "type": error.error_type.as_str(), "code": error.code(), "message": error.to_string() } });
    Ok(Response::from_json(&body)?.with_status(status))
}
