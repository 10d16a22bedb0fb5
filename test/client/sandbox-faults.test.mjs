// KunogClient against the sandbox's fault injection (POST /v1/test_helpers/faults): 503,
// 429 with Retry-After, 409, 500 and a dropped connection are retried with the same
// Idempotency-Key; retries run out into a typed KunogError; no intent is ever created twice.
// Needs pkg/ and sandbox/build/.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";

import { client as rawClient, newKey, startSandbox } from "../sandbox/harness.mjs";
import { recordingFetch, rejects } from "./helpers.mjs";

const require = createRequire(import.meta.url);
const { KunogClient, KunogError } = require("../../pkg");

// Timers and a loaded machine: how late a sleep or an answer may be.
const SLACK_MS = 300;

const gaps = (requests) => requests.slice(1).map((r, i) => r.at - requests[i].at);
const keys = (requests) => requests.map((r) => r.headers.get("idempotency-key"));

function assertOneKey(requests, expected) {
  const all = keys(requests);
  assert.ok(all.length >= 1);
  assert.ok(all[0], "an Idempotency-Key is sent");
  if (expected !== undefined) assert.equal(all[0], expected);
  assert.deepEqual(all, all.map(() => all[0]), "the same Idempotency-Key on every attempt");
  assert.equal(new Set(requests.map((r) => r.body)).size, 1, "the same body on every attempt");
}

describe("KunogClient with the sandbox's fault injection", () => {
  let sandbox;
  before(async () => {
    sandbox = await startSandbox();
  });
  after(async () => {
    await sandbox?.stop();
  });

  function fresh(options = {}) {
    const apiKey = newKey();
    const recorder = recordingFetch();
    const kunog = new KunogClient({ apiKey, baseUrl: sandbox.baseUrl, fetch: recorder.fetch, timeoutMs: 10_000, ...options });
    const raw = rawClient(sandbox.baseUrl, apiKey);
    return {
      kunog,
      raw,
      requests: recorder.requests,
      /** The next `next_n` API calls of this key fail this way. */
      async fault(spec) {
        const r = await raw.post("/v1/test_helpers/faults", spec);
        assert.equal(r.status, 200, r.text);
      },
      /** Intents of this account whose metadata.order_id is `orderId` (faults must be used up). */
      async intentsFor(orderId) {
        const r = await raw.get("/v1/payment_intents?limit=100");
        assert.equal(r.status, 200, r.text);
        return r.json.data.filter((pi) => pi.metadata?.order_id === orderId);
      },
    };
  }

  const orderPayload = () => {
    const orderId = `KNG-${randomBytes(5).toString("hex")}`;
    return { orderId, payload: { amount: 4900, currency: "USD", settlement: "USDC", metadata: { order_id: orderId } } };
  };

  for (const status of [503, 500, 409]) {
    it(`${status} then success: retried with the same key after a jittered backoff, one intent`, async () => {
      const ctx = fresh();
      const { orderId, payload } = orderPayload();
      await ctx.fault({ next_n: 1, status });
      const intent = await ctx.kunog.createPaymentIntent(payload);
      assert.equal(ctx.requests.length, 2);
      assertOneKey(ctx.requests);
      const [gap] = gaps(ctx.requests);
      assert.ok(gap <= 500 + SLACK_MS, `first backoff within min(5000, 500·2^0): ${gap} ms`);
      const mine = await ctx.intentsFor(orderId);
      assert.deepEqual(mine.map((pi) => pi.id), [intent.id], "exactly one intent");
    });
  }

  it("503 twice then success with a given key: three attempts, backoffs within 500 and 1000 ms", async () => {
    const ctx = fresh();
    const { orderId, payload } = orderPayload();
    const idempotencyKey = randomUUID();
    await ctx.fault({ next_n: 2, status: 503 });
    const intent = await ctx.kunog.createPaymentIntent(payload, { idempotencyKey });
    assert.equal(ctx.requests.length, 3);
    assertOneKey(ctx.requests, idempotencyKey);
    const [g1, g2] = gaps(ctx.requests);
    assert.ok(g1 <= 500 + SLACK_MS, `retry 1 waited ${g1} ms`);
    assert.ok(g2 <= 1000 + SLACK_MS, `retry 2 waited ${g2} ms`);
    assert.equal((await ctx.intentsFor(orderId)).length, 1);
    assert.equal(intent.metadata.order_id, orderId);
  });

  it("429 with Retry-After: 1 waits at least a second before the retry", async () => {
    const ctx = fresh();
    const { orderId, payload } = orderPayload();
    await ctx.fault({ next_n: 1, status: 429, retry_after: 1 });
    const intent = await ctx.kunog.createPaymentIntent(payload);
    assert.equal(ctx.requests.length, 2);
    assertOneKey(ctx.requests);
    const [gap] = gaps(ctx.requests);
    assert.ok(gap >= 1000, `Retry-After honoured: ${gap} ms`);
    assert.ok(gap <= 1000 + 2 * SLACK_MS, `and not much more: ${gap} ms`);
    assert.deepEqual((await ctx.intentsFor(orderId)).map((pi) => pi.id), [intent.id]);
  });

  it("429 whose Retry-After passes the deadline ends at once with a rate_limit_error", async () => {
    const ctx = fresh({ timeoutMs: 1_500 });
    const { orderId, payload } = orderPayload();
    await ctx.fault({ next_n: 1, status: 429, retry_after: 2 });
    const started = performance.now();
    const error = await rejects(ctx.kunog.createPaymentIntent(payload));
    const elapsed = performance.now() - started;
    assert.ok(error instanceof KunogError, String(error));
    assert.equal(error.status, 429);
    assert.equal(error.type, "rate_limit_error");
    assert.equal(error.code, "rate_limited");
    assert.match(error.requestId, /^req_/);
    assert.equal(ctx.requests.length, 1, "no retry that could not be answered in time");
    assert.ok(elapsed < 1_000, `did not sleep into the deadline: ${elapsed} ms`);
    assert.equal((await ctx.intentsFor(orderId)).length, 0);
  });

  it("a dropped connection (the answer lost after the intent was made) is retried and replayed: one intent", async () => {
    const ctx = fresh();
    const { orderId, payload } = orderPayload();
    await ctx.fault({ next_n: 1, status: "drop" });
    const intent = await ctx.kunog.createPaymentIntent(payload);
    assert.equal(ctx.requests.length, 2, "the lost answer was retried");
    assertOneKey(ctx.requests);
    assert.match(intent.id, /^pi_/);
    assert.equal(intent.metadata.order_id, orderId);
    const mine = await ctx.intentsFor(orderId);
    assert.deepEqual(mine.map((pi) => pi.id), [intent.id], "the retry got the stored intent, not a second one");
  });

  it("a dropped connection on a GET is retried", async () => {
    const ctx = fresh();
    const created = await ctx.kunog.createPaymentIntent({ amount: 100, currency: "USD" });
    await ctx.fault({ next_n: 1, status: "drop" });
    const got = await ctx.kunog.retrievePaymentIntent(created.id);
    assert.deepEqual(got, created);
    assert.equal(ctx.requests.filter((r) => r.method === "GET").length, 2);
  });

  it("a 503 during pagination is retried and no intent is skipped or repeated", async () => {
    const ctx = fresh();
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await ctx.kunog.createPaymentIntent({ amount: 100 + i, currency: "USD" })).id);
    const seen = [];
    for await (const pi of ctx.kunog.listPaymentIntents({ limit: 2 })) {
      seen.push(pi.id);
      if (seen.length === 2) await ctx.fault({ next_n: 1, status: 503 });
    }
    assert.deepEqual(seen, ids.reverse());
  });

  it("retries exhausted: a typed KunogError at the end, every attempt with one key, nothing created", async () => {
    const ctx = fresh({ maxRetries: 2 });
    const { orderId, payload } = orderPayload();
    await ctx.fault({ next_n: 3, status: 503 });
    const error = await rejects(ctx.kunog.createPaymentIntent(payload));
    assert.ok(error instanceof KunogError, String(error));
    assert.deepEqual(
      { status: error.status, type: error.type, code: error.code, param: error.param },
      { status: 503, type: "api_error", code: "service_unavailable", param: null },
    );
    assert.match(error.requestId, /^req_/);
    assert.match(error.message, /after 3 attempts/);
    assert.equal(ctx.requests.length, 3, "1 + maxRetries attempts");
    assertOneKey(ctx.requests);
    assert.equal((await ctx.intentsFor(orderId)).length, 0, "5xx answers create nothing");
  });

  it("maxRetries: 0 makes one attempt", async () => {
    const ctx = fresh({ maxRetries: 0 });
    await ctx.fault({ next_n: 1, status: 500 });
    const error = await rejects(ctx.kunog.createPaymentIntent({ amount: 100, currency: "USD" }));
    assert.equal(error.status, 500);
    assert.equal(error.code, "internal_error");
    assert.equal(error.type, "api_error");
    assert.equal(ctx.requests.length, 1);
  });

  it("the answer dropped, then 503s until retries run out: a typed error; the app's retry with the same key gets the one intent", async () => {
    const ctx = fresh({ maxRetries: 2 });
    const { orderId, payload } = orderPayload();
    const idempotencyKey = randomUUID();
    // Faults apply in the order they were set: the first attempt creates the intent but its
    // answer is lost; the two retries meet 503s.
    await ctx.fault({ next_n: 1, status: "drop" });
    await ctx.fault({ next_n: 2, status: 503 });
    const error = await rejects(ctx.kunog.createPaymentIntent(payload, { idempotencyKey }));
    assert.ok(error instanceof KunogError, String(error));
    assert.deepEqual({ status: error.status, type: error.type, code: error.code }, { status: 503, type: "api_error", code: "service_unavailable" });
    assert.equal(ctx.requests.length, 3);
    assertOneKey(ctx.requests, idempotencyKey);
    const intent = await ctx.kunog.createPaymentIntent(payload, { idempotencyKey });
    assert.equal(ctx.requests.length, 4);
    assert.deepEqual((await ctx.intentsFor(orderId)).map((pi) => pi.id), [intent.id], "created once, whatever was lost");
  });

  it("a dropped answer with no retries left is a typed invalid_response error, and nothing is created twice", async () => {
    const ctx = fresh({ maxRetries: 0 });
    const { orderId, payload } = orderPayload();
    const idempotencyKey = randomUUID();
    await ctx.fault({ next_n: 1, status: "drop" });
    const error = await rejects(ctx.kunog.createPaymentIntent(payload, { idempotencyKey }));
    assert.ok(error instanceof KunogError, String(error));
    assert.deepEqual({ status: error.status, type: error.type, code: error.code }, { status: 200, type: "api_error", code: "invalid_response" });
    assert.equal(ctx.requests.length, 1);
    const intent = await ctx.kunog.createPaymentIntent(payload, { idempotencyKey });
    assert.deepEqual((await ctx.intentsFor(orderId)).map((pi) => pi.id), [intent.id]);
  });

  it("409 idempotency_key_in_use from a real concurrent request is retried until the first one's answer replays", async () => {
    const slow = fresh();
    const { orderId, payload } = orderPayload();
    const idempotencyKey = randomUUID();
    // The first request holds the key for 800 ms.
    await slow.fault({ next_n: 1, delay_ms: 800 });
    const recorder = recordingFetch();
    const eager = new KunogClient({ apiKey: slow.raw.key, baseUrl: sandbox.baseUrl, fetch: recorder.fetch, maxRetries: 6, timeoutMs: 15_000 });
    const first = slow.kunog.createPaymentIntent(payload, { idempotencyKey });
    await new Promise((r) => setTimeout(r, 250));
    const second = eager.createPaymentIntent(payload, { idempotencyKey });
    const [a, b] = await Promise.all([first, second]);
    assert.deepEqual(b, a, "the second caller got the first one's intent");
    // Whichever request reached the sandbox second was told 409 and retried.
    const attempts = slow.requests.length + recorder.requests.length;
    assert.ok(attempts >= 3, `a caller was told 409 and retried (${slow.requests.length} + ${recorder.requests.length} attempts)`);
    assertOneKey([...slow.requests, ...recorder.requests], idempotencyKey);
    assert.deepEqual((await slow.intentsFor(orderId)).map((pi) => pi.id), [a.id]);
  });

  it("a slow answer past the deadline is a timeout connection_error; the same key later gets the intent once", async () => {
    const ctx = fresh({ timeoutMs: 400, maxRetries: 2 });
    const { orderId, payload } = orderPayload();
    const idempotencyKey = randomUUID();
    await ctx.fault({ next_n: 1, delay_ms: 1_500 });
    const started = performance.now();
    const error = await rejects(ctx.kunog.createPaymentIntent(payload, { idempotencyKey }));
    const elapsed = performance.now() - started;
    assert.ok(error instanceof KunogError, String(error));
    assert.deepEqual({ status: error.status, type: error.type, code: error.code }, { status: null, type: "connection_error", code: "timeout" });
    assert.ok(elapsed >= 380 && elapsed <= 400 + SLACK_MS * 2, `one deadline over all attempts: ${elapsed} ms`);
    // Once the slow request has finished, the same key replays its intent.
    const patient = new KunogClient({ apiKey: ctx.raw.key, baseUrl: sandbox.baseUrl, maxRetries: 6, timeoutMs: 15_000 });
    const intent = await patient.createPaymentIntent(payload, { idempotencyKey });
    assert.deepEqual((await ctx.intentsFor(orderId)).map((pi) => pi.id), [intent.id]);
  });
});
