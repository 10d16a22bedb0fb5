// Webhook.verify (signature check + parse into the event) against the seed's node:crypto
// verify followed by JSON.parse, in one process, alternating, per body size.
// Prints ops/s for each and the ratio kunog/seed (>= 1.0: kunog at least as fast).
import crypto from "node:crypto";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Webhook } = require("../pkg/index.cjs");

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// The seed's verifier, verbatim in substance.
function timingSafeEqual(a, b) {
  const aa = Buffer.from(a);
  const bb = Buffer.from(b);
  return aa.length === bb.length && crypto.timingSafeEqual(aa, bb);
}
function verifyKunogWebhookSeed({ rawBody, signature, timestamp, secret }) {
  const payload = `${timestamp}.${rawBody}`;
  const expected = crypto.createHmac("sha256", secret).update(payload).digest("hex");
  if (!timingSafeEqual(signature, expected)) throw new Error("Invalid signature");
  return true;
}

/** A realistic payment_intent.confirmed event of about `bytes` bytes. */
export function eventBody(bytes) {
  const event = {
    id: "evt_1Nq8sK2eZvKYlo2C9xQwT4bH",
    object: "event",
    type: "payment_intent.confirmed",
    created: 1764806399000,
    livemode: false,
    data: {
      object: {
        id: "pi_3MtwBwLkdIwHu7ix28a3tqPa",
        object: "payment_intent",
        status: "confirmed",
        amount: 4900,
        currency: "USD",
        settlement: "USDC",
        metadata: { order_id: "KNG-2048" },
        description: null,
        amount_refunded: 0,
        livemode: false,
        created: 1764806000000,
      },
    },
  };
  let i = 0;
  while (JSON.stringify(event).length < bytes - 40) {
    event.data.object.metadata[`line_${i}`] = `Item ${i}: Kunog hoodie, size M, qty 1`;
    i += 1;
  }
  return JSON.stringify(event);
}

function timeBatch(fn, iterations) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / iterations; // ns per op
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export function benchWebhooks({ sizes = [300, 1024, 4096, 16384], rounds = 15, budgetMs = 40 } = {}) {
  const webhook = new Webhook(SECRET);
  const rows = [];
  for (const size of sizes) {
    const body = eventBody(size);
    const headers = webhook.sign(body);
    const seedArgs = { rawBody: body, signature: headers["Kunog-Signature"], timestamp: headers["Kunog-Timestamp"], secret: SECRET };
    const kunog = () => webhook.verify(body, headers);
    const seed = () => {
      verifyKunogWebhookSeed(seedArgs);
      return JSON.parse(body);
    };
    // Warm up both, then size batches to about budgetMs each.
    for (let i = 0; i < 2000; i++) {
      kunog();
      seed();
    }
    const iterations = Math.max(100, Math.round((budgetMs * 1e6) / timeBatch(seed, 500)));
    const kunogNs = [];
    const seedNs = [];
    for (let round = 0; round < rounds; round++) {
      // Alternate which goes first, so that neither always runs on a warmer machine.
      if (round % 2 === 0) {
        kunogNs.push(timeBatch(kunog, iterations));
        seedNs.push(timeBatch(seed, iterations));
      } else {
        seedNs.push(timeBatch(seed, iterations));
        kunogNs.push(timeBatch(kunog, iterations));
      }
    }
    const k = median(kunogNs);
    const s = median(seedNs);
    rows.push({ bytes: body.length, kunogUs: k / 1000, seedUs: s / 1000, ratio: s / k });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of benchWebhooks()) {
    console.log(
      `${String(row.bytes).padStart(6)} B  kunog ${row.kunogUs.toFixed(2).padStart(7)} µs  seed+JSON.parse ${row.seedUs.toFixed(2).padStart(7)} µs  ratio ${row.ratio.toFixed(2)}`,
    );
  }
}
