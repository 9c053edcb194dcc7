// The edge core timed inside workerd, the runtime Cloudflare runs Workers
// in (V8 in node has WebCrypto too, but runs it on a thread pool: a hop
// per call that workerd does not make). One request runs `n` deliveries
// through one implementation; bench/edge/workerd/client.mjs times requests
// from outside (workerd's clocks stand still while code runs).
//   impl=worker: the Worker's core, the signature through WebCrypto;
//   impl=wasm:   the core with SHA-256 computed in wasm;
//   impl=js:     the same checks in JavaScript (WebCrypto + JSON.parse);
//   impl=verify: WebCrypto's HMAC verify alone, the floor of the first.
import wasmModule from "./pkg/hooklake_edge_bench_wasm_bg.wasm";
import { initSync, Edge } from "./pkg/hooklake_edge_bench_wasm.js";
import { importKey, jsDecide } from "./reference.mjs";

initSync({ module: wasmModule });
const SECRET = "It's a Secret to Everybody";
let edge, key;

function hex(text) {
  return new Uint8Array(text.match(/../g).map((h) => parseInt(h, 16)));
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const impl = url.searchParams.get("impl");
    const n = Number(url.searchParams.get("n"));
    const expected = Number(url.searchParams.get("expect"));
    const signature = request.headers.get("x-hub-signature-256");
    const body = new Uint8Array(await request.arrayBuffer());
    // A build from before WebCrypto (bench/edge/ab.sh) has a plain constructor.
    edge ??= Edge.create ? await Edge.create(SECRET) : new Edge(SECRET);
    key ??= await importKey(SECRET);
    const sigBytes = hex(signature.slice(7));
    for (let i = 0; i < n; i++) {
      let status;
      if (impl === "worker") status = await edge.decide("pull_request", `d-${i}`, signature, body, Date.now());
      else if (impl === "wasm") status = edge.decide_in_wasm("pull_request", `d-${i}`, signature, body, Date.now());
      else if (impl === "verify") status = (await crypto.subtle.verify("HMAC", key, sigBytes, body)) ? expected : 401;
      else status = await jsDecide(key, body, sigBytes, i);
      if (status !== expected) return new Response(`${impl}: status ${status}, expected ${expected}`, { status: 500 });
    }
    return new Response("ok");
  },
};
