// `npm start`: builds the npm package and runs a short demo of the webhook flow: a local
// receiver verifies a delivery signed the way Kunog signs, and refuses a tampered one.
// (The sandbox and the Worker take this over as they land.)
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { buildPackage } from "./build.mjs";

buildPackage();
const require = createRequire(import.meta.url);
const { Webhook, WebhookVerificationError } = require("../pkg");

const secret = `whsec_${randomBytes(32).toString("base64")}`;
const receiver = new Webhook(secret);

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    try {
      const event = receiver.verify(Buffer.concat(chunks), req.headers);
      console.log(`  receiver: verified ${event.type} ${event.id} for order ${event.data.object.metadata?.order_id}`);
      res.writeHead(200).end();
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      console.log(`  receiver: refused (${error.code}): ${error.message}`);
      res.writeHead(400).end(error.code);
    }
  });
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${server.address().port}/webhooks/kunog`;
console.log(`\nDemo receiver at ${url}\n`);

const event = JSON.stringify({
  id: `evt_${randomBytes(12).toString("hex")}`,
  object: "event",
  type: "payment_intent.confirmed",
  created: Date.now(),
  livemode: false,
  data: { object: { id: "pi_demo", object: "payment_intent", status: "confirmed", amount: 4900, currency: "USD", settlement: "USDC", metadata: { order_id: "KNG-2048" } } },
});
const kunog = new Webhook(secret); // what Kunog's side does

console.log("1. A genuine delivery:");
let res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...kunog.sign(event) }, body: event });
console.log(`  sender: ${res.status}`);

console.log("2. The same delivery with the amount changed in transit:");
res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...kunog.sign(event) }, body: event.replace("4900", "49") });
console.log(`  sender: ${res.status}`);

console.log("3. A delivery signed an hour ago (a replay):");
res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...kunog.sign(event, { timestamp: Date.now() - 3_600_000 }) }, body: event });
console.log(`  sender: ${res.status}\n`);
server.close();
