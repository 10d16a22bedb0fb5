// Webhook delivery: one event per transition, signed with each endpoint's own secret,
// retried with backoff on failure (status, refused/dropped connection, timeout), re-signed
// with a fresh timestamp each attempt. Signatures are checked with node:crypto only.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { client, eventually, startSandbox, validIntent, verifyKunogWebhook, freePort } from "./harness.mjs";

const ENV_SECRET = "whsec_c2FuZGJveC1lbnYtc2VjcmV0LWZvci10ZXN0cy0xMjM0NQ==";
let sandbox;
let receiver;
let receiverUrl;
/** path -> [{ headers, body, at }] */
const received = new Map();
/** path -> (attemptNumber, req, res) => boolean (true: handled) */
const behaviours = new Map();

before(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const list = received.get(req.url) ?? [];
      list.push({ headers: req.headers, body, at: Date.now() });
      received.set(req.url, list);
      const behave = behaviours.get(req.url);
      if (behave && behave(list.length, req, res)) return;
      res.writeHead(200).end("ok");
    });
  });
  await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${receiver.address().port}`;
  sandbox = await startSandbox({
    vars: {
      KUNOG_SANDBOX_TIME_SCALE: "0.01",
      KUNOG_SANDBOX_DELIVERY_TIMEOUT_MS: "1000",
      KUNOG_SANDBOX_WEBHOOK_URL: `${receiverUrl}/env`,
      KUNOG_SANDBOX_WEBHOOK_SECRET: ENV_SECRET,
    },
  });
});

after(async () => {
  await sandbox?.stop();
  receiver?.closeAllConnections?.();
  await new Promise((r) => receiver?.close(r) ?? r());
});

function deliveriesFor(path) {
  return received.get(path) ?? [];
}

function verifyDelivery(delivery, secret) {
  const h = delivery.headers;
  assert.equal(h["content-type"], "application/json");
  assert.match(h["kunog-signature"], /^[0-9a-f]{64}$/);
  assert.match(h["kunog-timestamp"], /^\d{13}$/);
  verifyKunogWebhook({ rawBody: delivery.body, signature: h["kunog-signature"], timestamp: h["kunog-timestamp"], secret });
  const event = JSON.parse(delivery.body);
  assert.equal(h["kunog-event-id"], event.id);
  // Signed at send time: within the receivers' 5-minute tolerance.
  assert.ok(Math.abs(Number(h["kunog-timestamp"]) - delivery.at) < 300_000);
  return event;
}

async function endpoint(c, path, body = {}) {
  const res = await c.post("/v1/webhook_endpoints", { url: `${receiverUrl}${path}`, ...body });
  assert.equal(res.status, 200, res.text);
  return res.json;
}

test("the env-configured endpoint gets every event, signed with its secret", async () => {
  const c = client(sandbox.baseUrl);
  const pi = (await c.post("/v1/payment_intents", validIntent)).json;
  const delivery = await eventually(() => deliveriesFor("/env").find((d) => JSON.parse(d.body).data.object.id === pi.id));
  const event = verifyDelivery(delivery, ENV_SECRET);
  assert.equal(event.type, "payment_intent.created");
  assert.equal(event.object, "event");
  assert.equal(event.livemode, false);
  assert.deepEqual(event.data.object, pi);
  assert.throws(() => verifyKunogWebhook({ rawBody: delivery.body, signature: delivery.headers["kunog-signature"], timestamp: delivery.headers["kunog-timestamp"], secret: "whsec_other" }));
  const listed = (await c.get("/v1/webhook_endpoints")).json.data;
  assert.equal(listed.length, 1);
  assert.equal(listed[0].url, `${receiverUrl}/env`);
});

test("each transition is one event, delivered to each matching endpoint with that endpoint's secret", async () => {
  const c = client(sandbox.baseUrl);
  const all = await endpoint(c, "/all-1");
  const confirmedOnly = await endpoint(c, "/confirmed-1", { enabled_events: ["payment_intent.confirmed"] });
  const pi = (await c.post("/v1/payment_intents", validIntent)).json;
  await c.post(`/v1/test_helpers/payment_intents/${pi.id}/pay`);
  await c.post(`/v1/test_helpers/payment_intents/${pi.id}/confirm`);
  await c.post("/v1/refunds", { payment_intent: pi.id, amount: 100 });
  await eventually(() => deliveriesFor("/all-1").length === 4 && deliveriesFor("/confirmed-1").length === 1);
  const types = deliveriesFor("/all-1").map((d) => verifyDelivery(d, all.secret).type).sort();
  assert.deepEqual(types, ["payment_intent.confirmed", "payment_intent.created", "payment_intent.pending", "refund.created"]);
  const confirmed = verifyDelivery(deliveriesFor("/confirmed-1")[0], confirmedOnly.secret);
  assert.equal(confirmed.type, "payment_intent.confirmed");
  assert.equal(confirmed.data.object.status, "confirmed");
  assert.throws(() => verifyDelivery(deliveriesFor("/confirmed-1")[0], all.secret));
  // The same event went to both endpoints under one id.
  const sameEvent = deliveriesFor("/all-1").find((d) => JSON.parse(d.body).id === confirmed.id);
  assert.ok(sameEvent);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(deliveriesFor("/all-1").length, 4, "no duplicates without faults");
  const events = (await c.get("/v1/events?limit=100")).json.data;
  assert.equal(events.length, 4);
  const confirmedEvent = events.find((e) => e.id === confirmed.id);
  // Both endpoints of this key, plus the env-configured one every key has.
  const envId = (await c.get("/v1/webhook_endpoints")).json.data.find((e) => e.url === `${receiverUrl}/env`).id;
  assert.deepEqual(confirmedEvent.deliveries.map((d) => d.webhook_endpoint).sort(), [all.id, confirmedOnly.id, envId].sort());
  assert.ok(confirmedEvent.deliveries.every((d) => d.status === "succeeded"));
});

test("failures are retried with growing, jittered delays and fresh signatures until a 2xx", async () => {
  const c = client(sandbox.baseUrl);
  // 1st attempt: 500; 2nd: the connection is dropped; 3rd: 200.
  behaviours.set("/flaky", (n, req, res) => {
    if (n === 1) return res.writeHead(500).end("boom"), true;
    if (n === 2) return req.socket.destroy(), true;
    return false;
  });
  const ep = await endpoint(c, "/flaky");
  const pi = (await c.post("/v1/payment_intents", validIntent)).json;
  await eventually(() => deliveriesFor("/flaky").length >= 3, { timeoutMs: 15_000 });
  const attempts = deliveriesFor("/flaky");
  const events = attempts.map((d) => verifyDelivery(d, ep.secret));
  assert.ok(events.every((e) => e.id === events[0].id && e.data.object.id === pi.id));
  const stamps = attempts.map((d) => Number(d.headers["kunog-timestamp"]));
  assert.ok(stamps[0] < stamps[1] && stamps[1] < stamps[2], `fresh timestamps: ${stamps}`);
  assert.notEqual(attempts[0].headers["kunog-signature"], attempts[1].headers["kunog-signature"]);
  const gap1 = attempts[1].at - attempts[0].at;
  const gap2 = attempts[2].at - attempts[1].at;
  // Scaled schedule 5 s, 30 s (x0.01) with +-20 % jitter: at least 40 ms, then at least
  // 240 ms (a loaded machine only makes gaps longer, so only lower bounds are asserted).
  assert.ok(gap1 >= 35, `first retry after ${gap1} ms`);
  assert.ok(gap2 >= 230, `second retry after ${gap2} ms (first ${gap1} ms)`);
  const event = await eventually(async () => {
    const e = (await c.get(`/v1/events/${events[0].id}`)).json;
    return e.deliveries.find((d) => d.webhook_endpoint === ep.id).status === "succeeded" && e;
  });
  const mine = event.delivery_attempts.filter((a) => a.webhook_endpoint === ep.id);
  assert.deepEqual(mine.map((a) => [a.attempt, a.outcome, a.status_code, a.error]), [
    [1, "failed", 500, "non_2xx"],
    [2, "failed", null, "connection_failed"],
    [3, "succeeded", 200, null],
  ]);
  assert.equal(event.deliveries.find((d) => d.webhook_endpoint === ep.id).attempts, 3);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(deliveriesFor("/flaky").length, 3, "no more attempts after success");
});

test("an endpoint that does not answer in time is retried (timeout)", async () => {
  const c = client(sandbox.baseUrl);
  behaviours.set("/slow", (n) => n === 1); // first request: never answered
  const ep = await endpoint(c, "/slow", { enabled_events: ["payment_intent.created"] });
  await c.post("/v1/payment_intents", validIntent);
  await eventually(() => deliveriesFor("/slow").length >= 2, { timeoutMs: 15_000 });
  const events = (await c.get("/v1/events")).json.data;
  const e = await eventually(async () => {
    const got = (await c.get(`/v1/events/${events[0].id}`)).json;
    return got.deliveries.find((d) => d.webhook_endpoint === ep.id).status === "succeeded" && got;
  });
  assert.deepEqual(e.delivery_attempts.filter((a) => a.webhook_endpoint === ep.id).map((a) => a.error), ["timeout", null]);
  verifyDelivery(deliveriesFor("/slow")[1], ep.secret);
});

test("a refused connection keeps being retried on schedule", async () => {
  const c = client(sandbox.baseUrl);
  const closedPort = await freePort();
  const res = await c.post("/v1/webhook_endpoints", { url: `http://127.0.0.1:${closedPort}/nothing` });
  const epId = res.json.id;
  const pi = (await c.post("/v1/payment_intents", validIntent)).json;
  const attemptsOf = (e) => e.delivery_attempts.filter((a) => a.webhook_endpoint === epId);
  const event = await eventually(async () => {
    const e = (await c.get("/v1/events")).json.data.find((x) => x.data.object.id === pi.id);
    return e && attemptsOf(e).length >= 3 && e;
  }, { timeoutMs: 15_000 });
  assert.ok(attemptsOf(event).every((a) => a.outcome === "failed" && a.error === "connection_failed"));
  const delivery = event.deliveries.find((d) => d.webhook_endpoint === epId);
  assert.equal(delivery.status, "pending");
  assert.ok(delivery.next_attempt_at > attemptsOf(event).at(-1).at);
  // Deleting the endpoint stops its deliveries.
  await c.del(`/v1/webhook_endpoints/${epId}`);
  const after = (await c.get(`/v1/events/${event.id}`)).json;
  assert.equal(after.deliveries.find((d) => d.webhook_endpoint === epId).status, "cancelled");
});

test("webhook faults: duplicated deliveries carry the same event id, freshly signed", async () => {
  const c = client(sandbox.baseUrl);
  const ep = await endpoint(c, "/dup", { enabled_events: ["payment_intent.created"] });
  const set = await c.post("/v1/test_helpers/faults", { webhooks: { duplicate: true } });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.json.webhooks.duplicate, true);
  await c.post("/v1/payment_intents", validIntent);
  await eventually(() => deliveriesFor("/dup").length === 2);
  const [a, b] = deliveriesFor("/dup").map((d) => verifyDelivery(d, ep.secret));
  assert.equal(a.id, b.id);
  await c.del("/v1/test_helpers/faults");
});

test("webhook faults: delayed and reordered deliveries", async () => {
  const c = client(sandbox.baseUrl);
  await endpoint(c, "/late", { enabled_events: ["payment_intent.created"] });
  await c.post("/v1/test_helpers/faults", { webhooks: { delay_ms: 800 } });
  const started = Date.now();
  await c.post("/v1/payment_intents", validIntent);
  await eventually(() => deliveriesFor("/late").length === 1);
  assert.ok(deliveriesFor("/late")[0].at - started >= 700, "held back by the delay");
  await c.post("/v1/test_helpers/faults", { webhooks: { reorder: true, delay_ms: 600 } });
  await endpoint(c, "/shuffled", { enabled_events: ["payment_intent.created"] });
  const ids = [];
  for (let i = 0; i < 8; i++) ids.push((await c.post("/v1/payment_intents", { amount: 10 + i, currency: "USD" })).json.id);
  await eventually(() => deliveriesFor("/shuffled").length === 8, { timeoutMs: 10_000 });
  const order = deliveriesFor("/shuffled").map((d) => JSON.parse(d.body).data.object.id);
  assert.deepEqual([...order].sort(), [...ids].sort());
  // Each 600 ms window goes out newest first: some delivery arrives before an older one.
  const inversions = order.filter((id, i) => order.slice(i + 1).some((later) => ids.indexOf(later) < ids.indexOf(id))).length;
  assert.ok(inversions > 0, `arrival order ${order.map((id) => ids.indexOf(id))}`);
  await c.del("/v1/test_helpers/faults");
});
