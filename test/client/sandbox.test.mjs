// KunogClient (the npm package in pkg/) against the running sandbox: every call of the
// contract's section 3, and every error mapped to a KunogError.
// Needs pkg/ (`node scripts/build.mjs`) and sandbox/build/ (`npm run sandbox` or `npm test`).
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";

import { client as rawClient, newKey, startSandbox } from "../sandbox/harness.mjs";
import { recordingFetch, rejects } from "./helpers.mjs";

const require = createRequire(import.meta.url);
const { KunogClient, KunogError } = require("../../pkg");

function assertKunogError(error, { status, type, code, param = null }) {
  assert.ok(error instanceof KunogError, `a KunogError, got ${error?.stack ?? error}`);
  assert.ok(error instanceof Error);
  assert.equal(error.name, "KunogError");
  assert.deepEqual(
    { status: error.status, type: error.type, code: error.code, param: error.param },
    { status, type, code, param },
    error.message,
  );
  assert.equal(typeof error.message, "string");
  assert.ok(error.message.length > 0);
  if (status === null) assert.equal(error.requestId, null, "a local error has no request id");
  else assert.match(error.requestId, /^req_[A-Za-z0-9]{20,}$/);
}

const seedPayload = () => ({
  amount: 4900,
  currency: "USD",
  settlement: "USDC",
  success_url: "https://kunog.com/success",
  cancel_url: "https://kunog.com/cancel",
  metadata: { order_id: `KNG-${randomBytes(4).toString("hex")}` },
});

describe("KunogClient against the sandbox", () => {
  let sandbox;
  before(async () => {
    sandbox = await startSandbox();
  });
  after(async () => {
    await sandbox?.stop();
  });

  /** A client on a fresh sandbox account (one API key), its raw twin, and its request log. */
  function fresh(options = {}) {
    const apiKey = newKey();
    const recorder = recordingFetch();
    const kunog = new KunogClient({ apiKey, baseUrl: sandbox.baseUrl, fetch: recorder.fetch, ...options });
    return { kunog, apiKey, requests: recorder.requests, raw: rawClient(sandbox.baseUrl, apiKey) };
  }

  describe("createPaymentIntent", () => {
    it("creates the seed's intent and sends what the seed's curl sends", async () => {
      const { kunog, apiKey, requests, raw } = fresh();
      const payload = seedPayload();
      const intent = await kunog.createPaymentIntent(payload);
      assert.match(intent.id, /^pi_[A-Za-z0-9]{20,}$/);
      assert.equal(intent.object, "payment_intent");
      assert.equal(intent.status, "created");
      assert.equal(intent.amount, 4900);
      assert.equal(intent.currency, "USD");
      assert.equal(intent.settlement, "USDC");
      assert.equal(intent.success_url, payload.success_url);
      assert.equal(intent.cancel_url, payload.cancel_url);
      assert.deepEqual(intent.metadata, payload.metadata);
      assert.equal(intent.livemode, false);
      assert.equal(intent.amount_refunded, 0);
      assert.ok(intent.checkout_url.startsWith(`${sandbox.baseUrl}/checkout/${intent.id}`), intent.checkout_url);

      assert.equal(requests.length, 1);
      const [r] = requests;
      assert.equal(r.method, "POST");
      assert.equal(r.url, `${sandbox.baseUrl}/v1/payment_intents`);
      assert.equal(r.headers.get("authorization"), `Bearer ${apiKey}`);
      assert.equal(r.headers.get("content-type"), "application/json");
      assert.match(r.headers.get("idempotency-key"), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, "a generated UUID v4");
      assert.deepEqual(JSON.parse(r.body), payload);

      // It is really there.
      const stored = await raw.get(`/v1/payment_intents/${intent.id}`);
      assert.equal(stored.status, 200);
      assert.deepEqual(stored.json, intent);
    });

    it("a generated idempotency key is new for every call", async () => {
      const { kunog, requests } = fresh();
      const a = await kunog.createPaymentIntent({ amount: 100, currency: "EUR" });
      const b = await kunog.createPaymentIntent({ amount: 100, currency: "EUR" });
      assert.notEqual(a.id, b.id, "two calls without a key are two intents");
      assert.notEqual(requests[0].headers.get("idempotency-key"), requests[1].headers.get("idempotency-key"));
    });

    it("the seed's SDK pattern: createPaymentIntent(payload, { idempotencyKey }) sends that key and replays", async () => {
      const { kunog, requests, raw } = fresh();
      const idempotencyKey = randomUUID();
      const payload = seedPayload();
      const first = await kunog.createPaymentIntent(payload, { idempotencyKey });
      const again = await kunog.createPaymentIntent(payload, { idempotencyKey });
      assert.deepEqual(again, first, "the same key and body: the first answer, replayed");
      assert.deepEqual(requests.map((r) => r.headers.get("idempotency-key")), [idempotencyKey, idempotencyKey]);
      const listed = await raw.get("/v1/payment_intents?limit=100");
      assert.equal(listed.json.data.filter((pi) => pi.metadata.order_id === payload.metadata.order_id).length, 1);
    });

    it("a reused idempotency key with a different body is a 422 idempotency_key_reused, not retried", async () => {
      const { kunog, requests } = fresh();
      const idempotencyKey = randomUUID();
      await kunog.createPaymentIntent({ amount: 4900, currency: "USD" }, { idempotencyKey });
      const error = await rejects(kunog.createPaymentIntent({ amount: 5000, currency: "USD" }, { idempotencyKey }));
      assertKunogError(error, { status: 422, type: "idempotency_error", code: "idempotency_key_reused" });
      assert.equal(requests.length, 2, "a 422 is never retried");
    });

    it("invalid parameters are refused locally, with the API's codes, before anything is sent", async () => {
      const { kunog, requests } = fresh();
      const table = [
        [{ amount: 0, currency: "USD" }, "parameter_invalid", "amount"],
        [{ amount: -1, currency: "USD" }, "parameter_invalid", "amount"],
        [{ amount: 49.5, currency: "USD" }, "parameter_invalid", "amount"],
        [{ amount: 100_000_000, currency: "USD" }, "parameter_invalid", "amount"],
        [{ amount: "4900", currency: "USD" }, "parameter_invalid", "amount"],
        [{ currency: "USD" }, "parameter_missing", "amount"],
        [{ amount: 4900 }, "parameter_missing", "currency"],
        [{ amount: 4900, currency: "usd" }, "parameter_invalid", "currency"],
        [{ amount: 4900, currency: "USD", settlement: "DOGE" }, "unsupported_settlement", "settlement"],
        [{ amount: 4900, currency: "USD", success_url: "ftp://example.com/" }, "parameter_invalid", "success_url"],
        [{ amount: 4900, currency: "USD", cancel_url: "http://example.com/cancel" }, "parameter_invalid", "cancel_url"],
        [{ amount: 4900, currency: "USD", metadata: { order_id: 2048 } }, "parameter_invalid", "metadata"],
        [{ amount: 4900, currency: "USD", description: "x".repeat(1001) }, "parameter_invalid", "description"],
      ];
      for (const [payload, code, param] of table) {
        const error = await rejects(kunog.createPaymentIntent(payload));
        assertKunogError(error, { status: null, type: "invalid_request_error", code, param });
      }
      const badKey = await rejects(kunog.createPaymentIntent({ amount: 4900, currency: "USD" }, { idempotencyKey: "x".repeat(256) }));
      assertKunogError(badKey, { status: null, type: "invalid_request_error", code: "parameter_invalid", param: "idempotency_key" });
      assert.equal(requests.length, 0, "nothing was sent");
    });

    it("the sandbox agrees with the local validation: the same code and param for amount 0", async () => {
      const { raw } = fresh();
      const r = await raw.post("/v1/payment_intents", { amount: 0, currency: "USD" });
      assert.equal(r.status, 400);
      assert.equal(r.json.error.code, "parameter_invalid");
      assert.equal(r.json.error.param, "amount");
    });
  });

  describe("retrievePaymentIntent", () => {
    it("returns the intent", async () => {
      const { kunog, requests } = fresh();
      const created = await kunog.createPaymentIntent(seedPayload());
      const got = await kunog.retrievePaymentIntent(created.id);
      assert.deepEqual(got, created);
      const r = requests.at(-1);
      assert.equal(r.method, "GET");
      assert.equal(r.url, `${sandbox.baseUrl}/v1/payment_intents/${created.id}`);
      assert.equal(r.headers.get("idempotency-key"), null, "a GET carries no Idempotency-Key");
      assert.equal(r.body ?? undefined, undefined);
    });

    it("an unknown intent is a 404 resource_missing with the request id, not retried", async () => {
      const { kunog, requests } = fresh();
      const error = await rejects(kunog.retrievePaymentIntent("pi_doesnotexist0000000000"));
      assertKunogError(error, { status: 404, type: "invalid_request_error", code: "resource_missing", param: "id" });
      assert.equal(requests.length, 1);
    });

    it("another account's intent is unknown too", async () => {
      const mine = fresh();
      const theirs = fresh();
      const intent = await theirs.kunog.createPaymentIntent({ amount: 100, currency: "USD" });
      const error = await rejects(mine.kunog.retrievePaymentIntent(intent.id));
      assertKunogError(error, { status: 404, type: "invalid_request_error", code: "resource_missing", param: "id" });
    });

    it("an id that is not a payment intent id is refused locally", async () => {
      const { kunog, requests } = fresh();
      for (const id of ["", "re_abc", "pi_../../v1/refunds", "pi_a b"]) {
        const error = await rejects(kunog.retrievePaymentIntent(id));
        assert.ok(error instanceof KunogError, String(error));
        assert.equal(error.status, null);
        assert.equal(error.type, "invalid_request_error");
      }
      assert.equal(requests.length, 0);
    });
  });

  describe("listPaymentIntents", () => {
    it("iterates every intent exactly once, newest first, across pages of a small limit", async () => {
      const { kunog, requests } = fresh();
      const created = [];
      for (let i = 0; i < 7; i++) created.push(await kunog.createPaymentIntent({ amount: 100 + i, currency: "USD", metadata: { n: String(i) } }));
      requests.length = 0;
      const seen = [];
      for await (const pi of kunog.listPaymentIntents({ limit: 2 })) seen.push(pi);
      assert.deepEqual(seen.map((pi) => pi.id), created.map((pi) => pi.id).reverse(), "every intent, once, newest first");
      assert.deepEqual(seen, created.reverse(), "whole objects");
      // Pages of 2: 2 + 2 + 2 + 1, each after the previous page's last id.
      assert.equal(requests.length, 4);
      const urls = requests.map((r) => new URL(r.url));
      for (const u of urls) {
        assert.equal(u.pathname, "/v1/payment_intents");
        assert.equal(u.searchParams.get("limit"), "2");
        assert.equal(requests[0].method, "GET");
      }
      assert.equal(urls[0].searchParams.get("starting_after"), null);
      for (let p = 1; p < 4; p++) assert.equal(urls[p].searchParams.get("starting_after"), seen[2 * p - 1].id);
    });

    it("an empty account iterates nothing; the default limit works; starting_after resumes", async () => {
      const { kunog } = fresh();
      const none = [];
      for await (const pi of kunog.listPaymentIntents()) none.push(pi);
      assert.deepEqual(none, []);
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await kunog.createPaymentIntent({ amount: 100, currency: "GBP" })).id);
      const all = [];
      for await (const pi of kunog.listPaymentIntents()) all.push(pi.id);
      assert.deepEqual(all, [...ids].reverse());
      const rest = [];
      for await (const pi of kunog.listPaymentIntents({ limit: 1, starting_after: ids[2] })) rest.push(pi.id);
      assert.deepEqual(rest, [ids[1], ids[0]]);
    });

    it("an out-of-range limit is refused locally", async () => {
      const { kunog, requests } = fresh();
      for (const limit of [0, 101]) {
        const error = await rejects((async () => {
          for await (const _ of kunog.listPaymentIntents({ limit })) { /* nothing */ }
        })());
        assertKunogError(error, { status: null, type: "invalid_request_error", code: "parameter_invalid", param: "limit" });
      }
      assert.equal(requests.length, 0);
    });
  });

  describe("createRefund", () => {
    async function confirmedIntent(ctx, amount = 4900) {
      const intent = await ctx.kunog.createPaymentIntent({ amount, currency: "USD" });
      assert.equal((await ctx.raw.post(`/v1/test_helpers/payment_intents/${intent.id}/pay`, {})).status, 200);
      assert.equal((await ctx.raw.post(`/v1/test_helpers/payment_intents/${intent.id}/confirm`, {})).status, 200);
      return intent;
    }

    it("refunds part, then the rest, of a confirmed intent; the key replays", async () => {
      const ctx = fresh();
      const intent = await confirmedIntent(ctx);
      const idempotencyKey = randomUUID();
      const part = await ctx.kunog.createRefund({ payment_intent: intent.id, amount: 900, reason: "requested_by_customer" }, { idempotencyKey });
      assert.match(part.id, /^re_[A-Za-z0-9]{20,}$/);
      assert.equal(part.object, "refund");
      assert.equal(part.payment_intent, intent.id);
      assert.equal(part.amount, 900);
      assert.equal(part.currency, "USD");
      assert.equal(part.status, "succeeded");
      const r = ctx.requests.at(-1);
      assert.equal(r.url, `${sandbox.baseUrl}/v1/refunds`);
      assert.equal(r.headers.get("idempotency-key"), idempotencyKey);
      assert.deepEqual(await ctx.kunog.createRefund({ payment_intent: intent.id, amount: 900, reason: "requested_by_customer" }, { idempotencyKey }), part, "replayed, not refunded twice");
      assert.equal((await ctx.kunog.retrievePaymentIntent(intent.id)).amount_refunded, 900);
      const rest = await ctx.kunog.createRefund({ payment_intent: intent.id });
      assert.equal(rest.amount, 4000, "the amount defaults to what is left");
      assert.equal((await ctx.kunog.retrievePaymentIntent(intent.id)).amount_refunded, 4900);
    });

    it("maps the API's refund errors", async () => {
      const ctx = fresh();
      const confirmed = await confirmedIntent(ctx, 1000);
      const tooLarge = await rejects(ctx.kunog.createRefund({ payment_intent: confirmed.id, amount: 1001 }));
      assertKunogError(tooLarge, { status: 400, type: "invalid_request_error", code: "amount_too_large", param: "amount" });
      const created = await ctx.kunog.createPaymentIntent({ amount: 1000, currency: "USD" });
      const notRefundable = await rejects(ctx.kunog.createRefund({ payment_intent: created.id }));
      assertKunogError(notRefundable, { status: 400, type: "invalid_request_error", code: "payment_intent_not_refundable", param: "payment_intent" });
      const missing = await rejects(ctx.kunog.createRefund({ payment_intent: "pi_doesnotexist0000000000" }));
      assert.equal(missing.status, 404);
      assert.equal(missing.code, "resource_missing");
      const sent = ctx.requests.length;
      for (const [params, code, param] of [
        [{}, "parameter_missing", "payment_intent"],
        [{ payment_intent: confirmed.id, amount: 0 }, "parameter_invalid", "amount"],
      ]) {
        assertKunogError(await rejects(ctx.kunog.createRefund(params)), { status: null, type: "invalid_request_error", code, param });
      }
      assert.equal(ctx.requests.length, sent, "refused locally");
    });
  });

  describe("configuration", () => {
    it("a live key with an http base URL is refused when the client is built", () => {
      for (const baseUrl of [sandbox.baseUrl, "http://api.kunog.com"]) {
        let error;
        try {
          new KunogClient({ apiKey: `kng_live_${randomBytes(12).toString("hex")}`, baseUrl });
        } catch (e) {
          error = e;
        }
        assertKunogError(error, { status: null, type: "invalid_request_error", code: "insecure_base_url", param: "base_url" });
        assert.ok(!error.message.includes("kng_live_"), "the key never shows in the message");
      }
      // Over https it is accepted (nothing is sent when building).
      new KunogClient({ apiKey: `kng_live_${randomBytes(12).toString("hex")}`, baseUrl: "https://api.kunog.com" });
      new KunogClient({ apiKey: `kng_live_${randomBytes(12).toString("hex")}` });
    });

    it("a malformed key or base URL is refused when the client is built", () => {
      for (const [options, code, param] of [
        [{ apiKey: "sk_test_123" }, "invalid_api_key", "api_key"],
        [{}, "invalid_api_key", "api_key"],
        [{ apiKey: newKey(), baseUrl: "not a url" }, "invalid_base_url", "base_url"],
      ]) {
        let error;
        try {
          new KunogClient(options);
        } catch (e) {
          error = e;
        }
        assert.ok(error instanceof KunogError, `${JSON.stringify(options)}: ${error}`);
        assert.equal(error.status, null);
        assert.equal(error.code, code);
        assert.equal(error.param, param);
      }
    });

    it("the sandbox itself refuses a live key with 401 live_key_in_sandbox", async () => {
      const r = await rawClient(sandbox.baseUrl, `kng_live_${randomBytes(12).toString("hex")}`).get("/v1/payment_intents");
      assert.equal(r.status, 401);
      assert.equal(r.json.error.code, "live_key_in_sandbox");
    });
  });
});
