// Starts `wrangler dev` (real workerd) for one of the project's Workers, on loopback, and
// waits until it answers. Used by `npm start` and by the end-to-end tests.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { root, stopProcessGroup } from "./lib.mjs";

export const wranglerBin = join(root, "node_modules", ".bin", "wrangler");

/** A loopback port that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * @param options { cwd, port, vars: { NAME: value }, persistTo?, probe = "/", timeoutMs = 90000,
 *   quiet (keep wrangler's output, for output(), instead of printing it), logLevel (wrangler's
 *   --log-level; "warn" when quiet, which hides the Worker's console.log: pass "log" to keep it) }
 * @returns { url, child, output(), stop() }
 */
export async function startWrangler({ cwd, port, vars = {}, persistTo, probe = "/", timeoutMs = 90_000, quiet = false, logLevel }) {
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", "0", "--show-interactive-dev-session=false"];
  if (logLevel ?? quiet) args.push("--log-level", logLevel ?? "warn");
  if (persistTo) args.push("--persist-to", persistTo);
  for (const [name, value] of Object.entries(vars)) args.push("--var", `${name}:${value}`);
  const child = spawn(wranglerBin, args, {
    cwd,
    stdio: ["ignore", quiet ? "pipe" : "inherit", quiet ? "pipe" : "inherit"],
    // CLOUDFLARE_CF_FETCH_ENABLED=false: no lookup of workers.cloudflare.com for request.cf,
    // which this offline machine cannot reach (a warning on every start otherwise).
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" },
    detached: true, // its own process group, so that stop() ends workerd too
  });
  let output = "";
  const keep = (chunk) => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopProcessGroup(child);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev in ${cwd} exited (${child.exitCode}): ${output}`);
    try {
      const response = await fetch(`${url}${probe}`, { redirect: "manual" });
      await response.arrayBuffer();
      if (response.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev in ${cwd} did not answer within ${timeoutMs / 1000} s: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return { url, child, output: () => output, stop };
}
