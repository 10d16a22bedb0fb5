// The npm package inside a plain-JS Cloudflare Worker, under wrangler dev (real workerd),
// installed from the packed tarball into a fresh project as users get it:
// Workers forbid compiling wasm from bytes, so the "workerd" export condition must give an
// entry that imports the .wasm as a module. Both "kunog" and "kunog/webhooks" are checked,
// and the API client's fetch, AbortController and getRandomValues run there too.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { after, before, describe, it } from "node:test";

import { startWrangler } from "../scripts/wrangler.mjs";
import { freePort } from "./sandbox/harness.mjs";
import { freshProject } from "./tarball/project.mjs";

const SECRET = "whsec_workerd_test_secret";
// Installing the tarball into a fresh project and starting wrangler dev (90 s at most).
const SETUP_TIMEOUT_MS = 180_000;

const WORKER = `
import { Webhook, KunogClient, KunogError, VERSION } from "kunog";
import { Webhook as LightWebhook, WebhookVerificationError } from "kunog/webhooks";
import * as lightEntry from "kunog/webhooks";

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
    if (url.pathname === "/about") {
      const signed = (Verifier) => new Verifier(env.SECRET).sign('{"id":"evt_about"}', { timestamp: 1764806400000 })["Kunog-Signature"];
      return Response.json({ version: VERSION, lightVersion: lightEntry.VERSION, light: Object.keys(lightEntry).sort(), signatures: [signed(Webhook), signed(LightWebhook)] });
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
  let Webhook;
  const seen = [];

  before(async () => {
    // A stand-in Kunog API for the client route.
    api = createServer((req, res) => {
      seen.push({ key: req.headers["idempotency-key"], agent: req.headers["user-agent"] });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: "pi_fromWorkerd00000000000000", object: "payment_intent", status: "created", amount: 4900, currency: "USD" }));
    });
    await new Promise((resolve) => api.listen(0, "127.0.0.1", resolve));
    project = freshProject("workerd", {
      files: {
        "index.js": WORKER,
        "wrangler.toml": 'name = "kunog-package-check"\nmain = "index.js"\ncompatibility_date = "2025-09-01"\n',
      },
    });
    // The test signs with the same installed package, from Node.
    ({ Webhook } = createRequire(project.path("package.json"))("kunog"));
    worker = await startWrangler({
      cwd: project.dir,
      port: await freePort(),
      quiet: true,
      persistTo: project.path(".state"),
      vars: { SECRET, API_BASE: `http://127.0.0.1:${api.address().port}` },
    });
  }, { timeout: SETUP_TIMEOUT_MS });
  after(async () => {
    await worker?.stop();
    api?.close();
    project?.cleanup();
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

  it("bundles the workerd entries (wasm imported as a module), signs as node:crypto does, and reports the package's version", async () => {
    // wrangler's bundle of the Worker, with esbuild's comment naming each file it took in.
    const devDir = readdirSync(project.path(".wrangler/tmp")).find((name) => name.startsWith("dev-"));
    const bundle = readFileSync(project.path(`.wrangler/tmp/${devDir}/index.js`), "utf8");
    const taken = [...new Set([...bundle.matchAll(/^\/\/ node_modules\/kunog\/(\S+)$/gm)].map((match) => match[1]))].sort();
    assert.ok(taken.includes("workerd.mjs") && taken.includes("workerd-webhooks.mjs"), `wrangler took in ${taken}`);
    assert.deepEqual(taken.filter((file) => /^(bundler|index\.|webhooks\.|wasm-inline\/|wasm\/)/.test(file)), [], "other entries in the Worker's bundle");
    const answer = await fetch(`${worker.url}/about`);
    assert.equal(answer.status, 200, await answer.clone().text());
    const about = await answer.json();
    const { version } = JSON.parse(readFileSync(project.path("node_modules/kunog/package.json"), "utf8"));
    assert.equal(about.version, version);
    assert.equal(about.lightVersion, version);
    assert.deepEqual(about.light, ["VERSION", "Webhook", "WebhookVerificationError", "verifyKunogWebhook", "verifyRequest"]);
    const expected = crypto.createHmac("sha256", SECRET).update('1764806400000.{"id":"evt_about"}').digest("hex");
    assert.deepEqual(about.signatures, [expected, expected]);
  });

  it("runs KunogClient with workerd's fetch and crypto", async () => {
    const answer = await fetch(`${worker.url}/client`);
    assert.equal(answer.status, 200, await answer.clone().text());
    assert.deepEqual(await answer.json(), { id: "pi_fromWorkerd00000000000000" });
    assert.equal(seen.length, 1);
    assert.match(seen[0].key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(seen[0].agent, /^kunog-js\//);
  });
});
