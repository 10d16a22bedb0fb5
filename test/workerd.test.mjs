// The npm package inside a plain-JS Cloudflare Worker, under wrangler dev (real workerd):
// Workers forbid compiling wasm from bytes, so the "workerd" export condition must give an
// entry that imports the .wasm as a module. Both "kunog" and "kunog/webhooks" are checked,
// and the API client's fetch, AbortController and getRandomValues run there too.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";

import { startWrangler } from "../scripts/wrangler.mjs";
import { freePort } from "./sandbox/harness.mjs";

const require = createRequire(import.meta.url);
const { Webhook } = require("../pkg");
const pkg = fileURLToPath(new URL("../pkg", import.meta.url));
const SECRET = "whsec_workerd_test_secret";

const WORKER = `
import { Webhook, KunogClient, KunogError } from "kunog";
import { Webhook as LightWebhook, WebhookVerificationError } from "kunog/webhooks";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/client") {
      try {
        const kunog = new KunogClient({ apiKey: "kng_test_workerd", baseUrl: env.API_BASE, maxRetries: 1 });
        const intent = await kunog.createPaymentIntent({ amount: 4900, currency: "USD" });
        return Response.json({ id: intent.id });
      } catch (error) {
        return Response.json({ error: error instanceof KunogError ? error.code : String(error), message: String(error?.message) }, { status: 502 });
      }
    }
    const Verifier = url.pathname === "/light" ? LightWebhook : Webhook;
    try {
      const event = await new Verifier(env.SECRET).verifyRequest(request);
      return Response.json({ id: event.id });
    } catch (error) {
      if (error instanceof WebhookVerificationError) return new Response(error.code, { status: 400 });
      return new Response(String(error?.stack ?? error), { status: 500 });
    }
  },
};
`;

describe("the package in a plain-JS Worker (workerd)", () => {
  let project;
  let worker;
  let api;
  const seen = [];

  before(async () => {
    // A stand-in Kunog API for the client route.
    api = createServer((req, res) => {
      seen.push({ key: req.headers["idempotency-key"], agent: req.headers["user-agent"] });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: "pi_fromWorkerd00000000000000", object: "payment_intent", status: "created", amount: 4900, currency: "USD" }));
    });
    await new Promise((resolve) => api.listen(0, "127.0.0.1", resolve));
    project = mkdtempSync(join(tmpdir(), "kunog-workerd-"));
    mkdirSync(join(project, "node_modules"));
    symlinkSync(pkg, join(project, "node_modules", "kunog"), "dir");
    writeFileSync(join(project, "index.js"), WORKER);
    writeFileSync(join(project, "wrangler.toml"), 'name = "kunog-package-check"\nmain = "index.js"\ncompatibility_date = "2025-09-01"\n');
    worker = await startWrangler({
      cwd: project,
      port: await freePort(),
      quiet: true,
      persistTo: join(project, ".state"),
      vars: { SECRET, API_BASE: `http://127.0.0.1:${api.address().port}` },
    });
  });
  after(async () => {
    await worker?.stop();
    api?.close();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  const body = JSON.stringify({ id: "evt_workerd_1", object: "event", type: "payment_intent.confirmed", data: { object: { object: "payment_intent" } } });

  for (const path of ["/", "/light"]) {
    it(`verifies a signed delivery and refuses a tampered one (${path === "/" ? "kunog" : "kunog/webhooks"})`, async () => {
      const headers = new Webhook(SECRET).sign(body);
      const ok = await fetch(`${worker.url}${path}`, { method: "POST", headers, body });
      assert.equal(ok.status, 200, await ok.clone().text());
      assert.deepEqual(await ok.json(), { id: "evt_workerd_1" });
      const bad = await fetch(`${worker.url}${path}`, { method: "POST", headers, body: body.replace("confirmed", "pending") });
      assert.equal(bad.status, 400);
      assert.equal(await bad.text(), "signature_mismatch");
    });
  }

  it("runs KunogClient with workerd's fetch and crypto", async () => {
    const answer = await fetch(`${worker.url}/client`);
    assert.equal(answer.status, 200, await answer.clone().text());
    assert.deepEqual(await answer.json(), { id: "pi_fromWorkerd00000000000000" });
    assert.equal(seen.length, 1);
    assert.match(seen[0].key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(seen[0].agent, /^kunog-js\//);
  });
});
