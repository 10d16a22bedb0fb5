// Builds the npm package into pkg/: the Rust core for wasm32 with the `js` feature,
// wasm-bindgen's Node glue, wasm-opt for size, and the hand-written JS entry points and types.
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crateVersion, log, root, run, setup, wasmOpt } from "./lib.mjs";

// The wasm features rustc enables by default for wasm32-unknown-unknown, and Node 18+ has.
const WASM_FEATURES = [
  "--enable-bulk-memory",
  "--enable-mutable-globals",
  "--enable-nontrapping-float-to-int",
  "--enable-sign-ext",
  "--enable-reference-types",
  "--enable-multivalue",
  "--enable-simd",
];

// The wasm modules in pkg/wasm/: the main entry's, and the smaller one behind
// `kunog/webhooks`, which links no API client.
export const WASM_MODULES = [
  { name: "kunog_core", features: "js-client" },
  { name: "kunog_webhooks", features: "js" },
];

const JS_FILES = [
  "index.cjs",
  "index.mjs",
  "index.d.ts",
  "webhooks.cjs",
  "webhooks.mjs",
  "webhooks.d.ts",
  "workerd.mjs",
  "workerd-webhooks.mjs",
  "webhook.cjs",
  "client.cjs",
  "README.md",
];

export function buildPackage() {
  setup();
  const pkg = join(root, "pkg");
  const wasmDir = join(pkg, "wasm");
  const webDir = join(pkg, "wasm-web");
  rmSync(pkg, { recursive: true, force: true });
  mkdirSync(wasmDir, { recursive: true });
  mkdirSync(webDir, { recursive: true });

  const built = join(root, "target", "wasm32-unknown-unknown", "wasm-release", "kunog.wasm");
  for (const { name, features } of WASM_MODULES) {
    log(`compiling the core to wasm32 (features ${features}) for ${name}`);
    run("cargo", ["build", "--profile", "wasm-release", "--locked", "--target", "wasm32-unknown-unknown", "--features", features, "--lib"]);
    // Node loads its glue with require() and compiles the wasm from bytes; Workers forbid
    // compiling from bytes, so they get the `web` glue and import the .wasm as a module.
    for (const [target, dir] of [["nodejs", wasmDir], ["web", webDir]]) {
      run("wasm-bindgen", [built, "--target", target, "--no-typescript", "--out-dir", dir, "--out-name", name]);
      const wasm = join(dir, `${name}_bg.wasm`);
      run(wasmOpt, ["-O3", ...WASM_FEATURES, "--strip-debug", "--strip-producers", wasm, "-o", wasm]);
    }
  }

  for (const file of JS_FILES) copyFileSync(join(root, "js", file), join(pkg, file));
  const manifest = JSON.parse(readFileSync(join(root, "js", "package.json"), "utf8"));
  manifest.version = crateVersion();
  writeFileSync(join(pkg, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);

  const sizes = WASM_MODULES.map(({ name }) => `${name} ${statSync(join(wasmDir, `${name}_bg.wasm`)).size} B`);
  log(`built pkg/ (kunog ${manifest.version}; ${sizes.join(", ")})`);
}

if (import.meta.url === `file://${process.argv[1]}`) buildPackage();
