"use strict";
// The public webhook API, on top of the wasm core (WebhookCore). This file translates
// JavaScript inputs (bodies, header bags, options) into core calls and core errors into
// WebhookVerificationError; every rule (sizes, timestamps, signatures, ids) is the core's.
// It is a factory so that each runtime's entry point can hand it the wasm it loaded.

const HEADER_NAMES = [
  ["kunog-signature", "Kunog-Signature"],
  ["kunog-timestamp", "Kunog-Timestamp"],
  ["kunog-event-id", "Kunog-Event-Id"],
];
const DEFAULT_TOLERANCE_MS = 300_000;
const DEFAULT_MAX_BODY_BYTES = 1_048_576;
const CODES = new Set([
  "missing_header",
  "malformed_signature",
  "signature_mismatch",
  "malformed_timestamp",
  "timestamp_too_old",
  "timestamp_in_future",
  "body_too_large",
  "raw_body_required",
  "event_id_mismatch",
  "invalid_payload",
  "invalid_secret",
]);

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

/** A delivery (or a verifier's configuration) was refused; `code` says why. */
class WebhookVerificationError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "WebhookVerificationError";
    this.code = code;
  }
}

// Errors thrown by the core carry a known `code`; anything else is a bug and passes through.
function translateError(error) {
  if (error && !(error instanceof WebhookVerificationError) && CODES.has(error.code)) {
    return new WebhookVerificationError(error.code, error.message);
  }
  return error;
}

function isArrayBuffer(value) {
  return value instanceof ArrayBuffer || Object.prototype.toString.call(value) === "[object ArrayBuffer]";
}

// The raw body as a string or a Uint8Array view of the same bytes (no copy), or null when
// it is not raw (a parsed object, a number, null...).
function rawBodyOf(rawBody) {
  if (typeof rawBody === "string") return rawBody;
  if (ArrayBuffer.isView(rawBody)) {
    return rawBody instanceof Uint8Array
      ? rawBody
      : new Uint8Array(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
  }
  if (isArrayBuffer(rawBody)) return new Uint8Array(rawBody);
  return null;
}

// One header from a fetch Headers, a Map, or a plain object (Node's IncomingMessage.headers,
// Lambda's event.headers) in any case; arrays (duplicated headers) are joined with ", " as
// fetch does, so the core refuses a doubled timestamp or event id.
function headerValue(headers, lower, canonical) {
  let value;
  if (typeof headers.get === "function" && !(headers instanceof Map)) {
    value = headers.get(lower);
  } else if (headers instanceof Map) {
    for (const [name, v] of headers) {
      if (String(name).toLowerCase() === lower) {
        value = v;
        break;
      }
    }
  } else {
    value = headers[lower];
    if (value === undefined) value = headers[canonical];
    if (value === undefined) {
      for (const name of Object.keys(headers)) {
        if (name.toLowerCase() === lower) {
          value = headers[name];
          break;
        }
      }
    }
  }
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

function checkNonNegative(name, value, fallback) {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`${name} must be a finite, non-negative number of ${name.endsWith("Ms") ? "milliseconds" : "bytes"}`);
  }
  return Math.floor(value);
}

function secretList(secretOrSecrets) {
  if (secretOrSecrets === undefined || secretOrSecrets === null) return [];
  const list = Array.isArray(secretOrSecrets) ? secretOrSecrets : [secretOrSecrets];
  list.forEach((secret, index) => {
    if (typeof secret !== "string") {
      throw new WebhookVerificationError(
        "invalid_secret",
        `invalid webhook secret: secret ${index + 1} is ${secret === null ? "null" : typeof secret}, not a string; ` +
          "pass the endpoint's secret (whsec_...), e.g. process.env.KUNOG_WEBHOOK_SECRET, and check it is set",
      );
    }
  });
  return list;
}

function bindWebhooks(wasm) {
  const { WebhookCore } = wasm;

  function rawBodyRequired() {
    return translateError(wasm.rawBodyRequiredError());
  }

  class Webhook {
    #core;
    #maxBodyBytes;

    /**
     * @param secretOrSecrets the endpoint secret, or [newest, ...older] during a roll
     * @param options { toleranceMs = 300000, maxBodyBytes = 1048576 }
     */
    constructor(secretOrSecrets, options = {}) {
      const toleranceMs = checkNonNegative("toleranceMs", options.toleranceMs, DEFAULT_TOLERANCE_MS);
      this.#maxBodyBytes = checkNonNegative("maxBodyBytes", options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES);
      try {
        this.#core = new WebhookCore(secretList(secretOrSecrets), toleranceMs, this.#maxBodyBytes);
      } catch (error) {
        throw translateError(error);
      }
    }

    /**
     * Verifies a delivery and returns the event as a plain object (snake_case, as sent).
     * @param rawBody the exact bytes received: string, Uint8Array (Buffer) or ArrayBuffer
     * @param headers a fetch Headers, or an object of header values (any case; arrays allowed)
     */
    verify(rawBody, headers) {
      const body = rawBodyOf(rawBody);
      if (body === null) throw rawBodyRequired();
      const bag = headers ?? {};
      const signature = headerValue(bag, "kunog-signature", "Kunog-Signature");
      const timestamp = headerValue(bag, "kunog-timestamp", "Kunog-Timestamp");
      const eventId = headerValue(bag, "kunog-event-id", "Kunog-Event-Id");
      const now = Date.now();
      let text;
      try {
        if (typeof body === "string") {
          // A string's UTF-8 length is at least its .length: refuse before copying it.
          if (body.length > this.#maxBodyBytes) this.#core.checkBodyLength(body.length);
          this.#core.verifyText(body, signature, timestamp, eventId, now);
          text = body;
        } else {
          if (body.byteLength > this.#maxBodyBytes) this.#core.checkBodyLength(body.byteLength);
          this.#core.verifyBytes(body, signature, timestamp, eventId, now);
          text = textDecoder.decode(body);
        }
      } catch (error) {
        throw translateError(error);
      }
      // The core checked this is a JSON object with the signed id; the engine's parser builds it.
      return JSON.parse(text);
    }

    /**
     * Signs a body as Kunog does: { "Kunog-Signature", "Kunog-Timestamp", "Kunog-Event-Id" }.
     * @param rawBody a JSON event (string, Uint8Array or ArrayBuffer) with an "id"
     * @param options { timestamp = Date.now() } in milliseconds
     */
    sign(rawBody, options = {}) {
      const body = rawBodyOf(rawBody);
      if (body === null) throw rawBodyRequired();
      const timestamp = checkNonNegative("timestampMs", options.timestamp, undefined) ?? Date.now();
      let signed;
      try {
        signed = this.#core.sign(typeof body === "string" ? textEncoder.encode(body) : body, timestamp);
      } catch (error) {
        throw translateError(error);
      }
      return { "Kunog-Signature": signed[0], "Kunog-Timestamp": signed[1], "Kunog-Event-Id": signed[2] };
    }

    /** Signature and timestamp only; index of the matching secret. For verifyKunogWebhook. */
    verifySignature(rawBody, signature, timestamp) {
      const body = rawBodyOf(rawBody);
      if (body === null) throw rawBodyRequired();
      try {
        const length = typeof body === "string" ? body.length : body.byteLength;
        if (length > this.#maxBodyBytes) this.#core.checkBodyLength(length);
        const bytes = typeof body === "string" ? textEncoder.encode(body) : body;
        return this.#core.verifySignature(bytes, optionalString(signature), optionalString(timestamp), Date.now());
      } catch (error) {
        throw translateError(error);
      }
    }
  }

  // Keyed verifiers for verifyKunogWebhook, so that calling it per request does not re-key
  // HMAC each time. Bounded: a handful of secrets (and tolerances) per process at most.
  const seedVerifiers = new Map();
  const SEED_VERIFIER_CACHE = 8;

  /**
   * The seed's function, as a drop-in: true, or throws WebhookVerificationError. Unlike
   * the seed's version it also refuses timestamps more than toleranceMs (default 5 min)
   * from now, as the Kunog contract asks of receivers.
   */
  function verifyKunogWebhook({ rawBody, signature, timestamp, secret, toleranceMs } = {}) {
    const key = `${toleranceMs ?? ""}\u0000${secret}`;
    let webhook = typeof secret === "string" ? seedVerifiers.get(key) : undefined;
    if (webhook === undefined) {
      webhook = new Webhook(secret, { toleranceMs });
      if (seedVerifiers.size >= SEED_VERIFIER_CACHE) seedVerifiers.delete(seedVerifiers.keys().next().value);
      seedVerifiers.set(key, webhook);
    }
    webhook.verifySignature(rawBody, signature, timestamp);
    return true;
  }

  return { Webhook, WebhookVerificationError, verifyKunogWebhook };
}

function optionalString(value) {
  return value === undefined || value === null ? undefined : String(value);
}

module.exports = { bindWebhooks, WebhookVerificationError };
