// Builds the merchant Worker (the crate with feature `worker`) into build/ with
// worker-build, pointed at the lockfile-matched wasm-bindgen and npm's wasm-opt.
//   node scripts/worker.mjs   (also wrangler.toml's [build] command)
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureNodeModules, ensureRustTarget, ensureWasmBindgen, log, root, run, wasmOpt } from "./lib.mjs";
import { ensureWorkerBuild } from "./sandbox.mjs";

export const workerBuild = join(root, "build", "index.js");

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** Builds build/ (skipped when newer than src/, Cargo.toml and Cargo.lock). */
export function buildWorker({ force = false } = {}) {
  ensureNodeModules();
  ensureRustTarget();
  ensureWasmBindgen();
  ensureWorkerBuild();
  const built = newestMtime(join(root, "build", "index_bg.wasm"));
  const inputs = ["src", "Cargo.toml", "Cargo.lock"].map((p) => newestMtime(join(root, p)));
  if (!force && built && existsSync(workerBuild) && inputs.every((t) => t < built)) {
    log("Worker build is up to date");
    return;
  }
  log("building the merchant Worker (worker-build --release, feature worker)");
  const cargoBin = join(process.env.CARGO_HOME ?? join(process.env.HOME ?? "", ".cargo"), "bin");
  run("worker-build", ["--release", ".", "--features", "worker"], {
    cwd: root,
    env: { ...process.env, WASM_BINDGEN_BIN: join(cargoBin, "wasm-bindgen"), WASM_OPT_BIN: wasmOpt },
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) buildWorker({ force: process.argv.includes("--force") });
