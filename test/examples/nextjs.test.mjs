// examples/nextjs from the packed tarball in a fresh project with next, react and react-dom
// from the registry: `next build`, then `next start`, then signed, tampered and unsigned
// deliveries to the App Router route handler. Next bundles the package into its server
// chunks (the "module" export condition), so both of its bundlers are tried: Turbopack (the
// default) and webpack (`next build --webpack`).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import { promisify } from "node:util";

import { freshProject, startProcess } from "../tarball/project.mjs";
import { freePort } from "../../scripts/wrangler.mjs";
import { SECRET, examplesDir, webhookEndpointTests } from "./helpers.mjs";

const run = promisify(execFile);

const INSTALL_TIMEOUT_MS = 300_000;
const BUILD_TIMEOUT_MS = 240_000;
const START_TIMEOUT_MS = 60_000;
const TESTS_TIMEOUT_MS = 60_000;
// No telemetry calls from next to the network.
const NEXT_ENV = { NEXT_TELEMETRY_DISABLED: "1" };

describe("examples/nextjs", { timeout: INSTALL_TIMEOUT_MS + 2 * (BUILD_TIMEOUT_MS + START_TIMEOUT_MS + TESTS_TIMEOUT_MS) }, () => {
  let project;
  let next;

  before(() => {
    const started = Date.now();
    project = freshProject("nextjs", { from: join(examplesDir, "nextjs") });
    next = project.path("node_modules/next/dist/bin/next");
    console.log(`nextjs: npm install ${Date.now() - started} ms`);
  }, { timeout: INSTALL_TIMEOUT_MS });
  after(() => project?.cleanup());

  for (const [bundler, buildArgs] of [["Turbopack", ["build"]], ["webpack", ["build", "--webpack"]]]) {
    describe(`next ${buildArgs.join(" ")} (${bundler}), next start`, { timeout: BUILD_TIMEOUT_MS + START_TIMEOUT_MS + TESTS_TIMEOUT_MS }, () => {
      let server;
      let url;

      before(async () => {
        let started = Date.now();
        try {
          await run(process.execPath, [next, ...buildArgs], {
            cwd: project.dir,
            env: { ...process.env, ...NEXT_ENV },
            timeout: BUILD_TIMEOUT_MS,
            maxBuffer: 16 * 1024 * 1024,
          });
        } catch (error) {
          assert.fail(`next ${buildArgs.join(" ")} failed (${error.code ?? error.signal}):\n${error.stdout}\n${error.stderr}`);
        }
        const buildMs = Date.now() - started;
        // The wasm travels inlined in the server chunk (the bundler entry): no second copy as
        // a .wasm asset, which a followed new URL(..., import.meta.url) would add.
        const wasmFiles = readdirSync(project.path(".next"), { recursive: true }).filter((file) => String(file).endsWith(".wasm"));
        assert.deepEqual(wasmFiles, [], `next ${buildArgs.join(" ")} emitted .wasm files beside the inlined copy`);

        const port = await freePort();
        started = Date.now();
        server = await startProcess(process.execPath, [next, "start", "--port", String(port), "--hostname", "127.0.0.1"], {
          cwd: project.dir,
          env: { ...NEXT_ENV, KUNOG_WEBHOOK_SECRET: SECRET },
          ready: /Ready in/,
          timeoutMs: START_TIMEOUT_MS,
        });
        url = `http://127.0.0.1:${port}/api/webhooks/kunog`;
        console.log(`nextjs (${bundler}): next build ${buildMs} ms, next start ${Date.now() - started} ms`);
      }, { timeout: BUILD_TIMEOUT_MS + START_TIMEOUT_MS });
      after(() => server?.stop());

      webhookEndpointTests(() => ({ url, output: () => server.output() }));
    });
  }
});
