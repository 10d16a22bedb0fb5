// Kunog webhooks in Bun: KUNOG_WEBHOOK_SECRET=whsec_... PORT=3000 bun server.js
import { verifyRequest, WebhookVerificationError } from "kunog";

const server = Bun.serve({
  port: Number(process.env.PORT ?? 3000),
  hostname: process.env.HOST,
  routes: {
    "/webhooks/kunog": {
      async POST(request) {
        try {
          const event = await verifyRequest(request, process.env.KUNOG_WEBHOOK_SECRET);
          console.log(`kunog: verified ${event.id} ${event.type}`);
          return Response.json({ received: event.id });
        } catch (error) {
          if (error instanceof WebhookVerificationError) return Response.json({ error: error.code }, { status: 400 });
          throw error;
        }
      },
    },
  },
  fetch: () => Response.json({ error: "not_found" }, { status: 404 }),
});

console.log(`listening on ${server.url}`);
