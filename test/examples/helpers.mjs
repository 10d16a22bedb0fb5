// What every example test does: Kunog-shaped events signed with the repository's built package
// (Webhook.sign), delivered signed, tampered (one byte changed) and without headers, and the
// checks on what the example answered and logged.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { freshProject, root, startProcess } from "../tarball/project.mjs";
import { freePort } from "../../scripts/wrangler.mjs";

export const examplesDir = join(root, "examples");
export const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

const { Webhook } = createRequire(import.meta.url)("../../pkg");
const signer = new Webhook(SECRET);

// How long an example may take to answer one delivery.
const DELIVERY_TIMEOUT_MS = 15_000;

function randomId(prefix) {
  return `${prefix}_${randomBytes(12).toString("hex")}`;
}

/** A Kunog event as the API sends it: { id, type, body (the JSON text) }. */
export function kunogEvent(type = "payment_intent.confirmed") {
  const now = Date.now();
  const intent = {
    id: randomId("pi"),
    object: "payment_intent",
    status: "confirmed",
    amount: 4900,
    currency: "USD",
    settlement: "USDC",
    checkout_url: "https://checkout.kunog.com/pi",
    success_url: null,
    cancel_url: null,
    metadata: { order_id: "KNG-2048", note: "café ☕" },
    description: null,
    amount_refunded: 0,
    livemode: false,
    created: now - 60_000,
    expires_at: now + 1_740_000,
  };
  const id = randomId("evt");
  const body = JSON.stringify({ id, object: "event", type, created: now - 1000, livemode: false, data: { object: intent } });
  return { id, type, body };
}

/** A delivery as Kunog makes it: the event, its body, and the headers to send. */
export function signedDelivery(type) {
  const event = kunogEvent(type);
  return { ...event, headers: { "content-type": "application/json", ...signer.sign(event.body, { timestamp: Date.now() }) } };
}

/** A signed delivery whose body then had one byte changed (amount 4900 to 9900). */
export function tamperedDelivery() {
  const delivery = signedDelivery();
  const body = delivery.body.replace('"amount":4900', '"amount":9900');
  assert.notEqual(body, delivery.body);
  assert.equal(body.length, delivery.body.length);
  return { ...delivery, body };
}

/** A delivery without the Kunog-* headers (a stray POST). */
export function unsignedDelivery() {
  const event = kunogEvent();
  return { ...event, headers: { "content-type": "application/json" } };
}

/** POSTs a delivery; { status, json } (json null when the answer is not JSON). */
export async function deliver(url, { body, headers }) {
  const response = await fetch(url, { method: "POST", body, headers, signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: the assertions show the text
  }
  return { status: response.status, json, text };
}

/** The line each example logs once it has verified an event. */
export function verifiedLine({ id, type }) {
  return `kunog: verified ${id} ${type}`;
}

/** Waits until `output()` contains `text` (logs arrive through a pipe, after the answer). */
export async function waitForOutput(output, text, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!output().includes(text)) {
    if (Date.now() > deadline) assert.fail(`no "${text}" in the example's output after ${timeoutMs} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Delivers a signed event after a refused one: once its line is out, the refused one's would be too.
async function assertNotSeen(url, output, refused) {
  if (!output) return;
  const next = signedDelivery();
  const answer = await deliver(url, next);
  assert.equal(answer.status, 200, answer.text);
  await waitForOutput(output, verifiedLine(next));
  assert.ok(!output().includes(refused.id), `the handler saw the refused event ${refused.id}:\n${output()}`);
}

/**
 * The three checks on a running example, as node:test cases: `endpoint()` gives { url, output }
 * once the example runs (output: what it has logged so far, or null where its logs cannot be
 * read; then the answer's { received: id }, which the handler writes after verifying, is the
 * only evidence of what it saw).
 */
export function webhookEndpointTests(endpoint) {
  it("answers 2xx to a signed delivery, having seen that event", async () => {
    const { url, output } = endpoint();
    for (const type of ["payment_intent.confirmed", "refund.created"]) {
      const delivery = signedDelivery(type);
      const answer = await deliver(url, delivery);
      assert.equal(answer.status, 200, answer.text);
      assert.deepEqual(answer.json, { received: delivery.id });
      if (output) await waitForOutput(output, verifiedLine(delivery));
    }
  });

  it("refuses a tampered body with 400 signature_mismatch, unseen", async () => {
    const { url, output } = endpoint();
    const tampered = tamperedDelivery();
    const answer = await deliver(url, tampered);
    assert.equal(answer.status, 400, answer.text);
    assert.deepEqual(answer.json, { error: "signature_mismatch" });
    await assertNotSeen(url, output, tampered);
  });

  it("refuses a delivery without the Kunog headers with 400 missing_header, unseen", async () => {
    const { url, output } = endpoint();
    const unsigned = unsignedDelivery();
    const answer = await deliver(url, unsigned);
    assert.equal(answer.status, 400, answer.text);
    assert.deepEqual(answer.json, { error: "missing_header" });
    await assertNotSeen(url, output, unsigned);
  });
}

/**
 * Starts an example's server (`runtime script`) in its fresh project on a free loopback port,
 * once it logs "listening on". @returns { server, url }
 */
export async function startExampleServer(project, runtime, script) {
  const port = await freePort();
  const server = await startProcess(runtime, [script], {
    cwd: project.dir,
    env: { KUNOG_WEBHOOK_SECRET: SECRET, PORT: String(port), HOST: "127.0.0.1" },
    ready: /listening on/,
    timeoutMs: 20_000,
  });
  return { server, url: `http://127.0.0.1:${port}` };
}

const SERVER_SETUP_TIMEOUT_MS = 180_000;
const SERVER_TESTS_TIMEOUT_MS = 60_000;

/** The suite of an example that is a server script: install, start, deliver, stop. */
export function describeServerExample(name, { runtime, script }) {
  describe(`examples/${name}`, { timeout: SERVER_SETUP_TIMEOUT_MS + SERVER_TESTS_TIMEOUT_MS }, () => {
    let project;
    let started;

    before(async () => {
      project = freshProject(name, { from: join(examplesDir, name) });
      started = await startExampleServer(project, runtime(), script);
    }, { timeout: SERVER_SETUP_TIMEOUT_MS });
    after(async () => {
      await started?.server.stop();
      project?.cleanup();
    });

    describe("POST /webhooks/kunog", { timeout: SERVER_TESTS_TIMEOUT_MS }, () => {
      webhookEndpointTests(() => ({ url: `${started.url}/webhooks/kunog`, output: () => started.server.output() }));
    });
  });
}
