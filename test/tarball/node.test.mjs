// The tarball installed with npm into a fresh project, used from Node as users do: a
// CommonJS script (require) and an ES module (import), each a child process. Both entries
// sign as node:crypto does, verify, refuse a tampered body; the classes are the same objects
// whether a program requires or imports the package; KunogClient talks to a stub API.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";

import { assertResult, consumerSource, parseResult } from "./consumer.mjs";
import { freshProject, runCommand, startStubApi } from "./project.mjs";

// Installing the tarball into a fresh project, and what else a suite's setup builds.
const SETUP_TIMEOUT_MS = 180_000;

const RUN_TIMEOUT_MS = 30_000;

// In an ES module: what import and require each resolve to, and that they give one set of
// classes (an error thrown through one is an instance of the other's class).
const ESM_PRELUDE = `import { createRequire } from "node:module";\nconst require = createRequire(import.meta.url);`;
const ESM_EXTRA = `
  const required = require("kunog");
  const requiredLight = require("kunog/webhooks");
  result.resolved = {
    import: import.meta.resolve("kunog"),
    importLight: import.meta.resolve("kunog/webhooks"),
    require: require.resolve("kunog"),
    requireLight: require.resolve("kunog/webhooks"),
  };
  result.sameAcrossRequireImport = required.Webhook === full.Webhook && required.KunogClient === full.KunogClient && requiredLight.Webhook === light.Webhook;
  try {
    new full.Webhook(SECRET).verify(BODY, { "kunog-signature": "0".repeat(64), "kunog-timestamp": String(Date.now()), "kunog-event-id": "evt_tarball_consumer_1" });
  } catch (error) {
    result.importedErrorIsRequiredClass = error instanceof required.WebhookVerificationError && error instanceof requiredLight.WebhookVerificationError;
  }
  result.defaultExport = typeof full.default;
`;
const CJS_EXTRA = `
  const imported = await import("kunog");
  const importedLight = await import("kunog/webhooks");
  result.resolved = { require: require.resolve("kunog"), requireLight: require.resolve("kunog/webhooks"), manifest: require("kunog/package.json").version };
  result.sameAcrossRequireImport = imported.Webhook === full.Webhook && imported.KunogClient === full.KunogClient && importedLight.Webhook === light.Webhook;
  try {
    new full.Webhook("");
  } catch (error) {
    result.requiredErrorIsImportedClass = error instanceof imported.WebhookVerificationError && error.code === "invalid_secret";
  }
`;

describe("the tarball from Node (CommonJS and ES modules)", () => {
  let project;
  let stub;
  let version;

  before(async () => {
    stub = await startStubApi();
    project = freshProject("node", {
      files: {
        "check.cjs": consumerSource({ format: "cjs", apiBase: stub.url, extra: CJS_EXTRA }),
        "check.mjs": consumerSource({ format: "esm", apiBase: stub.url, prelude: ESM_PRELUDE, extra: ESM_EXTRA }),
      },
    });
    version = JSON.parse(readFileSync(project.path("node_modules/kunog/package.json"), "utf8")).version;
  }, { timeout: SETUP_TIMEOUT_MS });
  after(async () => {
    await stub?.close();
    project?.cleanup();
  });

  async function runNode(file) {
    const { code, output } = await runCommand(process.execPath, [file], { cwd: project.dir, timeoutMs: RUN_TIMEOUT_MS });
    assert.equal(code, 0, `node ${file} failed:\n${output}`);
    return parseResult(output);
  }

  it("require('kunog') and require('kunog/webhooks'): sign, verify, tampered, client, version", { timeout: RUN_TIMEOUT_MS }, async () => {
    const result = await runNode("check.cjs");
    assertResult(result, { version, stub, where: "node, require" });
    assert.match(result.resolved.require, /\/node_modules\/kunog\/index\.cjs$/);
    assert.match(result.resolved.requireLight, /\/node_modules\/kunog\/webhooks\.cjs$/);
    assert.equal(result.resolved.manifest, version);
    assert.equal(result.sameAcrossRequireImport, true, "import() from CommonJS gives other classes than require()");
    assert.equal(result.requiredErrorIsImportedClass, true);
  });

  it("import from 'kunog' and 'kunog/webhooks': sign, verify, tampered, client, version", { timeout: RUN_TIMEOUT_MS }, async () => {
    const result = await runNode("check.mjs");
    assertResult(result, { version, stub, where: "node, import" });
    assert.match(result.resolved.import, /\/node_modules\/kunog\/index\.mjs$/);
    assert.match(result.resolved.importLight, /\/node_modules\/kunog\/webhooks\.mjs$/);
    assert.match(result.resolved.require, /\/node_modules\/kunog\/index\.cjs$/);
    assert.equal(result.sameAcrossRequireImport, true, "import and require give different classes");
    assert.equal(result.importedErrorIsRequiredClass, true, "an error from the imported entry is not an instance of the required class");
    assert.equal(result.defaultExport, "object");
  });

  it("sent the client's requests as the API expects", () => {
    const created = stub.requests.filter((request) => request.path === "/v1/payment_intents");
    assert.equal(created.length, 2, "one intent per consumer; the refused amount never left the process");
    for (const request of created) {
      assert.equal(request.method, "POST");
      assert.equal(request.headers["user-agent"], `kunog-js/${version}`);
      assert.match(request.headers["content-type"] ?? "", /^application\/json/);
      assert.deepEqual(JSON.parse(request.body), { amount: 4900, currency: "USD", metadata: { order_id: "KNG-TARBALL" } });
    }
  });

  it("kunog/webhooks does not export the client, nor load its wasm", { timeout: RUN_TIMEOUT_MS }, async () => {
    const script = `
      const light = require("kunog/webhooks");
      const loaded = Object.keys(require.cache).map((path) => path.slice(path.lastIndexOf("node_modules/kunog/") + 19));
      console.log(JSON.stringify({ client: "KunogClient" in light, error: "KunogError" in light, loaded: loaded.sort() }));
    `;
    const { code, output } = await runCommand(process.execPath, ["-e", script], { cwd: project.dir, timeoutMs: RUN_TIMEOUT_MS });
    assert.equal(code, 0, output);
    const { client, error, loaded } = JSON.parse(output);
    assert.equal(client, false);
    assert.equal(error, false);
    assert.deepEqual(loaded, ["wasm-inline/kunog_webhooks.cjs", "wasm/kunog_webhooks.js", "webhook.cjs", "webhooks.cjs"]);
  });
});
