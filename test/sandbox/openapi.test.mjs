// Holds the sandbox's answers to openapi/kunog.json: every operation is called, and every
// answer (status, Kunog-Request-Id, body) must match what the document declares for it.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { client, startSandbox, validIntent } from "./harness.mjs";

const doc = JSON.parse(readFileSync(new URL("../../openapi/kunog.json", import.meta.url), "utf8"));

function resolve(schema) {
  while (schema && schema.$ref) {
    schema = schema.$ref.split("/").slice(1).reduce((node, part) => node[part], doc);
  }
  return schema;
}

function typeOf(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** A JSON Schema subset (what the document uses); returns a list of problems. */
export function validate(schema, value, path = "$") {
  schema = resolve(schema);
  const problems = [];
  if (schema.allOf) for (const s of schema.allOf) problems.push(...validate(s, value, path));
  if (schema.oneOf) {
    const matching = schema.oneOf.filter((s) => validate(s, value, path).length === 0).length;
    if (matching !== 1) problems.push(`${path}: matches ${matching} of oneOf`);
  }
  if ("const" in schema && value !== schema.const) problems.push(`${path}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  if (schema.type) {
    const types = [].concat(schema.type);
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === "integer" && types.includes("number"))) {
      problems.push(`${path}: ${actual} is not ${types.join("|")}`);
      return problems;
    }
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${path}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${path}: longer than ${schema.maxLength}`);
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) problems.push(`${path}: ${value} does not match ${schema.pattern}`);
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${path}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${path}: above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.items) value.forEach((item, i) => problems.push(...validate(schema.items, item, `${path}[${i}]`)));
  }
  if (typeOf(value) === "object") {
    const keys = Object.keys(value);
    for (const key of schema.required ?? []) if (!(key in value)) problems.push(`${path}: missing ${key}`);
    if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) problems.push(`${path}: more than ${schema.maxProperties} keys`);
    for (const key of keys) {
      if (schema.propertyNames) problems.push(...validate(schema.propertyNames, key, `${path}.<${key}>`));
      if (schema.properties && key in schema.properties) problems.push(...validate(schema.properties[key], value[key], `${path}.${key}`));
      else if (schema.additionalProperties === false && !schema.allOf) problems.push(`${path}: unexpected ${key}`);
      else if (typeof schema.additionalProperties === "object") problems.push(...validate(schema.additionalProperties, value[key], `${path}.${key}`));
    }
  }
  return problems;
}

function operationFor(method, url) {
  const pathname = new URL(url).pathname;
  for (const [template, item] of Object.entries(doc.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (re.test(pathname) && item[method.toLowerCase()]) return { template, operation: item[method.toLowerCase()] };
  }
  return null;
}

let sandbox;
const exercised = new Set();
const checkedStatuses = new Set();

before(async () => {
  sandbox = await startSandbox();
});
after(async () => {
  await sandbox?.stop();
});

/** Calls the sandbox and checks the answer against the document. */
async function checked(c, method, path, opts = {}) {
  const res = await c.call(method, path, opts);
  const found = operationFor(method, `${sandbox.baseUrl}${path}`);
  assert.ok(found, `${method} ${path} is not in the document`);
  exercised.add(`${method.toLowerCase()} ${found.template}`);
  const declared = found.operation.responses[String(res.status)];
  assert.ok(declared, `${method} ${path}: status ${res.status} is not declared (${res.text})`);
  const response = resolve(declared);
  if (response.headers?.["Kunog-Request-Id"]) {
    const header = resolve(response.headers["Kunog-Request-Id"]);
    assert.deepEqual(validate(header.schema, res.headers.get("kunog-request-id")), []);
  }
  if (response.headers?.["Retry-After"]) assert.match(res.headers.get("retry-after") ?? "", /^\d+$/);
  const schema = response.content["application/json"].schema;
  assert.deepEqual(validate(schema, res.json), [], `${method} ${path} ${res.status}: ${res.text.slice(0, 300)}`);
  checkedStatuses.add(res.status);
  return res;
}

test("every operation's answers match the OpenAPI document", async () => {
  const c = client(sandbox.baseUrl);
  const pi = (await checked(c, "POST", "/v1/payment_intents", { body: { ...validIntent, metadata: { a: "b" } }, idempotencyKey: randomUUID() })).json;
  await checked(c, "POST", "/v1/payment_intents", { body: { amount: 7, currency: "JPY", description: "x" } });
  await checked(c, "POST", "/v1/payment_intents", { body: { amount: -1, currency: "USD" } });
  await checked(c, "GET", "/v1/payment_intents?limit=1");
  await checked(c, "GET", `/v1/payment_intents?starting_after=${pi.id}`);
  await checked(c, "GET", "/v1/payment_intents?limit=1000");
  await checked(c, "GET", `/v1/payment_intents/${pi.id}`);
  await checked(c, "GET", "/v1/payment_intents/pi_missing");
  await checked(client(sandbox.baseUrl, "kng_live_x"), "GET", "/v1/payment_intents");
  const ep = (await checked(c, "POST", "/v1/webhook_endpoints", { body: { url: "http://127.0.0.1:9/hook", enabled_events: ["refund.created"] } })).json;
  await checked(c, "GET", "/v1/webhook_endpoints");
  await checked(c, "POST", "/v1/test_helpers/payment_intents/" + pi.id + "/confirm");
  await checked(c, "POST", `/v1/test_helpers/payment_intents/${pi.id}/pay`);
  await checked(c, "POST", `/v1/test_helpers/payment_intents/${pi.id}/confirm`);
  await checked(c, "POST", "/v1/refunds", { body: { payment_intent: pi.id, amount: 5000 } });
  const refund = (await checked(c, "POST", "/v1/refunds", { body: { payment_intent: pi.id, amount: 100, reason: "x" } })).json;
  await checked(c, "GET", `/v1/refunds/${refund.id}`);
  await checked(c, "POST", "/v1/refunds", { body: { payment_intent: "pi_nope" } });
  const events = (await checked(c, "GET", "/v1/events?limit=100")).json;
  assert.ok(events.data.length >= 4);
  await checked(c, "GET", `/v1/events/${events.data[0].id}`);
  await checked(c, "GET", "/v1/events?type=refund.created");
  await checked(c, "DELETE", `/v1/webhook_endpoints/${ep.id}`);
  const key = randomUUID();
  await checked(c, "POST", "/v1/payment_intents", { body: validIntent, idempotencyKey: key });
  await checked(c, "POST", "/v1/payment_intents", { body: validIntent, idempotencyKey: key });
  await checked(c, "POST", "/v1/payment_intents", { body: { ...validIntent, amount: 1 }, idempotencyKey: key });
  await checked(c, "POST", "/v1/test_helpers/faults", { body: { status: 429, retry_after: 2 } });
  await checked(c, "POST", "/v1/test_helpers/faults", { body: { status: 503 } });
  await checked(c, "POST", "/v1/test_helpers/faults", { body: { status: 409, webhooks: { duplicate: false, reorder: false, delay_ms: 0 } } });
  await checked(c, "GET", "/v1/test_helpers/faults");
  await checked(c, "GET", "/v1/payment_intents");
  await checked(c, "POST", "/v1/refunds", { body: { payment_intent: pi.id } });
  await checked(c, "POST", "/v1/webhook_endpoints", { body: { url: "https://example.com" } });
  await checked(c, "DELETE", "/v1/test_helpers/faults");
  await checked(c, "POST", "/v1/test_helpers/faults", { body: { status: 418 } });

  const all = Object.entries(doc.paths).flatMap(([template, item]) => Object.keys(item).map((m) => `${m} ${template}`));
  assert.deepEqual(all.filter((op) => !exercised.has(op)), [], "operations never exercised");
  for (const status of [200, 400, 401, 404, 409, 422, 429, 503]) assert.ok(checkedStatuses.has(status), `status ${status} never checked`);
});

test("the checker itself rejects what the document forbids", () => {
  const piSchema = { $ref: "#/components/schemas/PaymentIntent" };
  assert.notDeepEqual(validate(piSchema, { id: "pi_short" }), []);
  assert.notDeepEqual(validate({ $ref: "#/components/schemas/Error" }, { error: { type: "x", code: "c", message: "m", param: null, request_id: "req_aaaaaaaaaaaaaaaaaaaaaaaa" } }), []);
  assert.deepEqual(validate({ $ref: "#/components/schemas/Error" }, { error: { type: "api_error", code: "c", message: "m", param: null, request_id: "req_aaaaaaaaaaaaaaaaaaaaaaaa" } }), []);
  assert.notDeepEqual(validate({ $ref: "#/components/schemas/WebhookEndpoint" }, { id: "we_aaaaaaaaaaaaaaaaaaaaaaaa", object: "webhook_endpoint", url: "u", enabled_events: [], created: 1, secret: "whsec_x" }), []);
  assert.equal(doc.openapi, "3.1.0");
});
