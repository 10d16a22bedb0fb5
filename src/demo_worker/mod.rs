//! The merchant Worker (feature `worker`): the seed's quickstart at the edge.
//!
//! Scope: HTTP routes of a deployable Cloudflare Worker that creates payment intents,
//! sends customers to hosted checkout, and terminates Kunog webhooks (verify, dedupe and
//! apply inside the order's Durable Object, answer fast). The rules themselves live in the
//! core: [`crate::Webhook`] verifies, [`crate::order`] applies, [`crate::client`] builds the
//! API calls; this module wires them to Workers types.
//!
//! | route | what |
//! |---|---|
//! | `GET /` | demo storefront (when `DEMO` is on) |
//! | `POST /create-checkout` | record the order, create its intent (idempotent per order), `303` to checkout |
//! | `POST /webhooks/kunog` | verify, then apply in the order's Durable Object; `200`, `400`, `405`, `413` |
//! | `GET /orders/{id}` | the order and its history: JSON, or HTML for browsers |

mod config;
mod order_object;
mod pages;

use worker::{event, Context, Env, Headers, Method, Request, Response, Result, Url};

use crate::event::EventObject;
use crate::webhook::DEFAULT_MAX_BODY_BYTES;
use crate::Webhook;
use config::Config;

/// The Durable Object namespace of orders (one object per order id).
const ORDERS_BINDING: &str = "ORDERS";
/// Orders whose events arrive without an order id are recorded under this name.
const UNMATCHED_ORDER: &str = "_unmatched";

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let config = match Config::from_env(&env) {
        Ok(config) => config,
        Err(problem) => {
            worker::console_error!("configuration: {problem}");
            return Response::error("The Worker is misconfigured; see its logs.", 500);
        }
    };
    let path = req.path();
    match (req.method(), path.as_str()) {
        (Method::Get, "/") if config.demo => pages::storefront(&config, &new_order_id()),
        (Method::Post, "/create-checkout") => create_checkout(req, &env).await,
        (_, "/create-checkout") => method_not_allowed("POST"),
        (Method::Post, "/webhooks/kunog") => receive_webhook(req, &env, &config).await,
        (_, "/webhooks/kunog") => method_not_allowed("POST"),
        (Method::Get, p) if p.starts_with("/orders/") => show_order(req, &env, &p["/orders/".len()..]).await,
        _ => Response::error("Not found", 404),
    }
}

/// The seed's Express route, at the edge: one intent per order, however often it is posted.
async fn create_checkout(mut req: Request, env: &Env) -> Result<Response> {
    let form = match order_form(&mut req).await {
        Ok(form) => form,
        Err(message) => return json_error(400, "parameter_invalid", &message),
    };
    let origin = origin(&req)?;
    let forwarded = order_object::CheckoutRequest {
        order_id: form.order_id.clone(),
        amount: form.amount,
        currency: form.currency,
        description: form.description,
        success_url: format!("{origin}/orders/{}?from=checkout", form.order_id),
        cancel_url: format!("{origin}/?cancelled={}", form.order_id),
    };
    let mut answer = order_stub(env, &form.order_id)?
        .fetch_with_request(internal_request("/checkout", &serde_json::to_string(&forwarded)?)?)
        .await?;
    if answer.status_code() != 200 {
        return Ok(answer);
    }
    let created: order_object::CheckoutCreated = answer.json().await?;
    let headers = Headers::new();
    headers.set("Location", &created.checkout_url)?;
    Ok(Response::empty()?.with_status(303).with_headers(headers))
}

struct OrderForm {
    order_id: String,
    amount: u64,
    currency: String,
    description: Option<String>,
}

/// The order from a form post or a JSON body; the demo product when only an order id is given.
async fn order_form(req: &mut Request) -> std::result::Result<OrderForm, String> {
    let content_type = req.headers().get("content-type").ok().flatten().unwrap_or_default();
    let fields: std::collections::HashMap<String, String> = if content_type.starts_with("application/json") {
        let value: serde_json::Value = req.json().await.map_err(|_| "the body is not JSON".to_owned())?;
        let object = value.as_object().ok_or("the body must be a JSON object")?;
        object
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
            .collect()
    } else {
        let text = req.text().await.map_err(|_| "the body could not be read".to_owned())?;
        url::form_urlencoded::parse(text.as_bytes()).into_owned().collect()
    };
    let order_id = fields.get("order_id").cloned().unwrap_or_else(new_order_id);
    if order_id.is_empty() || order_id.len() > 64 || !order_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err("order_id must be 1 to 64 letters, digits, '-' or '_'".into());
    }
    let (amount, currency, description) = match (fields.get("amount"), fields.get("currency")) {
        (None, None) => (pages::DEMO_PRODUCT.amount, pages::DEMO_PRODUCT.currency.to_owned(), Some(pages::DEMO_PRODUCT.name.to_owned())),
        (Some(amount), Some(currency)) => {
            let amount = amount.parse::<u64>().map_err(|_| "amount must be an integer in minor units".to_owned())?;
            (amount, currency.clone(), fields.get("description").cloned())
        }
        _ => return Err("give both amount and currency, or neither for the demo product".into()),
    };
    Ok(OrderForm { order_id, amount, currency, description })
}

/// Verify at the edge, then apply inside the order's Durable Object.
async fn receive_webhook(mut req: Request, env: &Env, config: &Config) -> Result<Response> {
    let declared = req.headers().get("content-length")?.and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > DEFAULT_MAX_BODY_BYTES) {
        return Response::error("Payload too large", 413);
    }
    let body = req.bytes().await?;
    let webhook = match verifier(&config.webhook_secrets) {
        Ok(webhook) => webhook,
        Err(error) => {
            worker::console_error!("webhook secret: {}", error.code());
            return Response::error("The Worker is misconfigured; see its logs.", 500);
        }
    };
    let headers = req.headers();
    let (signature, timestamp, event_id) =
        (headers.get(crate::SIGNATURE_HEADER)?, headers.get(crate::TIMESTAMP_HEADER)?, headers.get(crate::EVENT_ID_HEADER)?);
    let now_ms = worker::Date::now().as_millis();
    let verified = webhook.verify(
        &body,
        crate::WebhookHeaders { signature: signature.as_deref(), timestamp: timestamp.as_deref(), event_id: event_id.as_deref() },
        now_ms,
    );
    let verified = match verified {
        Ok(verified) => verified,
        Err(error) => {
            // The reason goes to the logs, not to whoever sent it.
            worker::console_warn!("webhook refused: {}", error.code());
            return if error.code() == "body_too_large" {
                Response::error("Payload too large", 413)
            } else {
                Response::error("Invalid webhook", 400)
            };
        }
    };
    let order_id = match &verified.event.data.object {
        EventObject::PaymentIntent(intent) => intent.metadata.get("order_id").cloned(),
        EventObject::Refund(refund) => refund.metadata.get("order_id").cloned(),
        _ => None,
    };
    let routed = match order_id {
        Some(order_id) => order_id,
        // A refund names its intent; the intent's object knows the order.
        None => match &verified.event.data.object {
            EventObject::Refund(refund) => lookup_intent_order(env, &refund.payment_intent).await?.unwrap_or_else(|| UNMATCHED_ORDER.to_owned()),
            _ => UNMATCHED_ORDER.to_owned(),
        },
    };
    let applied = order_stub(env, &routed)?
        .fetch_with_request(internal_request("/event", core::str::from_utf8(&body).unwrap_or_default())?)
        .await?;
    Ok(applied)
}

thread_local! {
    /// The verifier for the current secrets, keyed once per isolate rather than per request.
    static VERIFIER: std::cell::RefCell<Option<(Vec<String>, std::rc::Rc<Webhook>)>> = const { std::cell::RefCell::new(None) };
}

/// The verifier for `secrets`, rebuilt only when they change (a secret roll redeploys).
fn verifier(secrets: &[String]) -> std::result::Result<std::rc::Rc<Webhook>, crate::WebhookError> {
    VERIFIER.with(|cell| {
        let mut cached = cell.borrow_mut();
        if let Some((for_secrets, webhook)) = cached.as_ref() {
            if for_secrets.as_slice() == secrets {
                return Ok(webhook.clone());
            }
        }
        let webhook = std::rc::Rc::new(Webhook::with_secrets(secrets)?);
        *cached = Some((secrets.to_vec(), webhook.clone()));
        Ok(webhook)
    })
}

async fn lookup_intent_order(env: &Env, intent_id: &str) -> Result<Option<String>> {
    let mut answer = order_stub(env, &format!("intent:{intent_id}"))?
        .fetch_with_request(internal_request("/intent-owner", "")?)
        .await?;
    if answer.status_code() != 200 {
        return Ok(None);
    }
    Ok(Some(answer.text().await?))
}

async fn show_order(req: Request, env: &Env, order_id: &str) -> Result<Response> {
    let wants_html = req.headers().get("accept")?.is_some_and(|accept| accept.contains("text/html"));
    let mut answer = order_stub(env, order_id)?.fetch_with_str("https://order/state").await?;
    if answer.status_code() != 200 || !wants_html {
        return Ok(answer);
    }
    let order: crate::order::Order = answer.json().await?;
    pages::order_page(&order)
}

fn order_stub(env: &Env, name: &str) -> Result<worker::Stub> {
    env.durable_object(ORDERS_BINDING)?.id_from_name(name)?.get_stub()
}

fn internal_request(path: &str, body: &str) -> Result<Request> {
    let mut init = worker::RequestInit::new();
    init.with_method(Method::Post).with_body(Some(body.into()));
    Request::new_with_init(&format!("https://order{path}"), &init)
}

fn origin(req: &Request) -> Result<String> {
    let url: Url = req.url()?;
    Ok(url.origin().ascii_serialization())
}

fn method_not_allowed(allow: &str) -> Result<Response> {
    let headers = Headers::new();
    headers.set("Allow", allow)?;
    Ok(Response::error("Method not allowed", 405)?.with_headers(headers))
}

fn json_error(status: u16, code: &str, message: &str) -> Result<Response> {
    let body = serde_json::json!({ "error": { "code": code, "message": message } });
    Ok(Response::from_json(&body)?.with_status(status))
}

/// `KNG-` and 10 random base32 characters (crypto.getRandomValues).
fn new_order_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTVWXYZ0123456789";
    let mut bytes = [0u8; 10];
    fill_random(&mut bytes);
    let id: String = bytes.iter().map(|b| ALPHABET[usize::from(b % 32)] as char).collect();
    format!("KNG-{id}")
}

/// Fills `bytes` from `crypto.getRandomValues`, which every Workers runtime has.
fn fill_random(bytes: &mut [u8]) {
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).expect("workerd has crypto");
    let get_random_values: js_sys::Function =
        js_sys::Reflect::get(&crypto, &"getRandomValues".into()).expect("crypto.getRandomValues").into();
    let array = js_sys::Uint8Array::new_with_length(bytes.len() as u32);
    get_random_values.call1(&crypto, &array).expect("getRandomValues fills a Uint8Array");
    array.copy_to(bytes);
}
