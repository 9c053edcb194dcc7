// Times bench/edge/workerd/worker.mjs from outside: per delivery, the wall
// time of a request that runs N deliveries less that of one that runs
// none, over alternating rounds; medians.
// Usage: node bench/edge/workerd/client.mjs URL PAYLOAD [--json OUT]
//        node bench/edge/workerd/client.mjs URL PAYLOAD --ab BASE_URL
//   (--ab: the Worker's core of two builds, each in its own workerd,
//   alternately; bench/edge/ab.sh)
import { readFileSync, writeFileSync } from "node:fs";
import { createHmac } from "node:crypto";
import { notMergedOf } from "./reference.mjs";

const [url, payloadPath, ...rest] = process.argv.slice(2);
const jsonOut = rest[0] === "--json" ? rest[1] : null;
const baseUrl = rest[0] === "--ab" ? rest[1] : null;
const secret = "It's a Secret to Everybody";
const merged = readFileSync(payloadPath);
const notMerged = notMergedOf(merged);
const N = 2000;
const ROUNDS = 7;

async function request(impl, n, body, expect, target = url) {
  const signature = "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
  const start = performance.now();
  const response = await fetch(`${target}?impl=${impl}&n=${n}&expect=${expect}`, {
    method: "POST", body, headers: { "x-hub-signature-256": signature },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(text);
  return performance.now() - start;
}

// µs per delivery: a request of N deliveries less one of none.
async function perDelivery(impl, body, expect, target = url) {
  const empty = await request(impl, 0, body, expect, target);
  const full = await request(impl, N, body, expect, target);
  return ((full - empty) / N) * 1000;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function measure(body, expect) {
  const impls = ["worker", "wasm", "js", "verify"];
  for (const impl of impls) await request(impl, 300, body, expect); // warm up, tier up
  const runs = Object.fromEntries(impls.map((i) => [i, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const impl of impls) runs[impl].push(await perDelivery(impl, body, expect));
  }
  return Object.fromEntries(impls.map((i) => [i, median(runs[i])]));
}

if (baseUrl) {
  const runs = { base: [], new: [] };
  for (const target of [baseUrl, url]) await request("worker", 300, merged, 202, target);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [["base", baseUrl], ["new", url]] : [["new", url], ["base", baseUrl]];
    for (const [side, target] of order) runs[side].push(await perDelivery("worker", merged, 202, target));
  }
  const fmt = (xs) => xs.map((x) => x.toFixed(1)).join(", ");
  console.log(`in workerd, the Worker's core per ${merged.length}-byte merged delivery (µs): base [${fmt(runs.base)}], new [${fmt(runs.new)}]`);
  console.log(`medians: base ${median(runs.base).toFixed(1)} µs, new ${median(runs.new).toFixed(1)} µs, new/base ${(median(runs.new) / median(runs.base)).toFixed(3)}`);
  process.exit(0);
}

const m = await measure(merged, 202);
const n = await measure(notMerged, 200);
const line = (label, us) => console.log(`${label}: ${us.toFixed(1)} µs per delivery`);
console.log(`in workerd: merged pull request, ${merged.length} bytes (medians of ${ROUNDS} rounds of ${N}):`);
line("  the Worker's core (wasm, signature through WebCrypto)", m.worker);
line("  the core with SHA-256 in wasm", m.wasm);
line("  JavaScript (WebCrypto + JSON.parse)", m.js);
line("  of which WebCrypto's verify alone", m.verify);
console.log(`  Worker / JavaScript time ratio: ${(m.worker / m.js).toFixed(2)} (SHA-256 in wasm: ${(m.wasm / m.js).toFixed(2)})`);
console.log(`in workerd: not merged (synchronize), ${notMerged.length} bytes:`);
line("  the Worker's core (wasm, signature through WebCrypto)", n.worker);
line("  JavaScript (WebCrypto + JSON.parse)", n.js);
if (jsonOut) {
  writeFileSync(jsonOut, JSON.stringify({
    runtime: "workerd",
    payload_bytes: merged.length,
    merged_us: { worker: m.worker, sha256_in_wasm: m.wasm, javascript: m.js, webcrypto_verify: m.verify },
    not_merged_us: { worker: n.worker, sha256_in_wasm: n.wasm, javascript: n.js },
    ratio_to_javascript: m.worker / m.js,
  }, null, 2) + "\n");
}
