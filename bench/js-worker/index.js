// The plain-JS baseline for `npm run bench`: what a merchant would write by hand without the
// SDK. POST /webhooks/kunog verifies Kunog-Signature (lower-case hex HMAC-SHA256 over
// `${Kunog-Timestamp}.${raw body}`, several comma-separated during a secret roll) with
// WebCrypto, checks the 5-minute tolerance and that the signed body's id equals
// Kunog-Event-Id, then dedupes on that id and stores the event in the order's SQLite Durable
// Object, in the same shape as the Rust Worker (processed_events table, one order row).
import { DurableObject } from "cloudflare:workers";

const TOLERANCE_MS = 5 * 60 * 1000;
const MAX_BODY_BYTES = 1_048_576;
const encoder = new TextEncoder();
const keys = new Map(); // secret -> CryptoKey, imported once per isolate

function hmacKey(secret) {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keys.set(secret, key);
  }
  return key;
}

function hex(buffer) {
  const bytes = new Uint8Array(buffer);
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += bytes[i].toString(16).padStart(2, "0");
  return out;
}

function equal(a, b) {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  return x.length === y.length && crypto.subtle.timingSafeEqual(x, y);
}

/** The verified event, or null (the reason is not told to the sender). */
async function verify(rawBody, headers, secrets, now = Date.now()) {
  const signature = headers.get("kunog-signature");
  const timestamp = headers.get("kunog-timestamp");
  const eventId = headers.get("kunog-event-id");
  if (!signature || !timestamp || !eventId || !/^\d{1,16}$/.test(timestamp)) return null;
  if (Math.abs(now - Number(timestamp)) > TOLERANCE_MS) return null;
  const message = encoder.encode(`${timestamp}.${rawBody}`);
  let matched = false;
  for (const secret of secrets) {
    const expected = hex(await crypto.subtle.sign("HMAC", await hmacKey(secret), message));
    if (signature.split(",").some((candidate) => equal(candidate.trim(), expected))) matched = true;
  }
  if (!matched) return null;
  let event;
  try {
    event = JSON.parse(rawBody);
  } catch {
    return null;
  }
  if (!event || typeof event.id !== "string" || event.id !== eventId || typeof event.type !== "string") return null;
  return event;
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname !== "/webhooks/kunog") return new Response("Not found", { status: 404 });
    if (request.method !== "POST") return new Response("Method not allowed", { status: 405, headers: { Allow: "POST" } });
    if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) return new Response("Payload too large", { status: 413 });
    const rawBody = await request.text();
    if (rawBody.length > MAX_BODY_BYTES) return new Response("Payload too large", { status: 413 });
    const secrets = [env.KUNOG_WEBHOOK_SECRET, env.KUNOG_WEBHOOK_SECRET_PREVIOUS].filter(Boolean);
    const event = await verify(rawBody, request.headers, secrets);
    if (!event) return new Response("Invalid webhook", { status: 400 });
    const object = event.data?.object ?? {};
    const orderId = object.metadata?.order_id ?? "_unmatched";
    const stub = env.ORDERS.get(env.ORDERS.idFromName(orderId));
    return stub.fetch("https://order/event", { method: "POST", body: rawBody });
  },
};

export class OrderObject extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS order_state (one INTEGER PRIMARY KEY CHECK (one = 1), json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS processed_events (
        event_id TEXT PRIMARY KEY, event_type TEXT NOT NULL, outcome TEXT NOT NULL, received_at INTEGER NOT NULL);`);
  }

  async fetch(request) {
    const event = JSON.parse(await request.text());
    // No await from here on: dedupe, apply and record commit together.
    if (this.sql.exec("SELECT event_id FROM processed_events WHERE event_id = ?", event.id).toArray().length) {
      return new Response("duplicate");
    }
    const row = this.sql.exec("SELECT json FROM order_state").toArray()[0];
    let outcome = "recorded: not an order of this Worker";
    if (row) {
      const order = JSON.parse(row.json);
      const from = order.status;
      if (event.type === "payment_intent.confirmed" && ["awaiting_payment", "soft_paid", "expired"].includes(from)) {
        order.status = "paid";
        order.history.push({ from, to: "paid", event_id: event.id, event_type: event.type, at_ms: Date.now() });
        this.sql.exec("INSERT OR REPLACE INTO order_state (one, json) VALUES (1, ?)", JSON.stringify(order));
        outcome = `${from} -> paid`;
      } else {
        outcome = "unchanged";
      }
    }
    this.sql.exec(
      "INSERT INTO processed_events (event_id, event_type, outcome, received_at) VALUES (?, ?, ?, ?)",
      event.id,
      event.type,
      outcome,
      Date.now(),
    );
    return new Response("ok");
  }
}
