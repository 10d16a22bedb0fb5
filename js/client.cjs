"use strict";
// KunogClient: the API client, on top of the wasm client core (ClientCore / CallCore).
// The core validates parameters, builds each request, reads each answer and decides
// whether to retry and when; this file only performs what it decides: fetch with an
// AbortController per attempt, timers, the platform's random sources, and JSON.parse.
// Works wherever a global fetch exists (Node 18+, workerd, Bun, Deno): no window, no
// Node-only module.

/** An API call failed: `status`, `type`, `code`, `message`, `param`, `requestId`. */
class KunogError extends Error {
  constructor({ status, type, code, message, param, requestId } = {}) {
    super(message);
    this.name = "KunogError";
    this.status = status ?? null;
    this.type = type;
    this.code = code;
    this.param = param ?? null;
    this.requestId = requestId ?? null;
  }
}

function translateError(error) {
  if (error && !(error instanceof KunogError) && typeof error.type === "string" && typeof error.code === "string") {
    return new KunogError(error);
  }
  return error;
}

// 16 random bytes for a UUID v4 idempotency key: crypto.getRandomValues (every runtime
// with fetch has it), never a clock.
function randomBytes16() {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function bindClient(wasm) {
  const { ClientCore } = wasm;

  class KunogClient {
    #core;
    #fetch;

    /**
     * @param options { apiKey, baseUrl = "https://api.kunog.com", timeoutMs = 30000,
     *   maxRetries = 2, fetch = globalThis.fetch }
     */
    constructor({ apiKey, baseUrl, timeoutMs, maxRetries, fetch } = {}) {
      if (fetch !== undefined && typeof fetch !== "function") throw new TypeError("options.fetch must be a function");
      if (fetch === undefined && typeof globalThis.fetch !== "function") {
        throw new TypeError("KunogClient needs a fetch function: this runtime has no global fetch; pass { fetch }");
      }
      // Called unbound: workerd's fetch throws "Illegal invocation" when called as a method
      // of another object.
      this.#fetch = fetch ?? ((input, init) => globalThis.fetch(input, init));
      try {
        this.#core = new ClientCore(apiKey, baseUrl, timeoutMs, maxRetries, `kunog-js/${wasm.version()}`);
      } catch (error) {
        throw translateError(error);
      }
    }

    /** POST /v1/payment_intents. The same idempotency key is sent on every attempt. */
    createPaymentIntent(payload, { idempotencyKey } = {}) {
      return this.#run(() => this.#core.createPaymentIntent(JSON.stringify(payload ?? {}), idempotencyKey, randomBytes16()));
    }

    /** GET /v1/payment_intents/{id}. */
    retrievePaymentIntent(id) {
      return this.#run(() => this.#core.retrievePaymentIntent(String(id)));
    }

    /** Every payment intent, newest first, fetching pages of `limit` as iteration goes. */
    listPaymentIntents({ limit, starting_after: startingAfter } = {}) {
      const client = this;
      return {
        async *[Symbol.asyncIterator]() {
          let cursor = startingAfter;
          for (;;) {
            const page = await client.#run(() => client.#core.listPaymentIntents(limit, cursor));
            for (const intent of page.data) yield intent;
            if (!page.has_more || page.data.length === 0) return;
            cursor = page.data[page.data.length - 1].id;
          }
        },
      };
    }

    /** POST /v1/refunds. */
    createRefund(params, { idempotencyKey } = {}) {
      return this.#run(() => this.#core.createRefund(JSON.stringify(params ?? {}), idempotencyKey, randomBytes16()));
    }

    // Drives one call: attempts until the core says it is done, with one deadline overall.
    async #run(start) {
      let call;
      try {
        call = start();
      } catch (error) {
        throw translateError(error);
      }
      try {
        for (;;) {
          const outcome = await this.#attempt(call);
          // The core accepted the answer as JSON of the expected shape; the engine builds it.
          if (outcome.done) return JSON.parse(outcome.text);
          await sleep(outcome.delayMs);
        }
      } finally {
        call.free();
      }
    }

    // One attempt: { done, text } when the call succeeded, or { delayMs } before the next
    // attempt; a final error is thrown as a KunogError.
    async #attempt(call) {
      const timeoutMs = decide(() => call.attemptTimeoutMs(Date.now()));
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      let response;
      let text;
      try {
        const send = this.#fetch;
        response = await send(call.url, {
          method: call.method,
          headers: call.headers(),
          body: call.body,
          signal: controller.signal,
          redirect: "manual",
        });
        text = await response.text();
      } catch (error) {
        const kind = controller.signal.aborted ? "timeout" : "network";
        return { delayMs: decide(() => call.onTransportError(kind, String(error?.message ?? error), Date.now(), Math.random())) };
      } finally {
        clearTimeout(timer);
      }
      const delayMs = decide(() =>
        call.onResponse(
          response.status,
          response.headers.get("retry-after") ?? undefined,
          response.headers.get("kunog-request-id") ?? undefined,
          text,
          Date.now(),
          Math.random(),
        ),
      );
      return delayMs === undefined ? { done: true, text } : { delayMs };
    }
  }

  // The core answers a retry delay in ms, or undefined when done; a final error is thrown.
  function decide(step) {
    try {
      return step();
    } catch (error) {
      throw translateError(error);
    }
  }

  return { KunogClient, KunogError };
}

module.exports = { bindClient, KunogError };
