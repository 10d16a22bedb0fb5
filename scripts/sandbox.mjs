// `npm run sandbox`: builds the Kunog sandbox (sandbox/, a Rust Worker) and runs it locally
// with `wrangler dev`, then prints its base URL.
//   npm run sandbox                      http://127.0.0.1:8788
//   npm run sandbox -- --port 9000       (or KUNOG_SANDBOX_PORT=9000)
// Every KUNOG_SANDBOX_* environment variable (TIME_SCALE, CHECKOUT_WINDOW_MS,
// CONFIRM_DELAY_MS, DELIVERY_TIMEOUT_MS, WEBHOOK_URL, WEBHOOK_SECRET) is passed to the Worker.
//
// `buildSandbox()` is also called by `npm test` (scripts/test.mjs) before the Node suites.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureNodeModules, ensureRustTarget, ensureWasmBindgen, log, output, root, run, wasmOpt } from "./lib.mjs";

export const sandboxDir = join(root, "sandbox");
export const sandboxBuild = join(sandboxDir, "build", "index.js");
const WORKER_BUILD_VERSION = "0.8.7";

/** worker-build from crates.io, at the version matching the `worker` crate. */
export function ensureWorkerBuild() {
  const current = output("worker-build", ["--version"]) ?? "";
  if (current.trim() === WORKER_BUILD_VERSION) return;
  log(`installing worker-build ${WORKER_BUILD_VERSION} (takes a few minutes)`);
  run("cargo", ["install", "worker-build", "--version", `=${WORKER_BUILD_VERSION}`, "--locked", "--force"]);
}

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** Whether build/ is newer than every input: the sandbox, the core it links, the lockfile. */
function buildIsFresh() {
  const built = newestMtime(join(sandboxDir, "build", "index_bg.wasm"));
  if (!built || !existsSync(sandboxBuild)) return false;
  const inputs = [join(sandboxDir, "src"), join(sandboxDir, "Cargo.toml"), join(root, "src"), join(root, "Cargo.toml"), join(root, "Cargo.lock")];
  return inputs.every((input) => newestMtime(input) < built);
}

export const chromiumPath = "/usr/bin/chromium";

/**
 * Debian's Chromium, for the checkout browser test (playwright-core drives it; Playwright's
 * own browser download is not used). Best effort: without root or apt the test is skipped.
 */
export function ensureChromium() {
  if (existsSync(chromiumPath)) return;
  if (process.platform !== "linux" || !output("apt-get", ["--version"])) {
    log(`no ${chromiumPath} and no apt-get: the checkout browser test will be skipped`);
    return;
  }
  log("installing chromium (apt-get) for the checkout browser test");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo", "-n"];
  const apt = (...args) => {
    const [command, ...rest] = [...sudo, "apt-get", ...args];
    return spawnSync(command, rest, { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }).status === 0;
  };
  if (!apt("install", "-y", "--no-install-recommends", "chromium") && !(apt("update") && apt("install", "-y", "--no-install-recommends", "chromium"))) {
    log("could not install chromium: the checkout browser test will be skipped");
  }
}

/** Builds sandbox/build/ (skipped when it is newer than its inputs). */
export function buildSandbox({ force = false } = {}) {
  ensureNodeModules();
  ensureRustTarget();
  ensureWasmBindgen();
  ensureWorkerBuild();
  ensureChromium();
  if (!force && buildIsFresh()) {
    log("sandbox build is up to date");
    return;
  }
  log("building the sandbox Worker (worker-build --release)");
  const cargoBin = join(process.env.CARGO_HOME ?? join(process.env.HOME ?? "", ".cargo"), "bin");
  run("worker-build", ["--release"], {
    cwd: sandboxDir,
    env: {
      ...process.env,
      // worker-build would download these; use the lockfile-matched CLI and npm's binaryen.
      WASM_BINDGEN_BIN: join(cargoBin, "wasm-bindgen"),
      WASM_OPT_BIN: wasmOpt,
    },
  });
}

/** `--var NAME:value` for every KUNOG_SANDBOX_* variable in `env` (the port excepted). */
export function workerVars(env) {
  return Object.entries(env)
    .filter(([name]) => name.startsWith("KUNOG_SANDBOX_") && name !== "KUNOG_SANDBOX_PORT")
    .flatMap(([name, value]) => ["--var", `${name}:${value}`]);
}

function parsePort(argv, env) {
  const flag = argv.indexOf("--port");
  const value = flag >= 0 ? argv[flag + 1] : (argv.find((a) => a.startsWith("--port="))?.slice(7) ?? env.KUNOG_SANDBOX_PORT ?? "8788");
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid port: ${value}`);
  return port;
}

async function waitUntilUp(baseUrl, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode})`);
    try {
      const r = await fetch(`${baseUrl}/health`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the sandbox did not answer within ${timeoutMs / 1000} s`);
}

async function main() {
  const port = parsePort(process.argv.slice(2), process.env);
  buildSandbox();
  const wrangler = join(root, "node_modules", ".bin", "wrangler");
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", "0", "--show-interactive-dev-session=false", ...workerVars(process.env)];
  const child = spawn(wrangler, args, {
    cwd: sandboxDir,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code) => process.exit(code ?? 0));
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilUp(baseUrl, child, 60_000);
  console.log(`Kunog sandbox running: ${baseUrl}`);
  console.log(`  curl ${baseUrl}/v1/payment_intents -H "Authorization: Bearer kng_test_demo" -H "Content-Type: application/json" -d '{"amount":4900,"currency":"USD"}'`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((err) => {
    log(err.message);
    process.exit(1);
  });
}
