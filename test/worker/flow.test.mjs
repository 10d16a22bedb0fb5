// The merchant Worker against the sandbox, both in real workerd (wrangler dev): the seed's
// quickstart end to end, and every bad webhook refused with nothing applied.
// Needs build/ (the Worker) and sandbox/build/, which `npm test` builds first.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";

import { eventually } from "../sandbox/harness.mjs";
import { getOrder as order, intentIdOf, postCheckout as checkout, startStack } from "./stack.mjs";

const require = createRequire(import.meta.url);
const { Webhook } = require("../../pkg");

describe("the merchant Worker with the sandbox", () => {
  let stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  it("serves the storefront with a fresh order id in the form", async () => {
    const page = await (await fetch(`${stack.workerUrl}/`)).text();
    assert.match(page, /Kunog hoodie/);
    assert.match(page, /\$49\.00/);
    assert.match(page, /name=order_id value="KNG-[A-Z0-9]{10}"/);
  });

  it("creates one intent per order, however often checkout is posted, and redirects with 303", async () => {
    const id = `KNG-${randomBytes(5).toString("hex")}`;
    const answers = await Promise.all([checkout(stack, { order_id: id }), checkout(stack, { order_id: id }), checkout(stack, { order_id: id })]);
    const locations = answers.map((r) => r.headers.get("location"));
    for (const r of answers) assert.equal(r.status, 303);
    assert.equal(new Set(locations).size, 1, `one checkout_url: ${locations}`);
    assert.ok(locations[0].startsWith(stack.sandboxUrl), locations[0]);
    const listed = await stack.api.get("/v1/payment_intents?limit=100");
    const mine = listed.json.data.filter((pi) => pi.metadata.order_id === id);
    assert.equal(mine.length, 1, "exactly one intent for the order");
    assert.equal(mine[0].amount, 4900);
    assert.equal(mine[0].success_url, `${stack.workerUrl}/orders/${id}?from=checkout`);
    const { body } = await order(stack, id);
    assert.equal(body.status, "awaiting_payment");
  });

  it("runs the quickstart: pay, confirm, and the verified webhook marks the order paid", async () => {
    const id = `KNG-${randomBytes(5).toString("hex")}`;
    const r = await checkout(stack, { order_id: id, amount: "2500", currency: "EUR" });
    assert.equal(r.status, 303);
    const intent = intentIdOf(r.headers.get("location"));
    assert.equal((await stack.api.post(`/v1/test_helpers/payment_intents/${intent}/pay`, {})).status, 200);
    assert.equal((await stack.api.post(`/v1/test_helpers/payment_intents/${intent}/confirm`, {})).status, 200);
    const paid = await eventually(async () => {
      const { body } = await order(stack, id);
      return body.status === "paid" && body;
    });
    assert.equal(paid.amount, 2500);
    assert.equal(paid.currency, "EUR");
    assert.equal(paid.payment_intent, intent);
    assert.deepEqual(paid.history.map((t) => [t.from, t.to, t.event_type]), [["awaiting_payment", "paid", "payment_intent.confirmed"]]);
    assert.match(paid.history[0].event_id, /^evt_/);
    // The created and pending events were received and acknowledged without a change.
    const types = paid.events.map((e) => e.event_type).sort();
    assert.deepEqual(types, ["payment_intent.confirmed", "payment_intent.created", "payment_intent.pending"]);
    const html = await (await fetch(`${stack.workerUrl}/orders/${id}`, { headers: { accept: "text/html" } })).text();
    assert.match(html, /id=status class="status paid">paid</);
  });

  it("applies a refund to the order it came from", async () => {
    const id = `KNG-${randomBytes(5).toString("hex")}`;
    const intent = intentIdOf((await checkout(stack, { order_id: id })).headers.get("location"));
    await stack.api.post(`/v1/test_helpers/payment_intents/${intent}/pay`, {});
    await stack.api.post(`/v1/test_helpers/payment_intents/${intent}/confirm`, {});
    await eventually(async () => (await order(stack, id)).body.status === "paid");
    assert.equal((await stack.api.post("/v1/refunds", { payment_intent: intent, amount: 900 }, { idempotencyKey: `refund-${id}` })).status, 200);
    const refunded = await eventually(async () => {
      const { body } = await order(stack, id);
      return body.status === "partially_refunded" && body;
    });
    assert.equal(refunded.amount_refunded, 900);
  });

  it("takes a JSON order too, and refuses a bad one with a code", async () => {
    const id = `KNG-${randomBytes(5).toString("hex")}`;
    const post = (body) =>
      fetch(`${stack.workerUrl}/create-checkout`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), redirect: "manual" });
    const created = await post({ order_id: id, amount: 1999, currency: "GBP" });
    assert.equal(created.status, 303);
    const intent = await stack.api.get(`/v1/payment_intents/${intentIdOf(created.headers.get("location"))}`);
    assert.deepEqual([intent.json.amount, intent.json.currency, intent.json.metadata.order_id], [1999, "GBP", id]);
    const conflicting = await post({ order_id: id, amount: 1, currency: "GBP" });
    assert.equal(conflicting.status, 409);
    assert.equal((await conflicting.json()).error.code, "order_conflict");
    const invalid = await post({ order_id: "bad id!", amount: 100, currency: "USD" });
    assert.equal(invalid.status, 400);
    assert.equal((await invalid.json()).error.code, "parameter_invalid");
    const refused = await post({ order_id: `KNG-${randomBytes(5).toString("hex")}`, amount: 0, currency: "USD" });
    assert.equal(refused.status, 400);
    assert.equal((await refused.json()).error.code, "parameter_invalid");
    assert.equal((await order(stack, id)).body.amount, 1999, "a refused order leaves no trace, the first is untouched");
  });

  it("refuses every bad webhook with nothing applied", async () => {
    const id = `KNG-${randomBytes(5).toString("hex")}`;
    const intent = intentIdOf((await checkout(stack, { order_id: id })).headers.get("location"));
    const event = JSON.stringify({
      id: `evt_${randomBytes(12).toString("hex")}`,
      object: "event",
      type: "payment_intent.confirmed",
      created: Date.now(),
      livemode: false,
      data: { object: { id: intent, object: "payment_intent", status: "confirmed", amount: 4900, currency: "USD", settlement: "USDC", metadata: { order_id: id } } },
    });
    const post = (body, headers) => fetch(`${stack.workerUrl}/webhooks/kunog`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    const good = new Webhook(stack.secret);
    const cases = [
      ["unsigned", event, {}, 400],
      ["wrong secret", event, new Webhook("whsec_not_the_secret").sign(event), 400],
      ["stale", event, good.sign(event, { timestamp: Date.now() - 600_000 }), 400],
      ["tampered", event.replace('"amount":4900', '"amount":1'), good.sign(event), 400],
      ["oversized", JSON.stringify({ id: "evt_big", pad: "x".repeat(1_100_000) }), good.sign(JSON.stringify({ id: "evt_big" })), 413],
    ];
    for (const [name, body, headers, status] of cases) {
      const response = await post(body, headers);
      assert.equal(response.status, status, name);
      const text = await response.text();
      assert.ok(!text.includes("signature") && !text.includes("whsec_"), `${name}: the answer says nothing useful to an attacker: ${text}`);
    }
    assert.equal((await fetch(`${stack.workerUrl}/webhooks/kunog`)).status, 405);
    const { body } = await order(stack, id);
    assert.equal(body.status, "awaiting_payment");
    assert.equal(body.history.length, 0);
    // The genuine one is applied.
    assert.equal((await post(event, good.sign(event))).status, 200);
    assert.equal((await order(stack, id)).body.status, "paid");
  });

  it("applies 50 concurrent deliveries of one event exactly once", async () => {
    const id = `KNG-${randomBytes(5).toString("hex")}`;
    const intent = intentIdOf((await checkout(stack, { order_id: id })).headers.get("location"));
    const eventId = `evt_${randomBytes(12).toString("hex")}`;
    const event = JSON.stringify({
      id: eventId,
      object: "event",
      type: "payment_intent.confirmed",
      created: Date.now(),
      livemode: false,
      data: { object: { id: intent, object: "payment_intent", status: "confirmed", amount: 4900, currency: "USD", settlement: "USDC", metadata: { order_id: id } } },
    });
    const signer = new Webhook(stack.secret);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        fetch(`${stack.workerUrl}/webhooks/kunog`, { method: "POST", headers: { "content-type": "application/json", ...signer.sign(event) }, body: event }),
      ),
    );
    const texts = await Promise.all(answers.map((r) => r.text()));
    assert.ok(answers.every((r) => r.status === 200), "every delivery answered 200");
    assert.equal(texts.filter((t) => t === "ok").length, 1, "applied once");
    assert.equal(texts.filter((t) => t === "duplicate").length, 49);
    const { body } = await order(stack, id);
    assert.equal(body.history.length, 1);
    assert.equal(body.history[0].event_id, eventId);
    assert.equal(body.events.filter((e) => e.event_id === eventId).length, 1);
  });

  it("acknowledges events for intents it did not create, and records them", async () => {
    const created = await stack.api.post("/v1/payment_intents", { amount: 100, currency: "USD" }, { idempotencyKey: randomBytes(8).toString("hex") });
    assert.equal(created.status, 200);
    // The sandbox delivers payment_intent.created to the Worker; it answers 200.
    const event = await eventually(async () => {
      const events = await stack.api.get("/v1/events?limit=100");
      const mine = events.json.data.find((e) => e.data.object.id === created.json.id);
      return mine?.delivery_attempts?.some((a) => a.status_code === 200) && mine;
    });
    const unmatched = await fetch(`${stack.workerUrl}/orders/_unmatched`);
    assert.equal(unmatched.status, 404);
    const recorded = (await unmatched.json()).events.find((e) => e.event_id === event.id);
    assert.equal(recorded?.outcome, "recorded: not an order of this Worker");
  });

  it("answers 404 for an unknown order and for unknown routes", async () => {
    assert.equal((await fetch(`${stack.workerUrl}/orders/KNG-nothing`)).status, 404);
    assert.equal((await fetch(`${stack.workerUrl}/nope`)).status, 404);
  });
});
