// The seed's own Node/Express example, unchanged but for the base URL, against the sandbox:
// create an intent with an Idempotency-Key, then redirect 303 to checkout_url (issue 3's
// "done when"). A few lines of node:http stand in for Express (app.post, res.redirect).
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { after, before, describe, it } from "node:test";

import { miniExpress, client, newKey, startSandbox } from "./harness.mjs";

describe("the seed's Node/Express example against the sandbox", () => {
  let sandbox;
  let app;
  let appUrl;
  const process = { env: { KUNOG_KEY: newKey() } }; // what the seed reads its key from

  before(async () => {
    sandbox = await startSandbox();
    const KUNOG_API_BASE = sandbox.baseUrl; // the one change: https://api.kunog.com -> the sandbox
    app = miniExpress();

    // From Kunog's developer page, verbatim but for the URL's host.
    app.post("/create-checkout", async (req, res) => {
      const r = await fetch(`${KUNOG_API_BASE}/v1/payment_intents`, {
        method: "POST",
        headers: {
          "Authorization": `Bearer ${process.env.KUNOG_KEY}`,
          "Content-Type": "application/json",
          "Idempotency-Key": crypto.randomUUID()
        },
        body: JSON.stringify({
          amount: 4900,
          currency: "USD",
          settlement: "USDC",
          metadata: { order_id: "KNG-2048" }
        })
      });
      const intent = await r.json();
      res.redirect(303, intent.checkout_url);
    });
    appUrl = await app.listen();
  });
  after(async () => {
    await app?.close();
    await sandbox?.stop();
  });

  it("redirects 303 to a hosted checkout page for a new intent", async () => {
    const r = await fetch(`${appUrl}/create-checkout`, { method: "POST", redirect: "manual" });
    assert.equal(r.status, 303);
    const location = r.headers.get("location");
    assert.ok(location.startsWith(`${sandbox.baseUrl}/checkout/pi_`), location);
    const id = new URL(location).pathname.split("/").pop();
    const stored = await client(sandbox.baseUrl, process.env.KUNOG_KEY).get(`/v1/payment_intents/${id}`);
    assert.equal(stored.status, 200);
    assert.equal(stored.json.amount, 4900);
    assert.equal(stored.json.metadata.order_id, "KNG-2048");
    assert.equal(stored.json.status, "created");
    const page = await fetch(location);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /\$49\.00/);
  });

  it("the seed's curl quickstart works too: same key, same answer, replayed", async () => {
    const key = "3b2d9a1a-9f1d-4c6f-bade-2bf0b3d0b12f";
    const body = { amount: 4900, currency: "USD", settlement: "USDC", success_url: "https://kunog.com/success", cancel_url: "https://kunog.com/cancel" };
    const api = client(sandbox.baseUrl, process.env.KUNOG_KEY);
    const first = await api.post("/v1/payment_intents", body, { idempotencyKey: key });
    const again = await api.post("/v1/payment_intents", body, { idempotencyKey: key });
    assert.equal(first.status, 200);
    assert.equal(again.text, first.text);
    assert.equal(again.headers.get("idempotent-replayed"), "true");
  });
});
