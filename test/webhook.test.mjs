// The built npm package (pkg/), from Node: the JS face of the contract, cross-checked both
// ways against an independent node:crypto implementation of the seed's scheme.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { describe, it, afterEach } from "node:test";

import { Webhook, WebhookVerificationError, verifyKunogWebhook, VERSION } from "../pkg/index.mjs";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OLD_SECRET = "whsec_Z2FtZXMgYXJlIG5vdCBzZWNyZXRzIGF0IGFsbA";
const NOW = 1_764_806_400_000;
const EVENT_ID = "evt_1Nq8sK2eZvKYlo2C9xQwT4bH";
const BODY = JSON.stringify({
  id: EVENT_ID,
  object: "event",
  type: "payment_intent.confirmed",
  created: NOW - 1000,
  livemode: false,
  data: {
    object: {
      id: "pi_3MtwBwLkdIwHu7ix28a3tqPa",
      object: "payment_intent",
      status: "confirmed",
      amount: 4900,
      currency: "USD",
      settlement: "USDC",
      metadata: { order_id: "KNG-2048", note: "café ☕ 𝄞" },
      description: null,
      amount_refunded: 0,
      livemode: false,
      created: NOW - 60_000,
      expires_at: NOW + 1_740_000,
    },
  },
});

// An independent implementation of the seed's scheme, with node:crypto.
function nodeSign(secret, timestamp, rawBody) {
  return crypto.createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest("hex");
}
function seedVerify({ rawBody, signature, timestamp, secret }) {
  const expected = nodeSign(secret, timestamp, rawBody);
  const a = Buffer.from(signature);
  const b = Buffer.from(expected);
  if (!(a.length === b.length && crypto.timingSafeEqual(a, b))) throw new Error("Invalid signature");
  return true;
}

function nodeHeaders(body = BODY, timestamp = NOW, secret = SECRET, eventId = EVENT_ID) {
  return {
    "kunog-signature": nodeSign(secret, String(timestamp), body),
    "kunog-timestamp": String(timestamp),
    "kunog-event-id": eventId,
  };
}

// The glue reads the clock with Date.now(); tests pin it.
const realNow = Date.now;
function pinClock(ms = NOW) {
  Date.now = () => ms;
}
afterEach(() => {
  Date.now = realNow;
});

function refused(fn, code) {
  let caught;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught, `expected ${code}, but nothing was thrown`);
  assert.ok(caught instanceof WebhookVerificationError, `not a WebhookVerificationError: ${caught}`);
  assert.ok(caught instanceof Error);
  assert.equal(caught.name, "WebhookVerificationError");
  assert.equal(caught.code, code, caught.message);
  assert.ok(!caught.message.includes(SECRET) && !caught.message.includes(OLD_SECRET), "secret in message");
  assert.ok(caught.message.length > 20, "message says what to do");
  return caught;
}

describe("cross-check with node:crypto", () => {
  it("verifies what node:crypto signs, for string, Buffer, Uint8Array and ArrayBuffer bodies", () => {
    pinClock();
    const webhook = new Webhook(SECRET);
    const headers = nodeHeaders();
    const bytes = Buffer.from(BODY);
    const bodies = [BODY, bytes, new Uint8Array(bytes), bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)];
    for (const body of bodies) {
      const event = webhook.verify(body, headers);
      assert.deepEqual(event, JSON.parse(BODY));
    }
  });

  it("produces signatures node:crypto (the seed's verify) accepts", () => {
    const webhook = new Webhook(SECRET);
    for (const body of [BODY, JSON.stringify({ id: "evt_x", pad: "x".repeat(20_000) })]) {
      const headers = webhook.sign(body, { timestamp: NOW });
      assert.equal(headers["Kunog-Timestamp"], String(NOW));
      assert.equal(headers["Kunog-Event-Id"], JSON.parse(body).id);
      assert.match(headers["Kunog-Signature"], /^[0-9a-f]{64}$/);
      assert.equal(seedVerify({ rawBody: body, signature: headers["Kunog-Signature"], timestamp: String(NOW), secret: SECRET }), true);
      assert.equal(headers["Kunog-Signature"], nodeSign(SECRET, String(NOW), body));
    }
  });

  it("agrees with node:crypto on many random bodies and secrets", () => {
    pinClock();
    for (let i = 0; i < 200; i++) {
      const secret = `whsec_${crypto.randomBytes(1 + (i % 40)).toString("base64url")}`;
      const body = JSON.stringify({ id: `evt_${i}`, blob: crypto.randomBytes(i * 7).toString("base64"), text: "ü".repeat(i % 5) });
      const webhook = new Webhook(secret);
      assert.equal(webhook.verify(body, nodeHeaders(body, NOW, secret, `evt_${i}`)).id, `evt_${i}`);
      const ours = webhook.sign(Buffer.from(body), { timestamp: NOW });
      assert.equal(ours["Kunog-Signature"], nodeSign(secret, String(NOW), body));
    }
  });

  it("sign defaults the timestamp to now", () => {
    pinClock(NOW + 5);
    const headers = new Webhook(SECRET).sign(BODY);
    assert.equal(headers["Kunog-Timestamp"], String(NOW + 5));
  });
});

describe("headers", () => {
  it("accepts a fetch Headers, a Map, and objects in any case, with array values", () => {
    pinClock();
    const webhook = new Webhook(SECRET);
    const h = nodeHeaders();
    const canonical = {
      "Kunog-Signature": h["kunog-signature"],
      "Kunog-Timestamp": h["kunog-timestamp"],
      "Kunog-Event-Id": h["kunog-event-id"],
    };
    const shouting = {
      "KUNOG-SIGNATURE": [h["kunog-signature"]],
      "kunog-TIMESTAMP": h["kunog-timestamp"],
      "Kunog-event-ID": h["kunog-event-id"],
    };
    for (const bag of [h, canonical, shouting, new Headers(canonical), new Map(Object.entries(shouting))]) {
      assert.equal(webhook.verify(BODY, bag).id, EVENT_ID);
    }
  });

  it("treats a duplicated signature header as a rotation list, a duplicated timestamp or id as bad", () => {
    pinClock();
    const webhook = new Webhook(SECRET);
    const h = nodeHeaders();
    const decoy = "0".repeat(64);
    assert.equal(webhook.verify(BODY, { ...h, "kunog-signature": [decoy, h["kunog-signature"]] }).id, EVENT_ID);
    refused(() => webhook.verify(BODY, { ...h, "kunog-timestamp": [h["kunog-timestamp"], h["kunog-timestamp"]] }), "malformed_timestamp");
    refused(() => webhook.verify(BODY, { ...h, "kunog-event-id": [EVENT_ID, EVENT_ID] }), "event_id_mismatch");
    const fetchHeaders = new Headers(h);
    fetchHeaders.append("kunog-timestamp", String(NOW));
    refused(() => webhook.verify(BODY, fetchHeaders), "malformed_timestamp");
  });

  for (const missing of ["kunog-signature", "kunog-timestamp", "kunog-event-id"]) {
    it(`names the missing ${missing}`, () => {
      pinClock();
      const h = nodeHeaders();
      delete h[missing];
      const error = refused(() => new Webhook(SECRET).verify(BODY, h), "missing_header");
      assert.match(error.message.toLowerCase(), new RegExp(missing));
    });
  }

  it("refuses when no headers are given at all", () => {
    refused(() => new Webhook(SECRET).verify(BODY, undefined), "missing_header");
    refused(() => new Webhook(SECRET).verify(BODY, {}), "missing_header");
  });
});

describe("hostile deliveries", () => {
  const webhook = () => new Webhook(SECRET);

  it("refuses signatures of 63, 65 and 0 hex characters, non-hex, and 128 bits", () => {
    pinClock();
    const h = nodeHeaders();
    const good = h["kunog-signature"];
    for (const signature of [good.slice(0, 63), `${good}0`, "", `${good.slice(0, 63)}g`, `${good.slice(0, 62)}é`, good.slice(0, 32)]) {
      refused(() => webhook().verify(BODY, { ...h, "kunog-signature": signature }), "malformed_signature");
    }
    assert.equal(webhook().verify(BODY, { ...h, "kunog-signature": good.toUpperCase() }).id, EVENT_ID);
  });

  it("refuses a timestamp in seconds, with a hint", () => {
    pinClock();
    const error = refused(() => webhook().verify(BODY, nodeHeaders(BODY, NOW / 1000)), "timestamp_too_old");
    assert.match(error.message, /seconds/);
  });

  it("accepts exactly the tolerance and refuses 1 ms beyond it, on either side", () => {
    pinClock();
    assert.equal(webhook().verify(BODY, nodeHeaders(BODY, NOW - 300_000)).id, EVENT_ID);
    assert.equal(webhook().verify(BODY, nodeHeaders(BODY, NOW + 300_000)).id, EVENT_ID);
    refused(() => webhook().verify(BODY, nodeHeaders(BODY, NOW - 300_001)), "timestamp_too_old");
    refused(() => webhook().verify(BODY, nodeHeaders(BODY, NOW + 300_001)), "timestamp_in_future");
    const strict = new Webhook(SECRET, { toleranceMs: 1000 });
    refused(() => strict.verify(BODY, nodeHeaders(BODY, NOW - 1001)), "timestamp_too_old");
  });

  it("refuses malformed timestamps even when they are signed", () => {
    pinClock();
    const ms = String(NOW);
    for (const timestamp of [`${ms}.5`, `+${ms}`, `-${ms}`, ` ${ms}`, `${ms.slice(0, 5)} ${ms.slice(5)}`, "1.7648064e12", `0000${ms}`, `${ms}, ${ms}`, "", "NaN"]) {
      const h = { "kunog-signature": nodeSign(SECRET, timestamp, BODY), "kunog-timestamp": timestamp, "kunog-event-id": EVENT_ID };
      refused(() => webhook().verify(BODY, h), "malformed_timestamp");
    }
  });

  it("refuses a body re-serialised as JSON, and a parsed object with raw_body_required", () => {
    pinClock();
    const h = nodeHeaders();
    const reserialised = JSON.stringify(JSON.parse(BODY), null, 2);
    refused(() => webhook().verify(reserialised, h), "signature_mismatch");
    for (const notRaw of [JSON.parse(BODY), null, undefined, 42, [1, 2]]) {
      const error = refused(() => webhook().verify(notRaw, h), "raw_body_required");
      assert.match(error.message, /express\.raw/);
    }
  });

  it("refuses one flipped bit anywhere in the body or the signature", () => {
    pinClock();
    const h = nodeHeaders();
    const bytes = Buffer.from(BODY);
    const wh = webhook();
    for (let bit = 0; bit < bytes.length * 8; bit += 7) {
      const tampered = Buffer.from(bytes);
      tampered[bit >> 3] ^= 1 << (bit & 7);
      refused(() => wh.verify(tampered, h), "signature_mismatch");
    }
    const tag = Buffer.from(h["kunog-signature"], "hex");
    for (let bit = 0; bit < 256; bit++) {
      const tampered = Buffer.from(tag);
      tampered[bit >> 3] ^= 1 << (bit & 7);
      refused(() => wh.verify(bytes, { ...h, "kunog-signature": tampered.toString("hex") }), "signature_mismatch");
    }
  });

  it("refuses a non-UTF-8 body with a valid signature as invalid_payload", () => {
    pinClock();
    const body = Buffer.concat([Buffer.from('{"id":"evt_1","x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const h = { "kunog-signature": nodeSign(SECRET, String(NOW), body), "kunog-timestamp": String(NOW), "kunog-event-id": "evt_1" };
    refused(() => webhook().verify(body, h), "invalid_payload");
  });

  it("refuses signed bodies that are not events", () => {
    pinClock();
    for (const body of ["[]", "null", '"evt_1"', "{}", '{"id":7}', "not json", '{"id":"evt_1"'] ) {
      refused(() => webhook().verify(body, nodeHeaders(body, NOW, SECRET, "evt_1")), "invalid_payload");
    }
  });

  it("refuses a body over the cap before touching it, for strings and bytes", () => {
    pinClock();
    const small = new Webhook(SECRET, { maxBodyBytes: 100 });
    refused(() => small.verify(BODY, nodeHeaders()), "body_too_large");
    refused(() => small.verify(Buffer.from(BODY), nodeHeaders()), "body_too_large");
    // Under the cap in UTF-16 units, over it in UTF-8 bytes.
    const wide = JSON.stringify({ id: "evt_w", t: "€".repeat(40) });
    assert.ok(wide.length <= 100 && Buffer.byteLength(wide) > 100);
    refused(() => small.verify(wide, nodeHeaders(wide, NOW, SECRET, "evt_w")), "body_too_large");
    const huge = "x".repeat(1_048_577);
    refused(() => webhook().verify(huge, nodeHeaders(huge)), "body_too_large");
    assert.equal(new Webhook(SECRET, { maxBodyBytes: Buffer.byteLength(BODY) }).verify(BODY, nodeHeaders()).id, EVENT_ID);
  });

  it("refuses unusable secrets when the verifier is built", () => {
    for (const secret of ["", " whsec_x", "whsec_x\n", undefined, null, [], [SECRET, ""], [SECRET, 5], 42]) {
      refused(() => new Webhook(secret), "invalid_secret");
    }
  });

  it("rotates: [new, old] accepts both; once old is removed, its signatures fail", () => {
    pinClock();
    const both = new Webhook([SECRET, OLD_SECRET]);
    assert.equal(both.verify(BODY, nodeHeaders(BODY, NOW, OLD_SECRET)).id, EVENT_ID);
    assert.equal(both.verify(BODY, nodeHeaders(BODY, NOW, SECRET)).id, EVENT_ID);
    assert.equal(both.verifySignature(BODY, nodeSign(OLD_SECRET, String(NOW), BODY), String(NOW)), 1);
    const mid = `${nodeSign(OLD_SECRET, String(NOW), BODY)},${nodeSign(SECRET, String(NOW), BODY)}`;
    assert.equal(new Webhook(SECRET).verify(BODY, { ...nodeHeaders(), "kunog-signature": mid }).id, EVENT_ID);
    refused(() => new Webhook(SECRET).verify(BODY, nodeHeaders(BODY, NOW, OLD_SECRET)), "signature_mismatch");
    assert.equal(both.sign(BODY, { timestamp: NOW })["Kunog-Signature"], nodeSign(SECRET, String(NOW), BODY));
  });

  it("refuses a Kunog-Event-Id header that differs from the signed id", () => {
    pinClock();
    refused(() => webhook().verify(BODY, nodeHeaders(BODY, NOW, SECRET, "evt_forged")), "event_id_mismatch");
  });

  it("refuses a delivery signed with another secret", () => {
    pinClock();
    refused(() => webhook().verify(BODY, nodeHeaders(BODY, NOW, "whsec_other")), "signature_mismatch");
  });

  it("keeps events of unknown types", () => {
    pinClock();
    const body = JSON.stringify({ id: "evt_new", object: "event", type: "payout.paid", data: { object: { object: "payout" } } });
    assert.equal(webhook().verify(body, nodeHeaders(body, NOW, SECRET, "evt_new")).type, "payout.paid");
  });

  it("stays correct across many verifications of varying size (scratch reuse and memory growth)", () => {
    pinClock();
    const wh = webhook();
    const other = webhook();
    for (const size of [10, 100_000, 50, 900_000, 3, 200_000]) {
      const body = JSON.stringify({ id: `evt_${size}`, pad: "é".repeat(size / 2) });
      assert.equal(wh.verify(body, nodeHeaders(body, NOW, SECRET, `evt_${size}`)).id, `evt_${size}`);
      // Another verifier's allocations grow the shared memory under the first one's views.
      assert.equal(other.verify(Buffer.from(body), nodeHeaders(body, NOW, SECRET, `evt_${size}`)).id, `evt_${size}`);
      refused(() => wh.verify(body, nodeHeaders(body, NOW, SECRET, "evt_other")), "event_id_mismatch");
    }
  });

  it("rejects bad options with a TypeError", () => {
    assert.throws(() => new Webhook(SECRET, { toleranceMs: -1 }), TypeError);
    assert.throws(() => new Webhook(SECRET, { maxBodyBytes: "1mb" }), TypeError);
  });
});

describe("verifyKunogWebhook (the seed's function)", () => {
  it("returns true for what node:crypto signs, as the seed's does", () => {
    const timestamp = String(Date.now());
    const signature = nodeSign(SECRET, timestamp, BODY);
    const args = { rawBody: BODY, signature, timestamp, secret: SECRET };
    assert.equal(seedVerify(args), true);
    assert.equal(verifyKunogWebhook(args), true);
    assert.equal(verifyKunogWebhook({ ...args, rawBody: Buffer.from(BODY) }), true);
  });

  it("throws WebhookVerificationError where the seed's throws, and on stale timestamps", () => {
    const timestamp = String(Date.now());
    const signature = nodeSign(SECRET, timestamp, BODY);
    refused(() => verifyKunogWebhook({ rawBody: `${BODY} `, signature, timestamp, secret: SECRET }), "signature_mismatch");
    refused(() => verifyKunogWebhook({ rawBody: BODY, signature, timestamp, secret: "whsec_wrong" }), "signature_mismatch");
    refused(() => verifyKunogWebhook({ rawBody: BODY, signature: undefined, timestamp, secret: SECRET }), "missing_header");
    refused(() => verifyKunogWebhook({ rawBody: BODY, signature, timestamp: undefined, secret: SECRET }), "missing_header");
    refused(() => verifyKunogWebhook({ rawBody: JSON.parse(BODY), signature, timestamp, secret: SECRET }), "raw_body_required");
    refused(() => verifyKunogWebhook({ rawBody: BODY, signature, timestamp, secret: undefined }), "invalid_secret");
    const old = String(Date.now() - 3_600_000);
    refused(() => verifyKunogWebhook({ rawBody: BODY, signature: nodeSign(SECRET, old, BODY), timestamp: old, secret: SECRET }), "timestamp_too_old");
    assert.equal(verifyKunogWebhook({ rawBody: BODY, signature: nodeSign(SECRET, old, BODY), timestamp: old, secret: SECRET, toleranceMs: 7_200_000 }), true);
  });
});

describe("the package", () => {
  it("exposes a version", () => {
    assert.match(VERSION, /^\d+\.\d+\.\d+/);
  });
});
