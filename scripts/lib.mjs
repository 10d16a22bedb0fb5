// Shared helpers for the project's scripts: plain Node, no dependencies, so that they run
// on a fresh clone before anything is installed.
import { spawnSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export function log(message) {
  process.stderr.write(`\x1b[1mkunog:\x1b[0m ${message}\n`);
}

/** Runs a command to completion with inherited stdio; exits the process if it fails. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    log(`failed (${result.status ?? result.signal}): ${command} ${args.join(" ")}`);
    process.exit(result.status || 1);
  }
  return result;
}

/** Runs a command and returns its stdout, or null if it cannot be run or fails. */
export function output(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, encoding: "utf8", ...options });
  return result.status === 0 ? result.stdout : null;
}

/**
 * Runs a command, echoing its output, and returns { status, text } with everything it
 * printed (for reading test counts).
 */
export function runCaptured(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], ...options });
    let text = "";
    child.stdout.on("data", (chunk) => {
      text += chunk;
      process.stdout.write(chunk);
    });
    child.stderr.on("data", (chunk) => {
      text += chunk;
      process.stderr.write(chunk);
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, text }));
  });
}

/**
 * Ends a child started with `detached: true` (its own process group), children included:
 * SIGTERM, then SIGKILL after `graceMs`. Resolves when it has exited.
 */
export function stopProcessGroup(child, graceMs = 5000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return resolve();
    }
    setTimeout(() => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }, graceMs).unref();
  });
}

/** The exact version of a package in Cargo.lock. */
export function lockedCrateVersion(name) {
  const lock = readFileSync(join(root, "Cargo.lock"), "utf8");
  const match = lock.match(new RegExp(`name = "${name}"\\nversion = "([^"]+)"`));
  if (!match) throw new Error(`${name} is not in Cargo.lock`);
  return match[1];
}

export function crateVersion() {
  const manifest = readFileSync(join(root, "Cargo.toml"), "utf8");
  return manifest.match(/^version = "([^"]+)"/m)[1];
}

export function sha256File(path) {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** npm ci, when node_modules is missing or was installed from another package-lock.json. */
export function ensureNodeModules() {
  const stamp = join(root, "node_modules", ".kunog-lock-sha256");
  const want = sha256File(join(root, "package-lock.json"));
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want) return;
  log("installing npm dev dependencies (npm ci)");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
  writeFileSync(stamp, want);
}

export function ensureRustTarget(target = "wasm32-unknown-unknown") {
  const installed = output("rustup", ["target", "list", "--installed"]) ?? "";
  if (installed.split("\n").includes(target)) return;
  log(`adding the Rust target ${target}`);
  run("rustup", ["target", "add", target]);
}

/** wasm-bindgen-cli (and its test runner) at exactly the version in Cargo.lock. */
export function ensureWasmBindgen() {
  const version = lockedCrateVersion("wasm-bindgen");
  const current = output("wasm-bindgen", ["--version"]) ?? "";
  const runner = output("wasm-bindgen-test-runner", ["--version"]) ?? "";
  if (current.trim() === `wasm-bindgen ${version}` && runner.includes(version)) return;
  log(`installing wasm-bindgen-cli ${version} (matches Cargo.lock; takes a few minutes)`);
  const locked = spawnSync("cargo", ["install", "wasm-bindgen-cli", "--version", version, "--locked", "--force"], {
    cwd: root,
    stdio: "inherit",
  });
  // --locked can fail when a crate in the CLI's own lockfile was yanked; retry unlocked.
  if (locked.status !== 0) run("cargo", ["install", "wasm-bindgen-cli", "--version", version, "--force"]);
}

export const wasmOpt = join(root, "node_modules", ".bin", "wasm-opt");

/** worker-build, at the version of the `worker` crate in Cargo.lock (they are released together). */
export function ensureWorkerBuild() {
  const version = lockedCrateVersion("worker");
  if ((output("worker-build", ["--version"]) ?? "").trim() === version) return;
  log(`installing worker-build ${version} (takes a few minutes)`);
  run("cargo", ["install", "worker-build", "--version", `=${version}`, "--locked", "--force"]);
}

/** The newest modification time under `path` (0 when it does not exist). */
export function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/**
 * Builds a Worker crate into `crateDir`/build with worker-build (skipped when the build is
 * newer than every input), pointed at the lockfile-matched wasm-bindgen and npm's wasm-opt:
 * worker-build's own downloads of them are not possible here.
 */
export function buildWithWorkerBuild({ name, crateDir, args, inputs, force = false }) {
  ensureNodeModules();
  ensureRustTarget();
  ensureWasmBindgen();
  ensureWorkerBuild();
  const built = newestMtime(join(crateDir, "build", "index_bg.wasm"));
  if (!force && built && existsSync(join(crateDir, "build", "index.js")) && inputs.every((input) => newestMtime(input) < built)) {
    log(`${name}: build is up to date`);
    return;
  }
  log(`building ${name} (worker-build --release ${args.join(" ")})`);
  const cargoBin = join(process.env.CARGO_HOME ?? join(process.env.HOME ?? "", ".cargo"), "bin");
  run("worker-build", ["--release", ...args], {
    cwd: crateDir,
    env: { ...process.env, WASM_BINDGEN_BIN: join(cargoBin, "wasm-bindgen"), WASM_OPT_BIN: wasmOpt },
  });
}

/** Everything `npm run build` needs. */
export function setup() {
  ensureNodeModules();
  ensureRustTarget();
  ensureWasmBindgen();
}

export const chromiumPath = "/usr/bin/chromium";

/**
 * Debian's chromium at /usr/bin/chromium, for the headless browser test: installed with
 * apt-get when missing (needs root, or password-less sudo). Never exits the process: returns
 * true when chromium is there afterwards, false (with a logged reason) when it cannot be had.
 */
export function ensureChromium() {
  if (existsSync(chromiumPath)) return true;
  const asRoot = typeof process.getuid !== "function" || process.getuid() === 0;
  const [command, prefix] = asRoot ? ["apt-get", []] : ["sudo", ["-n", "apt-get"]];
  const apt = (args) => {
    log(`${chromiumPath} is missing: ${[command, ...prefix, ...args].join(" ")}`);
    const result = spawnSync(command, [...prefix, ...args], {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      timeout: 600_000,
    });
    if (result.error || result.status !== 0) {
      log(`failed (${result.error?.message ?? result.status ?? result.signal}): apt-get ${args.join(" ")}`);
      return false;
    }
    return true;
  };
  if (!apt(["update"]) || !apt(["install", "-y", "chromium"]) || !existsSync(chromiumPath)) {
    log("chromium could not be installed; the headless browser test will skip itself");
    return false;
  }
  log(`installed chromium (${chromiumPath})`);
  return true;
}
