// Kunog webhooks in a Next.js App Router route handler: POST /api/webhooks/kunog.
// KUNOG_WEBHOOK_SECRET=whsec_... in .env.local; then npm run build && PORT=3000 npm start.
import { verifyRequest, WebhookVerificationError } from "kunog";

// The Node.js runtime (the default, said out loud): the secret comes from process.env.
export const runtime = "nodejs";

export async function POST(request) {
  try {
    // Reads the raw body from the Request: call nothing else on it (request.json()) before.
    const event = await verifyRequest(request, process.env.KUNOG_WEBHOOK_SECRET);
    console.log(`kunog: verified ${event.id} ${event.type}`);
    return Response.json({ received: event.id });
  } catch (error) {
    if (error instanceof WebhookVerificationError) return Response.json({ error: error.code }, { status: 400 });
    throw error;
  }
}
