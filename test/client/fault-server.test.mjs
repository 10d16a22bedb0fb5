// KunogClient against a small local fault server (node:http on 127.0.0.1), for what the
// sandbox cannot do: reset the connection after the request arrived, hang past the
// deadline, answer 200 with HTML or a body cut short. Every request the server receives is
// recorded: the same Idempotency-Key on every attempt of a call, User-Agent, Authorization,
// and the backoff gaps within the policy's bounds (full jitter: gap <= min(5000, 500·2^retry)).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { after, before, beforeEach, describe, it } from "node:test";

import { rejects } from "./helpers.mjs";

const require = createRequire(import.meta.url);
const { KunogClient, KunogError, VERSION } = require("../../pkg");

const API_KEY = "kng_test_4eC39HqLyjWDarjtT1zdp7dc";
// Timer and scheduling lateness allowed on a loaded machine.
const SLACK_MS = 300;

const INTENT = {
  id: "pi_3MtwBwLkdIwHu7ix28a3tqPa",
  object: "payment_intent",
  status: "created",
  amount: 4900,
  currency: "USD",
  settlement: "USDC",
  checkout_url: "https://checkout.kunog.com/pi_3MtwBwLkdIwHu7ix28a3tqPa",
  success_url: null,
  cancel_url: null,
  metadata: { order_id: "KNG-2048" },
  description: null,
  amount_refunded: 0,
  livemode: false,
  created: 1764806400000,
  expires_at: 1764808200000,
};
const INTENT_JSON = JSON.stringify(INTENT);

// ---- the fault server: answers each request with the next handler of the script ----

const json = (status, body, headers = {}) => (req, res) => {
  res.writeHead(status, { "content-type": "application/json", "kunog-request-id": "req_faultserver0000000000001", ...headers });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
};
const ok = (body = INTENT_JSON) => json(200, body);
const apiError = (status, code, type = "api_error", headers = {}) =>
  json(status, { error: { type, code, message: `injected ${status}`, param: null, request_id: "req_fromthebody00000000001" } }, headers);
const reset = () => (req) => req.socket.destroy(); // after the whole request arrived
const hang = () => () => {}; // never answers
const html = (status = 200) => (req, res) => {
  res.writeHead(status, { "content-type": "text/html" });
  res.end("<!doctype html><html><body><h1>Welcome to the hotel Wi-Fi</h1></body></html>");
};

let server;
let baseUrl;
let script = [];
let log = [];

function start() {
  return new Promise((resolve) => {
    server = createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        log.push({ at: performance.now(), method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
        const handler = script.shift() ?? json(500, { error: { type: "api_error", code: "script_exhausted", message: "no answer scripted" } });
        handler(req, res);
      });
    });
    server.keepAliveTimeout = 1_000;
    server.listen(0, "127.0.0.1", () => {
      baseUrl = `http://127.0.0.1:${server.address().port}`;
      resolve();
    });
  });
}

function kunog(options = {}) {
  return new KunogClient({ apiKey: API_KEY, baseUrl, timeoutMs: 5_000, maxRetries: 2, ...options });
}

async function timed(promise) {
  const started = performance.now();
  try {
    return { value: await promise, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

const gaps = () => log.slice(1).map((r, i) => r.at - log[i].at);

/** Every recorded attempt: one key, the SDK's User-Agent, the bearer key, the same request. */
function assertAttemptsOfOneCall({ method = "POST", path = "/v1/payment_intents", key } = {}) {
  assert.ok(log.length >= 1, "the server saw the call");
  for (const r of log) {
    assert.equal(r.method, method);
    assert.equal(r.url, path);
    assert.equal(r.headers.authorization, `Bearer ${API_KEY}`);
    assert.match(r.headers["user-agent"], new RegExp(`(^|\\s)kunog-js/${VERSION.replaceAll(".", "\\.")}(\\s|$)`));
    if (method === "POST") {
      assert.equal(r.headers["content-type"], "application/json");
      assert.ok(r.headers["idempotency-key"], "an Idempotency-Key");
    } else {
      assert.equal(r.headers["idempotency-key"], undefined, "no Idempotency-Key on a GET");
    }
  }
  const first = log[0];
  if (key !== undefined) assert.equal(first.headers["idempotency-key"], key);
  for (const r of log) {
    assert.equal(r.headers["idempotency-key"], first.headers["idempotency-key"], "the same Idempotency-Key on every attempt");
    assert.equal(r.body, first.body, "the same body on every attempt");
  }
}

/** Gap before retry n (0-based) is at most min(5000, 500·2^n), plus scheduling slack. */
function assertBackoffWithinBounds() {
  gaps().forEach((gap, retry) => {
    const ceiling = Math.min(5_000, 500 * 2 ** retry);
    assert.ok(gap >= 0 && gap <= ceiling + SLACK_MS, `retry ${retry + 1} waited ${gap.toFixed(0)} ms, ceiling ${ceiling} ms`);
  });
}

describe("KunogClient against a local fault server", () => {
  before(start);
  after(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    script = [];
    log = [];
  });

  it("sends the seed's request: bearer key, JSON, an Idempotency-Key, a User-Agent naming kunog-js and its version", async () => {
    script = [ok()];
    const intent = await kunog().createPaymentIntent({ amount: 4900, currency: "USD", metadata: { order_id: "KNG-2048" } });
    assert.deepEqual(intent, INTENT);
    assert.equal(log.length, 1);
    assertAttemptsOfOneCall();
    assert.match(log[0].headers["idempotency-key"], /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(JSON.parse(log[0].body), { amount: 4900, currency: "USD", metadata: { order_id: "KNG-2048" } });
    assert.match(VERSION, /^\d+\.\d+\.\d+/);
  });

  it("a connection reset after the request arrived is retried with the same key", async () => {
    script = [reset(), ok()];
    const idempotencyKey = randomUUID();
    const intent = await kunog().createPaymentIntent({ amount: 4900, currency: "USD" }, { idempotencyKey });
    assert.deepEqual(intent, INTENT);
    assert.equal(log.length, 2);
    assertAttemptsOfOneCall({ key: idempotencyKey });
    assertBackoffWithinBounds();
  });

  it("resets until retries run out: a network connection_error, 1 + maxRetries attempts, backoff within bounds", async () => {
    script = [reset(), reset(), reset(), reset(), ok()];
    const { error, ms } = await timed(kunog({ maxRetries: 3 }).createPaymentIntent({ amount: 4900, currency: "USD" }));
    assert.ok(error instanceof KunogError, String(error));
    assert.deepEqual(
      { status: error.status, type: error.type, code: error.code, param: error.param, requestId: error.requestId },
      { status: null, type: "connection_error", code: "network", param: null, requestId: null },
    );
    assert.match(error.message, /after 4 attempts/);
    assert.equal(log.length, 4);
    assertAttemptsOfOneCall();
    assertBackoffWithinBounds();
    assert.ok(ms <= 500 + 1_000 + 2_000 + 4 * SLACK_MS, `bounded by the backoff ceilings: ${ms} ms`);
  });

  it("a server that hangs past the deadline: code timeout, ended near the deadline", async () => {
    script = [hang(), hang(), hang()];
    const { error, ms } = await timed(kunog({ timeoutMs: 300 }).createPaymentIntent({ amount: 4900, currency: "USD" }));
    assert.ok(error instanceof KunogError, String(error));
    assert.deepEqual({ status: error.status, type: error.type, code: error.code }, { status: null, type: "connection_error", code: "timeout" });
    assert.match(error.message, /300 ms/);
    assert.ok(ms >= 280, `not before the deadline (ms clocks): ${ms} ms`);
    assert.ok(ms <= 300 + SLACK_MS, `soon after the deadline: ${ms} ms`);
    assert.equal(log.length, 1, "the one deadline was spent on the first attempt");
  });

  it("one deadline covers all attempts: a 500, then a hang, ends at the deadline", async () => {
    script = [apiError(500, "internal_error"), hang()];
    const { error, ms } = await timed(kunog({ timeoutMs: 900 }).createPaymentIntent({ amount: 4900, currency: "USD" }));
    assert.ok(error instanceof KunogError, String(error));
    assert.equal(error.type, "connection_error");
    assert.equal(error.code, "timeout");
    assert.ok(ms >= 880 && ms <= 900 + SLACK_MS, `ended at the call's deadline: ${ms} ms`);
    assert.equal(log.length, 2);
    assertAttemptsOfOneCall();
  });

  it("a GET that hangs times out too, and the server's reset on a GET is retried", async () => {
    script = [hang()];
    const { error, ms } = await timed(kunog({ timeoutMs: 300 }).retrievePaymentIntent(INTENT.id));
    assert.equal(error?.code, "timeout");
    assert.ok(ms <= 300 + SLACK_MS, `${ms} ms`);
    log = [];
    script = [reset(), ok()];
    assert.deepEqual(await kunog().retrievePaymentIntent(INTENT.id), INTENT);
    assert.equal(log.length, 2);
    assertAttemptsOfOneCall({ method: "GET", path: `/v1/payment_intents/${INTENT.id}` });
  });

  it("200 with an HTML body is a typed invalid_response error, not retried", async () => {
    script = [html(200), ok()];
    const error = await rejects(kunog().createPaymentIntent({ amount: 4900, currency: "USD" }));
    assert.ok(error instanceof KunogError, String(error));
    assert.deepEqual({ status: error.status, type: error.type, code: error.code }, { status: 200, type: "api_error", code: "invalid_response" });
    assert.match(error.message, /HTML/);
    assert.equal(log.length, 1, "not retried: the request may have succeeded and this is not Kunog");
  });

  it("a 502 HTML page from a proxy is retried like any 5xx", async () => {
    script = [html(502), ok()];
    assert.deepEqual(await kunog().createPaymentIntent({ amount: 4900, currency: "USD" }), INTENT);
    assert.equal(log.length, 2);
    assertAttemptsOfOneCall();
  });

  it("200 with the JSON cut short or an empty body (an answer lost in transit) is retried with the same key", async () => {
    script = [ok(INTENT_JSON.slice(0, 40)), ok(""), ok()];
    assert.deepEqual(await kunog().createPaymentIntent({ amount: 4900, currency: "USD" }), INTENT);
    assert.equal(log.length, 3);
    assertAttemptsOfOneCall();
    assertBackoffWithinBounds();
  });

  it("500 then 200: retried, within the first backoff ceiling", async () => {
    script = [apiError(500, "internal_error"), ok()];
    assert.deepEqual(await kunog().createPaymentIntent({ amount: 4900, currency: "USD" }), INTENT);
    assert.equal(log.length, 2);
    assertAttemptsOfOneCall();
    assertBackoffWithinBounds();
  });

  it("503, 409, 500 then 200: full-jitter backoff within 500, 1000, 2000 ms", async () => {
    script = [apiError(503, "service_unavailable"), apiError(409, "idempotency_key_in_use", "idempotency_error"), apiError(500, "internal_error"), ok()];
    assert.deepEqual(await kunog({ maxRetries: 3 }).createPaymentIntent({ amount: 4900, currency: "USD" }), INTENT);
    assert.equal(log.length, 4);
    assertAttemptsOfOneCall();
    assertBackoffWithinBounds();
  });

  it("the retries' waits are jittered, not fixed", async () => {
    const first = [];
    for (let i = 0; i < 6; i++) {
      log = [];
      script = [apiError(503, "service_unavailable"), ok()];
      await kunog().createPaymentIntent({ amount: 4900, currency: "USD" });
      first.push(gaps()[0]);
    }
    assertBackoffWithinBounds();
    const spread = Math.max(...first) - Math.min(...first);
    assert.ok(spread > 20, `six first waits spread over more than 20 ms: ${first.map((g) => g.toFixed(0))}`);
  });

  it("429 with Retry-After: 1 waits at least that long; a Retry-After past 60 s ends the call at once", async () => {
    script = [apiError(429, "rate_limited", "rate_limit_error", { "retry-after": "1" }), ok()];
    assert.deepEqual(await kunog().createPaymentIntent({ amount: 4900, currency: "USD" }), INTENT);
    assert.equal(log.length, 2);
    assertAttemptsOfOneCall();
    assert.ok(gaps()[0] >= 1_000, `Retry-After honoured: ${gaps()[0]} ms`);
    assert.ok(gaps()[0] <= 1_000 + SLACK_MS, `${gaps()[0]} ms`);

    log = [];
    script = [apiError(429, "rate_limited", "rate_limit_error", { "retry-after": "120" }), ok()];
    const { error, ms } = await timed(kunog({ timeoutMs: 300_000 }).createPaymentIntent({ amount: 4900, currency: "USD" }));
    assert.deepEqual({ status: error?.status, type: error?.type, code: error?.code }, { status: 429, type: "rate_limit_error", code: "rate_limited" });
    assert.equal(log.length, 1);
    assert.ok(ms < 1_000, `${ms} ms`);
  });

  it("a 4xx other than 409 and 429 is never retried; the error's fields come from Kunog's JSON", async () => {
    for (const [status, code, type] of [[400, "parameter_invalid", "invalid_request_error"], [401, "invalid_api_key", "authentication_error"], [404, "resource_missing", "invalid_request_error"], [422, "idempotency_key_reused", "idempotency_error"]]) {
      log = [];
      script = [
        json(status, { error: { type, code, message: `m${status}`, param: status === 400 ? "amount" : null, request_id: "req_fromthebody00000000001" } }),
        ok(),
      ];
      const error = await rejects(kunog().createPaymentIntent({ amount: 4900, currency: "USD" }));
      assert.ok(error instanceof KunogError, String(error));
      assert.deepEqual(
        { status: error.status, type: error.type, code: error.code, param: error.param, requestId: error.requestId },
        { status, type, code, param: status === 400 ? "amount" : null, requestId: "req_fromthebody00000000001" },
      );
      assert.match(error.message, new RegExp(`m${status}`));
      assert.equal(log.length, 1, `${status} is not retried`);
    }
  });

  it("a non-Kunog error page keeps the Kunog-Request-Id header; a redirect is not followed", async () => {
    script = [(req, res) => {
      res.writeHead(404, { "content-type": "text/plain", "kunog-request-id": "req_fromtheheader000000001" });
      res.end("Not Found");
    }];
    const error = await rejects(kunog().retrievePaymentIntent(INTENT.id));
    assert.deepEqual({ status: error.status, code: error.code, requestId: error.requestId }, { status: 404, code: "invalid_response", requestId: "req_fromtheheader000000001" });

    log = [];
    script = [(req, res) => {
      res.writeHead(302, { location: `${baseUrl}/elsewhere` });
      res.end();
    }, ok()];
    const redirected = await rejects(kunog().createPaymentIntent({ amount: 4900, currency: "USD" }));
    assert.ok(redirected instanceof KunogError, String(redirected));
    assert.equal(redirected.status, 302);
    assert.deepEqual(log.map((r) => r.url), ["/v1/payment_intents"], "the bearer key was not sent on to the redirect's target");
  });

  it("pages through a list, retrying a reset in the middle without repeating or skipping", async () => {
    const page = (ids, hasMore) => ok(JSON.stringify({ object: "list", data: ids.map((id) => ({ ...INTENT, id })), has_more: hasMore }));
    const [a, b, c] = ["A", "B", "C"].map((x) => `pi_${x.repeat(24)}`);
    script = [page([c, b], true), reset(), page([a], false)];
    const seen = [];
    for await (const pi of kunog().listPaymentIntents({ limit: 2 })) seen.push(pi.id);
    assert.deepEqual(seen, [c, b, a]);
    assert.deepEqual(log.map((r) => r.url), ["/v1/payment_intents?limit=2", `/v1/payment_intents?limit=2&starting_after=${b}`, `/v1/payment_intents?limit=2&starting_after=${b}`]);
  });
});
