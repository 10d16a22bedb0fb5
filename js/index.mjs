// Node (ES module) entry: the same objects as the CommonJS entry, so that `instanceof`
// holds whichever way a program (or its dependencies) imported the package.
import kunog from "./index.cjs";

export const { Webhook, WebhookVerificationError, verifyKunogWebhook, verifyRequest, KunogClient, KunogError, VERSION } = kunog;
export default kunog;
