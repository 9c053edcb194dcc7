"""The Worker verifies `X-Hub-Signature-256` through WebCrypto
(`edge/webcrypto`); `hooklake serve` through the core's own HMAC. Both run
the core's checks around it, so every request, GitHub's published test
vector and the bad-input battery among them, gets the same answer from
workerd as from the native core."""
import json
import subprocess
import urllib.error
import urllib.request
import uuid

import pytest

import procs
from conftest import (
    BIN_DIR,
    SECRET,
    fixture,
    free_port,
    merged_payload,
    sign,
    start_worker,
    stop_worker,
    wait_for,
    worker_settings,
)

# https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
VECTOR_SECRET = "It's a Secret to Everybody"
VECTOR_BODY = b"Hello, World!"
VECTOR_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def battery():
    """(name, method, event, body, headers): signature headers given as is."""
    merged = merged_payload()
    unmerged = fixture("pull_request", "closed.payload.json")
    ping = b'{"zen":"Keep it logically awesome.","hook_id":1}'
    good = sign(VECTOR_SECRET, merged)
    hexdigest = good[len("sha256="):]
    cases = [
        ("GitHub's test vector", "POST", "ping", VECTOR_BODY, {"X-Hub-Signature-256": VECTOR_SIGNATURE}),
        ("the test vector, one bit off", "POST", "ping", VECTOR_BODY,
         {"X-Hub-Signature-256": VECTOR_SIGNATURE[:-1] + "6"}),
        ("the test vector over another body", "POST", "ping", b"Hello, World?",
         {"X-Hub-Signature-256": VECTOR_SIGNATURE}),
        ("merged, signed", "POST", "pull_request", merged, {"X-Hub-Signature-256": good}),
        ("merged, the previous secret (a rotation)", "POST", "pull_request", merged,
         {"X-Hub-Signature-256": sign(SECRET, merged)}),
        ("merged, a retired secret", "POST", "pull_request", merged,
         {"X-Hub-Signature-256": sign("retired", merged)}),
        ("merged, body changed after signing", "POST", "pull_request", merged + b" ",
         {"X-Hub-Signature-256": good}),
        ("uppercase hex", "POST", "pull_request", merged, {"X-Hub-Signature-256": "sha256=" + hexdigest.upper()}),
        ("spaces around the header", "POST", "pull_request", merged, {"X-Hub-Signature-256": f"  {good}  "}),
        ("no signature", "POST", "pull_request", merged, {}),
        ("SHA-1 only", "POST", "pull_request", merged, {"X-Hub-Signature": "sha1=" + "0" * 40}),
        ("63 hex digits", "POST", "pull_request", merged, {"X-Hub-Signature-256": good[:-1]}),
        ("65 hex digits", "POST", "pull_request", merged, {"X-Hub-Signature-256": good + "0"}),
        ("not hex", "POST", "pull_request", merged, {"X-Hub-Signature-256": "sha256=" + "zz" * 32}),
        ("sha512 prefix", "POST", "pull_request", merged, {"X-Hub-Signature-256": "sha512=" + hexdigest}),
        ("empty body, signed", "POST", "ping", b"", {"X-Hub-Signature-256": sign(VECTOR_SECRET, b"")}),
        ("ping", "POST", "ping", ping, {"X-Hub-Signature-256": sign(VECTOR_SECRET, ping)}),
        ("closed without merge", "POST", "pull_request", unmerged,
         {"X-Hub-Signature-256": sign(VECTOR_SECRET, unmerged)}),
        ("signed, not JSON", "POST", "pull_request", b"{nope", {"X-Hub-Signature-256": sign(VECTOR_SECRET, b"{nope")}),
        ("signed, wrong content type", "POST", "pull_request", merged,
         {"X-Hub-Signature-256": good, "Content-Type": "text/plain"}),
        ("signed, no delivery id", "POST", "pull_request", merged,
         {"X-Hub-Signature-256": good, "X-GitHub-Delivery": None}),
        ("GET", "GET", "ping", b"", {}),
    ]
    return cases


def ask(url, method, event, body, headers):
    h = {"Content-Type": "application/json", "X-GitHub-Event": event, "X-GitHub-Delivery": str(uuid.uuid4()),
         "User-Agent": "GitHub-Hookshot/test"}
    h.update(headers)
    h = {k: v for k, v in h.items() if v is not None}
    req = urllib.request.Request(url, data=body if method == "POST" else None, headers=h, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    answer = json.loads(raw)
    return status, answer.get("reason"), answer.get("message")


@pytest.fixture(scope="module")
def vector_worker(aws_resources, proxy):
    settings = worker_settings(aws_resources, proxy, WEBHOOK_SECRET=VECTOR_SECRET, WEBHOOK_SECRET_PREVIOUS=SECRET)
    proc, url = start_worker(settings)
    try:
        yield url
    finally:
        stop_worker(proc)


@pytest.fixture(scope="module")
def native_serve(tmp_path_factory):
    """`hooklake serve`: the same intake with the core's own HMAC."""
    port = free_port()
    env = {"HOOKLAKE_WEBHOOK_SECRET": VECTOR_SECRET, "HOOKLAKE_WEBHOOK_SECRET_PREVIOUS": SECRET,
           "PATH": "/usr/bin:/bin"}
    proc = procs.spawn([str(BIN_DIR / "hooklake"), "serve", "--listen", f"127.0.0.1:{port}",
                        "--lake", str(tmp_path_factory.mktemp("lake")), "--no-compact"],
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(url + "healthz", process=proc)
        yield url
    finally:
        procs.stop(proc)


def test_the_worker_answers_every_signature_case_as_the_native_core(vector_worker, native_serve):
    answers = {}
    for name, method, event, body, headers in battery():
        worker = ask(vector_worker, method, event, body, headers)
        native = ask(native_serve, method, event, body, headers)
        assert worker == native, f"{name}: workerd answered {worker}, the native core {native}"
        answers[name] = worker[:2]
    # And the answers are the right ones.
    assert answers["GitHub's test vector"] == (400, "invalid_json")  # verified; "Hello, World!" is not JSON
    assert answers["the test vector, one bit off"] == (401, "bad_signature")
    assert answers["the test vector over another body"] == (401, "bad_signature")
    assert answers["merged, signed"] == (202, "merged_pull_request")
    assert answers["merged, the previous secret (a rotation)"] == (202, "merged_pull_request")
    assert answers["merged, a retired secret"] == (401, "bad_signature")
    assert answers["merged, body changed after signing"] == (401, "bad_signature")
    assert answers["no signature"] == (401, "missing_signature")
    assert answers["SHA-1 only"] == (401, "sha1_signature_not_accepted")
    for malformed in ("63 hex digits", "65 hex digits", "not hex", "sha512 prefix"):
        assert answers[malformed] == (401, "malformed_signature"), malformed
    assert answers["GET"] == (405, "method_not_allowed")
    assert answers["ping"] == (200, "ping")
