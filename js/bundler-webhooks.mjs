// `kunog/webhooks` for bundlers (the "module" export condition): the verifier alone, its
// wasm inlined as base64 (see bundler.mjs).
import { initSync } from "./wasm-web/kunog_webhooks.js";
import * as core from "./wasm-web/kunog_webhooks.js";
import wasmBase64 from "./wasm-inline/kunog_webhooks.cjs";
import { decodeBase64 } from "./base64.mjs";
import { bindWebhooks } from "./webhook.cjs";

initSync({ module: decodeBase64(wasmBase64) });
const webhooks = bindWebhooks(core);

export const { Webhook, WebhookVerificationError, verifyKunogWebhook, verifyRequest } = webhooks;
export const VERSION = core.version();
