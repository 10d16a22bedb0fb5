// What `npm pack` puts in the tarball users install: every file the manifest names ("main",
// "types", each export condition) and every file those load, transitively, and nothing else
// (no Rust sources, tests, source maps or stray files); wasm that validates, and base64
// copies (the bundler entries') that decode to the same bytes as the wasm-web/ modules.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, normalize } from "node:path";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";

import { root, tarball, tarballFiles } from "./project.mjs";

// Installing the tarball into a fresh project, and what else a suite's setup builds.
const SETUP_TIMEOUT_MS = 180_000;

// Files a package may hold that nothing imports (a nested package.json says its folder's
// .js files are ES modules).
const DOCUMENTS = /^(package\.json|README\.md|[^/]+\/package\.json)$/;
const LICENSE = /^(LICEN[CS]E|COPYING)(-[A-Z0-9.]+)?(\.(md|txt))?$/i;

// The relative files a JS or .d.ts file loads: import/export from, import(), require(), the
// Node glue's `${__dirname}/x.wasm` or path.join(__dirname, "..", "x.wasm"), and
// new URL("x", import.meta.url).
function referencedFiles(text) {
  const joined = [...text.matchAll(/\bjoin\(\s*__dirname\s*((?:,\s*["'][^"']+["']\s*)+)\)/g)].map((match) =>
    [...match[1].matchAll(/["']([^"']+)["']/g)].map((part) => part[1]).join("/"),
  );
  const patterns = [
    /\b(?:import|export)\s[^;]*?\sfrom\s*["'](\.{1,2}\/[^"']+)["']/g,
    /\bimport\s*["'](\.{1,2}\/[^"']+)["']/g,
    /\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g,
    /\brequire\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g,
    /\$\{__dirname\}\/([^`]+)`/g,
    /new URL\(\s*["']([^"':]+)["']\s*,\s*import\.meta\.url\s*\)/g,
  ];
  return [...new Set([...joined, ...patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[1]))])];
}

describe("the packed tarball", () => {
  let files;
  let unpacked;
  let manifest;

  before(() => {
    files = tarballFiles();
    unpacked = mkdtempSync(join(tmpdir(), "kunog-tarball-contents-"));
    execFileSync("tar", ["-xzf", tarball(), "-C", unpacked], { timeout: 30_000 });
    unpacked = join(unpacked, "package");
    manifest = JSON.parse(readFileSync(join(unpacked, "package.json"), "utf8"));
  }, { timeout: SETUP_TIMEOUT_MS });
  after(() => {
    if (unpacked) rmSync(dirname(unpacked), { recursive: true, force: true });
  });

  const read = (file) => readFileSync(join(unpacked, file));

  it("reports its size, packed and unpacked", (t) => {
    const packed = statSync(tarball()).size;
    const sizes = Object.fromEntries(files.map((file) => [file, statSync(join(unpacked, file)).size]));
    const total = Object.values(sizes).reduce((sum, size) => sum + size, 0);
    const byFolder = {};
    for (const [file, size] of Object.entries(sizes)) {
      const folder = file.includes("/") ? `${file.split("/")[0]}/` : "(top level)";
      byFolder[folder] = (byFolder[folder] ?? 0) + size;
    }
    t.diagnostic(`${tarball().slice(root.length + 1)}: ${files.length} files, packed ${packed} B (${(packed / 1024).toFixed(1)} KiB), unpacked ${total} B (${(total / 1024).toFixed(1)} KiB)`);
    t.diagnostic(`unpacked by folder: ${Object.entries(byFolder).map(([folder, size]) => `${folder} ${size} B`).join(", ")}`);
    for (const file of files.filter((name) => name.endsWith(".wasm"))) t.diagnostic(`${file}: ${sizes[file]} B`);
    // A sanity bound: two wasm modules in three forms are a few hundred KiB, not megabytes.
    assert.ok(packed < 2_000_000, `the tarball is ${packed} B`);
  });

  it("is the built package with a real version, the same as pkg/package.json", () => {
    assert.equal(manifest.name, "kunog");
    assert.match(manifest.version, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    assert.notEqual(manifest.version, "0.0.0-set-by-build");
    assert.equal(manifest.version, JSON.parse(readFileSync(join(root, "pkg", "package.json"), "utf8")).version);
    assert.deepEqual(manifest.exports, JSON.parse(readFileSync(join(root, "js", "package.json"), "utf8")).exports);
  });

  it("holds every file that main, types and the exports map name, with types first and default last", () => {
    const named = new Set([manifest.main, manifest.types]);
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      if (typeof target === "string") {
        named.add(target);
        continue;
      }
      const conditions = Object.keys(target);
      assert.equal(conditions[0], "types", `${subpath}: TypeScript reads "types" only when it comes first`);
      assert.equal(conditions.at(-1), "default", `${subpath}: "default" must come last`);
      for (const file of Object.values(target)) named.add(file);
    }
    for (const file of named) {
      const path = normalize(file);
      assert.ok(files.includes(path), `${file} is named in package.json but not in the tarball`);
    }
  });

  it("carries the licence texts its \"license\" field names", () => {
    assert.equal(manifest.license, "MIT OR Apache-2.0");
    assert.match(read("LICENSE-MIT").toString("utf8"), /^MIT License/);
    assert.match(read("LICENSE-APACHE").toString("utf8"), /Apache License\s+Version 2\.0/);
  });

  it("holds every file the entries load, transitively, and nothing else", () => {
    const entries = new Set([manifest.main, manifest.types]);
    for (const target of Object.values(manifest.exports)) {
      for (const file of typeof target === "string" ? [target] : Object.values(target)) entries.add(file);
    }
    const reachable = new Set();
    const missing = [];
    const queue = [...entries].map((file) => normalize(file));
    while (queue.length) {
      const file = queue.shift();
      if (reachable.has(file)) continue;
      reachable.add(file);
      if (!/\.(c|m)?js$|\.d\.ts$/.test(file) || file === "package.json") continue;
      for (const reference of referencedFiles(read(file).toString("utf8"))) {
        let target = normalize(join(dirname(file), reference));
        // A .d.ts importing "./index.js" means ./index.d.ts.
        if (file.endsWith(".d.ts") && target.endsWith(".js")) target = target.replace(/\.js$/, ".d.ts");
        if (!files.includes(target)) missing.push(`${target} (loaded by ${file})`);
        else queue.push(target);
      }
    }
    assert.deepEqual(missing, [], "files loaded by the package but missing from the tarball");
    const unexpected = files.filter((file) => !reachable.has(file) && !DOCUMENTS.test(file) && !LICENSE.test(file));
    assert.deepEqual(unexpected, [], "files in the tarball that no entry loads");
  });

  it("holds no Rust sources, tests, source maps, dotfiles or build leftovers", () => {
    const stray = files.filter(
      (file) =>
        /\.(rs|toml|lock|map|ts|tsbuildinfo|log|tgz|orig|rej|swp)$/.test(file.replace(/\.d\.ts$/, "")) ||
        /(^|\/)(src|test|tests|target|node_modules|examples|scripts|\.[^/]+)(\/|$)/.test(file) ||
        /\.test\.|\.spec\./.test(file),
    );
    assert.deepEqual(stray, []);
    // Declarations: the two entries' only.
    assert.deepEqual(files.filter((file) => file.endsWith(".d.ts")).sort(), ["index.d.ts", "webhooks.d.ts"]);
    // Nothing in pkg/ is left out of the tarball either (so the tests of pkg/ test what ships).
    const inPkg = [];
    const walk = (dir, prefix) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
        else inPkg.push(`${prefix}${entry.name}`);
      }
    };
    walk(join(root, "pkg"), "");
    assert.deepEqual(inPkg.filter((file) => !files.includes(file)).sort(), [], "files of pkg/ that npm pack leaves out");
  });

  it("holds wasm that validates, and base64 copies that decode to the wasm-web/ bytes", (t) => {
    const wasmFiles = files.filter((file) => file.endsWith(".wasm")).sort();
    // One .wasm file per module, for workerd (wasm-web/); Node's glue (wasm/) and the bundler
    // entry compile the base64 copy (wasm-inline/), so that bundles of either carry the wasm.
    assert.deepEqual(wasmFiles, ["wasm-web/kunog_core_bg.wasm", "wasm-web/kunog_webhooks_bg.wasm"]);
    for (const file of wasmFiles) {
      const bytes = read(file);
      assert.ok(WebAssembly.validate(bytes), `${file} is not valid WebAssembly (with Node ${process.version}'s features)`);
    }
    const inline = files.filter((file) => file.startsWith("wasm-inline/")).sort();
    assert.deepEqual(inline, ["wasm-inline/kunog_core.cjs", "wasm-inline/kunog_webhooks.cjs"]);
    for (const file of inline) {
      const name = file.slice("wasm-inline/".length, -".cjs".length);
      const text = read(file).toString("utf8");
      const match = text.match(/^module\.exports = "([A-Za-z0-9+/]*={0,2})";$/m);
      assert.ok(match, `${file} is not one base64 string export`);
      const decoded = Buffer.from(match[1], "base64");
      assert.equal(decoded.toString("base64"), match[1], `${file} is not canonical base64`);
      const web = read(`wasm-web/${name}_bg.wasm`);
      assert.ok(decoded.equals(web), `${file} decodes to ${decoded.length} B, not wasm-web/${name}_bg.wasm's ${web.length} B`);
      t.diagnostic(`${name}: wasm-web/${name}_bg.wasm ${web.length} B, its base64 copy ${match[1].length} B`);
    }
    // The light subpath's own, smaller wasm.
    const core = read("wasm-web/kunog_core_bg.wasm").length;
    const light = read("wasm-web/kunog_webhooks_bg.wasm").length;
    assert.ok(light < core / 2, `kunog/webhooks's wasm (${light} B) is not much smaller than kunog's (${core} B)`);
  });

  it("gives kunog/webhooks entries that load only the light wasm", () => {
    for (const condition of Object.keys(manifest.exports["./webhooks"]).filter((name) => name !== "types")) {
      const entry = normalize(manifest.exports["./webhooks"][condition]);
      const seen = new Set();
      const queue = [entry];
      while (queue.length) {
        const file = queue.shift();
        if (seen.has(file)) continue;
        seen.add(file);
        if (/\.(c|m)?js$/.test(file)) for (const reference of referencedFiles(read(file).toString("utf8"))) queue.push(normalize(join(dirname(file), reference)));
      }
      const heavy = [...seen].filter((file) => /kunog_core|client\.cjs/.test(file));
      assert.deepEqual(heavy, [], `kunog/webhooks (${condition}: ${entry}) loads the full client`);
    }
  });
});
