// The package from CommonJS, and the same classes whichever way it is loaded.
const assert = require("node:assert/strict");
const { it } = require("node:test");

it("require('kunog') gives the API, and the same classes as import", async () => {
  const cjs = require("../pkg");
  assert.equal(typeof cjs.Webhook, "function");
  assert.equal(typeof cjs.verifyKunogWebhook, "function");
  const esm = await import("../pkg/index.mjs");
  assert.equal(esm.Webhook, cjs.Webhook);
  assert.equal(esm.WebhookVerificationError, cjs.WebhookVerificationError);
  try {
    new esm.Webhook("");
    assert.fail("accepted an empty secret");
  } catch (error) {
    assert.ok(error instanceof cjs.WebhookVerificationError);
    assert.equal(error.code, "invalid_secret");
  }
});

it("the package.json exports map resolves both ways", () => {
  const manifest = require("../pkg/package.json");
  assert.equal(manifest.name, "kunog");
  assert.equal(manifest.exports["."].require, "./index.cjs");
  assert.equal(manifest.exports["."].import, "./index.mjs");
  assert.equal(manifest.exports["./webhooks"].require, "./webhooks.cjs");
  assert.equal(manifest.exports["./webhooks"].import, "./webhooks.mjs");
  for (const entry of Object.values(manifest.exports)) {
    for (const file of typeof entry === "string" ? [entry] : Object.values(entry)) {
      require("node:fs").accessSync(require("node:path").join(__dirname, "..", "pkg", file));
    }
  }
  for (const file of ["webhook.cjs", "wasm/kunog_core.js", "wasm-web/kunog_core_bg.wasm", "wasm/kunog_webhooks.js", "wasm-web/kunog_webhooks_bg.wasm"]) {
    require("node:fs").accessSync(require("node:path").join(__dirname, "..", "pkg", file));
  }
});

it("a project that depends on kunog can require and import it by name", () => {
  const fs = require("node:fs");
  const os = require("node:os");
  const path = require("node:path");
  const { execFileSync } = require("node:child_process");
  const project = fs.mkdtempSync(path.join(os.tmpdir(), "kunog-consumer-"));
  try {
    fs.mkdirSync(path.join(project, "node_modules"));
    fs.symlinkSync(path.join(__dirname, "..", "pkg"), path.join(project, "node_modules", "kunog"), "dir");
    const script = (load) =>
      `${load}; const w = new Webhook("whsec_x"); const b = JSON.stringify({ id: "evt_1" }); ` +
      `console.log(w.verify(b, w.sign(b)).id)`;
    const cjs = execFileSync(process.execPath, ["-e", script('const { Webhook } = require("kunog")')], { cwd: project });
    assert.equal(String(cjs).trim(), "evt_1");
    const esm = execFileSync(process.execPath, ["--input-type=module", "-e", script('import { Webhook } from "kunog"')], { cwd: project });
    assert.equal(String(esm).trim(), "evt_1");
    for (const load of ['const { Webhook } = require("kunog/webhooks")', 'import { Webhook } from "kunog/webhooks"']) {
      const args = load.startsWith("import") ? ["--input-type=module", "-e", script(load)] : ["-e", script(load)];
      assert.equal(String(execFileSync(process.execPath, args, { cwd: project })).trim(), "evt_1");
    }
  } finally {
    fs.rmSync(project, { recursive: true, force: true });
  }
});

it("kunog/webhooks verifies what kunog signs, with the same error class", () => {
  const full = require("../pkg");
  const light = require("../pkg/webhooks.cjs");
  assert.notEqual(light.Webhook, full.Webhook, "a separate, smaller wasm");
  assert.equal(light.WebhookVerificationError, full.WebhookVerificationError);
  const body = JSON.stringify({ id: "evt_light", object: "event", type: "payment_intent.created" });
  const headers = new full.Webhook("whsec_x").sign(body);
  assert.equal(new light.Webhook("whsec_x").verify(body, headers).id, "evt_light");
  assert.throws(() => new light.Webhook("whsec_y").verify(body, headers), (e) => e instanceof full.WebhookVerificationError && e.code === "signature_mismatch");
});
