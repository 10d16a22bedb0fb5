// Kunog webhooks with node:http alone: KUNOG_WEBHOOK_SECRET=whsec_... PORT=3000 node server.mjs
import { createServer } from "node:http";
import { verifyRequest, WebhookVerificationError } from "kunog";

const secret = process.env.KUNOG_WEBHOOK_SECRET;

function answer(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

const server = createServer(async (req, res) => {
  if (req.method !== "POST" || req.url !== "/webhooks/kunog") return answer(res, 404, { error: "not_found" });
  try {
    // Reads the raw body from the request stream itself (leave it unread before this).
    const event = await verifyRequest(req, secret);
    console.log(`kunog: verified ${event.id} ${event.type}`);
    answer(res, 200, { received: event.id });
  } catch (error) {
    if (error instanceof WebhookVerificationError) return answer(res, 400, { error: error.code });
    console.error(error);
    answer(res, 500, { error: "internal" });
  }
});

const port = Number(process.env.PORT ?? 3000);
server.listen(port, process.env.HOST, () => console.log(`listening on http://localhost:${port}`));
