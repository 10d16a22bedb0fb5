// examples/lambda from the packed tarball in a fresh project: the exported handler invoked in
// a child Node process with API Gateway events as AWS sends them (HTTP API v2 with and without
// base64 bodies, REST API v1 with multiValueHeaders), then again as one file bundled by
// esbuild the way AWS CDK's NodejsFunction bundles (ESM and CJS), with node_modules deleted:
// the package's bundler entry ("module" condition, wasm inlined) must need nothing else.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";

import { freshProject, root } from "../tarball/project.mjs";
import { SECRET, examplesDir, signedDelivery, tamperedDelivery, unsignedDelivery, verifiedLine } from "./helpers.mjs";

const run = promisify(execFile);
const esbuild = join(root, "node_modules", ".bin", "esbuild");

const SETUP_TIMEOUT_MS = 180_000;
const TEST_TIMEOUT_MS = 60_000;
const INVOKE_TIMEOUT_MS = 30_000;

// Calls the handler once per event, as the Lambda runtime would, and prints what it returned.
const INVOKE = `import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const loaded = await import(pathToFileURL(process.argv[2]));
const handler = loaded.handler ?? loaded.default?.handler;
const events = JSON.parse(readFileSync(process.argv[3], "utf8"));
const results = [];
for (const event of events) results.push(await handler(event, { awsRequestId: crypto.randomUUID() }));
console.log("results: " + JSON.stringify(results));
`;

const requestTime = new Date().toUTCString();

function httpApiV2Event({ body, headers }, { base64 }) {
  const lower = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return {
    version: "2.0",
    routeKey: "POST /webhooks/kunog",
    rawPath: "/webhooks/kunog",
    rawQueryString: "",
    headers: {
      ...lower,
      "content-length": String(Buffer.byteLength(body)),
      host: "abc123.execute-api.eu-west-1.amazonaws.com",
      "user-agent": "Kunog-Webhooks/1.0",
      "x-amzn-trace-id": "Root=1-67891233-abcdef012345678912345678",
      "x-forwarded-for": "203.0.113.7",
      "x-forwarded-port": "443",
      "x-forwarded-proto": "https",
    },
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: "abc123.execute-api.eu-west-1.amazonaws.com",
      domainPrefix: "abc123",
      http: { method: "POST", path: "/webhooks/kunog", protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "Kunog-Webhooks/1.0" },
      requestId: "JKJaXmPLvHcESHA=",
      routeKey: "POST /webhooks/kunog",
      stage: "$default",
      time: requestTime,
      timeEpoch: Date.now(),
    },
    body: base64 ? Buffer.from(body).toString("base64") : body,
    isBase64Encoded: base64,
  };
}

function restApiV1Event({ body, headers }, { base64 }) {
  const sent = { ...headers, "Content-Length": String(Buffer.byteLength(body)), Host: "abc123.execute-api.eu-west-1.amazonaws.com", "User-Agent": "Kunog-Webhooks/1.0", "X-Forwarded-For": "203.0.113.7" };
  return {
    resource: "/webhooks/kunog",
    path: "/webhooks/kunog",
    httpMethod: "POST",
    headers: sent,
    multiValueHeaders: Object.fromEntries(Object.entries(sent).map(([name, value]) => [name, [value]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      httpMethod: "POST",
      identity: { sourceIp: "203.0.113.7", userAgent: "Kunog-Webhooks/1.0" },
      path: "/prod/webhooks/kunog",
      protocol: "HTTP/1.1",
      requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
      requestTime,
      requestTimeEpoch: Date.now(),
      resourceId: "abc123",
      resourcePath: "/webhooks/kunog",
      stage: "prod",
    },
    body: base64 ? Buffer.from(body).toString("base64") : body,
    isBase64Encoded: base64,
  };
}

// Each case: a delivery, the event API Gateway makes of it, and the answer expected.
function invocationCases() {
  const cases = [
    ["HTTP API v2, base64 body", signedDelivery(), httpApiV2Event, { base64: true }, 200],
    ["HTTP API v2, text body", signedDelivery("refund.created"), httpApiV2Event, { base64: false }, 200],
    ["REST API v1, text body", signedDelivery(), restApiV1Event, { base64: false }, 200],
    ["REST API v1, base64 body (binary media types)", signedDelivery(), restApiV1Event, { base64: true }, 200],
    ["HTTP API v2, tampered body", tamperedDelivery(), httpApiV2Event, { base64: true }, 400, "signature_mismatch"],
    ["REST API v1, tampered body", tamperedDelivery(), restApiV1Event, { base64: false }, 400, "signature_mismatch"],
    ["HTTP API v2, no Kunog headers", unsignedDelivery(), httpApiV2Event, { base64: false }, 400, "missing_header"],
    ["REST API v1, no Kunog headers", unsignedDelivery(), restApiV1Event, { base64: false }, 400, "missing_header"],
  ];
  return cases.map(([name, delivery, makeEvent, options, status, code]) => ({ name, delivery, event: makeEvent(delivery, options), status, code }));
}

// Invokes `handlerFile` (relative to cwd) in a child Node process with every case's event.
async function invokeAll(cwd, handlerFile, project) {
  const cases = invocationCases();
  const eventsFile = join(project.dir, "events.json");
  writeFileSync(eventsFile, JSON.stringify(cases.map((c) => c.event)));
  const { stdout, stderr } = await run(process.execPath, [project.path("invoke.mjs"), handlerFile, eventsFile], {
    cwd,
    env: { ...process.env, KUNOG_WEBHOOK_SECRET: SECRET },
    timeout: INVOKE_TIMEOUT_MS,
  });
  const line = stdout.split("\n").find((text) => text.startsWith("results: "));
  assert.ok(line, `no results from the handler:\n${stdout}\n${stderr}`);
  const results = JSON.parse(line.slice("results: ".length));
  for (const [i, { name, delivery, status, code }] of cases.entries()) {
    const result = results[i];
    assert.equal(result.statusCode, status, `${name}: ${JSON.stringify(result)}`);
    const body = JSON.parse(result.body);
    if (status === 200) {
      assert.deepEqual(body, { received: delivery.id }, name);
      assert.ok(stdout.includes(verifiedLine(delivery)), `${name}: the handler did not log the event:\n${stdout}`);
    } else {
      assert.deepEqual(body, { error: code }, name);
      assert.ok(!stdout.includes(delivery.id), `${name}: the handler saw a refused event:\n${stdout}`);
    }
  }
}

describe("examples/lambda", { timeout: SETUP_TIMEOUT_MS + 3 * TEST_TIMEOUT_MS }, () => {
  let project;
  let assetDir;

  before(() => {
    // Without devDependencies: esbuild comes from this repository.
    project = freshProject("lambda", { from: join(examplesDir, "lambda"), omitDev: true, files: { "invoke.mjs": INVOKE } });
    // Where CDK puts a bundled function (cdk.out/asset.*): a folder with the bundle alone.
    assetDir = mkdtempSync(join(tmpdir(), "kunog-lambda-asset-"));
  }, { timeout: SETUP_TIMEOUT_MS });
  after(() => {
    project?.cleanup();
    if (assetDir) rmSync(assetDir, { recursive: true, force: true });
  });

  it("handler.mjs answers API Gateway v1 and v2 events (base64 or not)", { timeout: TEST_TIMEOUT_MS }, async () => {
    await invokeAll(project.dir, "./handler.mjs", project);
  });

  describe("bundled by esbuild as CDK's NodejsFunction does, node_modules deleted", { timeout: 2 * TEST_TIMEOUT_MS }, () => {
    before(async () => {
      const common = ["handler.mjs", "--bundle", "--platform=node", "--target=node20", "--log-level=warning"];
      await run(esbuild, [...common, "--format=esm", `--outfile=${join(assetDir, "esm", "index.mjs")}`], { cwd: project.dir, timeout: INVOKE_TIMEOUT_MS });
      await run(esbuild, [...common, "--format=cjs", `--outfile=${join(assetDir, "cjs", "index.js")}`], { cwd: project.dir, timeout: INVOKE_TIMEOUT_MS });
      rmSync(project.path("node_modules"), { recursive: true, force: true });
    }, { timeout: TEST_TIMEOUT_MS });

    for (const [format, file] of [["esm", "esm/index.mjs"], ["cjs", "cjs/index.js"]]) {
      it(`the ${format} bundle carries the wasm and answers the same events`, { timeout: TEST_TIMEOUT_MS }, async () => {
        const bundle = readFileSync(join(assetDir, file), "utf8");
        // The bundler entry: the wasm inlined as base64 ("\0asm" is AGFzbQ), no .wasm file read.
        assert.match(bundle, /"AGFzbQ[A-Za-z0-9+/]{1000}/, "the wasm is not inlined in the bundle");
        assert.doesNotMatch(bundle, /readFileSync\([^)]*\.wasm/, "the bundle reads a .wasm file");
        await invokeAll(assetDir, join(assetDir, file), project);
      });
    }
  });
});
