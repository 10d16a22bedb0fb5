// The hosted checkout page (over HTTP; the browser test is separate) and expiry.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { client, eventually, startSandbox, validIntent } from "./harness.mjs";

let sandbox;
let shortWindow;
before(async () => {
  sandbox = await startSandbox({ vars: { KUNOG_SANDBOX_CONFIRM_DELAY_MS: "700" } });
  shortWindow = await startSandbox({ vars: { KUNOG_SANDBOX_CHECKOUT_WINDOW_MS: "1500" } });
});
after(async () => {
  await sandbox?.stop();
  await shortWindow?.stop();
});

function formAction(html, id) {
  const match = html.match(new RegExp(`<form method="post" action="([^"]+)"[^>]*><button type="submit" id="${id}"`));
  assert.ok(match, `no ${id} form in the page`);
  return match[1].replaceAll("&amp;", "&");
}

test("the page shows the amount in its currency and the settlement asset", async () => {
  const c = client(sandbox.baseUrl);
  for (const [amount, currency, settlement, shown] of [
    [4900, "USD", "USDC", "$49.00"],
    [123456789 % 99999999, "EUR", "USDC", "€234,567.90"],
    [1500, "JPY", "USDC", "¥1,500"],
    [1234, "CHF", "USDC", "12.34 CHF"],
    [1, "GBP", "USDC", "£0.01"],
  ]) {
    const pi = (await c.post("/v1/payment_intents", { amount, currency, settlement })).json;
    const page = await fetch(pi.checkout_url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type"), /text\/html/);
    const html = await page.text();
    assert.ok(html.includes(`data-testid="amount">${shown}<`), `${shown} in ${html}`);
    assert.ok(html.includes(`data-testid="settlement">${settlement}<`));
    assert.ok(html.includes('id="pay"') && html.includes('id="cancel"'));
  }
});

test("Pay: pending at once, redirect to success_url, confirmed after the delay, with events", async () => {
  const c = client(sandbox.baseUrl);
  const pi = (await c.post("/v1/payment_intents", validIntent)).json;
  const html = await (await fetch(pi.checkout_url)).text();
  const pay = await fetch(new URL(formAction(html, "pay"), sandbox.baseUrl), { method: "POST", redirect: "manual" });
  assert.equal(pay.status, 303);
  assert.equal(pay.headers.get("location"), validIntent.success_url);
  assert.equal((await c.get(`/v1/payment_intents/${pi.id}`)).json.status, "pending");
  const confirmed = await eventually(async () => {
    const got = (await c.get(`/v1/payment_intents/${pi.id}`)).json;
    return got.status === "confirmed" && got;
  }, { timeoutMs: 10_000 });
  assert.equal(confirmed.status, "confirmed");
  const types = (await c.get("/v1/events")).json.data.map((e) => e.type);
  assert.deepEqual(types, ["payment_intent.confirmed", "payment_intent.pending", "payment_intent.created"]);
  // Paying twice does nothing more.
  const again = await fetch(new URL(formAction(html, "pay"), sandbox.baseUrl), { method: "POST", redirect: "manual" });
  assert.equal(again.status, 200);
  assert.match(await again.text(), /Payment confirmed/);
  assert.equal((await c.get("/v1/events")).json.data.length, 3);
});

test("the confirmation happens even with no request arriving (alarm)", async () => {
  const c = client(sandbox.baseUrl);
  const hook = await c.post("/v1/webhook_endpoints", { url: "http://127.0.0.1:9/never" });
  assert.equal(hook.status, 200);
  const pi = (await c.post("/v1/payment_intents", { amount: 100, currency: "USD" })).json;
  const html = await (await fetch(pi.checkout_url)).text();
  const pay = await fetch(new URL(formAction(html, "pay"), sandbox.baseUrl), { method: "POST", redirect: "manual" });
  assert.equal(pay.status, 303);
  // No success_url: back to the checkout page, which says the payment was received.
  assert.ok(pay.headers.get("location").startsWith(`/checkout/${pi.id}`));
  await new Promise((r) => setTimeout(r, 1_500));
  // Reading advances due timers too, so the event's own time shows whether the alarm did
  // it on schedule: about 700 ms after pending, not when this request arrived.
  const events = (await c.get("/v1/events")).json.data;
  const pending = events.find((e) => e.type === "payment_intent.pending");
  const confirmed = events.find((e) => e.type === "payment_intent.confirmed");
  assert.ok(confirmed, "confirmed");
  const gap = confirmed.created - pending.created;
  // Not before the delay; the upper bound only says "by the alarm", with room for a loaded machine.
  assert.ok(gap >= 690 && gap < 3_000, `confirmed ${gap} ms after pending`);
});

test("Cancel redirects to cancel_url and leaves the intent open", async () => {
  const c = client(sandbox.baseUrl);
  const pi = (await c.post("/v1/payment_intents", validIntent)).json;
  const html = await (await fetch(pi.checkout_url)).text();
  const cancel = await fetch(new URL(formAction(html, "cancel"), sandbox.baseUrl), { method: "POST", redirect: "manual" });
  assert.equal(cancel.status, 303);
  assert.equal(cancel.headers.get("location"), validIntent.cancel_url);
  assert.equal((await c.get(`/v1/payment_intents/${pi.id}`)).json.status, "created");
});

test("unknown and malformed checkout links say so plainly", async () => {
  const c = client(sandbox.baseUrl);
  const pi = (await c.post("/v1/payment_intents", validIntent)).json;
  const unknown = await fetch(pi.checkout_url.replace(pi.id, "pi_unknown00000000000000000"));
  assert.equal(unknown.status, 404);
  assert.match(await unknown.text(), /not valid/);
  const noAccount = await fetch(`${sandbox.baseUrl}/checkout/${pi.id}`);
  assert.equal(noAccount.status, 404);
  assert.match(await noAccount.text(), /not valid/);
  const otherAccount = await fetch(pi.checkout_url.replace(/account=[0-9a-f]+/, `account=${"0".repeat(32)}`));
  assert.equal(otherAccount.status, 404);
  const escaped = await fetch(`${sandbox.baseUrl}/checkout/%3Cscript%3E?account=${new URL(pi.checkout_url).searchParams.get("account")}`);
  assert.equal(escaped.status, 404);
  assert.ok(!(await escaped.text()).includes("<script>"));
});

test("intents expire after the checkout window, with an event, and the page says so", async () => {
  const c = client(shortWindow.baseUrl);
  const pi = (await c.post("/v1/payment_intents", { ...validIntent, description: "<b>Mug</b>" })).json;
  assert.equal(pi.expires_at - pi.created, 1500);
  const html = await (await fetch(pi.checkout_url)).text();
  assert.ok(html.includes("&lt;b&gt;Mug&lt;/b&gt;"), "description is escaped");
  await new Promise((r) => setTimeout(r, 3_600));
  // The alarm expired it without any request: the event's time is the window's end.
  const events = (await c.get("/v1/events")).json.data;
  const expired = events.find((e) => e.type === "payment_intent.expired");
  assert.ok(expired);
  assert.ok(expired.created >= pi.expires_at && expired.created - pi.expires_at < 2_000, `expired ${expired.created - pi.expires_at} ms late`);
  assert.equal((await c.get(`/v1/payment_intents/${pi.id}`)).json.status, "expired");
  const page = await fetch(pi.checkout_url);
  assert.equal(page.status, 410);
  assert.match(await page.text(), /This checkout has expired/);
  const pay = await fetch(new URL(formAction(html, "pay"), shortWindow.baseUrl), { method: "POST", redirect: "manual" });
  assert.equal(pay.status, 410);
  assert.equal((await c.get(`/v1/payment_intents/${pi.id}`)).json.status, "expired");
});
