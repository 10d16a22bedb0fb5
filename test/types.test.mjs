// The package's TypeScript declarations (index.d.ts, webhooks.d.ts), from a consumer's side:
// a fresh strict project that installs the packed tarball with npm (as users get it)
// compiles a correct use of the API with `tsc --noEmit` (moduleResolution nodenext, and
// bundler), and a file of deliberate mistakes fails to compile with exactly the errors
// marked on its lines. The second half is what keeps the types honest: were they loosened
// (to `any`, to plain `string`), a marked line would stop failing and this test would fail.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { freshProject } from "./tarball/project.mjs";

const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const pkg = join(root, "pkg");
const typescript = join(root, "node_modules", "typescript");
const TSC_TIMEOUT_MS = 120_000;
// Installing the tarball into a fresh project.
const SETUP_TIMEOUT_MS = 180_000;

// A correct consumer: every name of section 3 of the contract, both entry points, narrowing
// on event.type, KunogError's fields, and the paginated list with for-await.
const GOOD = `
import {
  Webhook,
  WebhookVerificationError,
  verifyKunogWebhook,
  verifyRequest,
  KunogClient,
  KunogError,
  VERSION,
} from "kunog";
import type {
  KunogEvent,
  PaymentIntent,
  Refund,
  WebhookVerificationErrorCode,
  WebhookOptions,
  KunogClientOptions,
  RequestOptions,
  CreatePaymentIntentParams,
} from "kunog";
import * as light from "kunog/webhooks";
import type { KunogEvent as LightEvent, UnknownKunogEvent } from "kunog/webhooks";

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const options: WebhookOptions = { toleranceMs: 300_000, maxBodyBytes: 1_048_576 };
const wh = new Webhook(secret, options);
const rolling = new light.Webhook([secret, "whsec_old"] as const);
const fromEnv = new Webhook(secret, { toleranceMs: undefined, maxBodyBytes: Number("1048576") });
const body = JSON.stringify({ id: "evt_1", object: "event", type: "refund.created" });
const signed = wh.sign(body, { timestamp: Date.now() });
const signature: string = signed["Kunog-Signature"];
const version: string = VERSION + light.VERSION;

export function describeEvent(event: KunogEvent): string {
  switch (event.type) {
    case "payment_intent.created":
    case "payment_intent.pending":
    case "payment_intent.expired": {
      const intent: PaymentIntent = event.data.object;
      return intent.status;
    }
    case "payment_intent.confirmed": {
      const amount: number = event.data.object.amount;
      const description: string | null = event.data.object.description;
      const successUrl: string | null = event.data.object.success_url;
      const order: string | undefined = event.data.object.metadata["order_id"];
      return \`\${amount} \${description ?? ""} \${successUrl ?? ""} \${order ?? ""} \${event.data.object.checkout_url}\`;
    }
    case "refund.created": {
      const refund: Refund = event.data.object;
      const reason: string | null = refund.reason;
      return refund.payment_intent + refund.amount + (reason ?? "");
    }
    default: {
      // A type this SDK does not know: accepted, its object untyped.
      const unknown: UnknownKunogEvent = event;
      const type: string = event.type;
      const object: Record<string, unknown> = event.data.object;
      if ((event.type as string) === "invoice.paid") return "a newer type";
      return type + Object.keys(object).length + unknown.id;
    }
  }
}

export function fromEverySource(headers: Headers, nodeHeaders: Record<string, string | string[] | undefined>): LightEvent[] {
  const bytes = new TextEncoder().encode(body);
  const events: KunogEvent[] = [
    wh.verify(body, signed),
    wh.verify(bytes, headers),
    rolling.verify(bytes.buffer, nodeHeaders),
    wh.verify(new DataView(bytes.buffer), signed),
    wh.verify(body, new Map([["kunog-signature", signature]])),
    fromEnv.verify(body, signed),
  ];
  const first = wh.verify(body, signed);
  if (first.type === "refund.created") {
    const amount: number = first.data.object.amount;
    void amount;
  }
  const ok: true = verifyKunogWebhook({
    rawBody: body,
    signature: headers.get("kunog-signature"),
    timestamp: headers.get("kunog-timestamp"),
    secret,
  });
  void ok;
  const index: number = wh.verifySignature(body, signature, signed["Kunog-Timestamp"]);
  void index;
  return events;
}

export async function fromRequests(request: Request): Promise<string> {
  const a: KunogEvent = await verifyRequest(request, secret);
  const b: LightEvent = await light.verifyRequest(
    { headers: { "kunog-signature": signature }, body: "e30=", isBase64Encoded: true, requestContext: {} },
    [secret],
    { toleranceMs: 60_000 },
  );
  const c = await wh.verifyRequest({ rawBody: body, headers: signed });
  return a.id + b.type + c.object;
}

export function onError(error: unknown): string {
  if (error instanceof WebhookVerificationError || error instanceof light.WebhookVerificationError) {
    const code: WebhookVerificationErrorCode = error.code;
    if (error.code === "timestamp_too_old" || error.code === "signature_mismatch") return "reject";
    return code;
  }
  if (error instanceof KunogError) {
    const status: number | null = error.status;
    const type: string = error.type;
    const code: string = error.code;
    const param: string | null = error.param;
    const requestId: string | null = error.requestId;
    const message: string = error.message;
    if (error.type === "connection_error" && (error.code === "timeout" || error.code === "network")) return "retry later";
    if (error.code === "idempotency_key_reused" || error.code === "some_code_from_a_newer_api") return "conflict";
    return \`\${status ?? "no answer"} \${type} \${code} \${param ?? ""} \${requestId ?? ""} \${message}\`;
  }
  throw error;
}

export async function api(): Promise<number> {
  const clientOptions: KunogClientOptions = { apiKey: "kng_test_example", baseUrl: "http://127.0.0.1:8787", timeoutMs: 30_000, maxRetries: 2 };
  const kunog = new KunogClient(clientOptions);
  const params: CreatePaymentIntentParams = {
    amount: 4900,
    currency: "USD",
    settlement: "USDC",
    success_url: "https://shop.example/thanks",
    metadata: { order_id: "KNG-2048" },
  };
  const request: RequestOptions = { idempotencyKey: "order-KNG-2048" };
  const intent: PaymentIntent = await kunog.createPaymentIntent(params, request);
  const again = await kunog.retrievePaymentIntent(intent.id);
  let total = again.amount - again.amount_refunded;
  for await (const pi of kunog.listPaymentIntents({ limit: 20 })) {
    if (pi.status === "confirmed") total += pi.amount;
  }
  for await (const pi of kunog.listPaymentIntents()) total += pi.expires_at > 0 ? 0 : 1;
  const refund: Refund = await kunog.createRefund({ payment_intent: intent.id, amount: 100 }, { idempotencyKey: "refund-1" });
  const refundAll = await kunog.createRefund({ payment_intent: intent.id });
  return total + refund.amount + refundAll.created + (version.length > 0 ? 0 : 1);
}
`;

// The same API from CommonJS (require through nodenext's .cts).
const GOOD_CJS = `
import kunog = require("kunog");
import webhooks = require("kunog/webhooks");

export function check(body: string, headers: Record<string, string>): string {
  const event = new webhooks.Webhook("whsec_x").verify(body, headers);
  if (event.type === "payment_intent.confirmed") return event.data.object.checkout_url;
  const client = new kunog.KunogClient({ apiKey: "kng_test_example" });
  return typeof client + kunog.VERSION;
}
`;

// Deliberate mistakes. Each line ending in "// TSnnnn" must fail with that code, and no other
// line may fail: tsc must report exactly these.
const BAD = `
import { Webhook, WebhookVerificationError, KunogClient, KunogError } from "kunog";
import type { KunogEvent } from "kunog";
import { verifyKunogWebhook } from "kunog/webhooks";

const wh = new Webhook("whsec_x");
const kunog = new KunogClient({ apiKey: "kng_test_example" });

export function unnarrowed(event: KunogEvent): void {
  const url: string = event.data.object.checkout_url; // TS2339
  const amount: number = event.data.object.amount; // TS2322
  if (event.type === "payment_intent.confimed") return; // TS2367
  if (event.type === "refund.created") {
    const url2 = event.data.object.checkout_url; // TS2339
  }
  if (event.type === "payment_intent.confirmed") {
    const description: string = event.data.object.description; // TS2322
    const status: "succeeded" = event.data.object.status; // TS2322
  }
}

export async function client(): Promise<void> {
  await kunog.createPaymentIntent({ amount: "49", currency: "USD" }); // TS2322
  await kunog.createPaymentIntent({ amount: 4900, currency: "USD", settlement: "DOGE" }); // TS2322
  await kunog.createPaymentIntent({ amount: 4900 }); // TS2741
  await kunog.createRefund({ payment_intent: "pi_x" }, { idempotencyKey: 7 }); // TS2322
  for await (const pi of kunog.listPaymentIntents({ limit: 20 })) {
    pi.reason; // TS2339
  }
  const refund = await kunog.createRefund({ payment_intent: "pi_x" });
  refund.checkout_url; // TS2339
  new KunogClient({ baseUrl: "https://api.kunog.com" }); // TS2741
}

export function errors(error: unknown): void {
  if (error instanceof WebhookVerificationError) {
    if (error.code === "timestamp_expired") return; // TS2367
  }
  if (error instanceof KunogError) {
    error.status.toFixed(); // TS18047
    const param: string = error.param; // TS2322
  }
}

export function verify(): void {
  wh.verify(4900, {}); // TS2345
  wh.verify({ id: "evt_x" }, {}); // TS2353
  new Webhook("whsec_x", { toleranceMs: "5m" }); // TS2322
  verifyKunogWebhook({ rawBody: "{}", signature: "00", timestamp: "1" }); // TS2741
}
`;

function tsconfig(moduleKind, resolution, files) {
  return JSON.stringify(
    {
      compilerOptions: {
        strict: true,
        target: "es2022",
        module: moduleKind,
        moduleResolution: resolution,
        noEmit: true,
        skipLibCheck: false,
        types: [],
        noUnusedLocals: false,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
      },
      files,
    },
    null,
    2,
  );
}

// Runs tsc on one config; returns { status, output, errors: [{ file, line, code }] }.
// This repository's typescript (the consumer project installs only kunog); tsc resolves
// "kunog" from the project's node_modules all the same.
function tsc(dir, config) {
  const result = spawnSync(process.execPath, [join(typescript, "bin", "tsc"), "-p", config, "--pretty", "false"], {
    cwd: dir,
    encoding: "utf8",
    timeout: TSC_TIMEOUT_MS,
  });
  assert.equal(result.error, undefined, `tsc did not run: ${result.error}`);
  const output = `${result.stdout}${result.stderr}`;
  const errors = [...output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+):/gm)].map(([, file, line, code]) => ({ file, line: Number(line), code }));
  return { status: result.status, output, errors };
}

describe("TypeScript declarations, from a strict consumer project", () => {
  let project;
  let dir;

  before(() => {
    for (const file of ["index.d.ts", "webhooks.d.ts"]) {
      assert.ok(existsSync(join(pkg, file)), `pkg/${file} is missing: run node scripts/build.mjs`);
      assert.equal(
        readFileSync(join(pkg, file), "utf8"),
        readFileSync(join(root, "js", file), "utf8"),
        `pkg/${file} is older than js/${file}: run node scripts/build.mjs`,
      );
    }
    assert.ok(existsSync(join(typescript, "bin", "tsc")), "typescript is not installed: run npm ci");
    project = freshProject("types", {
      packageJson: { type: "module" },
      files: {
        "good.ts": GOOD,
        "good-cjs.cts": GOOD_CJS,
        "bad.ts": BAD,
        "tsconfig.json": tsconfig("nodenext", "nodenext", ["good.ts", "good-cjs.cts"]),
        "tsconfig.bundler.json": tsconfig("esnext", "bundler", ["good.ts"]),
        "tsconfig.bad.json": tsconfig("nodenext", "nodenext", ["bad.ts"]),
      },
    });
    dir = project.dir;
  }, { timeout: SETUP_TIMEOUT_MS });

  after(() => {
    project?.cleanup();
  });

  it("the installed tarball carries the declarations of js/", () => {
    for (const file of ["index.d.ts", "webhooks.d.ts"]) {
      assert.equal(readFileSync(project.path(`node_modules/kunog/${file}`), "utf8"), readFileSync(join(root, "js", file), "utf8"), `${file} in the tarball`);
    }
  });

  it("a correct consumer compiles under strict, moduleResolution nodenext (ESM and CommonJS)", { timeout: TSC_TIMEOUT_MS }, () => {
    const { status, output } = tsc(dir, "tsconfig.json");
    assert.equal(status, 0, `tsc --noEmit failed:\n${output}`);
  });

  it("a correct consumer compiles under strict, moduleResolution bundler", { timeout: TSC_TIMEOUT_MS }, () => {
    const { status, output } = tsc(dir, "tsconfig.bundler.json");
    assert.equal(status, 0, `tsc --noEmit failed:\n${output}`);
  });

  it("each deliberate mistake fails to compile, with the marked error on its line and no other", { timeout: TSC_TIMEOUT_MS }, () => {
    const expected = BAD.split("\n")
      .map((text, index) => ({ line: index + 1, code: text.match(/\/\/ (TS\d+)$/)?.[1] }))
      .filter(({ code }) => code)
      .map(({ line, code }) => `bad.ts:${line} ${code}`);
    assert.ok(expected.length >= 15, "the mistakes file lost its markers");
    const { status, output, errors } = tsc(dir, "tsconfig.bad.json");
    assert.notEqual(status, 0, "tsc accepted the mistakes: the declarations are too loose");
    const actual = [...new Set(errors.map(({ file, line, code }) => `${file}:${line} ${code}`))];
    assert.deepEqual(actual.sort(), expected.sort(), `tsc's errors differ from the marked mistakes:\n${output}`);
  });
});
