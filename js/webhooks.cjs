"use strict";
// `kunog/webhooks` (CommonJS): the verifier alone, on a smaller wasm with no API client.
const wasm = require("./wasm/kunog_webhooks.js");
const { bindWebhooks } = require("./webhook.cjs");

const webhooks = bindWebhooks(wasm);

module.exports = {
  Webhook: webhooks.Webhook,
  WebhookVerificationError: webhooks.WebhookVerificationError,
  verifyKunogWebhook: webhooks.verifyKunogWebhook,
  verifyRequest: webhooks.verifyRequest,
  VERSION: wasm.version(),
};
