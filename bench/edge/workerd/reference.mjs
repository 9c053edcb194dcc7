// The edge's checks written in JavaScript, as a Worker in JavaScript would
// do them: what bench/edge/v8.mjs and bench/edge/workerd compare the edge
// core with. Runs in node and in workerd.

// The same checks on one delivery: WebCrypto HMAC verify, decode, JSON.parse,
// classify, build the envelope. Returns the HTTP status.
export async function jsDecide(key, body, sigBytes, i) {
  const ok = await crypto.subtle.verify("HMAC", key, sigBytes, body);
  if (!ok) return 401;
  const text = new TextDecoder().decode(body);
  const payload = JSON.parse(text);
  if (payload.action !== "closed" || payload.pull_request?.merged !== true) return 200;
  if (!payload.pull_request.merged_at || !payload.repository) return 400;
  JSON.stringify({ v: 1, delivery_id: `d-${i}`, event: "pull_request", received_at: new Date().toISOString(), body: { inline: text } });
  return 202;
}

// The HMAC key both sides verify with.
export function importKey(secret) {
  return crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
}

// A merged delivery's payload as a `synchronize` of the same pull request:
// most of a busy webhook's traffic, answered and dropped.
export function notMergedOf(merged) {
  const payload = JSON.parse(new TextDecoder().decode(merged));
  payload.action = "synchronize";
  payload.pull_request.merged = false;
  payload.pull_request.merged_at = null;
  return new TextEncoder().encode(JSON.stringify(payload));
}
