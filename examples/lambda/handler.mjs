// Kunog webhooks in AWS Lambda, behind API Gateway (HTTP API v2 or REST API v1) or a function
// URL. Handler: handler.handler; environment: KUNOG_WEBHOOK_SECRET=whsec_...
// Deploy the folder with node_modules, or one bundled file: npm run build (esbuild, as CDK's
// NodejsFunction does) writes dist/index.mjs, which needs nothing else.
import { verifyRequest, WebhookVerificationError } from "kunog";

export async function handler(event) {
  try {
    // Takes the body from the event as API Gateway sent it, base64 (binary media types) or not.
    const kunogEvent = await verifyRequest(event, process.env.KUNOG_WEBHOOK_SECRET);
    console.log(`kunog: verified ${kunogEvent.id} ${kunogEvent.type}`);
    return { statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ received: kunogEvent.id }) };
  } catch (error) {
    if (error instanceof WebhookVerificationError) {
      return { statusCode: 400, headers: { "content-type": "application/json" }, body: JSON.stringify({ error: error.code }) };
    }
    throw error;
  }
}
