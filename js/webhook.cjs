"use strict";
// The public webhook API, on top of the wasm core (WebhookCore). This file translates
// JavaScript inputs (bodies, header bags, options) into core calls and core errors into
// WebhookVerificationError; every rule (sizes, timestamps, signatures, ids) is the core's.
// It is a factory so that each runtime's entry point can hand it the wasm it loaded.

const DEFAULT_TOLERANCE_MS = 300_000;
const DEFAULT_MAX_BODY_BYTES = 1_048_576;
// Scratch room for the three header values (about 110 bytes in a normal delivery).
const MIN_HEADER_ROOM = 512;
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

  // JSON.parse, with a refusal as invalid_payload.
  function parsedEvent(text) {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw translateError(wasm.invalidPayloadError(error.message));
    }
  }

  class Webhook {
    #core;
    #maxBodyBytes;
    // Views of the core's scratch buffer in wasm memory (see #stage).
    #headerView = new Uint8Array(0);
    #bodyView = new Uint8Array(0);
    #staged = [0, 0, undefined, undefined, undefined];

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
      try {
        const staged = this.#stage(body, signature, timestamp, eventId);
        this.#core.verifyDelivery(staged[0], staged[1], staged[2], staged[3], staged[4], Date.now());
      } catch (error) {
        throw translateError(error);
      }
      // Verified, and UTF-8. The engine's own parser builds the object, and the id rule is
      // applied to the object the application will dedupe on.
      const text = typeof body === "string" ? body : textDecoder.decode(body);
      const event = parsedEvent(text);
      if (event === null || typeof event !== "object" || Array.isArray(event) || event.id !== eventId) {
        try {
          wasm.bindEventId(typeof event?.id === "string" ? event.id : undefined, eventId);
        } catch (error) {
          throw translateError(error);
        }
        throw translateError(wasm.invalidPayloadError("the body is not a JSON object"));
      }
      return event;
    }

    /**
     * Signs a body as Kunog does: { "Kunog-Signature", "Kunog-Timestamp", "Kunog-Event-Id" }.
     * @param rawBody a JSON event (string, Uint8Array or ArrayBuffer) with an "id"
     * @param options { timestamp = Date.now() } in milliseconds
     */
    sign(rawBody, options = {}) {
      const body = rawBodyOf(rawBody);
      if (body === null) throw rawBodyRequired();
      const timestamp = checkNonNegative("timestamp", options.timestamp, undefined) ?? Date.now();
      const parsed = parsedEvent(typeof body === "string" ? body : textDecoder.decode(body));
      const eventId = parsed !== null && typeof parsed === "object" ? parsed.id : undefined;
      if (typeof eventId !== "string" || eventId === "") {
        throw translateError(wasm.invalidPayloadError("the event has no string \"id\" to send as Kunog-Event-Id"));
      }
      const signature = this.#core.signature(typeof body === "string" ? textEncoder.encode(body) : body, timestamp);
      return { "Kunog-Signature": signature, "Kunog-Timestamp": String(timestamp), "Kunog-Event-Id": eventId };
    }

    /**
     * Reads the raw body from what a platform hands a handler, then verifies it:
     * a fetch Request (Workers, Deno, Bun, Next.js App Router), a Node IncomingMessage
     * (unread, or with its raw body in .rawBody or as a Buffer/string .body), an AWS Lambda /
     * API Gateway event (base64 bodies decoded), or { rawBody, headers }.
     */
    async verifyRequest(input) {
      const { body, headers } = await readRequest(input, this.#maxBodyBytes, (length) => {
        try {
          this.#core.checkBodyLength(length);
        } catch (error) {
          throw translateError(error);
        }
      });
      return this.verify(body, headers);
    }

    /** Signature and timestamp only; the index of the matching secret. */
    verifySignature(rawBody, signature, timestamp) {
      const body = rawBodyOf(rawBody);
      if (body === null) throw rawBodyRequired();
      try {
        const staged = this.#stage(body, optionalString(signature), optionalString(timestamp), undefined);
        return this.#core.verifySignature(staged[0], staged[1], staged[2], staged[3], Date.now());
      } catch (error) {
        throw translateError(error);
      }
    }

    // Writes the header values and the body into the core's scratch buffer, laid out as
    // [headers | body]; returns [bodyOffset, bodyLength, signatureLength, timestampLength,
    // eventIdLength] (undefined for a missing header). Refuses an oversized body first.
    #stage(body, signature, timestamp, eventId) {
      const isString = typeof body === "string";
      const length = isString ? body.length : body.byteLength;
      // A string's UTF-8 length is at least its .length: refuse before copying anything.
      if (length > this.#maxBodyBytes) this.#core.checkBodyLength(length);
      const joined = (signature ?? "") + (timestamp ?? "") + (eventId ?? "");
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      let headerRoom = Math.max(this.#headerView.byteLength, MIN_HEADER_ROOM, 3 * joined.length);
      let bodyRoom = length;
      for (;;) {
        // Views over wasm memory detach (byteLength 0) when it grows: then, or when too
        // small, ask the core for fresh ones.
        if (this.#headerView.byteLength < headerRoom || this.#bodyView.byteLength < bodyRoom) {
          const all = this.#core.scratch(headerRoom + bodyRoom);
          this.#headerView = all.subarray(0, headerRoom);
          this.#bodyView = all.subarray(headerRoom);
        }
        let bodyLength = length;
        if (isString) {
          const { read, written } = textEncoder.encodeInto(body, this.#bodyView);
          if (read < length) {
            bodyRoom = 3 * length; // not all ASCII: make room for the worst case
            continue;
          }
          bodyLength = written;
        } else {
          this.#bodyView.set(body);
        }
        const staged = this.#staged;
        staged[0] = this.#headerView.byteLength;
        staged[1] = bodyLength;
        // One encodeInto for all three; when every byte is ASCII the lengths are the strings'.
        const { written } = textEncoder.encodeInto(joined, this.#headerView);
        if (written === joined.length) {
          staged[2] = signature?.length;
          staged[3] = timestamp?.length;
          staged[4] = eventId?.length;
        } else {
          let offset = 0;
          const values = [signature, timestamp, eventId];
          for (let i = 0; i < 3; i++) {
            staged[i + 2] = undefined;
            if (values[i] === undefined) continue;
            staged[i + 2] = textEncoder.encodeInto(values[i], this.#headerView.subarray(offset)).written;
            offset += staged[i + 2];
          }
        }
        return staged;
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

  /** `new Webhook(secretOrSecrets, options).verifyRequest(input)` in one call. */
  async function verifyRequest(input, secretOrSecrets, options) {
    return new Webhook(secretOrSecrets, options).verifyRequest(input);
  }

  // What the raw body is when a platform's request is handed over, as { body, headers }.
  async function readRequest(input, maxBodyBytes, refuseLength) {
    if (input === null || typeof input !== "object") throw rawBodyRequired();
    // A fetch Request (or Next.js's NextRequest, which extends it).
    if (typeof input.arrayBuffer === "function" && input.headers && typeof input.headers.get === "function") {
      if (input.bodyUsed) {
        throw rawBodyRequired();
      }
      const declared = Number(input.headers.get("content-length"));
      if (declared > maxBodyBytes) refuseLength(declared);
      const body = input.body ? await readStream(input.body.getReader(), maxBodyBytes, refuseLength) : new Uint8Array(0);
      return { body, headers: input.headers };
    }
    // An AWS Lambda / API Gateway (v1 or v2) or Lambda function URL event.
    if ("isBase64Encoded" in input || "requestContext" in input) {
      const headers = input.multiValueHeaders ?? input.headers ?? {};
      if (input.body === undefined || input.body === null) return { body: "", headers };
      if (typeof input.body !== "string") return { body: input.body, headers };
      return { body: input.isBase64Encoded ? base64Bytes(input.body) : input.body, headers };
    }
    // A Node IncomingMessage, or an Express/Koa/Fastify request built on one.
    if (input.headers && typeof input.headers === "object" && typeof input.on === "function") {
      const raw = input.rawBody ?? input.body;
      if (raw !== undefined) return { body: raw, headers: input.headers };
      if (input.readableEnded || input.complete) throw rawBodyRequired();
      return { body: await readNodeStream(input, maxBodyBytes, refuseLength), headers: input.headers };
    }
    if ("rawBody" in input && "headers" in input) return { body: input.rawBody, headers: input.headers };
    throw rawBodyRequired();
  }

  // Reads a web ReadableStream, refusing as soon as it passes the cap.
  async function readStream(reader, maxBodyBytes, refuseLength) {
    const chunks = [];
    let length = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      length += value.byteLength;
      if (length > maxBodyBytes) {
        reader.cancel().catch(() => {});
        refuseLength(length);
      }
      chunks.push(value);
    }
    return concat(chunks, length);
  }

  // Reads a Node Readable, refusing as soon as it passes the cap.
  function readNodeStream(stream, maxBodyBytes, refuseLength) {
    return new Promise((resolve, reject) => {
      const chunks = [];
      let length = 0;
      const onData = (chunk) => {
        const bytes = typeof chunk === "string" ? textEncoder.encode(chunk) : chunk;
        length += bytes.byteLength;
        if (length > maxBodyBytes) {
          stream.off("data", onData);
          stream.resume(); // drain what is left; the answer is already known
          try {
            refuseLength(length);
          } catch (error) {
            reject(error);
          }
          return;
        }
        chunks.push(bytes);
      };
      stream.on("data", onData);
      stream.once("end", () => resolve(concat(chunks, length)));
      stream.once("error", reject);
    });
  }

  function concat(chunks, length) {
    if (chunks.length === 1) return chunks[0];
    const body = new Uint8Array(length);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return body;
  }

  function base64Bytes(text) {
    if (typeof Buffer === "function") return Buffer.from(text, "base64");
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  return { Webhook, WebhookVerificationError, verifyKunogWebhook, verifyRequest };
}

function optionalString(value) {
  return value === undefined || value === null ? undefined : String(value);
}

module.exports = { bindWebhooks, WebhookVerificationError };
