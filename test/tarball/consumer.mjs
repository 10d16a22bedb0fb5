// One consumer program, written as an ES module or a CommonJS script, run in every runtime
// and bundle the tarball tests cover, and the assertions on what it prints. The program
// exercises what users do with each entry ("kunog", "kunog/webhooks"): sign, verify, refuse
// a tampered body, the seed's verifyKunogWebhook, verifyRequest on a fetch Request, and
// KunogClient against a stand-in API. It prints one line, KUNOG_RESULT {json}, and sets
// globalThis.kunogResult (for a browser page).
import assert from "node:assert/strict";
import crypto from "node:crypto";

export const SECRET = "whsec_tarball_consumer_secret";
export const TIMESTAMP = 1_764_806_400_000;
export const EVENT_ID = "evt_tarball_consumer_1";
export const API_KEY = "kng_test_tarball_consumer";
export const BODY = JSON.stringify({
  id: EVENT_ID,
  object: "event",
  type: "payment_intent.confirmed",
  created: TIMESTAMP,
  livemode: false,
  data: { object: { id: "pi_tarball", object: "payment_intent", status: "confirmed", amount: 4900, currency: "USD", metadata: { note: "café ☕" } } },
});

// What each entry exports (besides `default`, which the Node ESM wrappers add).
export const FULL_EXPORTS = ["KunogClient", "KunogError", "VERSION", "Webhook", "WebhookVerificationError", "verifyKunogWebhook", "verifyRequest"];
export const LIGHT_EXPORTS = ["VERSION", "Webhook", "WebhookVerificationError", "verifyKunogWebhook", "verifyRequest"];

// The checks, as source: `modules` is { full?, light? }, each an entry's exports.
const CHECKS = `
const SECRET = ${JSON.stringify(SECRET)};
const TIMESTAMP = ${TIMESTAMP};
const BODY = ${JSON.stringify(BODY)};

async function kunogChecks(modules, apiBase) {
  const result = { entries: {} };
  for (const [name, m] of Object.entries(modules)) {
    const webhook = new m.Webhook(SECRET);
    const headers = webhook.sign(BODY);
    const entry = {
      exports: Object.keys(m).filter((key) => key !== "default" && key !== "module.exports").sort(),
      version: m.VERSION,
      signature: webhook.sign(BODY, { timestamp: TIMESTAMP })["Kunog-Signature"],
      verifiedId: webhook.verify(BODY, headers).id,
      bytesVerifiedId: webhook.verify(new TextEncoder().encode(BODY), headers).id,
      seed: m.verifyKunogWebhook({ rawBody: BODY, signature: headers["Kunog-Signature"], timestamp: headers["Kunog-Timestamp"], secret: SECRET }),
    };
    try {
      webhook.verify(BODY.replace("4900", "4901"), headers);
      entry.tampered = "accepted";
    } catch (error) {
      entry.tampered = { name: error?.name, code: error?.code, isEntryClass: error instanceof m.WebhookVerificationError, isError: error instanceof Error, message: String(error?.message ?? error) };
    }
    if (typeof Request === "function") {
      const request = new Request("http://127.0.0.1/webhooks", { method: "POST", headers, body: BODY });
      entry.requestVerifiedId = (await webhook.verifyRequest(request)).id;
    }
    result.entries[name] = entry;
  }
  if (modules.full && modules.light) {
    result.sameErrorClass = modules.full.WebhookVerificationError === modules.light.WebhookVerificationError;
    result.lightVerifiesFull = new modules.light.Webhook(SECRET).verify(BODY, new modules.full.Webhook(SECRET).sign(BODY)).id;
  }
  if (modules.full && apiBase) {
    const client = new modules.full.KunogClient({ apiKey: ${JSON.stringify(API_KEY)}, baseUrl: apiBase, maxRetries: 0, timeoutMs: 10000 });
    const intent = await client.createPaymentIntent({ amount: 4900, currency: "USD", metadata: { order_id: "KNG-TARBALL" } });
    result.intent = { id: intent.id, status: intent.status, amount: intent.amount };
    try {
      await client.createPaymentIntent({ amount: -1, currency: "USD" });
      result.refused = "accepted";
    } catch (error) {
      result.refused = { name: error?.name, code: error?.code, isKunogError: error instanceof modules.full.KunogError };
    }
  }
  return result;
}

function kunogReport(result) {
  globalThis.kunogResult = result;
  console.log("KUNOG_RESULT " + JSON.stringify(result));
}
function kunogFailed(error) {
  globalThis.kunogFailure = String(error?.stack ?? error);
  console.log("KUNOG_FAILED " + JSON.stringify(String(error?.stack ?? error)));
  if (typeof process === "object" && process && typeof process.exit === "function") process.exit(1);
}
`;

/**
 * The consumer program.
 * @param options { format: "esm" | "cjs", full = "kunog", light = "kunog/webhooks" (null to
 *   leave an entry out), apiBase (the stub API; none: no client check), prelude (more
 *   top-level ESM imports), extra (statements run after the checks, with `result` and the
 *   entries' bindings in scope; may await) }
 */
export function consumerSource({ format, full = "kunog", light = "kunog/webhooks", apiBase = null, prelude = "", extra = "" }) {
  const entries = Object.entries({ full, light }).filter(([, specifier]) => specifier);
  const modules = `{ ${entries.map(([name]) => name).join(", ")} }`;
  const run = `
  const result = await kunogChecks(${modules}, ${JSON.stringify(apiBase)});
  ${extra}
  kunogReport(result);`;
  if (format === "esm") {
    const imports = entries.map(([name, specifier]) => `import * as ${name} from ${JSON.stringify(specifier)};`).join("\n");
    return `${imports}\n${prelude}\n${CHECKS}\ntry {${run}\n} catch (error) {\n  kunogFailed(error);\n}\n`;
  }
  const requires = entries.map(([name, specifier]) => `const ${name} = require(${JSON.stringify(specifier)});`).join("\n");
  return `"use strict";\n${requires}\n${CHECKS}\n(async () => {${run}\n})().catch(kunogFailed);\n`;
}

/** The result a consumer printed (throws with its whole output when there is none). */
export function parseResult(output) {
  const line = output.split("\n").find((text) => text.startsWith("KUNOG_RESULT "));
  assert.ok(line, `the consumer printed no result:\n${output}`);
  return JSON.parse(line.slice("KUNOG_RESULT ".length));
}

export function nodeSignature(body = BODY, timestamp = TIMESTAMP, secret = SECRET) {
  return crypto.createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
}

/**
 * Asserts a consumer's result: every entry signs as node:crypto does, verifies, refuses the
 * tampered body with its own WebhookVerificationError, reports the package's version, and
 * exports what it should (kunog/webhooks: no client); the client made an intent on `stub`.
 */
export function assertResult(result, { version, entries = ["full", "light"], stub = null, where = "" }) {
  const at = where ? ` (${where})` : "";
  assert.deepEqual(Object.keys(result.entries).sort(), [...entries].sort(), `entries checked${at}`);
  for (const name of entries) {
    const entry = result.entries[name];
    const label = `${name === "full" ? "kunog" : "kunog/webhooks"}${at}`;
    assert.deepEqual(entry.exports, name === "full" ? FULL_EXPORTS : LIGHT_EXPORTS, `exports of ${label}`);
    assert.equal(entry.version, version, `VERSION of ${label}`);
    assert.equal(entry.signature, nodeSignature(), `sign() of ${label} differs from node:crypto's HMAC`);
    assert.equal(entry.verifiedId, EVENT_ID, label);
    assert.equal(entry.bytesVerifiedId, EVENT_ID, label);
    assert.equal(entry.seed, true, label);
    assert.deepEqual(
      { ...entry.tampered, message: undefined },
      { name: "WebhookVerificationError", code: "signature_mismatch", isEntryClass: true, isError: true, message: undefined },
      `tampered body through ${label}: ${JSON.stringify(entry.tampered)}`,
    );
    if ("requestVerifiedId" in entry) assert.equal(entry.requestVerifiedId, EVENT_ID, label);
  }
  if (entries.includes("full") && entries.includes("light")) {
    assert.equal(result.sameErrorClass, true, `kunog and kunog/webhooks share WebhookVerificationError${at}`);
    assert.equal(result.lightVerifiesFull, EVENT_ID, at);
  }
  if (stub) {
    assert.match(result.intent?.id ?? "", /^pi_stub\d+$/, `KunogClient${at}: ${JSON.stringify(result.intent)}`);
    assert.equal(result.intent.status, "created");
    assert.equal(result.intent.amount, 4900);
    assert.deepEqual(result.refused, { name: "KunogError", code: "parameter_invalid", isKunogError: true }, `a refused amount${at}`);
    const request = stub.requests.find((seen) => seen.path === "/v1/payment_intents" && JSON.parse(seen.body).metadata?.order_id === "KNG-TARBALL");
    assert.ok(request, `the stub API saw no request${at}`);
    assert.equal(request.headers.authorization, `Bearer ${API_KEY}`);
    assert.match(request.headers["idempotency-key"] ?? "", /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
}
