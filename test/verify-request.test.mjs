// verifyRequest: the raw body read from what each platform hands a handler.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { describe, it } from "node:test";

import { Webhook, WebhookVerificationError, verifyRequest } from "../pkg/index.mjs";

const SECRET = "whsec_verify_request_test";
const body = JSON.stringify({ id: "evt_req_1", object: "event", type: "payment_intent.confirmed", data: { object: { object: "payment_intent", amount: 4900 } } });
const signer = new Webhook(SECRET);

async function refused(promise, code) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof WebhookVerificationError, String(error));
    assert.equal(error.code, code, error.message);
    return true;
  });
}

describe("verifyRequest", () => {
  it("reads a fetch Request (Workers, Deno, Bun, Next.js App Router)", async () => {
    const request = new Request("https://shop.example/webhooks/kunog", { method: "POST", headers: signer.sign(body), body });
    const event = await verifyRequest(request, SECRET);
    assert.equal(event.id, "evt_req_1");
    const again = new Request("https://shop.example/", { method: "POST", headers: signer.sign(body), body: new TextEncoder().encode(body) });
    assert.equal((await new Webhook(SECRET).verifyRequest(again)).id, "evt_req_1");
  });

  it("refuses a fetch Request whose body was already read, or tampered, or too large", async () => {
    const used = new Request("https://shop.example/", { method: "POST", headers: signer.sign(body), body });
    await used.text();
    await refused(verifyRequest(used, SECRET), "raw_body_required");
    const tampered = new Request("https://shop.example/", { method: "POST", headers: signer.sign(body), body: body.replace("4900", "1") });
    await refused(verifyRequest(tampered, SECRET), "signature_mismatch");
    const big = JSON.stringify({ id: "evt_big", pad: "x".repeat(5000) });
    const large = new Request("https://shop.example/", { method: "POST", headers: signer.sign(big), body: big });
    await refused(verifyRequest(large, SECRET, { maxBodyBytes: 1000 }), "body_too_large");
    // A streamed body with no content-length is cut off at the cap, too.
    const stream = new ReadableStream({
      pull(controller) {
        controller.enqueue(new Uint8Array(4096));
      },
    });
    const endless = new Request("https://shop.example/", { method: "POST", headers: signer.sign(body), body: stream, duplex: "half" });
    await refused(verifyRequest(endless, SECRET, { maxBodyBytes: 100_000 }), "body_too_large");
  });

  it("reads a Node IncomingMessage, unread or with a raw body from middleware", async () => {
    const seen = [];
    const server = createServer(async (req, res) => {
      try {
        if (req.url === "/express-raw") {
          // What express.raw() leaves: the body as a Buffer.
          const chunks = [];
          for await (const chunk of req) chunks.push(chunk);
          req.body = Buffer.concat(chunks);
        } else if (req.url === "/express-json") {
          // What express.json() leaves: parsed data, which cannot be verified.
          const chunks = [];
          for await (const chunk of req) chunks.push(chunk);
          req.body = JSON.parse(Buffer.concat(chunks));
        }
        const event = await verifyRequest(req, SECRET, { maxBodyBytes: 10_000 });
        seen.push(event.id);
        res.writeHead(200).end();
      } catch (error) {
        res.writeHead(error.code === "body_too_large" ? 413 : 400).end(error.code);
      }
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${server.address().port}`;
    try {
      const post = (path, payload = body, headers = signer.sign(body)) => fetch(`${base}${path}`, { method: "POST", headers, body: payload });
      assert.equal((await post("/plain")).status, 200);
      assert.equal((await post("/express-raw")).status, 200);
      const json = await post("/express-json");
      assert.equal(json.status, 400);
      assert.equal(await json.text(), "raw_body_required");
      const tampered = await post("/plain", body.replace("evt_req_1", "evt_req_2"));
      assert.equal(await tampered.text(), "signature_mismatch");
      const big = JSON.stringify({ id: "evt_big", pad: "y".repeat(20_000) });
      const tooBig = await post("/plain", big, signer.sign(big));
      assert.equal(tooBig.status, 413);
      assert.deepEqual(seen, ["evt_req_1", "evt_req_1"]);
    } finally {
      server.close();
    }
  });

  it("reads AWS Lambda / API Gateway events, base64 or not", async () => {
    const headers = signer.sign(body);
    const v1 = { httpMethod: "POST", headers, multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])), body, isBase64Encoded: false, requestContext: {} };
    assert.equal((await verifyRequest(v1, SECRET)).id, "evt_req_1");
    const lowered = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const v2 = { version: "2.0", headers: lowered, body: Buffer.from(body).toString("base64"), isBase64Encoded: true, requestContext: { http: { method: "POST" } } };
    assert.equal((await verifyRequest(v2, SECRET)).id, "evt_req_1");
    await refused(verifyRequest({ ...v2, body: Buffer.from(`${body} `).toString("base64") }, SECRET), "signature_mismatch");
    await refused(verifyRequest({ ...v2, headers: {} }, SECRET), "missing_header");
  });

  it("takes { rawBody, headers }, and refuses anything without a raw body", async () => {
    assert.equal((await verifyRequest({ rawBody: body, headers: signer.sign(body) }, SECRET)).id, "evt_req_1");
    await refused(verifyRequest({ rawBody: JSON.parse(body), headers: signer.sign(body) }, SECRET), "raw_body_required");
    await refused(verifyRequest(null, SECRET), "raw_body_required");
    await refused(verifyRequest("not a request", SECRET), "raw_body_required");
    await refused(verifyRequest({ rawBody: body, headers: signer.sign(body) }, ""), "invalid_secret");
  });
});
