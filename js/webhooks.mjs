// `kunog/webhooks` (ES module): the same objects as its CommonJS entry.
import webhooks from "./webhooks.cjs";

export const { Webhook, WebhookVerificationError, verifyKunogWebhook, verifyRequest, VERSION } = webhooks;
export default webhooks;
