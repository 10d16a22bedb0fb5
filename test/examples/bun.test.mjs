// examples/bun from the packed tarball in a fresh project, run by Bun (the repository's
// devDependency): `bun server.js`, then signed, tampered and unsigned deliveries.
import { join } from "node:path";
import { after, before, describe } from "node:test";

import { freshProject, runtimeBinary, startProcess } from "../tarball/project.mjs";
import { freePort } from "../../scripts/wrangler.mjs";
import { SECRET, examplesDir, webhookEndpointTests } from "./helpers.mjs";

const SETUP_TIMEOUT_MS = 180_000;
const TESTS_TIMEOUT_MS = 60_000;

describe("examples/bun", { timeout: SETUP_TIMEOUT_MS + TESTS_TIMEOUT_MS }, () => {
  let project;
  let server;
  let url;

  before(async () => {
    project = freshProject("bun", { from: join(examplesDir, "bun") });
    const port = await freePort();
    server = await startProcess(runtimeBinary("bun"), ["server.js"], {
      cwd: project.dir,
      env: { KUNOG_WEBHOOK_SECRET: SECRET, PORT: String(port), HOST: "127.0.0.1" },
      ready: /listening on/,
      timeoutMs: 20_000,
    });
    url = `http://127.0.0.1:${port}/webhooks/kunog`;
  }, { timeout: SETUP_TIMEOUT_MS });
  after(async () => {
    await server?.stop();
    project?.cleanup();
  });

  describe("POST /webhooks/kunog", { timeout: TESTS_TIMEOUT_MS }, () => {
    webhookEndpointTests(() => ({ url, output: () => server.output() }));
  });
});
