// Cloudflare Workers (workerd) and bundlers that import .wasm as a compiled
// WebAssembly.Module: no compiling from bytes at run time, which Workers forbid.
import { initSync } from "./wasm-web/kunog_core.js";
import * as core from "./wasm-web/kunog_core.js";
import coreModule from "./wasm-web/kunog_core_bg.wasm";
import { bindWebhooks } from "./webhook.cjs";
import { bindClient } from "./client.cjs";

initSync({ module: coreModule });
const webhooks = bindWebhooks(core);
const api = bindClient(core);

export const { Webhook, WebhookVerificationError, verifyKunogWebhook, verifyRequest } = webhooks;
export const { KunogClient, KunogError } = api;
export const VERSION = core.version();
