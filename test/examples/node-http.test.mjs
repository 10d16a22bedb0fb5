// examples/node-http from the packed tarball in a fresh project: `node server.mjs`, then
// signed, tampered and unsigned deliveries.
import { join } from "node:path";
import { after, before, describe } from "node:test";

import { freshProject, startProcess } from "../tarball/project.mjs";
import { freePort } from "../../scripts/wrangler.mjs";
import { SECRET, examplesDir, webhookEndpointTests } from "./helpers.mjs";

const SETUP_TIMEOUT_MS = 180_000;
const TESTS_TIMEOUT_MS = 60_000;

describe("examples/node-http", { timeout: SETUP_TIMEOUT_MS + TESTS_TIMEOUT_MS }, () => {
  let project;
  let server;
  let url;

  before(async () => {
    project = freshProject("node-http", { from: join(examplesDir, "node-http") });
    const port = await freePort();
    server = await startProcess(process.execPath, ["server.mjs"], {
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
