// `npm run bench`: speed and size targets, measured side by side in one process.
// Not a test: these machines are shared and noisy, so nothing here fails a build.
import { execFileSync } from "node:child_process";
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

// Size budget: what each entry makes a user download and compile (KB = 1000 bytes, so the
// targets hold under either reading of "KB").
console.log("\nwasm size (targets: kunog <= 120 KB raw, kunog/webhooks <= 60 KB raw; KB = 1000 B)");
for (const [name, file, targetKb] of [
  ["kunog", "pkg/wasm-web/kunog_core_bg.wasm", 120],
  ["kunog/webhooks", "pkg/wasm-web/kunog_webhooks_bg.wasm", 60],
]) {
  const bytes = readFileSync(join(root, file));
  const gz = gzipSync(bytes, { level: 9 }).length;
  const verdict = bytes.length <= targetKb * 1000 ? "target met" : `target ${targetKb} KB NOT met`;
  console.log(
    `  ${name.padEnd(14)} ${(bytes.length / 1000).toFixed(1).padStart(6)} KB raw (${bytes.length} B)   ${(gz / 1000).toFixed(1).padStart(5)} KB gzipped   (${verdict})   ${file}`,
  );
}
{
  // The tarball users install, as `npm pack` makes it.
  const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: join(root, "pkg"), encoding: "utf8" }))[0];
  console.log(`  npm tarball    ${(packed.size / 1000).toFixed(1).padStart(6)} KB packed, ${(packed.unpackedSize / 1000).toFixed(1)} KB unpacked, ${packed.entryCount} files`);
}

// Cold load: a fresh Node process importing the package vs importing nothing.
const { benchLoad } = await import("../bench/load.mjs");
console.log("\ncold load: a fresh `node` importing the entry vs importing nothing (alternating, medians of 15)");
for (const row of benchLoad()) {
  console.log(`  ${row.name.padEnd(26)} ${row.loadedMs.toFixed(1).padStart(6)} ms vs ${row.baselineMs.toFixed(1).padStart(6)} ms   adds ${row.addedMs.toFixed(1)} ms`);
}

// KunogClient.createPaymentIntent vs a bare fetch of the same request, against the sandbox.
const { benchClient } = await import("../bench/client.mjs");
console.log("\nKunogClient.createPaymentIntent vs a bare fetch of the same request to the local sandbox (alternating)");
console.log("ratio = kunog median / fetch median; target: overhead < 5%");
try {
  const c = await benchClient();
  const verdict = c.overheadPct < 5 ? "  (target met)" : "  (target NOT met)";
  console.log(
    `  ${c.iterations} each   kunog ${c.kunogMedianMs.toFixed(2)} ms   fetch ${c.fetchMedianMs.toFixed(2)} ms   ratio ${c.ratio.toFixed(3)}   overhead ${c.overheadPct.toFixed(1)}%${verdict}   (median of pair ratios ${c.pairRatioMedian.toFixed(3)})`,
  );
} catch (error) {
  console.log(`  skipped: ${error.message.split("\n")[0]} (the sandbox is built by \`npm run sandbox\`)`);
}

// The merchant Worker's webhook endpoint in workerd beside a plain-JS Worker (bench/worker.mjs).
console.log("\nPOST /webhooks/kunog in workerd (wrangler dev): the Rust Worker vs a plain-JS Worker (WebCrypto + SQLite Durable Object)");
try {
  const w = await (await import("../bench/worker.mjs")).benchWorker();
  console.log(`  per run: ${w.requests} valid signed deliveries, concurrency ${w.concurrency}, ${w.orders} orders, from a child process`);
  for (const r of w.runs) {
    const cpu = r.cpuUsPerRequest === null ? "" : `   workerd CPU ${r.cpuUsPerRequest.toFixed(0).padStart(6)} µs/delivery`;
    console.log(`  round ${r.round} ${r.worker.padEnd(4)} ${r.rps.toFixed(1).padStart(8)} req/s   p50 ${r.p50Ms.toFixed(1).padStart(6)} ms   p99 ${r.p99Ms.toFixed(1).padStart(6)} ms${cpu}`);
  }
  console.log(`  mean: rust ${w.rustRps.toFixed(1)} req/s, js ${w.jsRps.toFixed(1)} req/s   ratio rust/js ${w.ratio.toFixed(2)} (>= 1.0: Rust at least as fast)`);
  if (w.cpuRatio !== null) console.log(`  workerd CPU per delivery: rust ${w.rustCpuUs.toFixed(0)} µs, js ${w.jsCpuUs.toFixed(0)} µs   ratio js/rust ${w.cpuRatio.toFixed(2)}`);
} catch (error) {
  console.log(`  the Worker benchmark failed: ${error.message}`);
  process.exitCode = 1;
}
