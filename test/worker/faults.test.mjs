// The merchant Worker under the sandbox's webhook fault injection (POST
// /v1/test_helpers/faults): every delivery sent twice, in random order, late. Orders still
// end in the right state, with each transition recorded once; a late `pending` never
// downgrades `paid`; and FULFILL_ON=pending gives soft_paid, then paid.
// Needs build/ (the Worker) and sandbox/build/, which `npm test` builds first.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";

import { eventually } from "../sandbox/harness.mjs";
import { newOrderId, startStack } from "./stack.mjs";

const require = createRequire(import.meta.url);
const { Webhook } = require("../../pkg");


/** POST /create-checkout for the demo product; the intent id from the 303. */
async function checkout(stack, orderId) {
  const response = await fetch(`${stack.workerUrl}/create-checkout`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ order_id: orderId }),
    redirect: "manual",
  });
  assert.equal(response.status, 303, await response.text());
  const intentId = new URL(response.headers.get("location")).pathname.split("/").pop();
  assert.match(intentId, /^pi_/);
  return intentId;
}

async function order(stack, orderId) {
  const response = await fetch(`${stack.workerUrl}/orders/${orderId}`);
  assert.equal(response.status, 200, `GET /orders/${orderId}`);
  return response.json();
}

async function ok(promise, what) {
  const answer = await promise;
  assert.equal(answer.status, 200, `${what}: ${answer.text}`);
  return answer.json;
}

async function setWebhookFaults(stack, webhooks) {
  return ok(stack.api.post("/v1/test_helpers/faults", { webhooks }), `set faults ${JSON.stringify(webhooks)}`);
}

/** Every event the sandbox emitted (with its deliveries and attempts), oldest first. */
async function sandboxEvents(stack) {
  const listed = await ok(stack.api.get("/v1/events?limit=100"), "list events");
  assert.equal(listed.has_more, false, "the test stays under one page of events");
  return listed.data.reverse();
}

const intentOf = (event) => (event.type.startsWith("refund.") ? event.data.object.payment_intent : event.data.object.id);

/** The invariants of an order under at-least-once delivery. */
function assertRecordedOnce(body, label) {
  const historyIds = body.history.map((t) => t.event_id);
  assert.equal(new Set(historyIds).size, historyIds.length, `${label}: no event id twice in the history: ${historyIds}`);
  const processedIds = body.events.map((e) => e.event_id);
  assert.equal(new Set(processedIds).size, processedIds.length, `${label}: each processed event listed once: ${processedIds}`);
  for (const id of historyIds) assert.ok(processedIds.includes(id), `${label}: transition ${id} is a processed event`);
}

describe("the merchant Worker under webhook faults", { timeout: 85_000 }, () => {
  let confirmedStack;
  let pendingStack;
  before(async () => {
    const started = await Promise.allSettled([startStack({ fulfillOn: "confirmed" }), startStack({ fulfillOn: "pending" })]);
    [confirmedStack, pendingStack] = started.map((s) => (s.status === "fulfilled" ? s.value : undefined));
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
  });
  after(async () => {
    await Promise.all([confirmedStack?.stop(), pendingStack?.stop()]);
  });

  it("ends paid, refunded and expired orders right with duplicated, reordered, delayed deliveries", async () => {
    const stack = confirmedStack;
    await setWebhookFaults(stack, { duplicate: true, reorder: true, delay_ms: 400 });
    assert.deepEqual((await ok(stack.api.get("/v1/test_helpers/faults"), "get faults")).webhooks, { duplicate: true, reorder: true, delay_ms: 400 });
    const helper = (intent, action) => ok(stack.api.post(`/v1/test_helpers/payment_intents/${intent}/${action}`, {}), `${action} ${intent}`);
    const refund = (intent, amount, n) =>
      ok(stack.api.post("/v1/refunds", { payment_intent: intent, amount }, { idempotencyKey: `refund-${intent}-${n}` }), `refund ${intent}`);

    // name -> refunds (minor units) after paying 4900; null: never paid, expires instead.
    const plan = { paid: [], refunded: [4900], refundedInTwo: [1000, 3900], partial: [900], expired: null, paid2: [] };
    const want = {
      paid: ["paid", 0],
      refunded: ["refunded", 4900],
      refundedInTwo: ["refunded", 4900],
      partial: ["partially_refunded", 900],
      expired: ["expired", 0],
      paid2: ["paid", 0],
    };
    const orders = {};
    for (const name of Object.keys(plan)) {
      const id = newOrderId();
      orders[name] = { id, intent: await checkout(stack, id) };
    }
    // Everything happens at once on Kunog's side; the Worker hears it late, twice, shuffled.
    await Promise.all(
      Object.entries(plan).map(async ([name, refunds]) => {
        const { intent } = orders[name];
        if (refunds === null) return helper(intent, "expire");
        await helper(intent, "pay");
        await helper(intent, "confirm");
        for (const [n, amount] of refunds.entries()) await refund(intent, amount, n);
      }),
    );

    // Wait until the sandbox has delivered every event, each one twice with a 2xx.
    const events = await eventually(
      async () => {
        const all = await sandboxEvents(stack);
        const done = all.every((e) => e.delivery_attempts.filter((a) => a.status_code === 200).length >= 2);
        return done && all;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const intents = new Set(Object.values(orders).map((o) => o.intent));
    assert.equal(events.filter((e) => intents.has(intentOf(e))).length, 6 + 5 + 5 + 4 + 1, "created x6, pending x5, confirmed x5, refunds x4, expired x1");

    let inversions = 0;
    for (const [name, [status, refunded]] of Object.entries(want)) {
      const { id, intent } = orders[name];
      const mine = events.filter((e) => intentOf(e) === intent);
      const body = await order(stack, id);
      assert.equal(body.status, status, `${name}: final status (history ${JSON.stringify(body.history)})`);
      assert.equal(body.amount_refunded, refunded, `${name}: amount refunded`);
      assert.equal(body.payment_intent, intent, `${name}: payment intent`);
      assertRecordedOnce(body, name);
      // Every event of the order's intent was processed exactly once, the duplicates not at all.
      assert.deepEqual(body.events.map((e) => e.event_id).sort(), mine.map((e) => e.id).sort(), `${name}: processed events`);
      // Each refund and the expiry is a transition of its own; confirmed is one unless a
      // refund got there first; pending never is (the policy waits for confirmed).
      const byType = (type) => body.history.filter((t) => t.event_type === type).length;
      assert.equal(byType("refund.created"), plan[name]?.length ?? 0, `${name}: one transition per refund`);
      assert.equal(byType("payment_intent.pending"), 0, `${name}: pending changes nothing under FULFILL_ON=confirmed`);
      assert.ok(byType("payment_intent.confirmed") <= 1, `${name}: confirmed at most once`);
      if (name === "paid" || name === "paid2") {
        assert.deepEqual(body.history.map((t) => [t.from, t.to, t.event_type]), [["awaiting_payment", "paid", "payment_intent.confirmed"]]);
      }
      if (name === "expired") {
        assert.deepEqual(body.history.map((t) => [t.from, t.to]), [["awaiting_payment", "expired"]]);
      }
      // Did the shuffle shuffle? Count events that reached the Worker before an older one.
      const arrival = new Map(body.events.map((e) => [e.event_id, e.received_at]));
      mine.forEach((older, i) => mine.slice(i + 1).forEach((newer) => (inversions += arrival.get(newer.id) < arrival.get(older.id) ? 1 : 0)));
    }
    assert.ok(inversions > 0, "the reorder fault delivered some events out of order");
    await ok(stack.api.del("/v1/test_helpers/faults"), "clear faults");
  });

  it("FULFILL_ON=pending: soft_paid on pending, then paid on confirmed, each once despite duplicates", async () => {
    const stack = pendingStack;
    await setWebhookFaults(stack, { duplicate: true, delay_ms: 150 });
    const id = newOrderId();
    const intent = await checkout(stack, id);
    await ok(stack.api.post(`/v1/test_helpers/payment_intents/${intent}/pay`, {}), "pay");
    await eventually(async () => (await order(stack, id)).status === "soft_paid", { timeoutMs: 10_000 });
    await ok(stack.api.post(`/v1/test_helpers/payment_intents/${intent}/confirm`, {}), "confirm");
    await eventually(async () => (await order(stack, id)).status === "paid", { timeoutMs: 10_000 });
    // Let the duplicates land, then look again.
    await eventually(async () => {
      const all = (await sandboxEvents(stack)).filter((e) => intentOf(e) === intent);
      return all.length === 3 && all.every((e) => e.delivery_attempts.filter((a) => a.status_code === 200).length >= 2);
    });
    const body = await order(stack, id);
    assert.equal(body.status, "paid");
    assert.deepEqual(body.history.map((t) => [t.from, t.to, t.event_type]), [
      ["awaiting_payment", "soft_paid", "payment_intent.pending"],
      ["soft_paid", "paid", "payment_intent.confirmed"],
    ]);
    assertRecordedOnce(body, id);
    assert.equal(body.events.length, 3, "created, pending, confirmed: once each");
    const html = await (await fetch(`${stack.workerUrl}/orders/${id}`, { headers: { accept: "text/html" } })).text();
    assert.match(html, /id=status class="status paid">paid</);
    await ok(stack.api.del("/v1/test_helpers/faults"), "clear faults");
  });

  it("a late pending never downgrades paid (FULFILL_ON=pending), nor does a late expired", async () => {
    const stack = pendingStack;
    const id = newOrderId();
    const intent = await checkout(stack, id);
    // pending is held back 3 s by the delay fault; confirmed, emitted after the fault is
    // cleared, overtakes it.
    await setWebhookFaults(stack, { duplicate: true, delay_ms: 3_000 });
    await ok(stack.api.post(`/v1/test_helpers/payment_intents/${intent}/pay`, {}), "pay");
    await setWebhookFaults(stack, { duplicate: true });
    await ok(stack.api.post(`/v1/test_helpers/payment_intents/${intent}/confirm`, {}), "confirm");
    const pendingEvent = (await sandboxEvents(stack)).find((e) => intentOf(e) === intent && e.type === "payment_intent.pending");
    const paid = await eventually(async () => {
      const body = await order(stack, id);
      return body.status === "paid" && body;
    });
    assert.ok(!paid.events.some((e) => e.event_id === pendingEvent.id), "confirmed arrived before pending");
    const late = await eventually(
      async () => {
        const body = await order(stack, id);
        return body.events.some((e) => e.event_id === pendingEvent.id) && body;
      },
      { timeoutMs: 10_000 },
    );
    assert.equal(late.status, "paid", "the late pending did not downgrade paid");
    assert.deepEqual(late.history.map((t) => [t.from, t.to, t.event_type]), [["awaiting_payment", "paid", "payment_intent.confirmed"]]);
    assert.match(late.events.find((e) => e.event_id === pendingEvent.id).outcome, /^unchanged/);

    // An `expired` for the same intent, signed and delivered late: acknowledged, no change.
    const expired = JSON.stringify({
      id: `evt_${randomBytes(12).toString("hex")}`,
      object: "event",
      type: "payment_intent.expired",
      created: Date.now(),
      livemode: false,
      data: { object: { id: intent, object: "payment_intent", status: "expired", amount: 4900, currency: "USD", settlement: "USDC", metadata: { order_id: id } } },
    });
    const answer = await fetch(`${stack.workerUrl}/webhooks/kunog`, {
      method: "POST",
      headers: { "content-type": "application/json", ...new Webhook(stack.secret).sign(expired) },
      body: expired,
    });
    assert.equal(answer.status, 200, await answer.text());
    const after = await order(stack, id);
    assert.equal(after.status, "paid", "expired never overrides paid");
    assert.equal(after.history.length, 1);
    assertRecordedOnce(after, id);
    assert.equal(after.events.length, 4, "created, pending, confirmed, expired");
    await ok(stack.api.del("/v1/test_helpers/faults"), "clear faults");
  });
});
