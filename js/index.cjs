"use strict";
// Node (CommonJS) entry: loads the wasm core synchronously from this package's folder.
const wasm = require("./wasm/kunog_core.js");
const { bindWebhooks } = require("./webhook.cjs");

const webhooks = bindWebhooks(wasm);

module.exports = {
  Webhook: webhooks.Webhook,
  WebhookVerificationError: webhooks.WebhookVerificationError,
  verifyKunogWebhook: webhooks.verifyKunogWebhook,
  verifyRequest: webhooks.verifyRequest,
  VERSION: wasm.version(),
};
