// `npm run fuzz [seconds]`: each fuzz target in fuzz/ under libFuzzer (cargo-fuzz) for a
// bounded time (60 s each unless given). Not part of `npm test`: fuzzing finds what it finds
// in its own time. The toolchain here is stable, so RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its
// -Z flags (sanitizer instrumentation). A crash leaves its input in fuzz/artifacts/<target>/.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { log, output, root, run } from "./lib.mjs";

const seconds = Number(process.argv[2] ?? process.env.KUNOG_FUZZ_SECONDS ?? 60);
if (!Number.isInteger(seconds) || seconds < 1) {
  log(`usage: npm run fuzz [seconds per target]; got ${process.argv[2]}`);
  process.exit(2);
}

if (output("cargo", ["fuzz", "--version"]) === null) {
  log("installing cargo-fuzz (takes a few minutes)");
  run("cargo", ["install", "cargo-fuzz", "--locked"]);
}

const manifest = readFileSync(join(root, "fuzz", "Cargo.toml"), "utf8");
const targets = [...manifest.matchAll(/^name = "([a-z_]+)"\npath = "fuzz_targets\//gm)].map((m) => m[1]);
const env = { ...process.env, RUSTC_BOOTSTRAP: "1" };
for (const target of targets) {
  log(`fuzzing ${target} for ${seconds} s`);
  run("cargo", ["fuzz", "run", target, "--", `-max_total_time=${seconds}`, "-max_len=4096", "-print_final_stats=1"], { env });
}
log(`fuzzed ${targets.join(", ")}: no crash`);
