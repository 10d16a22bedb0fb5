// `kunog/webhooks`: the verifier alone.
export {
  Webhook,
  WebhookVerificationError,
  WebhookVerificationErrorCode,
  WebhookOptions,
  SignedWebhookHeaders,
  RawBody,
  HeaderBag,
  KunogEvent,
  PaymentIntent,
  PaymentIntentStatus,
  Refund,
  verifyKunogWebhook,
  verifyRequest,
  WebhookRequestInput,
  VERSION,
} from "./index.js";
