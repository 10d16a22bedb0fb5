// The hosted checkout page in a real browser: Debian's Chromium driven by playwright-core.
// `npm test` installs Chromium (scripts/lib.mjs ensureChromium); without it this file is
// skipped, loudly.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { chromiumPath as CHROMIUM, ensureChromium } from "../../scripts/lib.mjs";
import { client, eventually, startSandbox, verifyKunogWebhook } from "./harness.mjs";

const skip = ensureChromium() ? false : `${CHROMIUM} is not installed and could not be (apt-get install chromium)`;

let sandbox;
let browser;
let shop;
let shopUrl;
const deliveries = [];

before(async () => {
  if (skip) return;
  // The merchant's success and cancel pages, and its webhook receiver (POST /hook).
  shop = createServer((req, res) => {
    if (req.method === "POST") {
      const chunks = [];
      req.on("data", (chunk) => chunks.push(chunk));
      req.on("end", () => {
        deliveries.push({ headers: req.headers, rawBody: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(200).end();
      });
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html" }).end(`<h1 id="shop">${req.url.split("?")[0]}</h1>`);
  });
  await new Promise((r) => shop.listen(0, "127.0.0.1", r));
  shopUrl = `http://127.0.0.1:${shop.address().port}`;
  sandbox = await startSandbox({ vars: { KUNOG_SANDBOX_CONFIRM_DELAY_MS: "2000" } });
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    timeout: 30_000,
  });
});

after(async () => {
  await browser?.close();
  await sandbox?.stop();
  shop?.closeAllConnections?.();
  await new Promise((r) => (shop ? shop.close(r) : r()));
});

test("Pay: the page shows the amount and asset, pays, lands on success_url; pending then confirmed", { skip, timeout: 60_000 }, async () => {
  const c = client(sandbox.baseUrl);
  const endpoint = (await c.post("/v1/webhook_endpoints", { url: `${shopUrl}/hook` })).json;
  assert.match(endpoint.secret, /^whsec_/);
  const pi = (await c.post("/v1/payment_intents", { amount: 4900, currency: "USD", settlement: "USDC", success_url: `${shopUrl}/success`, cancel_url: `${shopUrl}/cancel` })).json;
  const page = await browser.newPage();
  try {
    await page.goto(pi.checkout_url);
    assert.equal(await page.textContent("[data-testid=amount]"), "$49.00");
    assert.equal(await page.textContent("[data-testid=settlement]"), "USDC");
    await Promise.all([page.waitForURL(`${shopUrl}/success`, { timeout: 10_000 }), page.click("#pay")]);
    assert.equal(await page.textContent("#shop"), "/success");
    assert.equal((await c.get(`/v1/payment_intents/${pi.id}`)).json.status, "pending");
    await eventually(async () => (await c.get(`/v1/payment_intents/${pi.id}`)).json.status === "confirmed", { timeoutMs: 10_000 });
    await page.goto(pi.checkout_url);
    assert.match(await page.textContent("h1"), /Payment confirmed/);
    // The receiver got pending and confirmed, each verified by node:crypto (the seed's verify).
    const received = await eventually(() => {
      const types = deliveries.map((d) => JSON.parse(d.rawBody)).filter((e) => e.data.object.id === pi.id).map((e) => e.type);
      return types.includes("payment_intent.pending") && types.includes("payment_intent.confirmed") && deliveries;
    });
    for (const delivery of received) {
      const event = JSON.parse(delivery.rawBody);
      assert.equal(delivery.headers["kunog-event-id"], event.id);
      assert.equal(
        verifyKunogWebhook({ rawBody: delivery.rawBody, signature: delivery.headers["kunog-signature"], timestamp: delivery.headers["kunog-timestamp"], secret: endpoint.secret }),
        true,
      );
    }
  } finally {
    await page.close();
  }
});

test("Cancel lands on cancel_url; an expired or unknown checkout says so", { skip, timeout: 60_000 }, async () => {
  const c = client(sandbox.baseUrl);
  const pi = (await c.post("/v1/payment_intents", { amount: 1500, currency: "EUR", settlement: "USDC", success_url: `${shopUrl}/success`, cancel_url: `${shopUrl}/cancel` })).json;
  const page = await browser.newPage();
  try {
    await page.goto(pi.checkout_url);
    assert.equal(await page.textContent("[data-testid=amount]"), "€15.00");
    await Promise.all([page.waitForURL(`${shopUrl}/cancel`, { timeout: 10_000 }), page.click("#cancel")]);
    assert.equal((await c.get(`/v1/payment_intents/${pi.id}`)).json.status, "created");
    await c.post(`/v1/test_helpers/payment_intents/${pi.id}/expire`);
    const expired = await page.goto(pi.checkout_url);
    assert.equal(expired.status(), 410);
    assert.match(await page.textContent("h1"), /This checkout has expired/);
    assert.equal(await page.locator("#pay").count(), 0);
    const unknown = await page.goto(pi.checkout_url.replace(pi.id, "pi_unknown00000000000000000"));
    assert.equal(unknown.status(), 404);
    assert.match(await page.textContent("h1"), /not valid/);
  } finally {
    await page.close();
  }
});
