// Starts the already-built sandbox (sandbox/build/, from `npm run sandbox` or `npm test`)
// under `wrangler dev` on a free loopback port with fresh state, for one test file.
import { spawn } from "node:child_process";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const sandboxDir = join(root, "sandbox");
const STARTUP_TIMEOUT_MS = 90_000;

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts the sandbox; `vars` become Worker variables. Returns { baseUrl, stop, output }. */
export async function startSandbox({ vars = {} } = {}) {
  if (!existsSync(join(sandboxDir, "build", "index.js"))) {
    throw new Error("the sandbox is not built: run `npm run sandbox` or `npm test` first");
  }
  const port = await freePort();
  const inspectorPort = await freePort();
  const persistTo = mkdtempSync(join(tmpdir(), "kunog-sandbox-"));
  const varArgs = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  const child = spawn(
    join(root, "node_modules", ".bin", "wrangler"),
    ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort),
      "--persist-to", persistTo, "--show-interactive-dev-session=false", "--log-level", "warn", ...varArgs],
    { cwd: sandboxDir, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" } },
  );
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      try {
        process.kill(-child.pid, "SIGTERM"); // wrangler and the workerd it started
      } catch {}
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }
    rmSync(persistTo, { recursive: true, force: true });
  };
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (true) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${output}`);
    try {
      const r = await fetch(`${baseUrl}/health`);
      if (r.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the sandbox did not start within ${STARTUP_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { baseUrl, stop, output: () => output };
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
