// The package README's first example (what users copy from the npm page), run as written from
// the tarball in a fresh project: its POST handler gets a signed Request (200, and the
// handler reached its payment_intent.confirmed branch), a tampered one (400
// signature_mismatch) and an unsigned one (400 missing_header).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { freshProject, root, runCommand } from "./project.mjs";

const SECRET = "whsec_readme_example_secret";
const { Webhook } = createRequire(import.meta.url)("../../pkg");

// The first ```js block of the README shipped in the package.
function firstExample() {
  const readme = readFileSync(join(root, "pkg", "README.md"), "utf8");
  const block = readme.match(/```js\n([\s\S]*?)```/);
  assert.ok(block, "the package README has a ```js example");
  return block[1];
}

describe("the package README's webhook example", { timeout: 240_000 }, () => {
  let project;

  before(() => {
    // The fulfil branch is a comment in the README; the test makes it observable.
    const example = firstExample().replace("// event.data.object is a PaymentIntent;", "console.log(`fulfil ${event.data.object.id}`); //");
    assert.notEqual(example, firstExample(), "the README's payment_intent.confirmed branch changed; update this test");
    const body = (id, amount) =>
      JSON.stringify({ id, object: "event", type: "payment_intent.confirmed", created: 1, livemode: false, data: { object: { id: "pi_readme", object: "payment_intent", status: "confirmed", amount, currency: "USD" } } });
    const signer = new Webhook(SECRET);
    const good = body("evt_readme_1", 4900);
    const headers = signer.sign(good);
    const deliveries = {
      signed: { body: good, headers },
      tampered: { body: good.replace("4900", "9900"), headers },
      unsigned: { body: body("evt_readme_2", 4900), headers: { "content-type": "application/json" } },
    };
    project = freshProject("readme", {
      packageJson: { type: "module" },
      files: {
        "route.js": example,
        "run.js": `
import { POST } from "./route.js";
const deliveries = ${JSON.stringify(deliveries)};
const results = {};
for (const [name, { body, headers }] of Object.entries(deliveries)) {
  const response = await POST(new Request("http://127.0.0.1/webhooks/kunog", { method: "POST", body, headers }));
  results[name] = { status: response.status, text: await response.text() };
}
console.log("RESULTS " + JSON.stringify(results));
`,
      },
    });
  }, { timeout: 200_000 });
  after(() => project?.cleanup());

  it("verifies, reaches the fulfil branch once, and refuses with the codes", async () => {
    const { code, output } = await runCommand(process.execPath, ["run.js"], {
      cwd: project.dir,
      env: { KUNOG_WEBHOOK_SECRET: SECRET },
      timeoutMs: 30_000,
    });
    assert.equal(code, 0, output);
    const results = JSON.parse(output.split("\n").find((line) => line.startsWith("RESULTS ")).slice(8));
    assert.deepEqual(results, {
      signed: { status: 200, text: "" },
      tampered: { status: 400, text: "signature_mismatch" },
      unsigned: { status: 400, text: "missing_header" },
    });
    assert.equal(output.match(/fulfil pi_readme/g)?.length, 1, output);
  });
});
