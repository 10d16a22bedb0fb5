// Fresh consumer projects for the package as users install it: `npm pack` of pkg/ (the
// tarball a registry would serve), installed with `npm install` into a new folder outside
// this repository, next to whatever else the project depends on (express, hono, next...).
// Used by test/tarball/ and test/examples/.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stopProcessGroup } from "../../scripts/lib.mjs";

export const root = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
const pkg = join(root, "pkg");
const packDir = join(root, "build", "pack");

// npm installs in a test: the registry may be slow on a cold cache.
const INSTALL_TIMEOUT_MS = 300_000;

function newestMtimeMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The packed package: build/pack/kunog-<version>.tgz, packed again whenever pkg/ holds a newer
 * file. (npm test builds pkg/ first.)
 */
export function tarball() {
  const { version } = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8"));
  const path = join(packDir, `kunog-${version}.tgz`);
  if (!existsSync(path) || statSync(path).mtimeMs < newestMtimeMs(pkg)) {
    mkdirSync(packDir, { recursive: true });
    // Packed aside, then renamed into place: a test file reading the tarball (or packing it
    // at the same moment, when files run in parallel) never sees half of one.
    const scratch = mkdtempSync(join(packDir, "packing-"));
    try {
      execFileSync("npm", ["pack", "--silent", "--pack-destination", scratch], { cwd: pkg, stdio: ["ignore", "ignore", "inherit"], timeout: 120_000 });
      renameSync(join(scratch, `kunog-${version}.tgz`), path);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return path;
}

/** The files `npm pack` puts in the tarball, as paths inside package/. */
export function tarballFiles() {
  return execFileSync("tar", ["-tzf", tarball()], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map((line) => line.replace(/^package\//, ""));
}

/**
 * Makes a fresh project in a temporary folder: `files` ({ relative path: text }) or a folder
 * to copy (`from`), a package.json whose dependencies are `kunog` (the tarball) plus
 * `dependencies`, and `npm install` (without devDependencies when `omitDev`: an example's
 * wrangler or typescript, which the tests take from this repository instead).
 * @returns { dir, path(relative), cleanup() }
 */
export function freshProject(name, { from, files = {}, dependencies = {}, devDependencies = {}, packageJson = {}, install = true, omitDev = false } = {}) {
  // Packed first: should that fail (pkg/ missing), no folder is left behind.
  const kunogTarball = tarball();
  const dir = mkdtempSync(join(tmpdir(), `kunog-${name}-`));
  if (from) cpSync(from, dir, { recursive: true, filter: (src) => !/node_modules|\.wrangler|\.next/.test(src.slice(from.length)) });
  const manifestPath = join(dir, "package.json");
  const manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, "utf8")) : { name: `kunog-${name}-test`, private: true };
  Object.assign(manifest, packageJson);
  manifest.dependencies = { ...manifest.dependencies, ...dependencies, kunog: `file:${kunogTarball}` };
  if (Object.keys(devDependencies).length) manifest.devDependencies = { ...manifest.devDependencies, ...devDependencies };
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  if (install) {
    const args = ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...(omitDev ? ["--omit=dev"] : [])];
    try {
      execFileSync("npm", args, {
        cwd: dir,
        stdio: ["ignore", "ignore", "inherit"],
        timeout: INSTALL_TIMEOUT_MS,
        env: { ...process.env, npm_config_update_notifier: "false" },
      });
    } catch (error) {
      // The caller gets no handle to clean up with.
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }
  return {
    dir,
    path: (relative) => join(dir, relative),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Bun and Deno, from this repository's devDependencies (the npm packages `bun` and `deno`). */
export function runtimeBinary(name) {
  const candidates = {
    // bun's postinstall (when it runs) moves the platform package's binary into bun/bin/.
    bun: ["node_modules/@oven/bun-linux-x64/bin/bun", "node_modules/@oven/bun-linux-aarch64/bin/bun", "node_modules/bun/bin/bun.exe"],
    deno: ["node_modules/@deno/linux-x64-glibc/deno", "node_modules/@deno/linux-arm64-glibc/deno"],
  }[name];
  // A placeholder stays where the postinstall did not run: a real binary is megabytes.
  const found = candidates.map((relative) => join(root, relative)).find((path) => existsSync(path) && statSync(path).size > 1_000_000);
  if (!found) throw new Error(`${name} not found under node_modules (is it in devDependencies and installed?)`);
  return found;
}

/**
 * Starts a long-running process (a server) and resolves once `ready` (a RegExp) matches its
 * output. @returns { child, output(), stop() }
 */
export function startProcess(command, args, { cwd, env = {}, ready, timeoutMs = 60_000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let text = "";
    const stop = () => stopProcessGroup(child);
    const handle = { child, output: () => text, stop };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${command} ${args.join(" ")} not ready after ${timeoutMs} ms:\n${text}`));
    }, timeoutMs);
    const onData = (chunk) => {
      text += chunk;
      if (ready.test(text)) {
        clearTimeout(timer);
        resolve(handle);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code ?? signal}) before it was ready:\n${text}`));
    });
  });
}

/**
 * Runs a command to its end without blocking this process's event loop (a stub server in the
 * test may have to answer it). Killed, with its process group, after `timeoutMs`.
 * @returns {Promise<{ code, signal, stdout, stderr, output }>} (output: both streams, for messages)
 */
export function runCommand(command, args, { cwd, env = {}, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return reject(new Error(`${command} ${args.join(" ")} took over ${timeoutMs} ms:\n${stdout}${stderr}`));
      resolve({ code, signal, stdout, stderr, output: `${stdout}${stderr}` });
    });
  });
}

/**
 * A stand-in Kunog API on 127.0.0.1 for KunogClient checks: POST /v1/payment_intents answers
 * a created intent (id pi_stub<n>...) and records each request's method, path, headers and body.
 * `extra(req, res)` may answer other paths (return true when it did).
 * @returns {Promise<{ url, requests, close() }>}
 */
export async function startStubApi({ extra } = {}) {
  const { createServer } = await import("node:http");
  const requests = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      if (extra?.(req, res, body)) return;
      requests.push({ method: req.method, path: req.url, headers: req.headers, body });
      if (req.method !== "POST" || req.url !== "/v1/payment_intents") {
        res.writeHead(404, { "content-type": "application/json" });
        return res.end(JSON.stringify({ error: { type: "invalid_request_error", code: "unknown_route", message: `no route ${req.method} ${req.url}` } }));
      }
      const params = JSON.parse(body || "{}");
      const now = Date.now();
      const id = `pi_stub${String(requests.length).padStart(21, "0")}`;
      res.writeHead(200, { "content-type": "application/json", "kunog-request-id": `req_stub${requests.length}` });
      res.end(
        JSON.stringify({
          id,
          object: "payment_intent",
          status: "created",
          amount: params.amount,
          currency: params.currency,
          settlement: "USDC",
          checkout_url: `https://checkout.kunog.com/${id}`,
          success_url: null,
          cancel_url: null,
          metadata: params.metadata ?? {},
          description: null,
          amount_refunded: 0,
          livemode: false,
          created: now,
          expires_at: now + 1_800_000,
        }),
      );
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
