// `npm test`: sets itself up, builds, and runs every test, then prints one closing line
// with the totals: "N passed, N failed".
//   1. cargo test                      native: unit, integration, property and doc tests (and
//                                      the sandbox crate's unit tests)
//   2. cargo test --target wasm32      the core's checks compiled to wasm32, run in Node
//   3. builds                          the npm package (pkg/), the sandbox and the merchant
//                                      Worker (sandbox/build/, build/)
//   4. node --test test/               the package from Node, the sandbox, the API client and
//                                      the Worker end to end in workerd
import { buildPackage } from "./build.mjs";
import { log, runCaptured, setup } from "./lib.mjs";

const totals = { passed: 0, failed: 0 };
let failedSuites = [];

function count(text, kind) {
  if (kind === "cargo") {
    for (const m of text.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
      totals.passed += Number(m[1]);
      totals.failed += Number(m[2]);
    }
  } else {
    // node --test (TAP): "# pass N" / "# fail N"
    const pass = text.match(/^# pass (\d+)/m);
    const fail = text.match(/^# fail (\d+)/m);
    totals.passed += Number(pass?.[1] ?? 0);
    totals.failed += Number(fail?.[1] ?? 0);
  }
}

async function suite(name, command, args, kind, env = {}) {
  log(`test suite: ${name}`);
  const { status, text } = await runCaptured(command, args, { env: { ...process.env, ...env } });
  count(text, kind);
  if (status !== 0) failedSuites.push(name);
}

setup();
await suite("rust (native)", "cargo", ["test", "--locked"], "cargo");
await suite("rust sandbox (native)", "cargo", ["test", "--locked", "-p", "kunog-sandbox", "--lib"], "cargo");
await suite(
  "rust (wasm32 in Node)",
  "cargo",
  ["test", "--locked", "--target", "wasm32-unknown-unknown", "--test", "hostile", "--test", "vectors"],
  "cargo",
);
buildPackage();
await (await import("./sandbox.mjs")).buildSandbox();
(await import("./worker.mjs")).buildWorker();
(await import("./lib.mjs")).ensureChromium(); // the headless browser test (test/worker/browser.test.mjs)
await suite("node", process.execPath, ["--test", "--test-reporter=tap", "test/"], "node");

if (failedSuites.length) log(`failed suites: ${failedSuites.join(", ")}`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(failedSuites.length || totals.failed ? 1 : 0);
