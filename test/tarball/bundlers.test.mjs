// The tarball through a bundler with no configuration: esbuild bundles consumers of "kunog"
// and "kunog/webhooks" for Node (ESM and CommonJS) and for the browser. The "module" export
// condition must give the entry with the wasm inlined as base64, so the bundles run with the
// project's node_modules deleted (a Lambda zip, a serverless function); and the browser
// bundle, which compiles that wasm synchronously on the page's main thread, verifies a signed
// delivery and refuses a tampered one in headless Chromium.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { chromiumPath } from "../../scripts/lib.mjs";
import { assertResult, consumerSource, parseResult } from "./consumer.mjs";
import { freshProject, root, runCommand, startStubApi } from "./project.mjs";

// Installing the tarball into a fresh project, and what else a suite's setup builds.
const SETUP_TIMEOUT_MS = 180_000;

const esbuild = join(root, "node_modules", ".bin", "esbuild");
const BUILD_TIMEOUT_MS = 60_000;
const RUN_TIMEOUT_MS = 30_000;
const BROWSER_TIMEOUT_MS = 60_000;
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

// The consumers, and the bundles made of them: [source, outfile, esbuild options].
const BUNDLES = {
  "node-esm-both": ["both.mjs", "dist/node/both.mjs", ["--platform=node", "--format=esm"]],
  "node-esm-full": ["full.mjs", "dist/node/full.mjs", ["--platform=node", "--format=esm"]],
  "node-esm-light": ["light.mjs", "dist/node/light.mjs", ["--platform=node", "--format=esm"]],
  "node-cjs-both": ["both.cjs", "dist/node/both.cjs", ["--platform=node", "--format=cjs"]],
  "node-cjs-light": ["light.cjs", "dist/node/light.cjs", ["--platform=node", "--format=cjs"]],
  "browser-both": ["both.mjs", "dist/browser/both.js", ["--platform=browser", "--format=esm"]],
  "browser-light": ["light.mjs", "dist/browser/light.js", ["--platform=browser", "--format=esm"]],
};

// The files of the package that a bundle took in (from esbuild's metafile).
function packageInputs(metafile) {
  const { inputs } = JSON.parse(readFileSync(metafile, "utf8"));
  return Object.keys(inputs)
    .filter((path) => path.startsWith("node_modules/kunog/"))
    .map((path) => path.slice("node_modules/kunog/".length))
    .sort();
}

describe("the tarball bundled by esbuild, with no configuration", () => {
  let project;
  let stub;
  let version;
  const built = {};

  before(async () => {
    // The stub API also serves the browser pages, so that the page's fetch is same-origin.
    stub = await startStubApi({
      extra: (req, res) => {
        if (req.url === "/favicon.ico") {
          res.writeHead(204).end();
          return true;
        }
        const file = { "/both.html": "both", "/light.html": "light" }[req.url];
        if (file) {
          res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><title>${file}</title><script type="module" src="/${file}.js"></script>`);
          return true;
        }
        const script = req.url.match(/^\/(both|light)\.js$/)?.[1];
        if (script) {
          res.writeHead(200, { "content-type": "text/javascript" }).end(readFileSync(project.path(`dist/browser/${script}.js`)));
          return true;
        }
        return false;
      },
    });
    project = freshProject("bundlers", {
      files: {
        "both.mjs": consumerSource({ format: "esm", apiBase: stub.url }),
        "full.mjs": consumerSource({ format: "esm", light: null, apiBase: stub.url }),
        "light.mjs": consumerSource({ format: "esm", full: null }),
        "both.cjs": consumerSource({ format: "cjs", apiBase: stub.url }),
        "light.cjs": consumerSource({ format: "cjs", full: null }),
      },
    });
    version = JSON.parse(readFileSync(project.path("node_modules/kunog/package.json"), "utf8")).version;
    for (const [name, [source, outfile, options]] of Object.entries(BUNDLES)) {
      const metafile = `${outfile}.meta.json`;
      const { code, output } = await runCommand(esbuild, [source, "--bundle", ...options, `--outfile=${outfile}`, `--metafile=${metafile}`, "--log-level=warning"], {
        cwd: project.dir,
        timeoutMs: BUILD_TIMEOUT_MS,
      });
      assert.equal(code, 0, `esbuild ${name} failed:\n${output}`);
      built[name] = { outfile, inputs: packageInputs(project.path(metafile)), size: statSync(project.path(outfile)).size, warnings: output.trim() };
    }
    // The bundles must stand alone.
    rmSync(project.path("node_modules"), { recursive: true, force: true });
  }, { timeout: SETUP_TIMEOUT_MS });
  after(async () => {
    await stub?.close();
    project?.cleanup();
  });

  it("picks the bundler entries (wasm inlined as base64), for Node and the browser, without warnings", (t) => {
    for (const [name, { inputs, size, warnings }] of Object.entries(built)) {
      t.diagnostic(`${name}: ${size} B from ${inputs.join(", ")}`);
      assert.equal(warnings, "", `esbuild warned for ${name}`);
      const light = name.endsWith("-light");
      const expected = light
        ? ["base64.mjs", "bundler-webhooks.mjs", "wasm-inline/kunog_webhooks.cjs", "wasm-web/kunog_webhooks.js", "webhook.cjs"]
        : ["base64.mjs", "bundler.mjs", "client.cjs", "wasm-inline/kunog_core.cjs", "wasm-web/kunog_core.js", "webhook.cjs"];
      if (name.endsWith("-both")) expected.push("bundler-webhooks.mjs", "wasm-inline/kunog_webhooks.cjs", "wasm-web/kunog_webhooks.js");
      assert.deepEqual(inputs, [...new Set(expected)].sort(), `${name} took in other files of the package`);
    }
    // kunog/webhooks's bundle carries only the smaller wasm.
    assert.ok(built["node-esm-light"].size < built["node-esm-full"].size / 2, `light ${built["node-esm-light"].size} B, full ${built["node-esm-full"].size} B`);
  });

  for (const name of ["node-esm-both", "node-esm-full", "node-esm-light", "node-cjs-both", "node-cjs-light"]) {
    it(`the ${name} bundle runs in Node with node_modules deleted`, { timeout: RUN_TIMEOUT_MS }, async () => {
      assert.equal(existsSync(project.path("node_modules")), false);
      const { code, output } = await runCommand(process.execPath, [built[name].outfile], { cwd: project.dir, timeoutMs: RUN_TIMEOUT_MS });
      assert.equal(code, 0, `node ${built[name].outfile}:\n${output}`);
      const entries = name.endsWith("-both") ? ["full", "light"] : name.endsWith("-full") ? ["full"] : ["light"];
      assertResult(parseResult(output), { version, entries, stub: entries.includes("full") ? stub : null, where: name });
    });
  }

  describe("in headless Chromium (the page's main thread)", { skip: existsSync(chromiumPath) ? false : `${chromiumPath} is missing (npm test installs it: scripts/lib.mjs ensureChromium)`, timeout: BROWSER_TIMEOUT_MS * 2 }, () => {
    let browser;
    let userDataDir;

    before(async () => {
      const { chromium } = await import("playwright-core");
      userDataDir = mkdtempSync(join(tmpdir(), "kunog-bundlers-chromium-"));
      browser = await chromium.launchPersistentContext(userDataDir, { executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
      browser.setDefaultTimeout(BROWSER_TIMEOUT_MS / 2);
    }, { timeout: SETUP_TIMEOUT_MS });
    after(async () => {
      await browser?.close().catch(() => {});
      if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    });

    for (const [page, entries] of [["both", ["full", "light"]], ["light", ["light"]]]) {
      it(`${page === "both" ? "kunog and kunog/webhooks" : "kunog/webhooks"}: verifies a signed payload and refuses a tampered one`, { timeout: BROWSER_TIMEOUT_MS }, async (t) => {
        const tab = await browser.newPage();
        const problems = [];
        tab.on("pageerror", (error) => problems.push(`pageerror: ${error.stack ?? error}`));
        tab.on("console", (message) => message.type() === "error" && problems.push(`console.error: ${message.text()}`));
        try {
          await tab.goto(`${stub.url}/${page}.html`);
          await tab.waitForFunction(() => globalThis.kunogResult || globalThis.kunogFailure || null);
          const { result, failure, userAgent } = await tab.evaluate(() => ({ result: globalThis.kunogResult, failure: globalThis.kunogFailure, userAgent: navigator.userAgent }));
          t.diagnostic(userAgent);
          assert.equal(failure, undefined, `the page failed (${userAgent}):\n${failure}\n${problems.join("\n")}`);
          assertResult(result, { version, entries, stub: entries.includes("full") ? stub : null, where: `Chromium, ${page}.js` });
          assert.deepEqual(problems, []);
        } finally {
          await tab.close();
        }
      });
    }
  });
});
