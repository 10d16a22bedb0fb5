// Builds the merchant Worker (the crate with feature `worker`) into build/ with
// worker-build, pointed at the lockfile-matched wasm-bindgen and npm's wasm-opt.
//   node scripts/worker.mjs   (also wrangler.toml's [build] command)
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildWithWorkerBuild, root } from "./lib.mjs";

export const workerBuild = join(root, "build", "index.js");

/** Builds build/ (skipped when newer than src/, Cargo.toml and Cargo.lock). */
export function buildWorker({ force = false } = {}) {
  buildWithWorkerBuild({
    name: "the merchant Worker",
    crateDir: root,
    args: [".", "--features", "worker"],
    inputs: ["src", "Cargo.toml", "Cargo.lock"].map((p) => join(root, p)),
    force,
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) buildWorker({ force: process.argv.includes("--force") });
