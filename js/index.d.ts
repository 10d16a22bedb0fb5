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

export interface PaymentIntent {
  id: string;
  object: "payment_intent";
  status: PaymentIntentStatus;
  /** Minor units: 4900 USD is $49.00. */
  amount: number;
  currency: string;
  settlement: string;
  checkout_url: string;
  success_url: string | null;
  cancel_url: string | null;
  metadata: Record<string, string>;
  description: string | null;
  amount_refunded: number;
  livemode: boolean;
  /** Milliseconds since the Unix epoch. */
  created: number;
  expires_at: number;
}

export interface Refund {
  id: string;
  object: "refund";
  payment_intent: string;
  amount: number;
  currency: string;
  status: "succeeded";
  reason: string | null;
  metadata: Record<string, string>;
  created: number;
}

interface EventBase<T extends string, O> {
  /** evt_...: stable across delivery attempts; dedupe on it. */
  id: string;
  object: "event";
  type: T;
  created: number;
  livemode: boolean;
  data: { object: O };
}

/** A Kunog webhook event, discriminated on `type`. */
export type KunogEvent =
  | EventBase<"payment_intent.created", PaymentIntent>
  | EventBase<"payment_intent.pending", PaymentIntent>
  | EventBase<"payment_intent.confirmed", PaymentIntent>
  | EventBase<"payment_intent.expired", PaymentIntent>
  | EventBase<"refund.created", Refund>;

/** The raw request body, exactly as received. */
export type RawBody = string | Uint8Array | ArrayBuffer;

/** Request headers: a fetch Headers, or an object of values in any case (Node, Lambda). */
export type HeaderBag =
  | Headers
  | Map<string, string | string[]>
  | Record<string, string | string[] | undefined>;

export interface WebhookOptions {
  /** Accepted distance between Kunog-Timestamp and now, either side. Default 300000 (5 min). */
  toleranceMs?: number;
  /** Largest body accepted, checked before any HMAC work. Default 1048576 (1 MiB). */
  maxBodyBytes?: number;
}

export interface SignedWebhookHeaders {
  "Kunog-Signature": string;
  "Kunog-Timestamp": string;
  "Kunog-Event-Id": string;
}

export class Webhook {
  /**
   * @param secretOrSecrets the endpoint's secret (whsec_...), or [newest, ...older] during a
   *   secret roll; any of them may match.
   */
  constructor(secretOrSecrets: string | readonly string[], options?: WebhookOptions);
  /** Verifies a delivery; returns the event, or throws WebhookVerificationError. */
  verify(rawBody: RawBody, headers: HeaderBag): KunogEvent;
  /** Signs a JSON event body as Kunog does (for tests). `timestamp` in ms, default now. */
  sign(rawBody: RawBody, options?: { timestamp?: number }): SignedWebhookHeaders;
  /**
   * Reads the raw body from what the platform handed the handler, then verifies it: a fetch
   * Request (Workers, Deno, Bun, Next.js App Router), a Node IncomingMessage (unread, or with
   * its raw body as .rawBody or a Buffer .body), an AWS Lambda / API Gateway event, or
   * { rawBody, headers }.
   */
  verifyRequest(input: WebhookRequestInput): Promise<KunogEvent>;
  /** Signature and timestamp only; the index of the matching secret. */
  verifySignature(rawBody: RawBody, signature: string, timestamp: string): number;
}

/** The seed's function: true, or throws WebhookVerificationError. Also checks the timestamp is within toleranceMs (default 5 min). */
export function verifyKunogWebhook(args: {
  rawBody: RawBody;
  signature: string;
  timestamp: string;
  secret: string;
  toleranceMs?: number;
}): true;

/** What verifyRequest accepts. */
export type WebhookRequestInput =
  | Request
  | { headers: Record<string, string | string[] | undefined>; on(event: string, listener: (...args: any[]) => void): unknown; rawBody?: RawBody; body?: unknown }
  | { headers?: Record<string, string | undefined> | null; multiValueHeaders?: Record<string, string[] | undefined> | null; body?: string | null; isBase64Encoded?: boolean; requestContext?: unknown }
  | { rawBody: RawBody; headers: HeaderBag };

/** `new Webhook(secretOrSecrets, options).verifyRequest(input)` in one call. */
export function verifyRequest(input: WebhookRequestInput, secretOrSecrets: string | readonly string[], options?: WebhookOptions): Promise<KunogEvent>;

/** Stable `type`s of KunogError. */
export type KunogErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "idempotency_error"
  | "rate_limit_error"
  | "api_error"
  | "connection_error";

/** An API call failed (Kunog's error, or the SDK's own with the same fields). */
export class KunogError extends Error {
  readonly name: "KunogError";
  /** The HTTP status, or null when nothing was answered (refused before sending, network, timeout). */
  readonly status: number | null;
  readonly type: KunogErrorType;
  /** Stable code, e.g. "parameter_invalid", "resource_missing", "idempotency_key_reused", "timeout", "network". */
  readonly code: string;
  /** The parameter at fault, e.g. "amount". */
  readonly param: string | null;
  /** req_...: what Kunog support asks for. */
  readonly requestId: string | null;
}

export interface KunogClientOptions {
  /** kng_test_... or kng_live_... (a live key needs an https baseUrl). */
  apiKey: string;
  /** Default https://api.kunog.com; the local sandbox in development. */
  baseUrl?: string;
  /** One deadline for all attempts of a call. Default 30000. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number;
  /** Default globalThis.fetch. */
  fetch?: typeof fetch;
}

export interface CreatePaymentIntentParams {
  /** Minor units, 1 ..= 99_999_999. */
  amount: number;
  /** ISO 4217, upper case. */
  currency: string;
  /** Default "USDC". */
  settlement?: "USDC";
  success_url?: string;
  cancel_url?: string;
  metadata?: Record<string, string>;
  description?: string;
}

export interface CreateRefundParams {
  payment_intent: string;
  /** Default: what is left. */
  amount?: number;
  reason?: string;
  metadata?: Record<string, string>;
}

export interface RequestOptions {
  /** 1 to 255 visible ASCII characters; a UUID v4 is made when omitted. Sent on every attempt. */
  idempotencyKey?: string;
}

export class KunogClient {
  constructor(options: KunogClientOptions);
  createPaymentIntent(payload: CreatePaymentIntentParams, options?: RequestOptions): Promise<PaymentIntent>;
  retrievePaymentIntent(id: string): Promise<PaymentIntent>;
  /** Every payment intent, newest first, fetched page by page as iteration goes. */
  listPaymentIntents(params?: { limit?: number; starting_after?: string }): AsyncIterable<PaymentIntent>;
  createRefund(params: CreateRefundParams, options?: RequestOptions): Promise<Refund>;
}

/** The SDK version. */
export const VERSION: string;
