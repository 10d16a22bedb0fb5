// The tarball installed with npm into a fresh project, run by Bun (the npm package `bun`,
// from this repository's devDependencies): an ES module and a CommonJS script, each using
// "kunog" and "kunog/webhooks" and KunogClient against a stub API; then Bun's bundler (`bun
// build`, for the browser by default, for Bun and for Node) and each bundle run (by Bun, or
// Node for --target=node) with the project's node_modules deleted, as a deployed bundle runs.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { assertResult, consumerSource, parseResult } from "./consumer.mjs";
import { freshProject, runCommand, runtimeBinary, startStubApi } from "./project.mjs";

// Installing the tarball into a fresh project, and what else a suite's setup builds.
const SETUP_TIMEOUT_MS = 180_000;

const RUN_TIMEOUT_MS = 30_000;
const BUILD_TIMEOUT_MS = 60_000;

// What Bun resolved each entry to, and that import and require give one set of classes.
const ESM_PRELUDE = `import { createRequire } from "node:module";\nconst require = createRequire(import.meta.url);`;
const ESM_EXTRA = `
  result.resolved = { full: import.meta.resolve("kunog"), light: import.meta.resolve("kunog/webhooks") };
  result.sameAcrossRequireImport = require("kunog").Webhook === full.Webhook && require("kunog/webhooks").WebhookVerificationError === light.WebhookVerificationError;
  result.runtime = typeof Bun === "object" ? "bun " + Bun.version : "not bun";
`;
const CJS_EXTRA = `
  result.resolved = { full: require.resolve("kunog"), light: require.resolve("kunog/webhooks") };
  const imported = await import("kunog");
  result.sameAcrossRequireImport = imported.Webhook === full.Webhook && imported.WebhookVerificationError === light.WebhookVerificationError;
  result.runtime = typeof Bun === "object" ? "bun " + Bun.version : "not bun";
`;
// In a bundle: which runtime ran it.
const BUNDLE_EXTRA = `result.runtime = typeof Bun === "object" ? "bun " + Bun.version : "node " + process.version;`;

describe("the tarball in Bun", () => {
  let bun;
  let project;
  let stub;
  let version;
  let home;

  before(async () => {
    bun = runtimeBinary("bun");
    stub = await startStubApi();
    // Bun's caches and any global state go to a temporary home.
    home = mkdtempSync(join(tmpdir(), "kunog-bun-home-"));
    project = freshProject("bun", {
      files: {
        "check.mjs": consumerSource({ format: "esm", apiBase: stub.url, prelude: ESM_PRELUDE, extra: ESM_EXTRA }),
        "check.cjs": consumerSource({ format: "cjs", apiBase: stub.url, extra: CJS_EXTRA }),
        "bundled.mjs": consumerSource({ format: "esm", apiBase: stub.url, extra: BUNDLE_EXTRA }),
      },
    });
    version = JSON.parse(readFileSync(project.path("node_modules/kunog/package.json"), "utf8")).version;
  }, { timeout: SETUP_TIMEOUT_MS });
  after(async () => {
    await stub?.close();
    project?.cleanup();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  const bunEnv = () => ({ HOME: home, BUN_INSTALL: join(home, ".bun"), DO_NOT_TRACK: "1", BUN_RUNTIME_TRANSPILER_CACHE_PATH: "0", NO_COLOR: "1" });
  async function runBun(args) {
    const { code, output } = await runCommand(bun, args, { cwd: project.dir, env: bunEnv(), timeoutMs: RUN_TIMEOUT_MS });
    assert.equal(code, 0, `bun ${args.join(" ")} failed:\n${output}`);
    return parseResult(output);
  }

  it("runs an ES module: import from 'kunog' and 'kunog/webhooks', and KunogClient", { timeout: RUN_TIMEOUT_MS }, async (t) => {
    const result = await runBun(["--no-install", "check.mjs"]);
    t.diagnostic(`${result.runtime}: "kunog" -> ${result.resolved.full.replace(/.*node_modules\//, "")}, "kunog/webhooks" -> ${result.resolved.light.replace(/.*node_modules\//, "")}`);
    assert.match(result.runtime, /^bun \d/);
    assertResult(result, { version, stub, where: "bun, import" });
    assert.equal(result.sameAcrossRequireImport, true, "import and require give different classes in Bun");
  });

  it("runs a CommonJS script: require('kunog') and require('kunog/webhooks'), and KunogClient", { timeout: RUN_TIMEOUT_MS }, async (t) => {
    const result = await runBun(["--no-install", "check.cjs"]);
    t.diagnostic(`${result.runtime}: "kunog" -> ${result.resolved.full.replace(/.*node_modules\//, "")}, "kunog/webhooks" -> ${result.resolved.light.replace(/.*node_modules\//, "")}`);
    assertResult(result, { version, stub, where: "bun, require" });
    assert.equal(result.sameAcrossRequireImport, true, "import and require give different classes in Bun");
  });

  describe("bun build, and the bundle run with node_modules deleted", () => {
    // --target=node takes the package's "node" conditions (not "module"): the Node
    // entry must then be self-contained too.
    const targets = ["browser", "bun", "node"];
    const built = {};

    before(async () => {
      for (const target of targets) {
        const outfile = `dist/${target}/bundled.mjs`;
        const { code, output } = await runCommand(bun, ["build", "bundled.mjs", `--target=${target}`, `--outfile=${outfile}`], {
          cwd: project.dir,
          env: bunEnv(),
          timeoutMs: BUILD_TIMEOUT_MS,
        });
        built[target] = { code, output, outfile, text: code === 0 ? readFileSync(project.path(outfile), "utf8") : "" };
      }
      // A deployed bundle has no node_modules beside it.
      rmSync(project.path("node_modules"), { recursive: true, force: true });
    }, { timeout: SETUP_TIMEOUT_MS });

    for (const target of targets) {
      it(`bun build --target=${target}: a self-contained bundle that runs`, { timeout: RUN_TIMEOUT_MS }, async (t) => {
        const { code, output, outfile, text } = built[target];
        assert.equal(code, 0, `bun build --target=${target} failed:\n${output}`);
        assert.equal(existsSync(project.path("node_modules")), false);
        const leaks = [...new Set(text.match(/["'`][^"'`\n]*node_modules\/kunog[^"'`\n]*/g) ?? [])];
        t.diagnostic(`${text.length} B; inlined wasm: ${/"AGFzbQ/.test(text) ? "yes" : "no"}; paths into node_modules/kunog: ${leaks.length ? leaks.join(", ") : "none"}`);
        const runtime = target === "node" ? process.execPath : bun;
        const { code: ran, output: printed } = await runCommand(runtime, [outfile], { cwd: project.dir, env: bunEnv(), timeoutMs: RUN_TIMEOUT_MS });
        assert.equal(ran, 0, `${runtime} ${outfile} (built with --target=${target}) failed with node_modules deleted:\n${printed}`);
        const result = parseResult(printed);
        assert.match(result.runtime, target === "node" ? /^node v\d/ : /^bun \d/);
        assertResult(result, { version, stub, where: `bun build --target=${target}` });
      });
    }
  });
});
