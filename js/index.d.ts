// Types of the `kunog` npm package. Field names are snake_case, exactly as on the wire.

/** Stable codes of WebhookVerificationError (the Kunog contract, section 3). */
export type WebhookVerificationErrorCode =
  | "missing_header"
  | "malformed_signature"
  | "signature_mismatch"
  | "malformed_timestamp"
  | "timestamp_too_old"
  | "timestamp_in_future"
  | "body_too_large"
  | "raw_body_required"
  | "event_id_mismatch"
  | "invalid_payload"
  | "invalid_secret";

/** A delivery (or a verifier's configuration) was refused; `code` says why. */
export class WebhookVerificationError extends Error {
  constructor(code: WebhookVerificationErrorCode, message: string);
  readonly name: "WebhookVerificationError";
  readonly code: WebhookVerificationErrorCode;
}

export type PaymentIntentStatus = "created" | "pending" | "confirmed" | "expired";

/** Assets Kunog settles in (the API contract and the sandbox): USDC. */
export type Settlement = "USDC";

export interface PaymentIntent {
  /** pi_... */
  id: string;
  object: "payment_intent";
  status: PaymentIntentStatus;
  /** Minor units: 4900 USD is $49.00. */
  amount: number;
  /** ISO 4217, upper case, e.g. "USD". */
  currency: string;
  /** The asset the merchant receives, "USDC" (a string, should Kunog add assets). */
  settlement: Settlement | (string & {});
  checkout_url: string;
  success_url: string | null;
  cancel_url: string | null;
  metadata: Record<string, string>;
  description: string | null;
  /** Minor units refunded so far. */
  amount_refunded: number;
  livemode: boolean;
  /** Milliseconds since the Unix epoch. */
  created: number;
  /** Milliseconds since the Unix epoch: the end of the checkout window. */
  expires_at: number;
}

export interface Refund {
  /** re_... */
  id: string;
  object: "refund";
  /** pi_...: the refunded payment intent. */
  payment_intent: string;
  /** Minor units. */
  amount: number;
  currency: string;
  status: "succeeded";
  reason: string | null;
  metadata: Record<string, string>;
  /** Milliseconds since the Unix epoch. */
  created: number;
}

interface EventBase<T extends string, O> {
  /** evt_...: stable across delivery attempts; dedupe on it. */
  id: string;
  object: "event";
  type: T;
  /** Milliseconds since the Unix epoch. */
  created: number;
  livemode: boolean;
  data: { object: O };
}

export type PaymentIntentCreatedEvent = EventBase<"payment_intent.created", PaymentIntent>;
export type PaymentIntentPendingEvent = EventBase<"payment_intent.pending", PaymentIntent>;
export type PaymentIntentConfirmedEvent = EventBase<"payment_intent.confirmed", PaymentIntent>;
export type PaymentIntentExpiredEvent = EventBase<"payment_intent.expired", PaymentIntent>;
export type RefundCreatedEvent = EventBase<"refund.created", Refund>;

/** The events this version of the SDK knows. */
export type KnownKunogEvent =
  | PaymentIntentCreatedEvent
  | PaymentIntentPendingEvent
  | PaymentIntentConfirmedEvent
  | PaymentIntentExpiredEvent
  | RefundCreatedEvent;

/** The `type`s this version of the SDK knows. */
export type KunogEventType = KnownKunogEvent["type"];

/**
 * The `type` of an event this version of the SDK does not know (Kunog may add types;
 * receivers must accept them). At run time it is a plain string such as "invoice.paid"; the
 * type is a pattern that no known type matches, so that `switch (event.type)` narrows the
 * known five exactly, and a misspelt known type is a compile error. To handle a type newer
 * than this SDK, compare `event.type as string`.
 */
export type UnknownKunogEventType = `${string} (an event type unknown to this SDK version)`;

/** An event of a type this version of the SDK does not know; its object is left untyped. */
export type UnknownKunogEvent = EventBase<UnknownKunogEventType, Record<string, unknown>>;

/**
 * A Kunog webhook event, discriminated on `type`: `data.object` is a PaymentIntent for
 * `payment_intent.*`, a Refund for `refund.created`, and untyped for types the SDK does not know.
 */
export type KunogEvent = KnownKunogEvent | UnknownKunogEvent;

/** The raw request body, exactly as received: a string, or its bytes (a Buffer, any typed array or DataView, an ArrayBuffer). */
export type RawBody = string | Uint8Array | ArrayBufferView | ArrayBuffer;

/** Request headers: a fetch Headers, or an object of values in any case (Node, Lambda). */
export type HeaderBag =
  | Headers
  | Map<string, string | string[]>
  | Record<string, string | string[] | undefined>;

export interface WebhookOptions {
  /** Accepted distance between Kunog-Timestamp and now, either side. Default 300000 (5 min). */
  toleranceMs?: number | undefined;
  /** Largest body accepted, checked before any HMAC work. Default 1048576 (1 MiB). */
  maxBodyBytes?: number | undefined;
}

/** What Webhook.sign returns; usable as the headers of verify (a type alias, so it fits HeaderBag). */
export type SignedWebhookHeaders = {
  "Kunog-Signature": string;
  "Kunog-Timestamp": string;
  "Kunog-Event-Id": string;
};

export class Webhook {
  /**
   * @param secretOrSecrets the endpoint's secret (whsec_...), or [newest, ...older] during a
   *   secret roll; any of them may match.
   */
  constructor(secretOrSecrets: string | readonly string[], options?: WebhookOptions);
  /** Verifies a delivery; returns the event, or throws WebhookVerificationError. */
  verify(rawBody: RawBody, headers: HeaderBag): KunogEvent;
  /** Signs a JSON event body as Kunog does (for tests). `timestamp` in ms, default now. */
  sign(rawBody: RawBody, options?: { timestamp?: number | undefined }): SignedWebhookHeaders;
  /**
   * Reads the raw body from what the platform handed the handler, then verifies it: a fetch
   * Request (Workers, Deno, Bun, Next.js App Router), a Node IncomingMessage (unread, or with
   * its raw body as .rawBody or a Buffer .body), an AWS Lambda / API Gateway event, or
   * { rawBody, headers }.
   */
  verifyRequest(input: WebhookRequestInput): Promise<KunogEvent>;
  /** Signature and timestamp only; the index of the matching secret. */
  verifySignature(rawBody: RawBody, signature: string | null | undefined, timestamp: string | null | undefined): number;
}

/** The seed's function: true, or throws WebhookVerificationError. Also checks the timestamp is within toleranceMs (default 5 min). */
export function verifyKunogWebhook(args: VerifyKunogWebhookArgs): true;

/** The arguments of verifyKunogWebhook; a missing header (null or undefined) is refused as missing_header. */
export interface VerifyKunogWebhookArgs {
  rawBody: RawBody;
  /** The Kunog-Signature header. */
  signature: string | null | undefined;
  /** The Kunog-Timestamp header (ms). */
  timestamp: string | null | undefined;
  /** The endpoint's secret (whsec_...). */
  secret: string;
  /** Default 300000 (5 min). */
  toleranceMs?: number | undefined;
}

/** What verifyRequest accepts. */
export type WebhookRequestInput =
  | Request
  | { headers: Record<string, string | string[] | undefined>; on(event: string, listener: (...args: any[]) => void): unknown; rawBody?: RawBody; body?: unknown }
  | { headers?: Record<string, string | undefined> | null; multiValueHeaders?: Record<string, string[] | undefined> | null; body?: string | null; isBase64Encoded?: boolean; requestContext?: unknown }
  | { rawBody: RawBody; headers: HeaderBag };

/** `new Webhook(secretOrSecrets, options).verifyRequest(input)` in one call. */
export function verifyRequest(input: WebhookRequestInput, secretOrSecrets: string | readonly string[], options?: WebhookOptions): Promise<KunogEvent>;

/** Stable `type`s of KunogError (an unknown type Kunog sends is passed through as sent). */
export type KunogErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "idempotency_error"
  | "rate_limit_error"
  | "api_error"
  | "connection_error";

/**
 * Stable `code`s of KunogError: the SDK's own (refused before sending, no usable answer) and
 * those the Kunog API sends. Codes Kunog adds later are passed through as sent.
 */
export type KunogErrorCode =
  // The SDK's own.
  | "parameter_invalid"
  | "parameter_missing"
  | "unsupported_settlement"
  | "invalid_api_key"
  | "invalid_base_url"
  | "insecure_base_url"
  | "invalid_response"
  | "timeout"
  | "network"
  | "unknown_error"
  | "call_finished"
  // The API's.
  | "parameter_unknown"
  | "invalid_json"
  | "unsupported_currency"
  | "resource_missing"
  | "unknown_route"
  | "invalid_state_transition"
  | "payment_intent_not_refundable"
  | "amount_too_large"
  | "idempotency_key_invalid"
  | "idempotency_key_reused"
  | "idempotency_key_in_use"
  | "missing_api_key"
  | "live_key_in_sandbox"
  | "rate_limited"
  | "service_unavailable"
  | "internal_error";

/** The fields of a KunogError. */
export interface KunogErrorFields {
  status?: number | null | undefined;
  type: KunogErrorType | (string & {});
  code: KunogErrorCode | (string & {});
  message: string;
  param?: string | null | undefined;
  requestId?: string | null | undefined;
}

/** An API call failed (Kunog's error, or the SDK's own with the same fields). */
export class KunogError extends Error {
  constructor(fields: KunogErrorFields);
  readonly name: "KunogError";
  /** The HTTP status, or null when nothing was answered (refused before sending, network, timeout). */
  readonly status: number | null;
  /** e.g. "invalid_request_error"; "connection_error" for network failures and timeouts. */
  readonly type: KunogErrorType | (string & {});
  /** Stable code, e.g. "parameter_invalid", "resource_missing", "idempotency_key_reused", "timeout", "network". */
  readonly code: KunogErrorCode | (string & {});
  /** The parameter at fault, e.g. "amount". */
  readonly param: string | null;
  /** req_...: what Kunog support asks for. */
  readonly requestId: string | null;
}

export interface KunogClientOptions {
  /** kng_test_... or kng_live_... (a live key needs an https baseUrl). */
  apiKey: string;
  /** Default https://api.kunog.com; the local sandbox in development. */
  baseUrl?: string | undefined;
  /** One deadline for all attempts of a call. Default 30000. */
  timeoutMs?: number | undefined;
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number | undefined;
  /** Default globalThis.fetch. */
  fetch?: typeof fetch | undefined;
}

export interface CreatePaymentIntentParams {
  /** Minor units, 1 ..= 99_999_999. */
  amount: number;
  /** ISO 4217, upper case. */
  currency: string;
  /** Default "USDC"; anything else is refused before sending (unsupported_settlement). */
  settlement?: Settlement | undefined;
  success_url?: string | undefined;
  cancel_url?: string | undefined;
  metadata?: Record<string, string> | undefined;
  description?: string | undefined;
}

export interface CreateRefundParams {
  payment_intent: string;
  /** Default: what is left. */
  amount?: number | undefined;
  reason?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

export interface ListPaymentIntentsParams {
  /** Page size, 1 ..= 100 (default 10); iteration goes on through every page. */
  limit?: number | undefined;
  /** pi_...: start after this intent. */
  starting_after?: string | undefined;
}

export interface RequestOptions {
  /** 1 to 255 visible ASCII characters; a UUID v4 is made when omitted. Sent on every attempt. */
  idempotencyKey?: string | undefined;
}

export class KunogClient {
  constructor(options: KunogClientOptions);
  createPaymentIntent(payload: CreatePaymentIntentParams, options?: RequestOptions): Promise<PaymentIntent>;
  retrievePaymentIntent(id: string): Promise<PaymentIntent>;
  /** Every payment intent, newest first, fetched page by page as iteration goes. */
  listPaymentIntents(params?: ListPaymentIntentsParams): AsyncIterable<PaymentIntent>;
  createRefund(params: CreateRefundParams, options?: RequestOptions): Promise<Refund>;
}

/** The SDK version. */
export const VERSION: string;
