"use strict";
// Node (CommonJS) entry: loads the wasm core synchronously from this package's folder;
// the webhook verifier and the API client.
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
