// Kunog webhooks in a Cloudflare Worker with Hono (see wrangler.toml for running it).
import { Hono } from "hono";
import { verifyRequest, WebhookVerificationError } from "kunog";

const app = new Hono();

app.post("/webhooks/kunog", async (c) => {
  try {
    // c.req.raw is the Worker's Request, its body still unread: verifyRequest reads the raw bytes.
    const event = await verifyRequest(c.req.raw, c.env.KUNOG_WEBHOOK_SECRET);
    console.log(`kunog: verified ${event.id} ${event.type}`);
    return c.json({ received: event.id });
  } catch (error) {
    if (error instanceof WebhookVerificationError) return c.json({ error: error.code }, 400);
    throw error;
  }
});

export default app;
