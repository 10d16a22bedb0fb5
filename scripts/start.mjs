// `npm start`: the main job. Builds what is needed, then runs the Kunog sandbox and the
// merchant Worker together in workerd (wrangler dev), the sandbox delivering signed
// webhooks to the Worker, and prints the storefront URL. Ctrl-C stops both.
//   KUNOG_START_PORT (default 8787) and KUNOG_SANDBOX_PORT (default 8788) choose the ports.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { log, root } from "./lib.mjs";
import { buildSandbox, sandboxDir } from "./sandbox.mjs";
import { buildWorker } from "./worker.mjs";
import { startWrangler } from "./wrangler.mjs";

const workerPort = Number(process.env.KUNOG_START_PORT ?? 8787);
const sandboxPort = Number(process.env.KUNOG_SANDBOX_PORT ?? 8788);

buildSandbox();
buildWorker();

// A fresh webhook secret shared by the two sides for this run, as Kunog's dashboard would
// show it once; and a test-mode key (the sandbox accepts any kng_test_ key).
const webhookSecret = `whsec_${randomBytes(32).toString("base64")}`;
const apiKey = `kng_test_demo_${randomBytes(6).toString("hex")}`;
const workerUrl = `http://127.0.0.1:${workerPort}`;
const state = join(root, ".wrangler", "start");
mkdirSync(state, { recursive: true });

log(`starting the Kunog sandbox on 127.0.0.1:${sandboxPort}`);
const sandbox = await startWrangler({
  cwd: sandboxDir,
  port: sandboxPort,
  probe: "/health",
  persistTo: join(state, "sandbox"),
  vars: {
    KUNOG_SANDBOX_WEBHOOK_URL: `${workerUrl}/webhooks/kunog`,
    KUNOG_SANDBOX_WEBHOOK_SECRET: webhookSecret,
  },
});
log(`starting the merchant Worker on 127.0.0.1:${workerPort}`);
let worker;
try {
  worker = await startWrangler({
    cwd: root,
    port: workerPort,
    persistTo: join(state, "worker"),
    vars: { KUNOG_KEY: apiKey, KUNOG_WEBHOOK_SECRET: webhookSecret, KUNOG_API_BASE: sandbox.url, DEMO: "on" },
  });
} catch (error) {
  await sandbox.stop();
  throw error;
}

console.log(`
  Kunog demo store   ${workerUrl}/          (buy, pay on hosted checkout, come back to a paid order)
  Kunog sandbox API  ${sandbox.url}     (key ${apiKey})
  Webhooks           ${sandbox.url} -> ${workerUrl}/webhooks/kunog, signed with this run's secret

  Ctrl-C stops both.
`);

let stopping = false;
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled([worker.stop(), sandbox.stop()]);
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => stopAll(0));
for (const child of [sandbox.child, worker.child]) child.on("exit", (code) => stopAll(code ?? 1));
