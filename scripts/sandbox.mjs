// `npm run sandbox`: builds the Kunog sandbox (sandbox/, a Rust Worker) and runs it locally
// with `wrangler dev`, then prints its base URL.
//   npm run sandbox                      http://127.0.0.1:8788
//   npm run sandbox -- --port 9000       (or KUNOG_SANDBOX_PORT=9000)
// Every KUNOG_SANDBOX_* environment variable (TIME_SCALE, CHECKOUT_WINDOW_MS,
// CONFIRM_DELAY_MS, DELIVERY_TIMEOUT_MS, WEBHOOK_URL, WEBHOOK_SECRET) is passed to the Worker.
//
// `buildSandbox()` is also called by `npm test` (scripts/test.mjs) before the Node suites.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildWithWorkerBuild, log, root } from "./lib.mjs";
import { startWrangler } from "./wrangler.mjs";

export const sandboxDir = join(root, "sandbox");
export const sandboxBuild = join(sandboxDir, "build", "index.js");

/** Builds sandbox/build/ (skipped when newer than the sandbox, the core it links, the lockfile). */
export function buildSandbox({ force = false } = {}) {
  buildWithWorkerBuild({
    name: "the sandbox Worker",
    crateDir: sandboxDir,
    args: [],
    inputs: [join(sandboxDir, "src"), join(sandboxDir, "Cargo.toml"), join(root, "src"), join(root, "Cargo.toml"), join(root, "Cargo.lock")],
    force,
  });
}

function parsePort(argv, env) {
  const flag = argv.indexOf("--port");
  const value = flag >= 0 ? argv[flag + 1] : (argv.find((a) => a.startsWith("--port="))?.slice(7) ?? env.KUNOG_SANDBOX_PORT ?? "8788");
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid port: ${value}`);
  return port;
}

async function main() {
  const port = parsePort(process.argv.slice(2), process.env);
  buildSandbox();
  const vars = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith("KUNOG_SANDBOX_") && name !== "KUNOG_SANDBOX_PORT"));
  const sandbox = await startWrangler({ cwd: sandboxDir, port, vars, probe: "/health", timeoutMs: 60_000 });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => sandbox.stop().then(() => process.exit(0)));
  sandbox.child.on("exit", (code) => process.exit(code ?? 0));
  console.log(`Kunog sandbox running: ${sandbox.url}`);
  console.log(`  curl ${sandbox.url}/v1/payment_intents -H "Authorization: Bearer kng_test_demo" -H "Content-Type: application/json" -d '{"amount":4900,"currency":"USD"}'`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((err) => {
    log(err.message);
    process.exit(1);
  });
}
