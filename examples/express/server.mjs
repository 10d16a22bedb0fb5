// Kunog webhooks in Express: KUNOG_WEBHOOK_SECRET=whsec_... PORT=3000 node server.mjs
import express from "express";
import { Webhook, WebhookVerificationError } from "kunog";

const webhook = new Webhook(process.env.KUNOG_WEBHOOK_SECRET);
const app = express();

// The webhook route comes first and takes the body raw (a Buffer): the signature covers the
// exact bytes. Were express.json() (below) registered before it, it would parse the body into
// an object first, and verify would refuse with raw_body_required.
app.post("/webhooks/kunog", express.raw({ type: "application/json" }), (req, res) => {
  let event;
  try {
    event = webhook.verify(req.body, req.headers);
  } catch (error) {
    if (error instanceof WebhookVerificationError) return res.status(400).json({ error: error.code });
    throw error;
  }
  console.log(`kunog: verified ${event.id} ${event.type}`);
  // Answer 2xx fast (Kunog waits 10 s, then retries): record the event, do slow work later.
  // Delivery is at least once: dedupe on event.id.
  switch (event.type) {
    case "payment_intent.confirmed":
      console.log(`kunog: fulfil ${event.data.object.id}`);
      break;
    case "refund.created":
      console.log(`kunog: refunded ${event.data.object.payment_intent}`);
      break;
    default:
      break; // other types, including ones newer than this code: acknowledge them too
  }
  res.json({ received: event.id });
});

// Every other route gets parsed JSON.
app.use(express.json());
app.post("/orders", (req, res) => res.status(201).json({ order: req.body }));

const port = Number(process.env.PORT ?? 3000);
app.listen(port, process.env.HOST, () => console.log(`listening on http://localhost:${port}`));
