"use strict";
// Node (CommonJS) entry: the webhook verifier and the API client, on the wasm core compiled
// synchronously at require() from its base64 copy (wasm-inline/), so that a bundle of this
// entry (esbuild or `bun build` for Node) needs no .wasm file beside it.
const wasm = require("./wasm/kunog_core.js");
const { bindWebhooks } = require("./webhook.cjs");
const { bindClient } = require("./client.cjs");

const webhooks = bindWebhooks(wasm);
const api = bindClient(wasm);

module.exports = {
  Webhook: webhooks.Webhook,
  WebhookVerificationError: webhooks.WebhookVerificationError,
  verifyKunogWebhook: webhooks.verifyKunogWebhook,
  verifyRequest: webhooks.verifyRequest,
  KunogClient: api.KunogClient,
  KunogError: api.KunogError,
  VERSION: wasm.version(),
};
