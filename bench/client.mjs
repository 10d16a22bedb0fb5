// KunogClient.createPaymentIntent against a bare fetch of the same request (same headers
// and body, a new Idempotency-Key each time) to the local sandbox, alternating, in one
// process. Returns the median latencies and their ratio: the client's overhead (validation,
// request building, answer checking in wasm, the JS glue) over what the wire costs anyway.
// Needs pkg/ and sandbox/build/; starts and stops its own sandbox.
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";

import { newKey, startSandbox } from "../test/sandbox/harness.mjs";

const require = createRequire(import.meta.url);
const { KunogClient, VERSION } = require("../pkg/index.cjs");

const PAYLOAD = {
  amount: 4900,
  currency: "USD",
  settlement: "USDC",
  success_url: "https://kunog.com/success",
  cancel_url: "https://kunog.com/cancel",
  metadata: { order_id: "KNG-2048" },
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * @param {{ iterations?: number, warmup?: number }} options
 * @returns {Promise<{ iterations, kunogMedianMs, fetchMedianMs, ratio, overheadPct, pairRatioMedian }>}
 */
export async function benchClient({ iterations = 200, warmup = 30 } = {}) {
  const sandbox = await startSandbox();
  try {
    const apiKey = newKey();
    const url = `${sandbox.baseUrl}/v1/payment_intents`;
    const kunog = new KunogClient({ apiKey, baseUrl: sandbox.baseUrl, maxRetries: 0, timeoutMs: 10_000 });
    const body = JSON.stringify(PAYLOAD);
    const viaClient = () => kunog.createPaymentIntent(PAYLOAD);
    const viaFetch = async () => {
      const r = await fetch(url, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${apiKey}`,
          "Content-Type": "application/json",
          "Idempotency-Key": randomUUID(),
          "User-Agent": `kunog-js/${VERSION}`,
        },
        body,
      });
      if (!r.ok) throw new Error(`bare fetch: HTTP ${r.status}: ${await r.text()}`);
      return r.json();
    };
    const time = async (fn) => {
      const start = performance.now();
      const intent = await fn();
      const ms = performance.now() - start;
      if (intent?.object !== "payment_intent") throw new Error(`not an intent: ${JSON.stringify(intent)}`);
      return ms;
    };

    for (let i = 0; i < warmup; i++) {
      await time(viaClient);
      await time(viaFetch);
    }
    const kunogMs = [];
    const fetchMs = [];
    const pairRatios = [];
    for (let i = 0; i < iterations; i++) {
      // Alternate which goes first, so drift and ordering effects fall on both alike.
      let k;
      let f;
      if (i % 2 === 0) {
        k = await time(viaClient);
        f = await time(viaFetch);
      } else {
        f = await time(viaFetch);
        k = await time(viaClient);
      }
      kunogMs.push(k);
      fetchMs.push(f);
      pairRatios.push(k / f);
    }
    const kunogMedianMs = median(kunogMs);
    const fetchMedianMs = median(fetchMs);
    const ratio = kunogMedianMs / fetchMedianMs;
    return {
      iterations,
      kunogMedianMs,
      fetchMedianMs,
      ratio,
      overheadPct: (ratio - 1) * 100,
      pairRatioMedian: median(pairRatios),
    };
  } finally {
    await sandbox.stop();
  }
}

// `node bench/client.mjs` runs it alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchClient());
}
