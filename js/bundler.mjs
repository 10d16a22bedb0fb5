// Bundlers (the "module" export condition: esbuild, webpack, Turbopack; tested with each) and
// runtimes matching none of the other conditions: the wasm travels inside the JavaScript as
// base64, so a bundle (a Lambda zip made by esbuild, a Next.js server chunk) needs no loader,
// plugin or copied .wasm file. Compiled synchronously once at import; Workers use workerd.mjs instead, since
// they forbid compiling from bytes.
import { initSync } from "./wasm-web/kunog_core.js";
import * as core from "./wasm-web/kunog_core.js";
import wasmBase64 from "./wasm-inline/kunog_core.cjs";
import { decodeBase64 } from "./base64.mjs";
import { bindWebhooks } from "./webhook.cjs";
import { bindClient } from "./client.cjs";

initSync({ module: decodeBase64(wasmBase64) });
const webhooks = bindWebhooks(core);
const api = bindClient(core);

export const { Webhook, WebhookVerificationError, verifyKunogWebhook, verifyRequest } = webhooks;
export const { KunogClient, KunogError } = api;
export const VERSION = core.version();
