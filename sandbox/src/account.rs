//! One Durable Object per API key: that key's intents, refunds, endpoints, events,
//! deliveries, idempotency records and faults, in the object's own SQLite database.
//!
//! Why this is safe under concurrency: a Durable Object runs one request's JavaScript at a
//! time, `sql.exec` is synchronous, and every write between two `await`s commits as one
//! unit. Each handler reads and writes state without awaiting in between (the only
//! awaits are reading the request body, an injected delay, outbound webhook fetches and
//! alarm storage calls), so two requests can never interleave inside one state change.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::future::{join_all, select, Either};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::*;

use crate::api_error::{ApiError, ErrorCode};
use crate::checkout;
use crate::config::{retry_delay_ms, Config, MAX_ATTEMPTS};
use crate::ids::{digest_hex, new_id, new_webhook_secret, now_ms, random_unit};
use crate::model::{self, PaymentIntent, Refund};
use crate::transaction::atomically;

/// An in-progress idempotency record older than this belongs to a request that died
/// (the isolate was restarted mid-request); it no longer blocks the key.
const IN_PROGRESS_STALE_MS: i64 = 60_000;
/// Idempotency records are kept for 48 hours (the contract promises at least 24).
const IDEMPOTENCY_RETENTION_MS: i64 = 48 * 3_600_000;
/// Deliveries handled per alarm run; more are picked up by the next run, at once.
const DELIVERY_BATCH: usize = 25;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS intents (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL, expires_at INTEGER NOT NULL, confirm_at INTEGER, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS refunds (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
  payment_intent TEXT NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS endpoints (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL, enabled_events TEXT NOT NULL, secret TEXT NOT NULL, created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL, created INTEGER NOT NULL, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
CREATE TABLE IF NOT EXISTS attempts (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL,
  endpoint_id TEXT NOT NULL, attempt INTEGER NOT NULL, at INTEGER NOT NULL, status_code INTEGER,
  outcome TEXT NOT NULL, error TEXT);
CREATE INDEX IF NOT EXISTS attempts_event ON attempts (event_id);
CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL,
  state TEXT NOT NULL, status INTEGER, body TEXT, created INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS faults (seq INTEGER PRIMARY KEY AUTOINCREMENT, status INTEGER,
  drop_response INTEGER NOT NULL, retry_after INTEGER NOT NULL, delay_ms INTEGER NOT NULL, remaining INTEGER NOT NULL,
  after_processing INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
";

/// What the worker passes along with each forwarded request.
pub struct RequestContext {
    pub request_id: String,
    /// `http://127.0.0.1:8788`: where checkout pages are served.
    pub origin: String,
    /// This object's name, carried in checkout URLs (a digest of the API key, not the key).
    pub account: String,
}

/// An answer before it becomes a `Response`.
pub struct Reply {
    pub status: u16,
    pub body: String,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    /// Fault injection: the answer is computed (and stored for idempotency) but the client
    /// sees the connection break, as when a response is lost in transit.
    pub drop_connection: bool,
}

impl Reply {
    pub fn json(status: u16, body: String) -> Reply {
        Reply {
            status,
            body,
            content_type: "application/json",
            headers: Vec::new(),
            drop_connection: false,
        }
    }

    pub fn html(status: u16, body: String) -> Reply {
        Reply {
            status,
            body,
            content_type: "text/html; charset=utf-8",
            headers: Vec::new(),
            drop_connection: false,
        }
    }

    pub fn redirect(location: &str) -> Reply {
        let mut reply = Reply::html(303, String::new());
        reply.headers.push(("Location", location.to_string()));
        reply
    }

    pub fn error(error: &ApiError, request_id: &str) -> Reply {
        Reply::json(error.status(), error.to_json(request_id))
    }

    pub fn into_response(self, request_id: &str) -> Result<Response> {
        let headers = Headers::new();
        headers.set("Content-Type", self.content_type)?;
        headers.set("Kunog-Request-Id", request_id)?;
        headers.set("Cache-Control", "no-store")?;
        for (name, value) in &self.headers {
            headers.set(name, value)?;
        }
        if self.drop_connection {
            headers.set(crate::DROP_HEADER, "1")?;
        }
        Ok(Response::ok(self.body)?
            .with_status(self.status)
            .with_headers(headers))
    }
}

#[derive(Deserialize)]
struct JsonRow {
    json: String,
}

#[derive(Deserialize)]
struct SeqRow {
    seq: i64,
}

#[derive(Deserialize)]
struct IdempotencyRow {
    fingerprint: String,
    state: String,
    status: Option<i64>,
    body: Option<String>,
    created: i64,
}

#[derive(Deserialize)]
struct EndpointRow {
    id: String,
    url: String,
    enabled_events: String,
    created: i64,
}

#[derive(Deserialize)]
struct FaultRow {
    seq: i64,
    status: Option<i64>,
    drop_response: i64,
    retry_after: i64,
    delay_ms: i64,
    remaining: i64,
    /// The status is answered after the request was processed, which then rolls back.
    after_processing: i64,
}

#[derive(Deserialize, Clone)]
struct DueDelivery {
    seq: i64,
    event_id: String,
    endpoint_id: String,
    attempts: i64,
    body: String,
    url: String,
    secret: String,
}

#[derive(Deserialize, Serialize)]
struct AttemptRow {
    endpoint_id: String,
    attempt: i64,
    at: i64,
    status_code: Option<i64>,
    outcome: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct DeliveryRow {
    endpoint_id: String,
    status: String,
    attempts: i64,
    next_attempt_at: i64,
}

#[derive(Deserialize)]
struct MinRow {
    at: Option<i64>,
}

/// Faults applied to webhook deliveries until cleared.
#[derive(Serialize, Deserialize, Default, Clone)]
#[serde(default, deny_unknown_fields)]
struct WebhookFaults {
    /// Each successful delivery is sent a second time (freshly signed).
    duplicate: bool,
    /// New deliveries are held to the end of a delay_ms window (default 200 ms) and each
    /// window's deliveries are sent newest first, so receivers see them out of order.
    reorder: bool,
    /// New deliveries wait this long before their first attempt.
    delay_ms: i64,
}

#[derive(Serialize)]
struct EndpointView<'a> {
    id: &'a str,
    object: &'static str,
    url: &'a str,
    enabled_events: Vec<String>,
    created: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'a str>,
}

#[derive(Serialize)]
struct EventData<'a, T: Serialize> {
    object: &'a T,
}

#[derive(Serialize)]
struct EventOut<'a, T: Serialize> {
    id: &'a str,
    object: &'static str,
    #[serde(rename = "type")]
    event_type: &'a str,
    created: i64,
    livemode: bool,
    data: EventData<'a, T>,
}

struct AttemptOutcome {
    at: i64,
    status_code: Option<u16>,
    ok: bool,
    error: Option<&'static str>,
}

fn s(v: impl Into<SqlStorageValue>) -> SqlStorageValue {
    v.into()
}

fn opt_int(v: Option<i64>) -> SqlStorageValue {
    v.map(SqlStorageValue::Integer)
        .unwrap_or(SqlStorageValue::Null)
}

fn opt_text(v: Option<&str>) -> SqlStorageValue {
    v.map(|t| SqlStorageValue::String(t.to_string()))
        .unwrap_or(SqlStorageValue::Null)
}

/// Storage failures are internal: logged, answered as a plain 500 without detail.
fn internal(err: worker::Error) -> ApiError {
    console_error!("sandbox storage error: {err}");
    ApiError::new(
        ErrorCode::InternalError,
        "the sandbox hit an internal error",
    )
}

fn list_json(items: &[String], has_more: bool) -> String {
    format!(
        "{{\"object\":\"list\",\"data\":[{}],\"has_more\":{}}}",
        items.join(","),
        has_more
    )
}

fn query_map(url: &Url) -> HashMap<String, String> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// `limit` (1..=100, default 10) and `starting_after` from a list request.
fn page_params(
    query: &HashMap<String, String>,
) -> std::result::Result<(i64, Option<String>), ApiError> {
    let limit = match query.get("limit") {
        None => 10,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                return Err(ApiError::param(
                    ErrorCode::ParameterInvalid,
                    "limit",
                    "limit must be an integer from 1 to 100",
                ))
            }
        },
    };
    Ok((
        limit,
        query
            .get("starting_after")
            .filter(|v| !v.is_empty())
            .cloned(),
    ))
}

/// Visible ASCII (0x21..=0x7E), 1 to 255 characters.
fn valid_idempotency_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

#[durable_object]
pub struct Account {
    state: State,
    pub(crate) config: Config,
}

impl DurableObject for Account {
    fn new(state: State, env: Env) -> Self {
        let account = Account {
            state,
            config: Config::from_env(&env),
        };
        if let Err(err) = account.migrate() {
            console_error!("sandbox schema setup failed: {err}");
        }
        account
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let header = |name: &str| req.headers().get(name).ok().flatten().unwrap_or_default();
        let ctx = RequestContext {
            request_id: Some(header("x-sandbox-request-id"))
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| new_id("req_")),
            origin: header("x-sandbox-origin"),
            account: header("x-sandbox-account"),
        };
        let idempotency_key = req.headers().get("idempotency-key")?;
        let method = req.method().to_string();
        let url = req.url()?;
        let body = if method == "POST" {
            req.text().await?
        } else {
            String::new()
        };
        let now = now_ms();
        let reply = match self.advance_timers(now) {
            Err(err) => Reply::error(&internal(err), &ctx.request_id),
            Ok(()) if url.path().starts_with("/checkout/") => {
                checkout::handle(self, &method, &url, &ctx, now)
            }
            Ok(()) => self.api(&method, &url, &body, idempotency_key, &ctx).await,
        };
        self.schedule_alarm().await;
        reply.into_response(&ctx.request_id)
    }

    async fn alarm(&self) -> Result<Response> {
        if let Err(err) = self.advance_timers(now_ms()) {
            console_error!("sandbox timers failed: {err}");
        }
        self.deliver_due().await;
        self.schedule_alarm().await;
        Response::ok("done")
    }
}

impl Account {
    fn sql(&self) -> SqlStorage {
        self.state.storage().sql()
    }

    fn exec(&self, query: &str, bindings: Vec<SqlStorageValue>) -> Result<SqlCursor> {
        self.sql().exec(query, Some(bindings))
    }

    fn migrate(&self) -> Result<()> {
        for statement in SCHEMA.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            self.sql().exec(statement, None)?;
        }
        // State kept from an earlier version (sandbox/.wrangler) lacks this column; where
        // it exists already, SQLite refuses the ALTER, which is fine.
        let _ = self.sql().exec(
            "ALTER TABLE faults ADD COLUMN after_processing INTEGER NOT NULL DEFAULT 0",
            None,
        );
        self.install_env_endpoint()
    }

    /// KUNOG_SANDBOX_WEBHOOK_URL (+ _SECRET): an endpoint every account has from the start,
    /// so a demo needs no set-up call. Installed once per account.
    fn install_env_endpoint(&self) -> Result<()> {
        let Some(url) = self.config.webhook_url.clone() else {
            return Ok(());
        };
        let done: Vec<JsonRow> = self
            .exec(
                "SELECT value AS json FROM settings WHERE name = 'env_endpoint'",
                vec![],
            )?
            .to_array()?;
        if !done.is_empty() {
            return Ok(());
        }
        if !model::valid_url(&url) {
            console_error!("KUNOG_SANDBOX_WEBHOOK_URL is not an https URL (or http on localhost / 127.0.0.1); ignored");
            return Ok(());
        }
        let secret = match self.config.webhook_secret.clone() {
            Some(secret) => secret,
            None => {
                let secret = new_webhook_secret();
                // Shown in the developer's own terminal only, never in a response.
                console_log!("kunog sandbox: generated secret for {url}: {secret}");
                secret
            }
        };
        let id = new_id("we_");
        self.exec(
            "INSERT INTO endpoints (id, url, enabled_events, secret, created) VALUES (?, ?, ?, ?, ?)",
            vec![s(id.as_str()), s(url.as_str()), s("[\"*\"]"), s(secret), s(now_ms())],
        )?;
        self.exec(
            "INSERT INTO settings (name, value) VALUES ('env_endpoint', ?)",
            vec![s(id)],
        )?;
        Ok(())
    }

    // ---- the request pipeline: faults, idempotency, dispatch ----

    async fn api(
        &self,
        method: &str,
        url: &Url,
        body: &str,
        idempotency_key: Option<String>,
        ctx: &RequestContext,
    ) -> Reply {
        let path = url.path();
        let now = now_ms();
        let mut delay_ms = 0;
        let mut drop_connection = false;
        let mut fail_after_processing = None;
        if !path.starts_with("/v1/test_helpers/") {
            match self.take_fault() {
                Err(err) => return Reply::error(&internal(err), &ctx.request_id),
                Ok(None) => {}
                Ok(Some(fault)) => {
                    if fault.after_processing != 0 {
                        fail_after_processing = fault.status;
                    } else if let Some(status) = fault.status {
                        let (code, message) = match status {
                            429 => (ErrorCode::RateLimited, "too many requests (injected fault)"),
                            409 => (ErrorCode::IdempotencyKeyInUse, "a request with this idempotency key is in progress (injected fault)"),
                            500 => (ErrorCode::InternalError, "internal error (injected fault)"),
                            _ => (ErrorCode::ServiceUnavailable, "the service is unavailable (injected fault)"),
                        };
                        let mut reply =
                            Reply::error(&ApiError::new(code, message), &ctx.request_id);
                        if status == 429 {
                            reply
                                .headers
                                .push(("Retry-After", fault.retry_after.to_string()));
                        }
                        return reply;
                    }
                    delay_ms = fault.delay_ms;
                    drop_connection = fault.drop_response != 0;
                }
            }
        }

        let idempotency_key = if method == "POST" {
            idempotency_key
        } else {
            None
        };
        if let Some(key) = &idempotency_key {
            if !valid_idempotency_key(key) {
                let error = ApiError::new(
                    ErrorCode::IdempotencyKeyInvalid,
                    "Idempotency-Key must be 1 to 255 visible ASCII characters",
                );
                return Reply::error(&error, &ctx.request_id);
            }
            let fingerprint = digest_hex(
                "kunog-sandbox-idempotency",
                format!("{method} {path}?{}\n{body}", url.query().unwrap_or("")).as_bytes(),
            );
            match self.begin_idempotent(key, &fingerprint, now, &ctx.request_id) {
                Err(err) => return Reply::error(&internal(err), &ctx.request_id),
                Ok(Some(reply)) => return reply,
                Ok(None) => {}
            }
        }

        if delay_ms > 0 {
            Delay::from(Duration::from_millis(delay_ms as u64)).await;
        }

        let storage = self.state.storage();
        let processed = atomically(&storage, || {
            let reply = self.dispatch(method, url, body, ctx, now_ms())?;
            match fail_after_processing {
                // Everything the request wrote is rolled back with the failure.
                Some(503) => Err(ApiError::new(
                    ErrorCode::ServiceUnavailable,
                    "the service is unavailable (injected fault, after processing)",
                )),
                Some(_) => Err(ApiError::new(
                    ErrorCode::InternalError,
                    "internal error (injected fault, after processing)",
                )),
                None => Ok(reply),
            }
        });
        let mut reply = match processed {
            Ok(reply) => reply,
            Err(error) => Reply::error(&error, &ctx.request_id),
        };
        if let Some(key) = &idempotency_key {
            // 5xx answers are not stored, so a retry can still succeed.
            let stored = if reply.status < 500 {
                self.exec(
                    "UPDATE idempotency SET state = 'done', status = ?, body = ? WHERE key = ?",
                    vec![
                        s(reply.status as i64),
                        s(reply.body.as_str()),
                        s(key.as_str()),
                    ],
                )
            } else {
                self.exec(
                    "DELETE FROM idempotency WHERE key = ?",
                    vec![s(key.as_str())],
                )
            };
            if let Err(err) = stored {
                reply = Reply::error(&internal(err), &ctx.request_id);
            }
        }
        reply.drop_connection = drop_connection;
        reply
    }

    /// Claims `key` for this request, or answers for it: the stored answer (replay), 409
    /// while the first request runs, 422 if the key came with a different request.
    fn begin_idempotent(
        &self,
        key: &str,
        fingerprint: &str,
        now: i64,
        request_id: &str,
    ) -> Result<Option<Reply>> {
        self.exec(
            "DELETE FROM idempotency WHERE created < ?",
            vec![s(now - IDEMPOTENCY_RETENTION_MS)],
        )?;
        let rows: Vec<IdempotencyRow> = self
            .exec(
                "SELECT fingerprint, state, status, body, created FROM idempotency WHERE key = ?",
                vec![s(key)],
            )?
            .to_array()?;
        if let Some(row) = rows.into_iter().next() {
            let stale = row.state == "in_progress" && now - row.created > IN_PROGRESS_STALE_MS;
            if !stale {
                if row.state == "in_progress" {
                    let error = ApiError::new(
                        ErrorCode::IdempotencyKeyInUse,
                        "a request with this Idempotency-Key is still in progress; retry later",
                    );
                    return Ok(Some(Reply::error(&error, request_id)));
                }
                if row.fingerprint != fingerprint {
                    let error = ApiError::new(
                        ErrorCode::IdempotencyKeyReused,
                        "this Idempotency-Key was already used with a different request",
                    );
                    return Ok(Some(Reply::error(&error, request_id)));
                }
                let mut reply = Reply::json(
                    row.status.unwrap_or(200) as u16,
                    row.body.unwrap_or_default(),
                );
                reply
                    .headers
                    .push(("Idempotent-Replayed", "true".to_string()));
                return Ok(Some(reply));
            }
            self.exec("DELETE FROM idempotency WHERE key = ?", vec![s(key)])?;
        }
        self.exec(
            "INSERT INTO idempotency (key, fingerprint, state, created) VALUES (?, ?, 'in_progress', ?)",
            vec![s(key), s(fingerprint), s(now)],
        )?;
        Ok(None)
    }

    fn take_fault(&self) -> Result<Option<FaultRow>> {
        let rows: Vec<FaultRow> = self
            .exec("SELECT seq, status, drop_response, retry_after, delay_ms, remaining, after_processing FROM faults ORDER BY seq LIMIT 1", vec![])?
            .to_array()?;
        let Some(fault) = rows.into_iter().next() else {
            return Ok(None);
        };
        if fault.remaining <= 1 {
            self.exec("DELETE FROM faults WHERE seq = ?", vec![s(fault.seq)])?;
        } else {
            self.exec(
                "UPDATE faults SET remaining = remaining - 1 WHERE seq = ?",
                vec![s(fault.seq)],
            )?;
        }
        Ok(Some(fault))
    }

    fn dispatch(
        &self,
        method: &str,
        url: &Url,
        body: &str,
        ctx: &RequestContext,
        now: i64,
    ) -> std::result::Result<Reply, ApiError> {
        let segments: Vec<&str> = url
            .path()
            .trim_end_matches('/')
            .split('/')
            .skip(1)
            .collect();
        let query = query_map(url);
        match (method, segments.as_slice()) {
            ("POST", ["v1", "payment_intents"]) => self.create_intent(body, ctx, now),
            ("GET", ["v1", "payment_intents"]) => self.list("intents", &query, None),
            ("GET", ["v1", "payment_intents", id]) => Ok(Reply::json(200, self.intent_json(id)?)),
            ("POST", ["v1", "refunds"]) => self.create_refund(body, now),
            ("GET", ["v1", "refunds", id]) => {
                Ok(Reply::json(200, self.object_json("refunds", id)?))
            }
            ("POST", ["v1", "webhook_endpoints"]) => self.create_endpoint(body, now),
            ("GET", ["v1", "webhook_endpoints"]) => self.list_endpoints(),
            ("DELETE", ["v1", "webhook_endpoints", id]) => self.delete_endpoint(id),
            ("GET", ["v1", "events"]) => self.list_events(&query),
            ("GET", ["v1", "events", id]) => {
                let json = self.object_json("events", id)?;
                Ok(Reply::json(200, self.with_delivery_details(id, &json)?))
            }
            ("POST", ["v1", "test_helpers", "payment_intents", id, action]) => {
                self.test_helper(id, action, now)
            }
            ("POST", ["v1", "test_helpers", "faults"]) => self.set_faults(body),
            ("GET", ["v1", "test_helpers", "faults"]) => Ok(Reply::json(200, self.faults_json()?)),
            ("DELETE", ["v1", "test_helpers", "faults"]) => {
                self.exec("DELETE FROM faults", vec![]).map_err(internal)?;
                self.exec("DELETE FROM settings WHERE name = 'webhook_faults'", vec![])
                    .map_err(internal)?;
                Ok(Reply::json(200, self.faults_json()?))
            }
            _ => Err(ApiError::new(
                ErrorCode::UnknownRoute,
                format!("no route for {method} {}", url.path()),
            )),
        }
    }

    // ---- payment intents ----

    fn create_intent(
        &self,
        body: &str,
        ctx: &RequestContext,
        now: i64,
    ) -> std::result::Result<Reply, ApiError> {
        let new = model::parse_new_intent(body)?;
        let id = new_id("pi_");
        let intent = PaymentIntent {
            checkout_url: format!("{}/checkout/{id}?account={}", ctx.origin, ctx.account),
            id,
            object: "payment_intent".into(),
            status: "created".into(),
            amount: new.amount,
            currency: new.currency,
            settlement: new.settlement,
            success_url: new.success_url,
            cancel_url: new.cancel_url,
            metadata: new.metadata,
            description: new.description,
            amount_refunded: 0,
            livemode: false,
            created: now,
            expires_at: now + self.config.checkout_window_ms,
        };
        let json = serde_json::to_string(&intent)
            .map_err(|_| ApiError::new(ErrorCode::InternalError, "serialisation failed"))?;
        self.exec(
            "INSERT INTO intents (id, status, expires_at, confirm_at, json) VALUES (?, 'created', ?, NULL, ?)",
            vec![s(intent.id.as_str()), s(intent.expires_at), s(json.as_str())],
        )
        .map_err(internal)?;
        self.emit("payment_intent.created", &intent, now)
            .map_err(internal)?;
        Ok(Reply::json(200, json))
    }

    pub fn load_intent(&self, id: &str) -> std::result::Result<PaymentIntent, ApiError> {
        let json = self.intent_json(id)?;
        serde_json::from_str(&json)
            .map_err(|_| ApiError::new(ErrorCode::InternalError, "stored intent is unreadable"))
    }

    fn intent_json(&self, id: &str) -> std::result::Result<String, ApiError> {
        self.object_json("intents", id)
    }

    fn object_json(&self, table: &str, id: &str) -> std::result::Result<String, ApiError> {
        let rows: Vec<JsonRow> = self
            .exec(
                &format!("SELECT json FROM {table} WHERE id = ?"),
                vec![s(id)],
            )
            .map_err(internal)?
            .to_array()
            .map_err(internal)?;
        match rows.into_iter().next() {
            Some(row) => Ok(row.json),
            None => Err(ApiError::param(
                ErrorCode::ResourceMissing,
                "id",
                format!("no such object: {id}"),
            )),
        }
    }

    /// Moves `intent` to `to` (the caller has checked the transition is allowed), stores it,
    /// and emits the event of the same name.
    pub fn transition(
        &self,
        intent: &mut PaymentIntent,
        to: &str,
        confirm_at: Option<i64>,
        now: i64,
    ) -> Result<()> {
        intent.status = to.to_string();
        let json =
            serde_json::to_string(intent).map_err(|e| worker::Error::RustError(e.to_string()))?;
        self.exec(
            "UPDATE intents SET status = ?, confirm_at = ?, json = ? WHERE id = ?",
            vec![s(to), opt_int(confirm_at), s(json), s(intent.id.as_str())],
        )?;
        self.emit(&format!("payment_intent.{to}"), &*intent, now)
    }

    /// [`Account::transition`] in a transaction of its own: the status change and its event
    /// are stored together or not at all.
    pub fn transition_atomically(
        &self,
        intent: &mut PaymentIntent,
        to: &str,
        confirm_at: Option<i64>,
        now: i64,
    ) -> Result<()> {
        atomically(&self.state.storage(), || {
            self.transition(intent, to, confirm_at, now)
                .map_err(internal)
        })
        .map_err(|e| worker::Error::RustError(e.message))
    }

    /// Applies what time has made due: checkout windows that passed (created → expired) and
    /// transfers that reached finality (pending → confirmed). Runs before every request and
    /// in every alarm, so answers never depend on when the alarm happened to fire.
    fn advance_timers(&self, now: i64) -> Result<()> {
        let expired: Vec<JsonRow> = self
            .exec("SELECT json FROM intents WHERE status = 'created' AND expires_at <= ? ORDER BY seq", vec![s(now)])?
            .to_array()?;
        for row in expired {
            if let Ok(mut intent) = serde_json::from_str::<PaymentIntent>(&row.json) {
                self.transition_atomically(&mut intent, "expired", None, now)?;
            }
        }
        let final_: Vec<JsonRow> = self
            .exec("SELECT json FROM intents WHERE status = 'pending' AND confirm_at IS NOT NULL AND confirm_at <= ? ORDER BY seq", vec![s(now)])?
            .to_array()?;
        for row in final_ {
            if let Ok(mut intent) = serde_json::from_str::<PaymentIntent>(&row.json) {
                self.transition_atomically(&mut intent, "confirmed", None, now)?;
            }
        }
        Ok(())
    }

    fn test_helper(
        &self,
        id: &str,
        action: &str,
        now: i64,
    ) -> std::result::Result<Reply, ApiError> {
        let (from, to): (&[&str], &str) = match action {
            "pay" => (&["created"], "pending"),
            "confirm" => (&["pending"], "confirmed"),
            "expire" => (&["created", "pending"], "expired"),
            _ => {
                return Err(ApiError::new(
                    ErrorCode::UnknownRoute,
                    format!("no test helper named {action}"),
                ))
            }
        };
        let mut intent = self.load_intent(id)?;
        if !from.contains(&intent.status.as_str()) {
            return Err(ApiError::new(
                ErrorCode::InvalidStateTransition,
                format!(
                    "cannot {action} a payment intent whose status is {}",
                    intent.status
                ),
            ));
        }
        // The helper's `pay` does not schedule finality: tests decide when to confirm.
        self.transition(&mut intent, to, None, now)
            .map_err(internal)?;
        Ok(Reply::json(
            200,
            serde_json::to_string(&intent).unwrap_or_default(),
        ))
    }

    /// Newest first: `limit` items after `starting_after`, and whether more follow.
    fn list(
        &self,
        table: &str,
        query: &HashMap<String, String>,
        event_type: Option<&str>,
    ) -> std::result::Result<Reply, ApiError> {
        let (items, has_more) = self.page(table, query, event_type)?;
        Ok(Reply::json(200, list_json(&items, has_more)))
    }

    fn page(
        &self,
        table: &str,
        query: &HashMap<String, String>,
        event_type: Option<&str>,
    ) -> std::result::Result<(Vec<String>, bool), ApiError> {
        let (limit, starting_after) = page_params(query)?;
        let before = match starting_after {
            None => i64::MAX,
            Some(id) => {
                let rows: Vec<SeqRow> = self
                    .exec(
                        &format!("SELECT seq FROM {table} WHERE id = ?"),
                        vec![s(id.as_str())],
                    )
                    .map_err(internal)?
                    .to_array()
                    .map_err(internal)?;
                match rows.first() {
                    Some(row) => row.seq,
                    None => {
                        return Err(ApiError::param(
                            ErrorCode::ResourceMissing,
                            "starting_after",
                            format!("no such object: {id}"),
                        ))
                    }
                }
            }
        };
        let filter = if event_type.is_some() {
            " AND type = ?"
        } else {
            ""
        };
        let mut bindings = vec![s(before)];
        if let Some(t) = event_type {
            bindings.push(s(t));
        }
        bindings.push(s(limit + 1));
        let mut rows: Vec<JsonRow> = self
            .exec(
                &format!(
                    "SELECT json FROM {table} WHERE seq < ?{filter} ORDER BY seq DESC LIMIT ?"
                ),
                bindings,
            )
            .map_err(internal)?
            .to_array()
            .map_err(internal)?;
        let has_more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        Ok((rows.into_iter().map(|r| r.json).collect(), has_more))
    }

    // ---- refunds ----

    fn create_refund(&self, body: &str, now: i64) -> std::result::Result<Reply, ApiError> {
        let new = model::parse_new_refund(body)?;
        let mut intent = self.load_intent(&new.payment_intent).map_err(|mut e| {
            e.param = Some("payment_intent".into());
            e
        })?;
        let left = intent.amount - intent.amount_refunded;
        if intent.status != "confirmed" || left <= 0 {
            return Err(ApiError::param(
                ErrorCode::PaymentIntentNotRefundable,
                "payment_intent",
                format!("only confirmed payment intents with an amount left can be refunded; this one is {}", intent.status),
            ));
        }
        let amount = new.amount.unwrap_or(left);
        if amount > left {
            return Err(ApiError::param(
                ErrorCode::AmountTooLarge,
                "amount",
                format!("amount may be at most {left}, what is left to refund"),
            ));
        }
        let refund = Refund {
            id: new_id("re_"),
            object: "refund".into(),
            payment_intent: intent.id.clone(),
            amount,
            currency: intent.currency.clone(),
            status: "succeeded".into(),
            reason: new.reason,
            metadata: new.metadata,
            created: now,
        };
        intent.amount_refunded += amount;
        let refund_json = serde_json::to_string(&refund).unwrap_or_default();
        let intent_json = serde_json::to_string(&intent).unwrap_or_default();
        self.exec(
            "INSERT INTO refunds (id, payment_intent, json) VALUES (?, ?, ?)",
            vec![
                s(refund.id.as_str()),
                s(intent.id.as_str()),
                s(refund_json.as_str()),
            ],
        )
        .map_err(internal)?;
        self.exec(
            "UPDATE intents SET json = ? WHERE id = ?",
            vec![s(intent_json), s(intent.id.as_str())],
        )
        .map_err(internal)?;
        self.emit("refund.created", &refund, now)
            .map_err(internal)?;
        Ok(Reply::json(200, refund_json))
    }

    // ---- webhook endpoints ----

    fn create_endpoint(&self, body: &str, now: i64) -> std::result::Result<Reply, ApiError> {
        let new = model::parse_new_endpoint(body)?;
        let id = new_id("we_");
        let secret = new_webhook_secret();
        let events = serde_json::to_string(&new.enabled_events).unwrap_or_default();
        self.exec(
            "INSERT INTO endpoints (id, url, enabled_events, secret, created) VALUES (?, ?, ?, ?, ?)",
            vec![s(id.as_str()), s(new.url.as_str()), s(events), s(secret.as_str()), s(now)],
        )
        .map_err(internal)?;
        let view = EndpointView {
            id: &id,
            object: "webhook_endpoint",
            url: &new.url,
            enabled_events: new.enabled_events,
            created: now,
            secret: Some(&secret),
        };
        Ok(Reply::json(
            200,
            serde_json::to_string(&view).unwrap_or_default(),
        ))
    }

    fn list_endpoints(&self) -> std::result::Result<Reply, ApiError> {
        let rows: Vec<EndpointRow> = self
            .exec(
                "SELECT id, url, enabled_events, created FROM endpoints ORDER BY seq DESC",
                vec![],
            )
            .map_err(internal)?
            .to_array()
            .map_err(internal)?;
        let items: Vec<String> = rows
            .iter()
            .map(|row| {
                let view = EndpointView {
                    id: &row.id,
                    object: "webhook_endpoint",
                    url: &row.url,
                    enabled_events: serde_json::from_str(&row.enabled_events).unwrap_or_default(),
                    created: row.created,
                    secret: None,
                };
                serde_json::to_string(&view).unwrap_or_default()
            })
            .collect();
        Ok(Reply::json(200, list_json(&items, false)))
    }

    fn delete_endpoint(&self, id: &str) -> std::result::Result<Reply, ApiError> {
        let rows: Vec<SeqRow> = self
            .exec("SELECT seq FROM endpoints WHERE id = ?", vec![s(id)])
            .map_err(internal)?
            .to_array()
            .map_err(internal)?;
        if rows.is_empty() {
            return Err(ApiError::param(
                ErrorCode::ResourceMissing,
                "id",
                format!("no such webhook endpoint: {id}"),
            ));
        }
        self.exec("DELETE FROM endpoints WHERE id = ?", vec![s(id)])
            .map_err(internal)?;
        self.exec("UPDATE deliveries SET status = 'cancelled' WHERE endpoint_id = ? AND status = 'pending'", vec![s(id)]).map_err(internal)?;
        Ok(Reply::json(
            200,
            format!(
                "{{\"id\":{},\"object\":\"webhook_endpoint\",\"deleted\":true}}",
                Value::String(id.to_string())
            ),
        ))
    }

    // ---- events and delivery ----

    /// Records one event and queues one delivery per endpoint that enabled its type.
    fn emit<T: Serialize>(&self, event_type: &str, object: &T, now: i64) -> Result<()> {
        let id = new_id("evt_");
        let event = EventOut {
            id: &id,
            object: "event",
            event_type,
            created: now,
            livemode: false,
            data: EventData { object },
        };
        let json =
            serde_json::to_string(&event).map_err(|e| worker::Error::RustError(e.to_string()))?;
        self.exec(
            "INSERT INTO events (id, type, created, json) VALUES (?, ?, ?, ?)",
            vec![s(id.as_str()), s(event_type), s(now), s(json)],
        )?;
        let faults = self.webhook_faults()?;
        let endpoints: Vec<EndpointRow> = self
            .exec(
                "SELECT id, url, enabled_events, created FROM endpoints ORDER BY seq",
                vec![],
            )?
            .to_array()?;
        for endpoint in endpoints {
            let enabled: Vec<String> =
                serde_json::from_str(&endpoint.enabled_events).unwrap_or_default();
            if !enabled.iter().any(|e| e == "*" || e == event_type) {
                continue;
            }
            let mut first_attempt = now + faults.delay_ms;
            if faults.reorder {
                // Held until the end of the current window, so that everything emitted in
                // the window goes out together, newest first (see deliver_due).
                let window = if faults.delay_ms > 0 {
                    faults.delay_ms
                } else {
                    200
                };
                first_attempt = (now / window + 1) * window;
            }
            self.exec(
                "INSERT INTO deliveries (event_id, endpoint_id, status, attempts, next_attempt_at) VALUES (?, ?, 'pending', 0, ?)",
                vec![s(id.as_str()), s(endpoint.id), s(first_attempt)],
            )?;
        }
        Ok(())
    }

    fn list_events(&self, query: &HashMap<String, String>) -> std::result::Result<Reply, ApiError> {
        let event_type = query
            .get("type")
            .map(String::as_str)
            .filter(|t| !t.is_empty());
        let (items, has_more) = self.page("events", query, event_type)?;
        let mut detailed = Vec::with_capacity(items.len());
        for json in items {
            let id = serde_json::from_str::<Value>(&json)
                .ok()
                .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_default();
            detailed.push(self.with_delivery_details(&id, &json)?);
        }
        Ok(Reply::json(200, list_json(&detailed, has_more)))
    }

    /// The stored event (exactly as delivered) plus the sandbox's view of its delivery:
    /// `deliveries` (one per endpoint) and `delivery_attempts` (every attempt).
    fn with_delivery_details(
        &self,
        event_id: &str,
        event_json: &str,
    ) -> std::result::Result<String, ApiError> {
        let attempts: Vec<AttemptRow> = self
            .exec("SELECT endpoint_id, attempt, at, status_code, outcome, error FROM attempts WHERE event_id = ? ORDER BY seq", vec![s(event_id)])
            .map_err(internal)?
            .to_array()
            .map_err(internal)?;
        let deliveries: Vec<DeliveryRow> = self
            .exec("SELECT endpoint_id, status, attempts, next_attempt_at FROM deliveries WHERE event_id = ? ORDER BY seq", vec![s(event_id)])
            .map_err(internal)?
            .to_array()
            .map_err(internal)?;
        let deliveries: Vec<Value> = deliveries
            .iter()
            .map(|d| {
                serde_json::json!({
                    "webhook_endpoint": d.endpoint_id, "status": d.status, "attempts": d.attempts,
                    "next_attempt_at": if d.status == "pending" { Value::from(d.next_attempt_at) } else { Value::Null },
                })
            })
            .collect();
        let attempts: Vec<Value> = attempts
            .iter()
            .map(|a| {
                serde_json::json!({
                    "webhook_endpoint": a.endpoint_id, "attempt": a.attempt, "at": a.at,
                    "status_code": a.status_code, "outcome": a.outcome, "error": a.error,
                })
            })
            .collect();
        // The stored event text is kept byte for byte; the two extra fields go before its
        // closing brace so the event's own fields stay in their signed order.
        let trimmed = event_json.trim_end();
        let Some(open) = trimmed.strip_suffix('}') else {
            return Ok(event_json.to_string());
        };
        Ok(format!(
            "{open},\"deliveries\":{},\"delivery_attempts\":{}}}",
            Value::Array(deliveries),
            Value::Array(attempts)
        ))
    }

    fn webhook_faults(&self) -> Result<WebhookFaults> {
        let rows: Vec<JsonRow> = self
            .exec(
                "SELECT value AS json FROM settings WHERE name = 'webhook_faults'",
                vec![],
            )?
            .to_array()?;
        Ok(rows
            .first()
            .and_then(|r| serde_json::from_str(&r.json).ok())
            .unwrap_or_default())
    }

    /// Sends every due delivery (concurrently), records each attempt, and schedules retries.
    async fn deliver_due(&self) {
        let now = now_ms();
        let due: Vec<DueDelivery> = match self
            .exec(
                "SELECT d.seq, d.event_id, d.endpoint_id, d.attempts, e.json AS body, w.url, w.secret
                 FROM deliveries d JOIN events e ON e.id = d.event_id JOIN endpoints w ON w.id = d.endpoint_id
                 WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.seq LIMIT ?",
                vec![s(now), s(DELIVERY_BATCH as i64)],
            )
            .and_then(|c| c.to_array())
        {
            Ok(rows) => rows,
            Err(err) => {
                console_error!("sandbox delivery query failed: {err}");
                return;
            }
        };
        if due.is_empty() {
            return;
        }
        let faults = self.webhook_faults().unwrap_or_default();
        // A lease: if this isolate dies mid-delivery, the delivery becomes due again later
        // (at least once), instead of being stuck.
        let lease_until = now + self.config.delivery_timeout_ms + 30_000;
        for d in &due {
            let _ = self.exec(
                "UPDATE deliveries SET next_attempt_at = ? WHERE seq = ?",
                vec![s(lease_until), s(d.seq)],
            );
        }
        let send_with_faults = |d: &DueDelivery| {
            let d = d.clone();
            async move {
                let mut outcomes = vec![self.send(&d).await];
                if faults.duplicate && outcomes[0].ok {
                    outcomes.push(self.send(&d).await);
                }
                outcomes
            }
        };
        let results = if faults.reorder {
            // One at a time, newest first: the receiver sees each batch in reverse order.
            let mut results = Vec::with_capacity(due.len());
            for d in due.iter().rev() {
                results.push(send_with_faults(d).await);
            }
            results.reverse();
            results
        } else {
            join_all(due.iter().map(send_with_faults)).await
        };
        for (d, outcomes) in due.iter().zip(results) {
            if let Err(err) = self.record(d, &outcomes) {
                console_error!("sandbox could not record a delivery: {err}");
            }
        }
    }

    fn record(&self, d: &DueDelivery, outcomes: &[AttemptOutcome]) -> Result<()> {
        let mut attempt = d.attempts;
        for outcome in outcomes {
            attempt += 1;
            self.exec(
                "INSERT INTO attempts (event_id, endpoint_id, attempt, at, status_code, outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
                vec![
                    s(d.event_id.as_str()),
                    s(d.endpoint_id.as_str()),
                    s(attempt),
                    s(outcome.at),
                    opt_int(outcome.status_code.map(i64::from)),
                    s(if outcome.ok { "succeeded" } else { "failed" }),
                    opt_text(outcome.error),
                ],
            )?;
        }
        let failed_attempts = outcomes.iter().filter(|o| !o.ok).count() as i64;
        let delivered = outcomes.first().is_some_and(|o| o.ok);
        let attempts_so_far = d.attempts + 1;
        if delivered {
            self.exec("UPDATE deliveries SET status = 'succeeded', attempts = ? WHERE seq = ? AND status = 'pending'", vec![s(attempt), s(d.seq)])?;
        } else if attempts_so_far >= MAX_ATTEMPTS {
            self.exec("UPDATE deliveries SET status = 'failed', attempts = ? WHERE seq = ? AND status = 'pending'", vec![s(attempt), s(d.seq)])?;
        } else {
            let next =
                now_ms() + retry_delay_ms(attempts_so_far, self.config.time_scale, random_unit());
            self.exec(
                "UPDATE deliveries SET attempts = ?, next_attempt_at = ? WHERE seq = ? AND status = 'pending'",
                vec![s(d.attempts + failed_attempts), s(next), s(d.seq)],
            )?;
        }
        Ok(())
    }

    /// One attempt: signed now with the endpoint's secret; success is a 2xx within the timeout.
    async fn send(&self, d: &DueDelivery) -> AttemptOutcome {
        let at = now_ms();
        let failed = |error: &'static str, status_code: Option<u16>| AttemptOutcome {
            at,
            status_code,
            ok: false,
            error: Some(error),
        };
        let webhook = match kunog::Webhook::new(&d.secret) {
            Ok(webhook) => webhook,
            Err(_) => return failed("invalid_secret", None),
        };
        let signature = webhook.signature(d.body.as_bytes(), at as u64);
        let request = (|| -> Result<Request> {
            let headers = Headers::new();
            headers.set("Content-Type", "application/json")?;
            headers.set("User-Agent", "Kunog-Sandbox/0.1")?;
            headers.set("Kunog-Signature", &signature)?;
            headers.set("Kunog-Timestamp", &at.to_string())?;
            headers.set("Kunog-Event-Id", &d.event_id)?;
            let mut init = RequestInit::new();
            init.with_method(Method::Post)
                .with_headers(headers)
                .with_body(Some(wasm_bindgen::JsValue::from_str(&d.body)));
            Request::new_with_init(&d.url, &init)
        })();
        let Ok(request) = request else {
            return failed("invalid_url", None);
        };
        let controller = AbortController::default();
        let signal = controller.signal();
        let fetch = Fetch::Request(request);
        let sending = Box::pin(fetch.send_with_signal(&signal));
        let timeout = Box::pin(Delay::from(Duration::from_millis(
            self.config.delivery_timeout_ms as u64,
        )));
        let finished = select(sending, timeout).await;
        // Bound to a local so the futures borrowing `fetch` and `signal` drop first.
        #[allow(clippy::let_and_return)]
        let outcome = match finished {
            Either::Left((Ok(response), _)) => {
                let status = response.status_code();
                if (200..300).contains(&status) {
                    AttemptOutcome {
                        at,
                        status_code: Some(status),
                        ok: true,
                        error: None,
                    }
                } else {
                    failed("non_2xx", Some(status))
                }
            }
            Either::Left((Err(_), _)) => failed("connection_failed", None),
            Either::Right(_) => {
                controller.abort();
                failed("timeout", None)
            }
        };
        outcome
    }

    /// The alarm goes off at the earliest of: a delivery due, a checkout window closing, a
    /// transfer reaching finality.
    async fn schedule_alarm(&self) {
        let next = (|| -> Result<Option<i64>> {
            let rows: Vec<MinRow> = self
                .exec(
                    "SELECT MIN(at) AS at FROM (
                       SELECT MIN(next_attempt_at) AS at FROM deliveries WHERE status = 'pending'
                       UNION ALL SELECT MIN(expires_at) FROM intents WHERE status = 'created'
                       UNION ALL SELECT MIN(confirm_at) FROM intents WHERE status = 'pending' AND confirm_at IS NOT NULL)",
                    vec![],
                )?
                .to_array()?;
            Ok(rows.first().and_then(|r| r.at))
        })();
        let storage = self.state.storage();
        let result = match next {
            Ok(Some(at)) => {
                let at = at.max(now_ms());
                let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64));
                storage.set_alarm(ScheduledTime::new(date)).await
            }
            Ok(None) => storage.delete_alarm().await,
            Err(err) => Err(err),
        };
        if let Err(err) = result {
            console_error!("sandbox could not schedule its alarm: {err}");
        }
    }

    // ---- faults ----

    fn set_faults(&self, body: &str) -> std::result::Result<Reply, ApiError> {
        let map = model::parse_object(body)?;
        let invalid = |param: &str, message: &str| {
            ApiError::param(ErrorCode::ParameterInvalid, param, message)
        };
        if let Some(key) = map.keys().find(|k| {
            ![
                "next_n",
                "status",
                "retry_after",
                "delay_ms",
                "after_processing",
                "webhooks",
            ]
            .contains(&k.as_str())
        }) {
            return Err(ApiError::param(
                ErrorCode::ParameterUnknown,
                key,
                format!("unknown parameter: {key}"),
            ));
        }
        let int = |key: &str,
                   range: std::ops::RangeInclusive<i64>,
                   default: i64|
         -> std::result::Result<i64, ApiError> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(default),
                Some(v) => v.as_i64().filter(|n| range.contains(n)).ok_or_else(|| {
                    invalid(
                        key,
                        &format!(
                            "{key} must be an integer from {} to {}",
                            range.start(),
                            range.end()
                        ),
                    )
                }),
            }
        };
        let next_n = int("next_n", 1..=1000, 1)?;
        let retry_after = int("retry_after", 0..=3600, 1)?;
        let delay_ms = int("delay_ms", 0..=30_000, 0)?;
        let (status, drop_response) = match map.get("status") {
            None | Some(Value::Null) => (None, false),
            Some(Value::String(s)) if s == "drop" => (None, true),
            Some(v) => match v.as_i64() {
                Some(code @ (409 | 429 | 500 | 503)) => (Some(code), false),
                _ => {
                    return Err(invalid(
                        "status",
                        "status must be 409, 429, 500, 503 or \"drop\"",
                    ))
                }
            },
        };
        let after_processing = match map.get("after_processing") {
            None | Some(Value::Null) | Some(Value::Bool(false)) => false,
            Some(Value::Bool(true)) if matches!(status, Some(500 | 503)) => true,
            Some(_) => {
                return Err(invalid(
                    "after_processing",
                    "after_processing (a boolean) goes with status 500 or 503",
                ))
            }
        };
        if let Some(webhooks) = map.get("webhooks") {
            let parsed: WebhookFaults = serde_json::from_value(webhooks.clone())
                .ok()
                .filter(|w: &WebhookFaults| (0..=60_000).contains(&w.delay_ms))
                .ok_or_else(|| {
                    invalid(
                        "webhooks",
                        "webhooks must be {duplicate?: bool, reorder?: bool, delay_ms?: 0..=60000}",
                    )
                })?;
            self.exec(
                "INSERT OR REPLACE INTO settings (name, value) VALUES ('webhook_faults', ?)",
                vec![s(serde_json::to_string(&parsed).unwrap_or_default())],
            )
            .map_err(internal)?;
        }
        if status.is_some() || drop_response || delay_ms > 0 {
            self.exec(
                "INSERT INTO faults (status, drop_response, retry_after, delay_ms, remaining, after_processing) VALUES (?, ?, ?, ?, ?, ?)",
                vec![opt_int(status), s(drop_response as i64), s(retry_after), s(delay_ms), s(next_n), s(after_processing as i64)],
            )
            .map_err(internal)?;
        } else if !map.contains_key("webhooks") {
            return Err(ApiError::new(
                ErrorCode::ParameterMissing,
                "give status, delay_ms or webhooks",
            ));
        }
        Ok(Reply::json(200, self.faults_json()?))
    }

    fn faults_json(&self) -> std::result::Result<String, ApiError> {
        let rows: Vec<FaultRow> = self
            .exec("SELECT seq, status, drop_response, retry_after, delay_ms, remaining, after_processing FROM faults ORDER BY seq", vec![])
            .map_err(internal)?
            .to_array()
            .map_err(internal)?;
        let requests: Vec<Value> = rows
            .iter()
            .map(|f| {
                serde_json::json!({
                    "status": match (f.status, f.drop_response) { (Some(code), _) => Value::from(code), (None, 1) => Value::from("drop"), _ => Value::Null },
                    "delay_ms": f.delay_ms, "retry_after": f.retry_after, "remaining": f.remaining,
                    "after_processing": f.after_processing != 0,
                })
            })
            .collect();
        let webhooks = self.webhook_faults().map_err(internal)?;
        Ok(
            serde_json::json!({ "object": "faults", "requests": requests, "webhooks": webhooks })
                .to_string(),
        )
    }
}
