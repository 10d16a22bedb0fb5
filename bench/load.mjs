// Cold load: what importing the package adds to a fresh Node process (a Lambda cold start, a
// CLI), measured against the same process importing nothing; each entry alternates with the
// baseline, medians of `runs`. The wasm is decoded from base64 and compiled synchronously.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(fileURLToPath(new URL("..", import.meta.url)), "pkg");

function timeMs(script) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ["-e", script], { stdio: "ignore" });
  if (result.status !== 0) throw new Error(`node -e ${script} failed (${result.status})`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export function benchLoad({ runs = 15 } = {}) {
  const entries = [
    ["kunog (require)", `require(${JSON.stringify(join(pkg, "index.cjs"))})`],
    ["kunog/webhooks (require)", `require(${JSON.stringify(join(pkg, "webhooks.cjs"))})`],
    ["kunog (import)", `import(${JSON.stringify(join(pkg, "index.mjs"))})`],
  ];
  return entries.map(([name, script]) => {
    const baseline = [];
    const loaded = [];
    for (let i = 0; i < runs; i++) {
      baseline.push(timeMs("0"));
      loaded.push(timeMs(script));
    }
    return { name, baselineMs: median(baseline), loadedMs: median(loaded), addedMs: median(loaded) - median(baseline) };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) console.table(benchLoad());
