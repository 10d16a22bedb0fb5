// examples/express from the packed tarball in a fresh project, with express from the registry:
// `node server.mjs`, then signed, tampered and unsigned deliveries; also the same server with
// express.json() moved before the webhook route, which the example's comment warns about.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { freshProject } from "../tarball/project.mjs";
import { deliver, examplesDir, signedDelivery, startExampleServer, webhookEndpointTests } from "./helpers.mjs";

const SETUP_TIMEOUT_MS = 240_000;
const TEST_TIMEOUT_MS = 30_000;

describe("examples/express", { timeout: SETUP_TIMEOUT_MS + 4 * TEST_TIMEOUT_MS }, () => {
  let project;
  let server;
  let url;

  before(async () => {
    project = freshProject("express", { from: join(examplesDir, "express") });
    ({ server, url } = await startExampleServer(project, process.execPath, "server.mjs"));
  }, { timeout: SETUP_TIMEOUT_MS });
  after(async () => {
    await server?.stop();
    project?.cleanup();
  });

  describe("POST /webhooks/kunog", { timeout: 3 * TEST_TIMEOUT_MS }, () => {
    webhookEndpointTests(() => ({ url: `${url}/webhooks/kunog`, output: () => server.output() }));
  });

  it("parses JSON on the other routes (express.json() after the webhook route)", { timeout: TEST_TIMEOUT_MS }, async () => {
    const answer = await deliver(`${url}/orders`, { body: JSON.stringify({ sku: "KNG-1" }), headers: { "content-type": "application/json" } });
    assert.equal(answer.status, 201, answer.text);
    assert.deepEqual(answer.json, { order: { sku: "KNG-1" } });
  });

  it("with express.json() moved first, refuses signed deliveries with raw_body_required", { timeout: TEST_TIMEOUT_MS }, async () => {
    const source = readFileSync(join(project.dir, "server.mjs"), "utf8");
    const jsonFirst = source
      .replace("app.use(express.json());\n", "")
      .replace("const app = express();\n", "const app = express();\napp.use(express.json());\n");
    assert.notEqual(jsonFirst, source);
    writeFileSync(join(project.dir, "json-first.mjs"), jsonFirst);
    const wrong = await startExampleServer(project, process.execPath, "json-first.mjs");
    try {
      const answer = await deliver(`${wrong.url}/webhooks/kunog`, signedDelivery());
      assert.equal(answer.status, 400, answer.text);
      assert.deepEqual(answer.json, { error: "raw_body_required" });
    } finally {
      await wrong.server.stop();
    }
  });
});
