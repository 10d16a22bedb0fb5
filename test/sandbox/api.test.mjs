// The sandbox's HTTP API: auth, errors, payment intents, refunds, endpoints, events, helpers.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { client, newKey, startSandbox, validIntent } from "./harness.mjs";

let sandbox;
before(async () => {
  sandbox = await startSandbox();
});
after(async () => {
  await sandbox?.stop();
});

function assertError(res, status, type, code, param) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get("kunog-request-id") ?? "", /^req_[0-9A-Za-z]{20,}$/);
  assert.deepEqual(Object.keys(res.json), ["error"]);
  const e = res.json.error;
  assert.equal(e.type, type);
  assert.equal(e.code, code);
  assert.equal(typeof e.message, "string");
  assert.ok(e.message.length > 0);
  assert.equal(e.param, param ?? null);
  assert.equal(e.request_id, res.headers.get("kunog-request-id"));
}

describe("auth", () => {
  test("missing, malformed and live keys are 401 with a request id", async () => {
    const bare = await fetch(`${sandbox.baseUrl}/v1/payment_intents`);
    const bareRes = { status: bare.status, headers: bare.headers, json: await bare.json() };
    assertError(bareRes, 401, "authentication_error", "missing_api_key");
    for (const [key, code] of [
      ["sk_test_123", "invalid_api_key"],
      ["kng_test_", "invalid_api_key"],
      ["kng_test_has space", "invalid_api_key"],
      ["kng_live_abc123", "live_key_in_sandbox"],
    ]) {
      assertError(await client(sandbox.baseUrl, key).get("/v1/payment_intents"), 401, "authentication_error", code);
    }
    const basic = await fetch(`${sandbox.baseUrl}/v1/payment_intents`, { headers: { Authorization: "Basic a2V5Og==" } });
    assert.equal(basic.status, 401);
  });

  test("each API key sees only its own data", async () => {
    const a = client(sandbox.baseUrl);
    const b = client(sandbox.baseUrl);
    const created = await a.post("/v1/payment_intents", validIntent);
    assert.equal(created.status, 200);
    assertError(await b.get(`/v1/payment_intents/${created.json.id}`), 404, "invalid_request_error", "resource_missing", "id");
    assert.equal((await b.get("/v1/payment_intents")).json.data.length, 0);
    assert.equal((await a.get(`/v1/payment_intents/${created.json.id}`)).status, 200);
  });

  test("unknown routes are 404 unknown_route with the error shape", async () => {
    const c = client(sandbox.baseUrl);
    assertError(await c.get("/v1/nope"), 404, "invalid_request_error", "unknown_route");
    assertError(await c.del("/v1/payment_intents"), 404, "invalid_request_error", "unknown_route");
  });
});

describe("payment intents", () => {
  test("create answers the PaymentIntent with every field", async () => {
    const c = client(sandbox.baseUrl);
    const before = Date.now();
    const res = await c.post("/v1/payment_intents", { ...validIntent, metadata: { order_id: "KNG-2048" }, description: "Mug" });
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get("kunog-request-id"), /^req_[0-9A-Za-z]{20,}$/);
    assert.match(res.headers.get("content-type"), /application\/json/);
    const pi = res.json;
    assert.deepEqual(Object.keys(pi), ["id", "object", "status", "amount", "currency", "settlement", "checkout_url", "success_url", "cancel_url", "metadata", "description", "amount_refunded", "livemode", "created", "expires_at"]);
    assert.match(pi.id, /^pi_[0-9A-Za-z]{20,}$/);
    assert.equal(pi.object, "payment_intent");
    assert.equal(pi.status, "created");
    assert.equal(pi.amount, 4900);
    assert.equal(pi.currency, "USD");
    assert.equal(pi.settlement, "USDC");
    assert.ok(pi.checkout_url.startsWith(`${sandbox.baseUrl}/checkout/${pi.id}`));
    assert.equal(pi.success_url, validIntent.success_url);
    assert.deepEqual(pi.metadata, { order_id: "KNG-2048" });
    assert.equal(pi.description, "Mug");
    assert.equal(pi.amount_refunded, 0);
    assert.equal(pi.livemode, false);
    assert.ok(Number.isInteger(pi.created) && pi.created >= before - 5_000 && pi.created <= Date.now() + 5_000);
    assert.equal(pi.expires_at - pi.created, 30 * 60 * 1000);
  });

  test("defaults: settlement USDC, no urls, empty metadata, null description", async () => {
    const res = await client(sandbox.baseUrl).post("/v1/payment_intents", { amount: 1, currency: "EUR" });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.settlement, "USDC");
    assert.equal(res.json.success_url, null);
    assert.equal(res.json.cancel_url, null);
    assert.deepEqual(res.json.metadata, {});
    assert.equal(res.json.description, null);
  });

  const invalid = [
    [{ currency: "USD" }, "parameter_missing", "amount"],
    [{ amount: 0, currency: "USD" }, "parameter_invalid", "amount"],
    [{ amount: -5, currency: "USD" }, "parameter_invalid", "amount"],
    [{ amount: 100_000_000, currency: "USD" }, "parameter_invalid", "amount"],
    [{ amount: 49.5, currency: "USD" }, "parameter_invalid", "amount"],
    [{ amount: "4900", currency: "USD" }, "parameter_invalid", "amount"],
    [{ amount: 4900 }, "parameter_missing", "currency"],
    [{ amount: 4900, currency: "usd" }, "parameter_invalid", "currency"],
    [{ amount: 4900, currency: "USDX" }, "parameter_invalid", "currency"],
    [{ amount: 4900, currency: "XYZ" }, "unsupported_currency", "currency"],
    [{ amount: 4900, currency: "USD", settlement: "DOGE" }, "unsupported_settlement", "settlement"],
    [{ amount: 4900, currency: "USD", settlement: 5 }, "parameter_invalid", "settlement"],
    [{ amount: 4900, currency: "USD", success_url: "http://example.com/x" }, "parameter_invalid", "success_url"],
    [{ amount: 4900, currency: "USD", success_url: "/relative" }, "parameter_invalid", "success_url"],
    [{ amount: 4900, currency: "USD", cancel_url: `https://example.com/${"a".repeat(2048)}` }, "parameter_invalid", "cancel_url"],
    [{ amount: 4900, currency: "USD", cancel_url: "ftp://example.com" }, "parameter_invalid", "cancel_url"],
    [{ amount: 4900, currency: "USD", metadata: "x" }, "parameter_invalid", "metadata"],
    [{ amount: 4900, currency: "USD", metadata: { n: 1 } }, "parameter_invalid", "metadata"],
    [{ amount: 4900, currency: "USD", metadata: { ["k".repeat(41)]: "v" } }, "parameter_invalid", "metadata"],
    [{ amount: 4900, currency: "USD", metadata: { k: "v".repeat(501) } }, "parameter_invalid", "metadata"],
    [{ amount: 4900, currency: "USD", metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])) }, "parameter_invalid", "metadata"],
    [{ amount: 4900, currency: "USD", description: "d".repeat(1001) }, "parameter_invalid", "description"],
    [{ amount: 4900, currency: "USD", colour: "red" }, "parameter_unknown", "colour"],
  ];
  for (const [body, code, param] of invalid) {
    test(`400 ${code} (${param}) for ${JSON.stringify(body).slice(0, 80)}`, async () => {
      assertError(await client(sandbox.baseUrl).post("/v1/payment_intents", body), 400, "invalid_request_error", code, param);
    });
  }

  test("edge values that are valid", async () => {
    const c = client(sandbox.baseUrl);
    for (const body of [
      { amount: 99_999_999, currency: "GBP" },
      { amount: 1, currency: "USD", success_url: "http://localhost:3000/ok", cancel_url: "http://127.0.0.1/cancel" },
      { amount: 5, currency: "USD", metadata: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`.padEnd(40, "x"), "v".repeat(500)])) },
      { amount: 5, currency: "USD", description: "d".repeat(1000), settlement: "USDC" },
    ]) {
      const res = await c.post("/v1/payment_intents", body);
      assert.equal(res.status, 200, res.text);
    }
  });

  test("invalid JSON body is 400 invalid_json", async () => {
    const c = client(sandbox.baseUrl);
    assertError(await c.call("POST", "/v1/payment_intents", { rawBody: "{not json" }), 400, "invalid_request_error", "invalid_json");
    assertError(await c.call("POST", "/v1/payment_intents", { rawBody: "[1]" }), 400, "invalid_request_error", "invalid_json");
  });

  test("retrieve, and 404 resource_missing for an unknown id", async () => {
    const c = client(sandbox.baseUrl);
    const created = (await c.post("/v1/payment_intents", validIntent)).json;
    const got = await c.get(`/v1/payment_intents/${created.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.json, created);
    assertError(await c.get("/v1/payment_intents/pi_doesnotexist000000000000"), 404, "invalid_request_error", "resource_missing", "id");
  });

  test("list: newest first, limit, starting_after, has_more", async () => {
    const c = client(sandbox.baseUrl);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await c.post("/v1/payment_intents", { amount: 100 + i, currency: "USD" })).json.id);
    const newestFirst = [...ids].reverse();
    const all = await c.get("/v1/payment_intents");
    assert.equal(all.json.object, "list");
    assert.deepEqual(all.json.data.map((p) => p.id), newestFirst);
    assert.equal(all.json.has_more, false);
    const page1 = (await c.get("/v1/payment_intents?limit=2")).json;
    assert.deepEqual(page1.data.map((p) => p.id), newestFirst.slice(0, 2));
    assert.equal(page1.has_more, true);
    const page2 = (await c.get(`/v1/payment_intents?limit=2&starting_after=${page1.data[1].id}`)).json;
    assert.deepEqual(page2.data.map((p) => p.id), newestFirst.slice(2, 4));
    assert.equal(page2.has_more, true);
    const page3 = (await c.get(`/v1/payment_intents?limit=2&starting_after=${page2.data[1].id}`)).json;
    assert.deepEqual(page3.data.map((p) => p.id), newestFirst.slice(4));
    assert.equal(page3.has_more, false);
    for (const bad of ["0", "101", "abc", "2.5"]) {
      assertError(await c.get(`/v1/payment_intents?limit=${bad}`), 400, "invalid_request_error", "parameter_invalid", "limit");
    }
    assert.equal((await c.get("/v1/payment_intents?limit=100")).status, 200);
    assertError(await c.get("/v1/payment_intents?starting_after=pi_unknown"), 404, "invalid_request_error", "resource_missing", "starting_after");
  });

  test("list default limit is 10", async () => {
    const c = client(sandbox.baseUrl);
    for (let i = 0; i < 11; i++) await c.post("/v1/payment_intents", { amount: 1, currency: "USD" });
    const res = (await c.get("/v1/payment_intents")).json;
    assert.equal(res.data.length, 10);
    assert.equal(res.has_more, true);
  });
});

describe("life cycle, test helpers and events", () => {
  test("created -> pending -> confirmed emits one event per transition", async () => {
    const c = client(sandbox.baseUrl);
    const pi = (await c.post("/v1/payment_intents", validIntent)).json;
    const paid = await c.post(`/v1/test_helpers/payment_intents/${pi.id}/pay`);
    assert.equal(paid.status, 200, paid.text);
    assert.equal(paid.json.status, "pending");
    const confirmed = await c.post(`/v1/test_helpers/payment_intents/${pi.id}/confirm`);
    assert.equal(confirmed.json.status, "confirmed");
    assert.equal((await c.get(`/v1/payment_intents/${pi.id}`)).json.status, "confirmed");
    const events = (await c.get("/v1/events")).json;
    assert.equal(events.object, "list");
    assert.deepEqual(events.data.map((e) => e.type), ["payment_intent.confirmed", "payment_intent.pending", "payment_intent.created"]);
    for (const e of events.data) {
      assert.match(e.id, /^evt_[0-9A-Za-z]{20,}$/);
      assert.equal(e.object, "event");
      assert.equal(e.livemode, false);
      assert.equal(e.data.object.id, pi.id);
      assert.equal(e.data.object.status, e.type.split(".")[1]);
      assert.deepEqual(e.delivery_attempts, []);
    }
    const one = await c.get(`/v1/events/${events.data[0].id}`);
    assert.equal(one.json.id, events.data[0].id);
    assertError(await c.get("/v1/events/evt_nope"), 404, "invalid_request_error", "resource_missing", "id");
    const filtered = (await c.get("/v1/events?type=payment_intent.pending")).json;
    assert.deepEqual(filtered.data.map((e) => e.type), ["payment_intent.pending"]);
    const paged = (await c.get("/v1/events?limit=1")).json;
    assert.equal(paged.data.length, 1);
    assert.equal(paged.has_more, true);
  });

  test("expire from created and from pending; no other transition exists", async () => {
    const c = client(sandbox.baseUrl);
    const a = (await c.post("/v1/payment_intents", validIntent)).json;
    assert.equal((await c.post(`/v1/test_helpers/payment_intents/${a.id}/expire`)).json.status, "expired");
    const b = (await c.post("/v1/payment_intents", validIntent)).json;
    await c.post(`/v1/test_helpers/payment_intents/${b.id}/pay`);
    assert.equal((await c.post(`/v1/test_helpers/payment_intents/${b.id}/expire`)).json.status, "expired");
    const d = (await c.post("/v1/payment_intents", validIntent)).json;
    assertError(await c.post(`/v1/test_helpers/payment_intents/${d.id}/confirm`), 400, "invalid_request_error", "invalid_state_transition");
    await c.post(`/v1/test_helpers/payment_intents/${d.id}/pay`);
    assertError(await c.post(`/v1/test_helpers/payment_intents/${d.id}/pay`), 400, "invalid_request_error", "invalid_state_transition");
    await c.post(`/v1/test_helpers/payment_intents/${d.id}/confirm`);
    for (const action of ["pay", "confirm", "expire"]) {
      assertError(await c.post(`/v1/test_helpers/payment_intents/${d.id}/${action}`), 400, "invalid_request_error", "invalid_state_transition");
      assertError(await c.post(`/v1/test_helpers/payment_intents/${a.id}/${action}`), 400, "invalid_request_error", "invalid_state_transition");
    }
    assertError(await c.post("/v1/test_helpers/payment_intents/pi_nope/pay"), 404, "invalid_request_error", "resource_missing", "id");
    const types = (await c.get("/v1/events?limit=100")).json.data.map((e) => e.type);
    assert.equal(types.filter((t) => t === "payment_intent.expired").length, 2);
    assert.equal(types.filter((t) => t === "payment_intent.confirmed").length, 1);
  });
});

describe("refunds", () => {
  async function confirmedIntent(c, amount = 4900) {
    const pi = (await c.post("/v1/payment_intents", { ...validIntent, amount })).json;
    await c.post(`/v1/test_helpers/payment_intents/${pi.id}/pay`);
    await c.post(`/v1/test_helpers/payment_intents/${pi.id}/confirm`);
    return pi;
  }

  test("full and partial refunds; amount_refunded grows; refund.created events", async () => {
    const c = client(sandbox.baseUrl);
    const pi = await confirmedIntent(c);
    const partial = await c.post("/v1/refunds", { payment_intent: pi.id, amount: 1000, reason: "requested_by_customer", metadata: { ticket: "T-1" } });
    assert.equal(partial.status, 200, partial.text);
    assert.deepEqual(Object.keys(partial.json), ["id", "object", "payment_intent", "amount", "currency", "status", "reason", "metadata", "created"]);
    assert.match(partial.json.id, /^re_[0-9A-Za-z]{20,}$/);
    assert.equal(partial.json.object, "refund");
    assert.equal(partial.json.amount, 1000);
    assert.equal(partial.json.currency, "USD");
    assert.equal(partial.json.status, "succeeded");
    assert.equal(partial.json.reason, "requested_by_customer");
    assert.deepEqual(partial.json.metadata, { ticket: "T-1" });
    assert.equal((await c.get(`/v1/payment_intents/${pi.id}`)).json.amount_refunded, 1000);
    assertError(await c.post("/v1/refunds", { payment_intent: pi.id, amount: 3901 }), 400, "invalid_request_error", "amount_too_large", "amount");
    const rest = await c.post("/v1/refunds", { payment_intent: pi.id });
    assert.equal(rest.json.amount, 3900);
    assert.equal(rest.json.reason, null);
    assert.deepEqual(rest.json.metadata, {});
    assert.equal((await c.get(`/v1/payment_intents/${pi.id}`)).json.amount_refunded, 4900);
    assertError(await c.post("/v1/refunds", { payment_intent: pi.id }), 400, "invalid_request_error", "payment_intent_not_refundable", "payment_intent");
    assert.deepEqual((await c.get(`/v1/refunds/${rest.json.id}`)).json, rest.json);
    const events = (await c.get("/v1/events?type=refund.created")).json.data;
    assert.equal(events.length, 2);
    assert.equal(events[0].data.object.id, rest.json.id);
    assert.equal(events[0].data.object.object, "refund");
  });

  test("refund validation", async () => {
    const c = client(sandbox.baseUrl);
    const open = (await c.post("/v1/payment_intents", validIntent)).json;
    assertError(await c.post("/v1/refunds", { payment_intent: open.id }), 400, "invalid_request_error", "payment_intent_not_refundable", "payment_intent");
    await c.post(`/v1/test_helpers/payment_intents/${open.id}/pay`);
    assertError(await c.post("/v1/refunds", { payment_intent: open.id }), 400, "invalid_request_error", "payment_intent_not_refundable", "payment_intent");
    assertError(await c.post("/v1/refunds", {}), 400, "invalid_request_error", "parameter_missing", "payment_intent");
    assertError(await c.post("/v1/refunds", { payment_intent: 7 }), 400, "invalid_request_error", "parameter_invalid", "payment_intent");
    assertError(await c.post("/v1/refunds", { payment_intent: "pi_nope" }), 404, "invalid_request_error", "resource_missing", "payment_intent");
    const pi = await confirmedIntent(c);
    for (const amount of [0, -1, 1.5, "10"]) {
      assertError(await c.post("/v1/refunds", { payment_intent: pi.id, amount }), 400, "invalid_request_error", "parameter_invalid", "amount");
    }
    assertError(await c.post("/v1/refunds", { payment_intent: pi.id, why: "x" }), 400, "invalid_request_error", "parameter_unknown", "why");
    assertError(await c.post("/v1/refunds", { payment_intent: pi.id, metadata: [] }), 400, "invalid_request_error", "parameter_invalid", "metadata");
    assertError(await c.get("/v1/refunds/re_nope"), 404, "invalid_request_error", "resource_missing", "id");
  });
});

describe("webhook endpoints", () => {
  test("create shows the secret once; list hides it; delete", async () => {
    const c = client(sandbox.baseUrl);
    const created = await c.post("/v1/webhook_endpoints", { url: "https://example.com/hooks", enabled_events: ["payment_intent.confirmed"] });
    assert.equal(created.status, 200, created.text);
    const ep = created.json;
    assert.match(ep.id, /^we_[0-9A-Za-z]{20,}$/);
    assert.equal(ep.object, "webhook_endpoint");
    assert.equal(ep.url, "https://example.com/hooks");
    assert.deepEqual(ep.enabled_events, ["payment_intent.confirmed"]);
    assert.match(ep.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(ep.secret.slice(6), "base64").length, 32);
    const other = (await c.post("/v1/webhook_endpoints", { url: "http://127.0.0.1:9/x" })).json;
    assert.deepEqual(other.enabled_events, ["*"]);
    assert.notEqual(other.secret, ep.secret);
    const list = (await c.get("/v1/webhook_endpoints")).json;
    assert.equal(list.object, "list");
    assert.deepEqual(list.data.map((e) => e.id).sort(), [ep.id, other.id].sort());
    for (const e of list.data) assert.equal("secret" in e, false);
    assert.ok(!list.data.some((e) => JSON.stringify(e).includes("whsec_")));
    const deleted = await c.del(`/v1/webhook_endpoints/${ep.id}`);
    assert.deepEqual(deleted.json, { id: ep.id, object: "webhook_endpoint", deleted: true });
    assert.deepEqual((await c.get("/v1/webhook_endpoints")).json.data.map((e) => e.id), [other.id]);
    assertError(await c.del(`/v1/webhook_endpoints/${ep.id}`), 404, "invalid_request_error", "resource_missing", "id");
  });

  test("endpoint validation", async () => {
    const c = client(sandbox.baseUrl);
    assertError(await c.post("/v1/webhook_endpoints", {}), 400, "invalid_request_error", "parameter_missing", "url");
    assertError(await c.post("/v1/webhook_endpoints", { url: "http://example.com/x" }), 400, "invalid_request_error", "parameter_invalid", "url");
    assertError(await c.post("/v1/webhook_endpoints", { url: "https://e.com", enabled_events: ["nope"] }), 400, "invalid_request_error", "parameter_invalid", "enabled_events");
    assertError(await c.post("/v1/webhook_endpoints", { url: "https://e.com", enabled_events: [] }), 400, "invalid_request_error", "parameter_invalid", "enabled_events");
    assertError(await c.post("/v1/webhook_endpoints", { url: "https://e.com", extra: 1 }), 400, "invalid_request_error", "parameter_unknown", "extra");
  });
});

test("health and non-API paths", async () => {
  const health = await fetch(`${sandbox.baseUrl}/health`);
  assert.equal(health.status, 200);
  assert.match(health.headers.get("kunog-request-id"), /^req_/);
  const other = await fetch(`${sandbox.baseUrl}/nope`);
  assert.equal(other.status, 404);
  assert.equal((await other.json()).error.code, "unknown_route");
  assert.match(newKey(), /^kng_test_/);
});
