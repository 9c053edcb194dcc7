"""Writes the seed corpora (fuzz/corpus/<target>/) from the test fixtures:
GitHub's documented pull_request payloads (octokit/webhooks) and the CLI's
samples, as each target takes its input. Run once; the corpora are committed
and grow with what the fuzzers find (bench/fuzz.sh)."""

import hashlib
import hmac
import json
import pathlib
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
SECRET = b"It's a Secret to Everybody"

payloads = sorted((ROOT / "tests/fixtures/octokit-webhooks/pull_request").glob("*.json"))
payloads += [ROOT / "cli/samples" / n for n in ("merged.json", "closed-unmerged.json", "ping.json")]


def reduced(payload: dict) -> dict:
    """The fields extraction reads, so inputs stay small and the fuzzer fast
    (a real payload is ~28 KB, mostly URLs nobody reads)."""
    pr = payload.get("pull_request", {})
    keep = ("id", "number", "title", "html_url", "merged", "merged_at", "merge_commit_sha",
            "additions", "deletions", "commits", "changed_files")
    out_pr = {k: pr[k] for k in keep if k in pr}
    for user in ("user", "merged_by"):
        if isinstance(pr.get(user), dict):
            out_pr[user] = {"login": pr[user]["login"]}
    for ref in ("base", "head"):
        if isinstance(pr.get(ref), dict):
            out_pr[ref] = {"ref": pr[ref]["ref"]}
    if "labels" in pr:
        out_pr["labels"] = [{"name": label["name"]} for label in pr["labels"]]
    out = {k: payload[k] for k in ("action", "number", "zen", "hook_id") if k in payload}
    if pr:
        out["pull_request"] = out_pr
    if isinstance(payload.get("repository"), dict):
        out["repository"] = {k: payload["repository"][k] for k in ("id", "full_name")}
    return out


# Compact JSON, as GitHub sends it.
texts = [json.dumps(reduced(json.loads(p.read_text())), separators=(",", ":")) for p in payloads]


def write(target: str, data: bytes) -> None:
    out = CORPUS / target
    out.mkdir(parents=True, exist_ok=True)
    (out / hashlib.sha1(data).hexdigest()).write_bytes(data)


for text in texts:
    body = text.encode()
    form = ("payload=" + urllib.parse.quote_plus(text)).encode()
    write("payload_row", body)
    # decide: the first byte picks signed/unsigned, JSON/form, and the event.
    write("decide", bytes([0]) + body)
    write("decide", bytes([2]) + form)
    write("decide", bytes([1]) + body)
    write("form", form)
    envelope = {"v": 1, "delivery_id": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
                "event": "pull_request", "received_at": "2026-11-27T10:00:00Z"}
    write("envelope", json.dumps({**envelope, "body": {"json": json.loads(text)}}).encode())
    write("envelope", json.dumps({**envelope, "hook_id": 7, "body": {"inline": text}}).encode())
stored = {"bucket": "lake", "key": "claim-checks/d.json", "size": 3, "sha256": hashlib.sha256(b"{}\n").hexdigest()}
write("envelope", json.dumps({"v": 1, "delivery_id": "d", "event": "pull_request",
                              "received_at": "2026-11-27T10:00:00Z", "body": {"stored": stored}}).encode())
# Two whole payloads, byte for byte as GitHub sends them.
for p in payloads[:1] + [ROOT / "cli/samples/merged.json"]:
    write("payload_row", json.dumps(json.loads(p.read_text()), separators=(",", ":")).encode())
print(f"seeded {sum(1 for _ in CORPUS.rglob('*') if _.is_file())} inputs from {len(texts)} payloads")
