// The sandbox and the merchant Worker started together in workerd, wired to each other
// (the sandbox delivers signed webhooks to the Worker), for the Worker's test files.
// Needs build/ (the Worker) and sandbox/build/, which `npm test` builds first.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { startWrangler } from "../../scripts/wrangler.mjs";
import { client, freePort, startSandbox } from "../sandbox/harness.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Starts both; `stop()` ends them and removes their state.
 * @returns { workerUrl, sandboxUrl, api (a sandbox client with the Worker's key), secret, apiKey, stop }
 */
export async function startStack({ fulfillOn = "confirmed", sandboxVars = {} } = {}) {
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const apiKey = `kng_test_${randomBytes(12).toString("hex")}`;
  const workerPort = await freePort();
  const sandbox = await startSandbox({
    vars: {
      KUNOG_SANDBOX_WEBHOOK_URL: `http://127.0.0.1:${workerPort}/webhooks/kunog`,
      KUNOG_SANDBOX_WEBHOOK_SECRET: secret,
      KUNOG_SANDBOX_CONFIRM_DELAY_MS: "300",
      KUNOG_SANDBOX_TIME_SCALE: "0.01",
      ...sandboxVars,
    },
  });
  const persistTo = mkdtempSync(join(tmpdir(), "kunog-worker-"));
  let worker;
  try {
    worker = await startWrangler({
      cwd: root,
      port: workerPort,
      persistTo,
      quiet: true,
      vars: { KUNOG_KEY: apiKey, KUNOG_WEBHOOK_SECRET: secret, KUNOG_API_BASE: sandbox.baseUrl, DEMO: "on", FULFILL_ON: fulfillOn },
    });
  } catch (error) {
    await sandbox.stop();
    rmSync(persistTo, { recursive: true, force: true });
    throw error;
  }
  return {
    workerUrl: worker.url,
    sandboxUrl: sandbox.baseUrl,
    api: client(sandbox.baseUrl, apiKey),
    secret,
    apiKey,
    async stop() {
      await worker.stop();
      await sandbox.stop();
      rmSync(persistTo, { recursive: true, force: true });
    },
  };
}

export const newOrderId = () => `KNG-${randomBytes(5).toString("hex")}`;

/** POST /create-checkout with form fields; the raw answer (redirects not followed). */
export function postCheckout(stack, fields) {
  return fetch(`${stack.workerUrl}/create-checkout`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

/** The intent id in a checkout URL (…/checkout/pi_…). */
export function intentIdOf(checkoutUrl) {
  const id = new URL(checkoutUrl).pathname.split("/").pop();
  assert.match(id, /^pi_/);
  return id;
}

/** GET /orders/{id} as JSON: { status, body }. */
export async function getOrder(stack, orderId) {
  const response = await fetch(`${stack.workerUrl}/orders/${orderId}`);
  return { status: response.status, body: await response.json() };
}
