// Starts the already-built sandbox (sandbox/build/, from `npm run sandbox` or `npm test`)
// under `wrangler dev` on a free loopback port with fresh state, for one test file.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { freePort, startWrangler } from "../../scripts/wrangler.mjs";

export { freePort };

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const sandboxDir = join(root, "sandbox");
const STARTUP_TIMEOUT_MS = 90_000;

/** Starts the sandbox; `vars` become Worker variables. Returns { baseUrl, stop, output }. */
export async function startSandbox({ vars = {} } = {}) {
  if (!existsSync(join(sandboxDir, "build", "index.js"))) {
    throw new Error("the sandbox is not built: run `npm run sandbox` or `npm test` first");
  }
  const persistTo = mkdtempSync(join(tmpdir(), "kunog-sandbox-"));
  let sandbox;
  try {
    sandbox = await startWrangler({ cwd: sandboxDir, port: await freePort(), persistTo, probe: "/health", quiet: true, timeoutMs: STARTUP_TIMEOUT_MS, vars });
  } catch (error) {
    rmSync(persistTo, { recursive: true, force: true });
    throw error;
  }
  return {
    baseUrl: sandbox.url,
    output: sandbox.output,
    async stop() {
      await sandbox.stop();
      rmSync(persistTo, { recursive: true, force: true });
    },
  };
}

export function newKey() {
  return `kng_test_${randomBytes(12).toString("hex")}`;
}

/** A small API client bound to one sandbox and key. */
export function client(baseUrl, key = newKey()) {
  const call = async (method, path, { body, idempotencyKey, headers = {}, rawBody } = {}) => {
    const h = { Authorization: `Bearer ${key}`, ...headers };
    if (body !== undefined || rawBody !== undefined) h["Content-Type"] = "application/json";
    if (idempotencyKey) h["Idempotency-Key"] = idempotencyKey;
    const r = await fetch(`${baseUrl}${path}`, { method, headers: h, body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)) });
    const text = await r.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: r.status, headers: r.headers, text, json };
  };
  return {
    key,
    call,
    get: (path, opts) => call("GET", path, opts),
    post: (path, body, opts = {}) => call("POST", path, { ...opts, body }),
    del: (path, opts) => call("DELETE", path, opts),
  };
}

/** The seed's verifyKunogWebhook, in node:crypto, independent of the Rust core. */
export function verifyKunogWebhook({ rawBody, signature, timestamp, secret }) {
  const expected = createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex");
  const ok = signature.split(",").some((candidate) => {
    const a = Buffer.from(candidate);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  });
  if (!ok) throw new Error("Invalid signature");
  return true;
}

/** Polls `check` (async, returns a truthy value when done) until it succeeds or times out. */
export async function eventually(check, { timeoutMs = 10_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

export const validIntent = { amount: 4900, currency: "USD", settlement: "USDC", success_url: "https://kunog.com/success", cancel_url: "https://kunog.com/cancel" };

/** Just enough Express: app.post(path, handler), res.redirect(status, url), res.status().json(). */
export function miniExpress() {
  const routes = new Map();
  const server = createHttpServer(async (req, res) => {
    res.redirect = (status, url) => {
      res.writeHead(status, { location: url });
      res.end();
    };
    res.status = (status) => ({
      json: (body) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      },
    });
    const handler = routes.get(`${req.method} ${new URL(req.url, "http://x").pathname}`);
    if (!handler) return res.status(404).json({ error: "not found" });
    try {
      await handler(req, res);
    } catch (error) {
      res.status(500).json({ error: String(error) });
    }
  });
  return {
    post: (path, handler) => routes.set(`POST ${path}`, handler),
    listen: () => new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${server.address().port}`))),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
