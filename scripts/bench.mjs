// `npm run bench`: speed and size targets, measured side by side in one process.
// Not a test: these machines are shared and noisy, so nothing here fails a build.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildPackage } from "./build.mjs";
import { root } from "./lib.mjs";

buildPackage();
const { benchWebhooks } = await import("../bench/webhook.mjs");

console.log("\nWebhook.verify (signature + parse into the event) vs the seed's node:crypto verify + JSON.parse");
console.log("ratio = seed time / kunog time (>= 1.0: kunog at least as fast); targets: >= 1.0 up to 1 KB, >= 0.5 at 16 KB");
for (const row of benchWebhooks()) {
  const target = row.bytes <= 1100 ? 1.0 : row.bytes >= 16000 ? 0.5 : null;
  const verdict = target === null ? "" : row.ratio >= target ? "  (target met)" : `  (target ${target} NOT met)`;
  console.log(
    `  ${String(row.bytes).padStart(6)} B   kunog ${row.kunogUs.toFixed(2).padStart(8)} µs   seed ${row.seedUs.toFixed(2).padStart(8)} µs   ratio ${row.ratio.toFixed(2)}${verdict}`,
  );
}

console.log("\nwasm size (targets: kunog <= 120 KB raw, kunog/webhooks <= 60 KB raw)");
for (const [name, file] of [["kunog", "pkg/wasm/kunog_core_bg.wasm"], ["kunog/webhooks", "pkg/wasm/kunog_webhooks_bg.wasm"]]) {
  const bytes = readFileSync(join(root, file));
  const gz = gzipSync(bytes, { level: 9 }).length;
  console.log(`  ${name.padEnd(14)} ${(bytes.length / 1024).toFixed(1).padStart(6)} KB raw   ${(gz / 1024).toFixed(1).padStart(6)} KB gzipped   ${file}`);
}
