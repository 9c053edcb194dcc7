// CPU per 28 KB merged delivery in V8: hooklake's edge core compiled to
// wasm, next to the same checks in JavaScript (WebCrypto HMAC verify +
// JSON.parse + classify + envelope). Usage: node bench/edge/v8.mjs PKG_DIR PAYLOAD
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { createHmac, webcrypto } from "node:crypto";

const [pkgDir, payloadPath] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const { Edge } = require(`${pkgDir}/hooklake_edge_bench_wasm.js`);

const secret = "It's a Secret to Everybody";
const body = readFileSync(payloadPath);
const signature = "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
const N = 3000;

function time(label, fn) {
  for (let i = 0; i < 300; i++) fn(i); // warm up the JIT / tier up the wasm
  const start = performance.now();
  for (let i = 0; i < N; i++) fn(i);
  const perCall = (performance.now() - start) / N;
  return { label, ms: perCall };
}

const edge = new Edge(secret);
const wasm = time("wasm edge core", (i) => {
  const status = edge.decide("pull_request", `d-${i}`, signature, body, Date.now());
  if (status !== 202) throw new Error(`status ${status}`);
});

// The same work in JavaScript, as a Worker written in JS would do it.
const key = await webcrypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
const sigBytes = Buffer.from(signature.slice(7), "hex");
async function jsDecide(i) {
  const ok = await webcrypto.subtle.verify("HMAC", key, sigBytes, body);
  if (!ok) return 401;
  const text = new TextDecoder().decode(body);
  const payload = JSON.parse(text);
  if (payload.action !== "closed" || payload.pull_request?.merged !== true) return 200;
  if (!payload.pull_request.merged_at || !payload.repository) return 400;
  JSON.stringify({ v: 1, delivery_id: `d-${i}`, event: "pull_request", received_at: new Date().toISOString(), body: { inline: text } });
  return 202;
}
for (let i = 0; i < 300; i++) await jsDecide(i);
let start = performance.now();
for (let i = 0; i < N; i++) if ((await jsDecide(i)) !== 202) throw new Error("js");
const js = { label: "JavaScript (WebCrypto + JSON.parse)", ms: (performance.now() - start) / N };

for (const r of [wasm, js]) console.log(`${r.label}: ${(r.ms * 1000).toFixed(1)} µs per delivery`);
console.log(`wasm / JavaScript time ratio: ${(wasm.ms / js.ms).toFixed(2)} (below 1 means the wasm core is faster)`);
console.log(`payload: ${body.length} bytes`);
