// The seed's quickstart in a real browser: headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core) buys on the Worker's storefront, pays on the sandbox's hosted
// checkout, comes back to the order page and sees it `paid` through the verified webhook.
// Keeps a screenshot as a test artifact: test-results/worker-flow.png.
// Needs build/ (the Worker) and sandbox/build/, which `npm test` builds first. Skips itself
// only when chromium is missing and cannot be installed (scripts/lib.mjs ensureChromium).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { chromiumPath, ensureChromium } from "../../scripts/lib.mjs";
import { eventually } from "../sandbox/harness.mjs";
import { startStack } from "./stack.mjs";

const root = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..", "..");
const SCREENSHOT = join(root, "test-results", "worker-flow.png");
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const haveChromium = ensureChromium();
let chromium;
let skip = haveChromium ? false : `chromium is not at ${chromiumPath} and could not be installed with apt-get`;
if (!skip) ({ chromium } = await import("playwright-core"));

/** The order id the storefront put in its form. */
async function orderIdOn(page) {
  const id = await page.locator("input[name=order_id]").getAttribute("value");
  assert.match(id ?? "", /^KNG-[A-Z0-9]{10}$/);
  return id;
}

async function intentsFor(stack, orderId) {
  const listed = await stack.api.get("/v1/payment_intents?limit=100");
  assert.equal(listed.status, 200, listed.text);
  return listed.json.data.filter((pi) => pi.metadata?.order_id === orderId);
}

describe("the quickstart in headless Chromium", { skip, timeout: 80_000 }, () => {
  let stack;
  let context;
  let userDataDir;
  before(async () => {
    userDataDir = mkdtempSync(join(tmpdir(), "kunog-chromium-"));
    stack = await startStack();
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 30_000,
    });
    context.setDefaultTimeout(15_000);
    context.setDefaultNavigationTimeout(15_000);
  });
  after(async () => {
    await context?.close().catch(() => {});
    await stack?.stop();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it("buys, pays on hosted checkout, and comes back to an order page that turns paid", async () => {
    const page = await context.newPage();
    await page.goto(`${stack.workerUrl}/`);
    assert.match(await page.title(), /Kunog demo store/);
    const orderId = await orderIdOn(page);

    await Promise.all([page.waitForURL((url) => url.href.startsWith(`${stack.sandboxUrl}/checkout/pi_`)), page.click("#buy")]);
    const intentId = new URL(page.url()).pathname.split("/").pop();
    assert.match(intentId, /^pi_/);
    assert.match(await page.locator("body").innerText(), /\$49\.00/);

    // Pay: the intent is pending at once, confirmed after the sandbox's delay, and the
    // customer is sent back to the Worker's order page.
    const orderPage = `${stack.workerUrl}/orders/${orderId}?from=checkout`;
    await Promise.all([page.waitForURL(orderPage), page.click("#pay")]);

    // The page refreshes itself until a final status; wait (bounded) for `paid`.
    await page.locator("#status.paid").waitFor({ state: "visible", timeout: 20_000 });
    assert.equal((await page.locator("#status").innerText()).trim(), "paid");
    assert.equal(page.url(), orderPage);
    const history = await page.locator("table tr").allInnerTexts();
    assert.ok(history.some((row) => row.includes("payment_intent.confirmed") && row.includes("awaiting_payment → paid")), history.join("\n"));

    mkdirSync(join(root, "test-results"), { recursive: true });
    rmSync(SCREENSHOT, { force: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok(existsSync(SCREENSHOT), `${SCREENSHOT} was written`);
    assert.ok(statSync(SCREENSHOT).size > 0, `${SCREENSHOT} is not empty`);

    // The same, as the API and the Worker see it.
    const [intent] = await intentsFor(stack, orderId);
    assert.equal(intent.id, intentId);
    assert.equal(intent.status, "confirmed");
    const order = await (await fetch(`${stack.workerUrl}/orders/${orderId}`)).json();
    assert.equal(order.status, "paid");
    assert.equal(order.payment_intent, intentId);
    await page.close();
  });

  it("makes exactly one intent when Buy is double-clicked", async () => {
    const page = await context.newPage();
    const posts = [];
    page.on("request", (request) => {
      if (request.method() === "POST" && new URL(request.url()).pathname === "/create-checkout") posts.push(request);
    });
    await page.goto(`${stack.workerUrl}/`);
    const orderId = await orderIdOn(page);
    // Two quick clicks. (Chromium folds a dblclick's two submits within one task into one
    // request, so the second click comes 30 ms later, while the first post is in flight.)
    await page.locator("#buy").evaluate((button) => {
      button.click();
      setTimeout(() => button.click(), 30);
    });
    // The second submit aborts the first navigation; wait for the one that lands.
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await page.waitForURL((url) => url.href.startsWith(`${stack.sandboxUrl}/checkout/pi_`), { timeout: Math.max(1, deadline - Date.now()) });
        break;
      } catch (error) {
        if (!/ERR_ABORTED/.test(error.message) || Date.now() > deadline) throw error;
      }
    }
    assert.ok(posts.length >= 2, `the double-click posted the order twice (posted ${posts.length} times)`);
    const intentId = new URL(page.url()).pathname.split("/").pop();
    // Both posts have been answered (or abandoned) by now; give a straggler a moment anyway.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const mine = await intentsFor(stack, orderId);
    assert.equal(mine.length, 1, `one intent for ${orderId}: ${mine.map((pi) => pi.id)}`);
    assert.equal(mine[0].id, intentId);
    const order = await eventually(async () => {
      const body = await (await fetch(`${stack.workerUrl}/orders/${orderId}`)).json();
      return body.payment_intent && body;
    });
    assert.equal(order.payment_intent, intentId);
    assert.equal(order.status, "awaiting_payment");
    await page.close();
  });
});
