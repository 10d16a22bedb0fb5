// The merchant Worker's webhook endpoint under load, in real workerd (wrangler dev), beside
// a plain-JS Worker that does the same job by hand (bench/js-worker: WebCrypto HMAC, then a
// SQLite Durable Object per order). Each gets a bounded load of valid signed deliveries
// (unique event ids across a few orders) from a child node process, so that the load
// generator never shares an event loop with wrangler's; rounds alternate Rust, JS, Rust, JS.
// Reports requests/s for each and the ratio Rust/JS (>= 1.0: the Rust Worker at least as fast).
//   benchWorker()                              from scripts/bench.mjs
//   node bench/worker.mjs --load '<json>'      the load generator (the child process)
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const thisFile = fileURLToPath(import.meta.url);


const base62 = (n) => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(randomBytes(n), (b) => alphabet[b % 62]).join("");
};

/** A payment_intent.confirmed event like the sandbox's, for order `orderId`. */
function eventBody(orderId) {
  const now = Date.now();
  return JSON.stringify({
    id: `evt_${base62(24)}`,
    object: "event",
    type: "payment_intent.confirmed",
    created: now,
    livemode: false,
    data: {
      object: {
        id: `pi_${base62(24)}`,
        object: "payment_intent",
        status: "confirmed",
        amount: 4900,
        currency: "USD",
        settlement: "USDC",
        checkout_url: "https://api.kunog.com/checkout/pi_bench",
        success_url: "https://shop.example/orders/ok",
        cancel_url: "https://shop.example/cancel",
        metadata: { order_id: orderId },
        description: "Kunog hoodie",
        amount_refunded: 0,
        livemode: false,
        created: now - 60_000,
        expires_at: now + 1_740_000,
      },
    },
  });
}

/**
 * The child process: signs `warmup + requests` unique deliveries up front (not timed), sends
 * the warm-up, then times `requests` deliveries at `concurrency`. Prints one JSON line.
 */
async function generateLoad({ url, secret, requests, concurrency, orders, warmup, prefix }) {
  const require = createRequire(import.meta.url);
  const { Webhook } = require(join(root, "pkg"));
  const signer = new Webhook(secret);
  const deliveries = Array.from({ length: warmup + requests }, (_, i) => {
    const body = eventBody(`${prefix}-${i % orders}`);
    return { body, headers: { "content-type": "application/json", ...signer.sign(body) } };
  });
  const statuses = {};
  const answers = {};
  const latencies = [];
  const send = async ({ body, headers }) => {
    const started = performance.now();
    let status;
    let text = "";
    try {
      const response = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(10_000) });
      status = response.status;
      text = await response.text();
    } catch (error) {
      status = error.name === "TimeoutError" ? "timeout" : "network";
    }
    return { status, text, ms: performance.now() - started };
  };
  const drive = async (batch, record) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, batch.length) }, async () => {
        while (next < batch.length) {
          const result = await send(batch[next++]);
          if (record) {
            statuses[result.status] = (statuses[result.status] ?? 0) + 1;
            answers[result.text] = (answers[result.text] ?? 0) + 1;
            latencies.push(result.ms);
          }
        }
      }),
    );
  };
  await drive(deliveries.slice(0, warmup), false);
  const started = performance.now();
  await drive(deliveries.slice(warmup), true);
  const elapsedMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { requests, elapsedMs, rps: (requests * 1000) / elapsedMs, p50Ms: pct(0.5), p99Ms: pct(0.99), statuses, answers };
}

/**
 * CPU time (ms) used so far by the workerd processes of one `wrangler dev` (its process
 * group), from /proc; null where there is no /proc. Their CPU per request is the Workers'
 * own cost, with less of wrangler's dev proxying and the machine's noise in it than req/s.
 */
function workerdCpuMs(pgid) {
  if (!existsSync("/proc/self/stat")) return null;
  const msPerTick = 10; // USER_HZ is 100 on Linux
  let ticks = 0;
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // gone
    }
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is state (field 3); pgrp is field 5, utime 14, stime 15.
    if (comm === "workerd" && Number(fields[2]) === pgid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * msPerTick;
}

/** Runs the load generator in a child node process (killed after `timeoutMs`). */
function loadFromChild(options, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [thisFile, "--load", JSON.stringify(options)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`load generator failed (${code ?? signal})`));
      try {
        resolve(JSON.parse(out.trim().split("\n").pop()));
      } catch (error) {
        reject(new Error(`load generator printed no result: ${out}`));
      }
    });
  });
}

/**
 * Starts both Workers, drives each `rounds` times (alternating), stops them.
 * @returns {{ requests, concurrency, orders, runs: Array<{ worker, round, rps, p50Ms, p99Ms, cpuUsPerRequest }>,
 *   rustRps, jsRps, ratio (Rust/JS req/s), rustCpuUs, jsCpuUs, cpuRatio (JS/Rust workerd CPU per delivery) }}
 */
export async function benchWorker({ requests = 2000, concurrency = 20, orders = 20, rounds = 2, warmup = 200, quiet = true } = {}) {
  const { buildWorker } = await import("../scripts/worker.mjs");
  const { freePort, startWrangler } = await import("../scripts/wrangler.mjs");
  buildWorker();
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const dirs = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "kunog-bench-"));
    dirs.push(dir);
    return dir;
  };
  const workers = [];
  try {
    workers.push({
      name: "rust",
      ...(await startWrangler({
        cwd: root,
        port: await freePort(),
        persistTo: tempDir(),
        quiet,
        // Webhooks make no API calls; the base only has to be a valid URL.
        vars: { KUNOG_KEY: `kng_test_${randomBytes(12).toString("hex")}`, KUNOG_WEBHOOK_SECRET: secret, KUNOG_API_BASE: "http://127.0.0.1:9", DEMO: "off" },
      })),
    });
    workers.push({
      name: "js",
      ...(await startWrangler({ cwd: join(here, "js-worker"), port: await freePort(), persistTo: tempDir(), quiet, vars: { KUNOG_WEBHOOK_SECRET: secret } })),
    });
    const runs = [];
    for (let round = 1; round <= rounds; round++) {
      for (const worker of workers) {
        const cpuBefore = workerdCpuMs(worker.child.pid);
        const result = await loadFromChild({
          url: `${worker.url}/webhooks/kunog`,
          secret,
          requests,
          concurrency,
          orders,
          warmup,
          prefix: `BENCH-${worker.name}-${round}`,
        });
        const failed = requests - (result.statuses["200"] ?? 0);
        if (failed) throw new Error(`${worker.name}: ${failed} of ${requests} deliveries not answered 200: ${JSON.stringify(result.statuses)}`);
        if ((result.answers.ok ?? 0) !== requests) throw new Error(`${worker.name}: not every delivery was applied once: ${JSON.stringify(result.answers)}`);
        // (The warm-up is in the CPU time too: per request, over warm-up + measured.)
        const cpuAfter = workerdCpuMs(worker.child.pid);
        const cpuUsPerRequest = cpuBefore === null ? null : ((cpuAfter - cpuBefore) * 1000) / (requests + warmup);
        runs.push({ worker: worker.name, round, rps: result.rps, p50Ms: result.p50Ms, p99Ms: result.p99Ms, cpuUsPerRequest });
      }
    }
    const mean = (name, key) => {
      const mine = runs.filter((r) => r.worker === name);
      return mine.some((r) => r[key] === null) ? null : mine.reduce((sum, r) => sum + r[key], 0) / mine.length;
    };
    const rustRps = mean("rust", "rps");
    const jsRps = mean("js", "rps");
    const rustCpuUs = mean("rust", "cpuUsPerRequest");
    const jsCpuUs = mean("js", "cpuUsPerRequest");
    return {
      requests,
      concurrency,
      orders,
      runs,
      rustRps,
      jsRps,
      ratio: rustRps / jsRps,
      rustCpuUs,
      jsCpuUs,
      // >= 1.0: the Rust Worker's workerd spends at most as much CPU per delivery.
      cpuRatio: rustCpuUs && jsCpuUs ? jsCpuUs / rustCpuUs : null,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const at = process.argv.indexOf("--load");
  if (at > 0) {
    console.log(JSON.stringify(await generateLoad(JSON.parse(process.argv[at + 1]))));
  } else {
    console.log(JSON.stringify(await benchWorker(), null, 2));
  }
}
