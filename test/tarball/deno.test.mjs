// The tarball installed with npm into a fresh project, run by Deno (the npm package `deno`,
// from this repository's devDependencies) on that project's node_modules, as a Deno user
// with a package.json does: no network beyond loopback (--cached-only, --allow-net=127.0.0.1),
// a temporary DENO_DIR. An ES module and a CommonJS script use "kunog" and "kunog/webhooks"
// and KunogClient against a stub API; `deno check` type-checks a TypeScript consumer against
// the package's declarations.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { assertResult, consumerSource, parseResult } from "./consumer.mjs";
import { freshProject, runCommand, runtimeBinary, startStubApi } from "./project.mjs";

// Installing the tarball into a fresh project, and what else a suite's setup builds.
const SETUP_TIMEOUT_MS = 180_000;

const RUN_TIMEOUT_MS = 60_000;

const ESM_EXTRA = `
  result.resolved = { full: import.meta.resolve("kunog"), light: import.meta.resolve("kunog/webhooks") };
  result.runtime = typeof Deno === "object" ? "deno " + Deno.version.deno : "not deno";
`;
const CJS_EXTRA = `
  result.resolved = { full: require.resolve("kunog"), light: require.resolve("kunog/webhooks") };
  const imported = await import("kunog");
  result.sameAcrossRequireImport = imported.Webhook === full.Webhook && imported.WebhookVerificationError === light.WebhookVerificationError;
  result.runtime = typeof Deno === "object" ? "deno " + Deno.version.deno : "not deno";
`;

// A typed consumer: narrowing on event.type, and a mistake that must not compile.
const TYPED = `
import { Webhook, WebhookVerificationError, KunogClient, type KunogEvent } from "kunog";
import { Webhook as LightWebhook } from "kunog/webhooks";

export function amountOf(event: KunogEvent): number {
  if (event.type === "payment_intent.confirmed") return event.data.object.amount;
  return 0;
}
export function check(body: string, headers: Record<string, string>): number {
  try {
    return amountOf(new LightWebhook("whsec_x").verify(body, headers)) + amountOf(new Webhook("whsec_x").verify(body, headers));
  } catch (error) {
    if (error instanceof WebhookVerificationError && error.code === "signature_mismatch") return -1;
    throw error;
  }
}
export const client: KunogClient = new KunogClient({ apiKey: "kng_test_x", baseUrl: "http://127.0.0.1:1" });
`;
const MISTAKE = `
import { Webhook } from "kunog/webhooks";

const event = new Webhook("whsec_x").verify("{}", {});
const url: string = event.data.object.checkout_url;
`;

describe("the tarball in Deno", () => {
  let deno;
  let project;
  let stub;
  let version;
  let denoDir;

  before(async () => {
    deno = runtimeBinary("deno");
    stub = await startStubApi();
    denoDir = mkdtempSync(join(tmpdir(), "kunog-deno-dir-"));
    project = freshProject("deno", {
      files: {
        "check.mjs": consumerSource({ format: "esm", apiBase: stub.url, extra: ESM_EXTRA }),
        "check.cjs": consumerSource({ format: "cjs", apiBase: stub.url, extra: CJS_EXTRA }),
        "typed.ts": TYPED,
        "mistake.ts": MISTAKE,
      },
    });
    version = JSON.parse(readFileSync(project.path("node_modules/kunog/package.json"), "utf8")).version;
  }, { timeout: SETUP_TIMEOUT_MS });
  after(async () => {
    await stub?.close();
    project?.cleanup();
    if (denoDir) rmSync(denoDir, { recursive: true, force: true });
  });

  // The project's own node_modules (installed by npm), nothing fetched: loopback only.
  const denoFlags = () => ["--node-modules-dir=manual", "--no-lock", "--cached-only"];
  const denoEnv = () => ({ DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", NO_COLOR: "1" });
  async function runDeno(file) {
    const args = ["run", ...denoFlags(), `--allow-read=${project.dir}`, "--allow-env", "--allow-net=127.0.0.1", file];
    const { code, output } = await runCommand(deno, args, { cwd: project.dir, env: denoEnv(), timeoutMs: RUN_TIMEOUT_MS });
    assert.equal(code, 0, `deno ${args.join(" ")} failed:\n${output}`);
    return parseResult(output);
  }

  it("runs an ES module: import from 'kunog' and 'kunog/webhooks', and KunogClient", { timeout: RUN_TIMEOUT_MS }, async (t) => {
    const result = await runDeno("check.mjs");
    t.diagnostic(`${result.runtime}: "kunog" -> ${result.resolved.full.replace(/.*node_modules\//, "")}, "kunog/webhooks" -> ${result.resolved.light.replace(/.*node_modules\//, "")}`);
    assert.match(result.runtime, /^deno \d/);
    assertResult(result, { version, stub, where: "deno, import" });
  });

  it("runs a CommonJS script: require('kunog') and require('kunog/webhooks'), and KunogClient", { timeout: RUN_TIMEOUT_MS }, async (t) => {
    const result = await runDeno("check.cjs");
    t.diagnostic(`${result.runtime}: "kunog" -> ${result.resolved.full.replace(/.*node_modules\//, "")}, "kunog/webhooks" -> ${result.resolved.light.replace(/.*node_modules\//, "")}`);
    assertResult(result, { version, stub, where: "deno, require" });
    assert.equal(result.sameAcrossRequireImport, true, "import and require give different classes in Deno");
  });

  it("type-checks a TypeScript consumer with deno check, and refuses a mistake", { timeout: RUN_TIMEOUT_MS * 2 }, async () => {
    const good = await runCommand(deno, ["check", ...denoFlags(), "typed.ts"], { cwd: project.dir, env: denoEnv(), timeoutMs: RUN_TIMEOUT_MS });
    assert.equal(good.code, 0, `deno check typed.ts failed:\n${good.output}`);
    const bad = await runCommand(deno, ["check", ...denoFlags(), "mistake.ts"], { cwd: project.dir, env: denoEnv(), timeoutMs: RUN_TIMEOUT_MS });
    assert.notEqual(bad.code, 0, `deno check accepted a mistake: the declarations did not reach Deno:\n${bad.output}`);
    assert.match(bad.output, /TS2339/, bad.output);
  });
});
