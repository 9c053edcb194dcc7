// CPU per 28 KB merged delivery in V8: hooklake's edge core compiled to
// wasm, as the Worker runs it (the signature through WebCrypto), and with
// SHA-256 computed in wasm, next to the same checks in JavaScript (WebCrypto
// HMAC verify + JSON.parse + classify + envelope). Also a delivery that is
// not a merged pull request (most of a busy webhook's traffic), for
// docs/cost.md. Rounds alternate between the three; medians are printed.
// Usage: node bench/edge/v8.mjs PKG_DIR PAYLOAD [--json OUT]
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { createHmac } from "node:crypto";
import { importKey, jsDecide, notMergedOf } from "./workerd/reference.mjs";

const [pkgDir, payloadPath, ...rest] = process.argv.slice(2);
const jsonOut = rest[0] === "--json" ? rest[1] : null;
const require = createRequire(import.meta.url);
const { Edge } = require(`${pkgDir}/hooklake_edge_bench_wasm.js`);

const secret = "It's a Secret to Everybody";
const sign = (body) => "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
const merged = readFileSync(payloadPath);
const notMerged = notMergedOf(merged);
const N = 3000;
const ROUNDS = 5;

async function perCall(fn) {
  for (let i = 0; i < 300; i++) await fn(i); // warm up the JIT / tier up the wasm
  const start = performance.now();
  for (let i = 0; i < N; i++) await fn(i);
  return ((performance.now() - start) / N) * 1000; // µs
}

const edge = await Edge.create(secret);
const key = await importKey(secret);

function cases(body, expected) {
  const signature = sign(body);
  const sigBytes = Buffer.from(signature.slice(7), "hex");
  const check = (status, what) => { if (status !== expected) throw new Error(`${what}: status ${status}, expected ${expected}`); };
  return {
    webcrypto: async (i) => check(await edge.decide("pull_request", `d-${i}`, signature, body, Date.now()), "wasm + WebCrypto"),
    wasm: (i) => check(edge.decide_in_wasm("pull_request", `d-${i}`, signature, body, Date.now()), "wasm"),
    js: async (i) => check(await jsDecide(key, body, sigBytes, i), "JavaScript"),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function measure(body, expected) {
  const fns = cases(body, expected);
  const runs = { webcrypto: [], wasm: [], js: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(runs)) runs[name].push(await perCall(fns[name]));
  }
  return Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
}

const m = await measure(merged, 202);
const n = await measure(notMerged, 200);
const line = (label, us) => console.log(`${label}: ${us.toFixed(1)} µs per delivery`);
console.log(`merged pull request, ${merged.length} bytes (medians of ${ROUNDS} rounds of ${N}):`);
line("  the Worker's core (wasm, signature through WebCrypto)", m.webcrypto);
line("  the core with SHA-256 in wasm", m.wasm);
line("  JavaScript (WebCrypto + JSON.parse)", m.js);
console.log(`  Worker / JavaScript time ratio: ${(m.webcrypto / m.js).toFixed(2)} (SHA-256 in wasm: ${(m.wasm / m.js).toFixed(2)})`);
console.log(`not merged (synchronize), ${notMerged.length} bytes:`);
line("  the Worker's core (wasm, signature through WebCrypto)", n.webcrypto);
line("  JavaScript (WebCrypto + JSON.parse)", n.js);
if (jsonOut) {
  writeFileSync(jsonOut, JSON.stringify({
    payload_bytes: merged.length,
    merged_us: { worker: m.webcrypto, sha256_in_wasm: m.wasm, javascript: m.js },
    not_merged_us: { worker: n.webcrypto, sha256_in_wasm: n.wasm, javascript: n.js },
    ratio_to_javascript: m.webcrypto / m.js,
  }, null, 2) + "\n");
}
