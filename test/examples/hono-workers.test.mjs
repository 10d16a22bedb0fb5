// examples/hono-workers from the packed tarball in a fresh project with hono from the registry,
// run by this repository's wrangler (`wrangler dev`, real workerd), then signed, tampered and
// unsigned deliveries.
import { join } from "node:path";
import { after, before, describe } from "node:test";

import { freshProject } from "../tarball/project.mjs";
import { freePort, startWrangler } from "../../scripts/wrangler.mjs";
import { SECRET, examplesDir, webhookEndpointTests } from "./helpers.mjs";

const SETUP_TIMEOUT_MS = 240_000;
const TESTS_TIMEOUT_MS = 60_000;

describe("examples/hono-workers", { timeout: SETUP_TIMEOUT_MS + TESTS_TIMEOUT_MS }, () => {
  let project;
  let worker;

  before(async () => {
    // Without devDependencies: wrangler comes from this repository.
    project = freshProject("hono-workers", { from: join(examplesDir, "hono-workers"), omitDev: true });
    worker = await startWrangler({
      cwd: project.dir,
      port: await freePort(),
      vars: { KUNOG_WEBHOOK_SECRET: SECRET },
      probe: "/webhooks/kunog", // a GET: Hono's 404, once the Worker runs
      quiet: true,
      logLevel: "log", // keep the Worker's console.log: the "verified" lines are evidence
      timeoutMs: 120_000,
    });
  }, { timeout: SETUP_TIMEOUT_MS });
  after(async () => {
    await worker?.stop();
    project?.cleanup();
  });

  describe("POST /webhooks/kunog", { timeout: TESTS_TIMEOUT_MS }, () => {
    webhookEndpointTests(() => ({ url: `${worker.url}/webhooks/kunog`, output: () => worker.output() }));
  });
});
