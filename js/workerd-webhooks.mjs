// `kunog/webhooks` for Cloudflare Workers (workerd): the verifier alone, its wasm imported
// as a compiled WebAssembly.Module.
import { initSync } from "./wasm-web/kunog_webhooks.js";
import * as core from "./wasm-web/kunog_webhooks.js";
import coreModule from "./wasm-web/kunog_webhooks_bg.wasm";
import { bindWebhooks } from "./webhook.cjs";

initSync({ module: coreModule });
const webhooks = bindWebhooks(core);

export const { Webhook, WebhookVerificationError, verifyKunogWebhook, verifyRequest } = webhooks;
export const VERSION = core.version();
