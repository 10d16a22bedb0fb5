// The seed's Node/Express example, with our KunogClient in place of its own class (the
// issue's "done when"): POST /create-checkout creates an intent against the sandbox and
// redirects 303 to its checkout_url, whose page answers 200. A few lines of node:http stand
// in for Express (app.post, res.redirect), so the handler reads as the seed's does.
// Needs pkg/ and sandbox/build/.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";

import { miniExpress, client as rawClient, newKey, startSandbox } from "../sandbox/harness.mjs";

const require = createRequire(import.meta.url);
const { KunogClient, KunogError } = require("../../pkg");

describe("the seed's Node/Express example with KunogClient", () => {
  let sandbox;
  let app;
  let appUrl;
  const env = { KUNOG_KEY: newKey() };
  const errors = [];

  before(async () => {
    sandbox = await startSandbox();
    const kunog = new KunogClient({ apiKey: env.KUNOG_KEY, baseUrl: sandbox.baseUrl });
    app = miniExpress();

    // The seed's handler, its fetch replaced by the client (and its errors now typed).
    app.post("/create-checkout", async (req, res) => {
      try {
        const intent = await kunog.createPaymentIntent(
          { amount: 4900, currency: "USD", settlement: "USDC", metadata: { order_id: "KNG-2048" } },
          { idempotencyKey: crypto.randomUUID() },
        );
        res.redirect(303, intent.checkout_url);
      } catch (error) {
        errors.push(error);
        if (error instanceof KunogError) return res.status(502).json({ code: error.code, requestId: error.requestId });
        throw error;
      }
    });
    appUrl = await app.listen();
  });
  after(async () => {
    await app?.close();
    await sandbox?.stop();
  });

  it("redirects 303 to the new intent's checkout page, which answers 200", async () => {
    const r = await fetch(`${appUrl}/create-checkout`, { method: "POST", redirect: "manual" });
    assert.equal(r.status, 303, await r.text());
    const location = r.headers.get("location");
    assert.ok(location.startsWith(`${sandbox.baseUrl}/checkout/pi_`), location);
    const id = new URL(location).pathname.split("/").pop();

    // The intent behind it, as the seed asked for it.
    const stored = await rawClient(sandbox.baseUrl, env.KUNOG_KEY).get(`/v1/payment_intents/${id}`);
    assert.equal(stored.status, 200);
    assert.equal(stored.json.checkout_url, location);
    assert.deepEqual(
      { amount: stored.json.amount, currency: stored.json.currency, settlement: stored.json.settlement, metadata: stored.json.metadata, status: stored.json.status },
      { amount: 4900, currency: "USD", settlement: "USDC", metadata: { order_id: "KNG-2048" }, status: "created" },
    );

    const page = await fetch(location);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type"), /text\/html/);
    const htmlText = await page.text();
    assert.ok(htmlText.includes(id) || /49\.00/.test(htmlText), "the checkout page shows the intent");
    assert.deepEqual(errors, []);
  });

  it("each checkout makes its own intent (a fresh key per request, as in the seed)", async () => {
    const a = await fetch(`${appUrl}/create-checkout`, { method: "POST", redirect: "manual" });
    const b = await fetch(`${appUrl}/create-checkout`, { method: "POST", redirect: "manual" });
    assert.equal(a.status, 303);
    assert.equal(b.status, 303);
    assert.notEqual(a.headers.get("location"), b.headers.get("location"));
  });

  it("when Kunog is down past the retries, the app gets a typed error instead of a redirect to undefined", async () => {
    const raw = rawClient(sandbox.baseUrl, env.KUNOG_KEY);
    assert.equal((await raw.post("/v1/test_helpers/faults", { next_n: 3, status: 503 })).status, 200);
    const r = await fetch(`${appUrl}/create-checkout`, { method: "POST", redirect: "manual" });
    assert.equal(r.status, 502);
    const body = await r.json();
    assert.equal(body.code, "service_unavailable");
    assert.match(body.requestId, /^req_/);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof KunogError);
  });
});
